package dev.vecrnn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tensor file (safetensors or {@code .npy}) is malformed: truncated, oversized, with a header
 * that is not what the format requires, or with data that does not match its header.
 *
 * <p>The message starts with the file and says what is wrong, e.g.
 * {@code "model.safetensors: tensor 'w' ends at byte 4096 but the data buffer has 1024 bytes"}.
 * Plain I/O failures (file missing, disk error) are reported as the usual {@link IOException}s,
 * not as this type.
 */
public final class TensorFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** A problem with {@code file}; {@code problem} says what is wrong. */
    public TensorFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** Same, with the exception that revealed the problem (e.g. a JSON syntax error). */
    public TensorFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that is malformed. */
    public Path file() {
        return file;
    }
}
