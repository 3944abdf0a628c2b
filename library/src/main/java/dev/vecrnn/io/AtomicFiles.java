package dev.vecrnn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers and crashes see either the old file or the complete new one:
 * the content goes to a temporary file in the same folder, is forced to disk, and is then
 * renamed over the target.
 */
final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of a file through a channel positioned at 0. */
    @FunctionalInterface
    interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Temporary files are named {@code .<target name>.<random>.tmp}; this marks them. */
    static final String TEMP_SUFFIX = ".tmp";

    /**
     * Replaces {@code file} by what {@code body} writes. On any failure the temporary file is
     * deleted and {@code file} is left as it was.
     */
    static void write(Path file, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || target.getFileName() == null) {
            throw new IOException(file + ": not a file path");
        }
        Path tmp = null;
        try {
            FileChannel channel = null;
            for (int attempt = 0; channel == null; attempt++) {
                tmp = dir.resolve(tempName(target.getFileName().toString()));
                try {
                    channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    if (attempt >= 10) {
                        throw e;
                    }
                    tmp = null;
                }
            }
            try (FileChannel ch = channel) {
                body.writeTo(ch);
                // Without this a crash shortly after the rename can leave the new name pointing
                // at a file whose data never reached the disk, with the old file already gone.
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable t) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | RuntimeException e) {
                    t.addSuppressed(e);
                }
            }
            throw t;
        }
        syncDirectory(dir);
    }

    private static String tempName(String targetName) {
        // Keep the name well under the usual 255-byte limit whatever the target's length.
        String base = targetName.length() > 100 ? targetName.substring(0, 100) : targetName;
        return "." + base + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + TEMP_SUFFIX;
    }

    /** Makes the rename durable where the platform allows opening a folder (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            // Not supported here (e.g. Windows); the file itself is already on disk.
        }
    }
}
