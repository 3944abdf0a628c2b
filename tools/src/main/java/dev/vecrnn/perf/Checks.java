package dev.vecrnn.perf;

import dev.vecrnn.io.AtomicFiles;
import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * The tools' argument checks: every message names the setting (a command-line option such as
 * {@code --threads}), the rule and the value given, e.g. {@code "--threads must be >= 1, got 0"}.
 * The command line, the study and the measurement configurations use these; the library checks
 * its own arguments, by the names of its API.
 *
 * <p>The file checks run before a command does any work, so that a path that cannot be read or
 * written costs a second, not the run: {@code "--out results/x.safetensors: folder /work/results
 * does not exist"}.
 */
public final class Checks {
    private Checks() {}

    /** The widths a vector-width setting may name; 0 is the scalar path. */
    private static final List<Integer> VECTOR_BITS = List.of(0, 128, 256, 512);

    /**
     * Returns {@code v} if it is at least 1.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 1, got <v>"}
     */
    public static int positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is at least 1.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 1, got <v>"}
     */
    public static long positive(String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is at least 0.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 0, got <v>"}
     */
    public static long nonNegative(String name, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is finite and above 0.
     *
     * @throws IllegalArgumentException {@code "<name> must be > 0, got <v>"} (also for NaN and infinity)
     */
    public static double positive(String name, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is finite and at least 0.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 0, got <v>"} (also for NaN and infinity)
     */
    public static double nonNegative(String name, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is at least 0; {@code +Infinity} is allowed and means "no limit".
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 0, got <v>"} (also for NaN)
     */
    public static double limit(String name, double v) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code bits} if it is one of {@link #VECTOR_BITS}.
     *
     * @throws IllegalArgumentException {@code "<name> must be 0, 128, 256 or 512, got <bits>"}
     */
    public static int vectorBits(String name, int bits) {
        if (!VECTOR_BITS.contains(bits)) {
            throw new IllegalArgumentException(name + " must be 0, 128, 256 or 512, got " + bits);
        }
        return bits;
    }

    /**
     * Returns {@code v} if it is a thread count a {@link ThreadTeam} accepts: 1 to
     * {@link ThreadTeam#maxThreads()} (a few per available processor; see there why).
     *
     * @throws IllegalArgumentException {@code "<name> must be <= 8 (4 per available processor, 2 here; ...), got <v>"}
     *     or {@code "<name> must be >= 1, got <v>"}
     */
    public static int threads(String name, int v) {
        positive(name, v);
        if (v > ThreadTeam.maxThreads()) {
            throw new IllegalArgumentException(name + " must be <= " + ThreadTeam.maxThreads() + " ("
                    + ThreadTeam.maxThreadsRule() + "), got " + v);
        }
        return v;
    }

    /**
     * Returns {@code file} if it names a regular file this process can open for reading.
     *
     * @throws IllegalArgumentException naming the option, the path and what is wrong: missing, a
     *     directory, a special file (a FIFO would block the reader), or permission denied
     */
    public static Path inputFile(String name, Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + " " + file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " " + file + ": cannot read it: " + reason(e));
        }
        if (a.isDirectory()) {
            throw new IllegalArgumentException(name + " " + file + ": is a directory, expected a file");
        }
        if (!a.isRegularFile()) {
            throw new IllegalArgumentException(name + " " + file + ": is a special file (device, FIFO or socket), "
                    + "expected a regular file");
        }
        try {
            FileChannel.open(file, StandardOpenOption.READ).close();
        } catch (IOException e) {
            String why = reason(e);
            throw new IllegalArgumentException(name + " " + file + ": cannot read it: "
                    + (why.startsWith(file + ": ") ? why.substring(file.toString().length() + 2) : why));
        }
        return file;
    }

    /**
     * Returns {@code file} if the tools' writer can replace (or create) it: the checks of
     * {@link AtomicFiles} itself (what is at the path must be a regular file or nothing, followed
     * symbolic links included; the folder must exist and take a temporary file), run by a write
     * that stops before anything is renamed: the file is left as it was, the temporary file is
     * deleted (and, as every write does, temporary files of crashed runs for the same file). When
     * {@code createsFolders} (the writer is {@link Reports#write}) and the folder is missing, the
     * nearest existing folder above it must be a writable folder instead.
     *
     * @param createsFolders whether the command's writer creates missing folders above the file
     * @throws IllegalArgumentException {@code "<name> <AtomicFiles' message>"}, e.g. {@code "--out
     *     out.safetensors: is a directory, not a regular file; refusing to replace it (choose a file path)"}
     */
    public static Path outputFile(String name, Path file, boolean createsFolders) {
        Path dir = file.toAbsolutePath().getParent();
        if (createsFolders && dir != null && !Files.isDirectory(dir)) {
            String cannot = creatable(dir);
            if (cannot != null) {
                throw new IllegalArgumentException(name + " " + file + ": cannot create the folder " + dir + ": " + cannot);
            }
            return file;
        }
        try {
            // The writer runs after every check AtomicFiles makes and before anything is renamed;
            // throwing from it makes AtomicFiles delete its temporary file and leave the target as it was.
            AtomicFiles.writeVia(file, tmp -> {
                throw ProbeDone.INSTANCE;
            });
        } catch (ProbeDone expected) {
            return file;
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " " + e.getMessage());
        }
        throw new IllegalStateException("the write probe of " + file + " returned without reaching its writer");
    }

    /**
     * Returns {@code dir}, created with any missing parents, if it is a folder in which the tools'
     * writer can replace (or create) each of {@code files}: each is checked as by
     * {@link #outputFile}.
     *
     * @throws IllegalArgumentException naming the option, the path and what is wrong, e.g.
     *     {@code "--out results: is a file, not a folder"}
     */
    public static Path outputFolder(String name, Path dir, String... files) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(name + " " + dir + ": is " + (Files.isRegularFile(dir) ? "a file"
                    : "a special file (device, FIFO or socket)") + ", not a folder; give a folder (it is created if missing)");
        }
        String cannot = Files.isDirectory(dir) ? null : creatable(dir.toAbsolutePath());
        if (cannot != null) {
            throw new IllegalArgumentException(name + " " + dir + ": cannot create the folder: " + cannot);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " " + dir + ": cannot create the folder: " + reason(e));
        }
        for (String f : files) {
            outputFile(name, dir.resolve(f), false);
        }
        return dir;
    }

    /**
     * Why the missing folder {@code dir} could not be created ({@code "/a/f is not a folder"},
     * {@code "permission denied in /a"}), judged by the nearest existing folder above it; null if
     * it looks creatable.
     */
    private static String creatable(Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return null;
        }
        if (!Files.isDirectory(existing)) {
            return existing + " is not a folder";
        }
        return Files.isWritable(existing) ? null : "permission denied in " + existing;
    }

    /** The reason of a file-system failure, with the path it concerns: {@code "/x/y: permission denied"}. */
    public static String reason(IOException e) {
        if (!(e instanceof FileSystemException f)) {
            String m = e.getMessage();
            return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        }
        String why;
        if (f instanceof AccessDeniedException) {
            why = "permission denied";
        } else if (f instanceof NoSuchFileException) {
            why = "no such file or folder";
        } else if (f instanceof FileAlreadyExistsException) {
            why = "already exists";
        } else if (f instanceof java.nio.file.NotDirectoryException) {
            why = "not a folder";
        } else if (f.getReason() != null) {
            why = f.getReason();
        } else {
            why = f.getClass().getSimpleName();
        }
        String where = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": ";
        return where + why;
    }

    /** Thrown by the write probe's writer: every check passed. */
    private static final class ProbeDone extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final ProbeDone INSTANCE = new ProbeDone();

        private ProbeDone() {
            super("write probe finished", null, false, false);
        }
    }
}
