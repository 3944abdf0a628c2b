package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What {@link AtomicFiles} may replace, what it leaves behind, and what its errors say. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private static final byte[] NEW = "new content".getBytes(StandardCharsets.UTF_8);

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static boolean tryRun(String... command) {
        try {
            run(command);
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The file type as {@code stat} prints it, e.g. "character special file", "fifo". */
    private static String fileType(Path p) throws IOException, InterruptedException {
        Process pr = new ProcessBuilder("stat", "-c", "%F", p.toString()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        pr.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static void assertRefused(Path target, String kind) {
        assertThatThrownBy(() -> AtomicFiles.write(target, NEW)).isInstanceOf(FileSystemException.class)
                .hasMessageStartingWith(target + ": is " + kind)
                .hasMessageContaining("refusing to replace it")
                .hasMessageNotContaining(AtomicFiles.TEMP_SUFFIX);
    }

    private List<String> leftovers(String... keep) throws IOException {
        return SafeTensorsTest.leftovers(dir, keep);
    }

    @Test
    void characterDeviceIsNeverReplaced() throws Exception {
        // A device node like /dev/null (major 1, minor 3), made here so the real one is never at risk.
        Path device = dir.resolve("null");
        assumeTrue(tryRun("mknod", device.toString(), "c", "1", "3"), "mknod needs root");
        assertRefused(device, "a character device");
        assertThat(fileType(device)).isEqualTo("character special file");
        assertThat(leftovers("null")).isEmpty();
    }

    @Test
    void fifoIsNeverReplaced() throws Exception {
        Path fifo = dir.resolve("pipe");
        assumeTrue(tryRun("mkfifo", fifo.toString()), "mkfifo is missing");
        assertRefused(fifo, "a FIFO");
        assertThat(fileType(fifo)).isEqualTo("fifo");
        assertThat(leftovers("pipe")).isEmpty();
    }

    @Test
    void socketIsNeverReplaced() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertRefused(socket, "a socket");
            assertThat(fileType(socket)).isEqualTo("socket");
        }
    }

    @Test
    void directoryEmptyOrNotIsNeverReplacedAndTheErrorNamesIt() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty.safetensors"));
        assertRefused(empty, "a directory");
        assertThatThrownBy(() -> SafeTensors.write(empty, Map.of("x", Tensor.of(new float[] {1}, 1))))
                .isInstanceOf(FileSystemException.class).hasMessageStartingWith(empty + ": is a directory");
        assertThat(empty).isEmptyDirectory();
        assertThat(leftovers("empty.safetensors")).isEmpty();
    }

    @Test
    void symbolicLinkIsFollowedItsTargetReplacedAndTheLinkKept() throws IOException {
        Path real = Files.write(dir.resolve("real.bin"), "old".getBytes(StandardCharsets.UTF_8));
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), real.getFileName());
        AtomicFiles.write(link, NEW);
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(real.getFileName());
        assertThat(Files.readAllBytes(real)).isEqualTo(NEW);
        assertThat(leftovers("real.bin", "link.bin")).isEmpty();
    }

    @Test
    void symbolicLinkToNothingOrToADeviceIsRefused() throws Exception {
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("missing"));
        assertThatThrownBy(() -> AtomicFiles.write(dangling, NEW)).isInstanceOf(FileSystemException.class)
                .hasMessageStartingWith(dangling + ": is a symbolic link to " + dir.resolve("missing") + ", which does not exist");
        assertThat(Files.isSymbolicLink(dangling)).isTrue();
        assertThat(dir.resolve("missing")).doesNotExist();

        Path fifo = dir.resolve("pipe");
        assumeTrue(tryRun("mkfifo", fifo.toString()), "mkfifo is missing");
        Path toFifo = Files.createSymbolicLink(dir.resolve("to-pipe"), fifo);
        assertThatThrownBy(() -> AtomicFiles.write(toFifo, NEW)).isInstanceOf(FileSystemException.class)
                .hasMessageStartingWith(toFifo + ": is a FIFO").hasMessageContaining("the target of its symbolic link");
        assertThat(fileType(fifo)).isEqualTo("fifo");
        assertThat(Files.isSymbolicLink(toFifo)).isTrue();
        assertThat(leftovers("dangling", "pipe", "to-pipe")).isEmpty();
    }

    @Test
    void missingFolderIsNamed() {
        Path f = dir.resolve("no-such-folder").resolve("out.safetensors");
        assertThatThrownBy(() -> AtomicFiles.write(f, NEW)).isInstanceOf(FileSystemException.class)
                .hasMessage(f + ": folder " + f.getParent() + " does not exist");
    }

    @Test
    void writerExceptionsOfEveryKindLeaveTheOldFileAndNoTempFile() throws IOException {
        Path f = Files.write(dir.resolve("keep.bin"), "old".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> AtomicFiles.write(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[100]));
            throw new IOException("No space left on device");
        })).isInstanceOf(FileSystemException.class)
                .hasMessage(f + ": cannot write it: No space left on device")
                .hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> AtomicFiles.write(f, ch -> {
            throw new IllegalStateException("caller bug");
        })).isExactlyInstanceOf(IllegalStateException.class).hasMessage("caller bug");
        assertThatThrownBy(() -> AtomicFiles.write(f, ch -> {
            throw new OutOfMemoryError("simulated");
        })).isExactlyInstanceOf(OutOfMemoryError.class);
        assertThatThrownBy(() -> AtomicFiles.writeVia(f, tmp -> {
            Files.write(tmp, new byte[10]);
            throw new IOException("dump failed");
        })).isInstanceOf(FileSystemException.class).hasMessage(f + ": cannot write it: dump failed");
        assertThat(Files.readString(f)).isEqualTo("old");
        assertThat(leftovers("keep.bin")).isEmpty();
    }

    @Test
    void writeViaAPathReplacesTheFile() throws IOException {
        Path f = dir.resolve("via.txt");
        AtomicFiles.writeVia(f, tmp -> Files.writeString(tmp, "from a path writer"));
        assertThat(Files.readString(f)).isEqualTo("from a path writer");
        assertThat(leftovers("via.txt")).isEmpty();
    }

    @Test
    void permissionsOfTheReplacedFileAreKept() throws IOException {
        Path f = Files.write(dir.resolve("secret.bin"), "old".getBytes(StandardCharsets.UTF_8));
        assumeTrue(Files.getFileStore(f).supportsFileAttributeView("posix"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.write(f, NEW);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(Files.readAllBytes(f)).isEqualTo(NEW);
    }

    /** The id of a process that has ended (and, this soon, not been reused). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assumeTrue(ProcessHandle.of(pid).isEmpty(), "pid was reused at once");
        return pid;
    }

    @Test
    void staleTempFilesOfDeadProcessesAreRemovedLiveOnesKept() throws Exception {
        Path f = Files.write(dir.resolve("ckpt.safetensors"), "old".getBytes(StandardCharsets.UTF_8));
        long dead = deadPid();
        long live = ProcessHandle.current().pid();
        Path crashed = Files.write(dir.resolve(".ckpt.safetensors." + dead + ".5f3a9c.tmp"), new byte[4096]);
        Path crashedOldStyle = Files.write(dir.resolve(".ckpt.safetensors." + dead + ".tmp"), new byte[10]);
        Path running = Files.write(dir.resolve(".ckpt.safetensors." + live + ".77.tmp"), new byte[10]);
        Path otherTarget = Files.write(dir.resolve(".other.safetensors." + dead + ".1.tmp"), new byte[10]);
        Path notOurs = Files.write(dir.resolve(".ckpt.safetensors.notes.tmp"), new byte[10]);

        AtomicFiles.write(f, NEW);

        assertThat(crashed).doesNotExist();
        assertThat(crashedOldStyle).doesNotExist();
        assertThat(running).exists();
        assertThat(otherTarget).exists();
        assertThat(notOurs).exists();
        assertThat(Files.readAllBytes(f)).isEqualTo(NEW);
        assertThat(leftovers("ckpt.safetensors", running.getFileName().toString(),
                otherTarget.getFileName().toString(), notOurs.getFileName().toString())).isEmpty();
    }

    @Test
    void removeStaleTempFilesReportsWhatItRemoved() throws Exception {
        Path f = dir.resolve("model.npy");
        Path crashed = Files.write(dir.resolve(".model.npy." + deadPid() + ".abc.tmp"), new byte[3]);
        assertThat(AtomicFiles.removeStaleTempFiles(f)).containsExactly(crashed);
        assertThat(AtomicFiles.removeStaleTempFiles(f)).isEmpty();
    }

    @Test
    void tempFileIsBesideTheTargetAndNamedAfterItAndThisProcess() throws IOException {
        Path f = dir.resolve("named.bin");
        List<Path> seen = new ArrayList<>();
        AtomicFiles.writeVia(f, tmp -> {
            seen.add(tmp);
            Files.write(tmp, NEW);
        });
        String name = seen.get(0).getFileName().toString();
        assertThat(seen.get(0).getParent()).isEqualTo(dir);
        assertThat(name).startsWith(".named.bin." + ProcessHandle.current().pid() + ".").endsWith(".tmp");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentWritersNeverLeaveAMixOrEachOthersTempFiles() throws Exception {
        Path f = dir.resolve("shared.bin");
        int writers = 4;
        int rounds = 50;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < writers; w++) {
            byte[] content = new byte[64 * 1024];
            java.util.Arrays.fill(content, (byte) ('a' + w));
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        AtomicFiles.write(f, content);
                        byte[] now = Files.readAllBytes(f);
                        assertThat(now).hasSize(content.length);
                        for (byte b : now) {
                            if (b != now[0]) {
                                throw new AssertionError("mixed content");
                            }
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        assertThat(leftovers("shared.bin")).isEmpty();
        assertThat(Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
