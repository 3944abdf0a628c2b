package dev.vecrnn.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way vecrnn writes a file: readers, other processes and crashes see either the old file
 * or the complete new one, never a mix, and nothing but a regular file is ever replaced.
 *
 * <pre>{@code
 * AtomicFiles.write(Path.of("report.json"), jsonBytes);
 * AtomicFiles.write(Path.of("big.bin"), channel -> channel.write(buffer));   // stream large content
 * AtomicFiles.writeVia(Path.of("run.jfr"), recording::dump);                 // APIs that write to a path
 * }</pre>
 *
 * <h2>How</h2>
 * The content goes to a temporary file beside the target, named
 * {@code .<target name>.<pid>.<random>.tmp} (hidden, and recognisable as this target's and this
 * process's). The temporary file is forced to disk, then renamed over the target in one atomic
 * step, then the folder is forced to disk where the platform allows it (Linux, macOS), so the
 * rename itself survives a power cut. If the target existed, the new file gets its permission
 * bits. On every failure — including an exception thrown by the caller's writer — the temporary
 * file is deleted and the target is left as it was.
 *
 * <h2>What may be at the target</h2>
 * Nothing (the file is created; its folder must exist) or a regular file (it is replaced). A
 * directory, a device (such as {@code /dev/null}), a FIFO or a socket is never replaced: the write
 * fails before anything is written, with a {@link FileSystemException} naming the path and what
 * is there. A <b>symbolic link is followed</b>, as {@code open(2)} and PyTorch's {@code torch.save}
 * follow it: the file it points to (which must be a regular file) is replaced atomically and the
 * link stays a link to it. A link to nothing, or to a device or directory, is refused in the same
 * way. The target is checked before writing and again just before the rename.
 *
 * <h2>Temporary files left by a crash</h2>
 * A process killed while writing leaves its temporary file behind. Each write removes the
 * temporary files of its own target whose owning process (the {@code <pid>} in the name) is no
 * longer running, and logs each removal ({@link System.Logger}, logger {@code dev.vecrnn.io},
 * level INFO). Temporary files of live processes are left alone, so two processes writing the
 * same target do not delete each other's work; the last rename wins. The check uses process ids
 * of this machine: folders shared between machines are not cleaned reliably.
 *
 * <h2>Errors</h2>
 * Every {@link IOException} this class throws names the target path (never the temporary file
 * alone) and keeps the reason, e.g. {@code "out/model.safetensors: cannot create a temporary
 * file in out: permission denied"}; the original exception is its cause. An {@code IOException}
 * thrown by the caller's writer is reported the same way, with it as the cause. Runtime
 * exceptions and errors thrown by the writer are rethrown unchanged (after the clean-up).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the whole content through a channel positioned at byte 0 of an empty file. */
    @FunctionalInterface
    public interface ChannelWriter {
        /** Writes the content to {@code channel}; do not close it. */
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Writes the whole content to a path, for APIs that only write to paths (e.g. a JFR dump). */
    @FunctionalInterface
    public interface PathWriter {
        /**
         * Writes the content to {@code temporaryFile}, an existing empty regular file that may be
         * overwritten; do not move or delete it.
         */
        void writeTo(Path temporaryFile) throws IOException;
    }

    /** Every temporary file's name ends with this. */
    public static final String TEMP_SUFFIX = ".tmp";

    /** Longest part of the target's name kept in a temporary file's name (names stay < 255 bytes). */
    private static final int NAME_PART = 100;

    private static final System.Logger LOG = System.getLogger("dev.vecrnn.io");

    /**
     * Replaces (or creates) {@code file} with {@code content}.
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws IOException if the file cannot be written (see the class description); it is then
     *     left as it was
     */
    public static void write(Path file, byte[] content) throws IOException {
        if (content == null) {
            throw new IllegalArgumentException("cannot write " + file + ": content is null");
        }
        write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /**
     * Replaces (or creates) {@code file} with what {@code writer} writes to a channel.
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws IOException if the file cannot be written or {@code writer} throws one (see the
     *     class description); the file is then left as it was
     */
    public static void write(Path file, ChannelWriter writer) throws IOException {
        if (writer == null) {
            throw new IllegalArgumentException("cannot write " + file + ": writer is null");
        }
        replace(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writer.writeTo(ch);
                ch.force(true);
            }
        });
    }

    /**
     * Replaces (or creates) {@code file} with what {@code writer} writes to a temporary path.
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws IOException if the file cannot be written or {@code writer} throws one (see the
     *     class description); the file is then left as it was
     */
    public static void writeVia(Path file, PathWriter writer) throws IOException {
        if (writer == null) {
            throw new IllegalArgumentException("cannot write " + file + ": writer is null");
        }
        replace(file, tmp -> {
            writer.writeTo(tmp);
            BasicFileAttributes a = Files.readAttributes(tmp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw new IOException("the writer left " + kindOf(tmp, a) + " instead of a regular file");
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        });
    }

    /**
     * Deletes the temporary files that writes of {@code file} left behind when their process died
     * (see the class description), and returns them. Those of running processes are kept. A
     * file that cannot be deleted is skipped; this never fails because of one.
     *
     * @throws IOException if the folder of {@code file} cannot be listed
     */
    public static List<Path> removeStaleTempFiles(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        List<Path> removed = new ArrayList<>();
        if (dir == null || target.getFileName() == null) {
            return removed;
        }
        Pattern ours = tempPattern(target.getFileName().toString());
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*" + TEMP_SUFFIX)) {
            for (Path p : entries) {
                Matcher m = ours.matcher(p.getFileName().toString());
                if (!m.matches() || isRunning(m.group(1))) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && Files.deleteIfExists(p)) {
                        removed.add(p);
                        LOG.log(System.Logger.Level.INFO, "removed {0} ({1} bytes), a temporary file of {2} left by "
                                + "process {3}, which is no longer running", p, a.size(), file, m.group(1));
                    }
                } catch (IOException | UncheckedIOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "could not remove stale temporary file " + p, e);
                }
            }
        }
        return removed;
    }

    // ---------------------------------------------------------------- the one write path

    /** Fills the temporary file; throws whatever went wrong. */
    @FunctionalInterface
    private interface Fill {
        void into(Path tmp) throws IOException;
    }

    private static void replace(Path file, Fill fill) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file is null");
        }
        Path target = checkedTarget(file);
        Path dir = target.getParent();
        try {
            removeStaleTempFiles(target);
        } catch (IOException | RuntimeException e) {
            // Cleaning is a courtesy; the write below reports a folder that cannot be used.
            LOG.log(System.Logger.Level.DEBUG, "could not look for stale temporary files of " + file, e);
        }
        Path tmp = createTemp(file, target);
        boolean moved = false;
        try {
            copyPermissions(target, tmp);
            try {
                fill.into(tmp);
            } catch (IOException e) {
                throw failure(file, "cannot write it", e);
            }
            checkKind(file, target); // unchanged since the first check, or we must not replace it
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw failure(file, "cannot replace it", e);
            }
            moved = true;
        } finally {
            if (!moved) {
                deleteQuietly(tmp);
            }
        }
        syncDirectory(dir);
    }

    /** The path to replace: {@code file} itself, or the file its symbolic link points to. */
    private static Path checkedTarget(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getFileName() == null || abs.getParent() == null) {
            throw new FileSystemException(file.toString(), null, "not a file path");
        }
        BasicFileAttributes a = attributesOrNull(abs);
        if (a != null && a.isSymbolicLink()) {
            Path real;
            try {
                real = abs.toRealPath();
            } catch (NoSuchFileException e) {
                throw new FileSystemException(file.toString(), null, "is a symbolic link to "
                        + linkTarget(abs) + ", which does not exist; create that file or remove the link");
            } catch (IOException e) {
                throw failure(file, "cannot follow its symbolic link", e);
            }
            checkKind(file, real);
            return real;
        }
        checkKind(file, abs);
        if (a == null) {
            Path dir = abs.getParent();
            BasicFileAttributes d = attributesOrNull(dir);
            if (d == null) {
                throw new FileSystemException(file.toString(), null, "folder " + dir + " does not exist");
            }
            if (!Files.isDirectory(dir)) {
                throw new FileSystemException(file.toString(), null, dir + " is not a folder");
            }
        }
        return abs;
    }

    /** Fails unless {@code path} is absent or a regular file (links are not followed here). */
    private static void checkKind(Path file, Path path) throws IOException {
        BasicFileAttributes a = attributesOrNull(path);
        if (a == null || a.isRegularFile()) {
            return;
        }
        String where = path.equals(file.toAbsolutePath()) ? "" : " (the target of its symbolic link, " + path + ")";
        throw new FileSystemException(file.toString(), null, "is " + kindOf(path, a) + where
                + ", not a regular file; refusing to replace it (choose a file path)");
    }

    private static BasicFileAttributes attributesOrNull(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** "a directory", "a character device", ... from the file type bits where the platform has them. */
    static String kindOf(Path p, BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return switch (mode & 0170000) {
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0010000 -> "a FIFO (named pipe)";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file (device, FIFO or socket)";
        }
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | RuntimeException e) {
            return "a missing file";
        }
    }

    private static Path createTemp(Path file, Path target) throws IOException {
        String name = target.getFileName().toString();
        String base = name.length() > NAME_PART ? name.substring(0, NAME_PART) : name;
        long pid = ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++) {
            String random = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
            Path tmp = target.resolveSibling("." + base + "." + pid + "." + random + TEMP_SUFFIX);
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw failure(file, "cannot create a temporary file in " + target.getParent(), e);
                }
            } catch (IOException e) {
                throw failure(file, "cannot create a temporary file in " + target.getParent(), e);
            }
        }
    }

    /** {@code .<name>.<pid>.tmp} (older writers) or {@code .<name>.<pid>.<hex>.tmp}; group 1 is the pid. */
    private static Pattern tempPattern(String targetName) {
        String base = targetName.length() > NAME_PART ? targetName.substring(0, NAME_PART) : targetName;
        return Pattern.compile("\\." + Pattern.quote(base) + "\\.([0-9]{1,18})(?:\\.[0-9a-f]{1,16})?"
                + Pattern.quote(TEMP_SUFFIX));
    }

    private static boolean isRunning(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    /** A new file should not widen or narrow who may read what the user had there. */
    private static void copyPermissions(Path target, Path tmp) {
        PosixFileAttributeView from = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        PosixFileAttributeView to = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        if (from == null || to == null) {
            return;
        }
        try {
            to.setPermissions(from.readAttributes().permissions());
        } catch (NoSuchFileException e) {
            // nothing there yet: the new file gets the usual permissions (umask)
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not copy the permissions of " + target, e);
        }
    }

    /** An exception naming the file the caller asked for, with the reason, caused by {@code e}. */
    private static FileSystemException failure(Path file, String step, IOException e) {
        FileSystemException f = new FileSystemException(file.toString(), null, step + ": " + reason(e));
        f.initCause(e);
        return f;
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file or folder: " + n.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete the temporary file " + tmp, e);
        }
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
