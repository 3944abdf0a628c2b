package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.InsufficientMemoryException;
import dev.vecrnn.mem.TestMemoryBudgets;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers' bounds: header size and entry count, rank, elements per tensor and the heap, each
 * reached with a small file (lowered limits, or sparse files that take no disk space).
 */
class ReaderLimitsTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    /** A safetensors file with {@code header} and {@code dataBytes} of data, sparse (holes cost no disk). */
    private Path safetensors(String name, String header, long dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(h.length).put(h).flip();
            ch.write(b);
            if (dataBytes > 0) {
                ch.write(ByteBuffer.wrap(new byte[1]), 8 + h.length + dataBytes - 1);
            }
        }
        return f;
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return SafeTensorsTest.entry(name, dtype, shape, "[" + begin + "," + end + "]");
    }

    /** Bytes the current thread allocates while {@code body} runs. */
    static long allocatedBy(ThrowingRunnable body) throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        try {
            body.run();
        } catch (Exception expected) {
            // the caller checks the outcome separately
        }
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    // ------------------------------------------------------------ elements per tensor

    @Test
    void legalTensorBeyondWhatAJavaArrayHoldsIsRefusedBeforeAllocating() throws IOException {
        // 2^31-2 elements: fits the shape's int, passed the old 2^31-1 check, then failed with
        // "Requested array size exceeds VM limit". 8 GiB of data, sparse on disk.
        long n = Integer.MAX_VALUE - 1;
        Path f = safetensors("huge.safetensors", "{" + entry("w", "F32", "[" + n + "]", 0, 4 * n) + "}", 4 * n);
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(TensorFileException.class)
                .hasMessage(f + ": tensor 'w': shape [2147483646] has 2147483646 elements, more than the "
                        + Tensor.MAX_ELEMENTS + " one Java array can hold");
        assertThat(Tensor.MAX_ELEMENTS).isEqualTo(Integer.MAX_VALUE - 8);
    }

    @Test
    void elementLimitIsCheckedPerTensorInBothReaders() throws IOException {
        ReadLimits ten = ReadLimits.safeTensors().withMaxElements(10);
        Path ok = safetensors("ok.safetensors", "{" + entry("a", "F32", "[2,5]", 0, 40) + "}", 40);
        assertThat(SafeTensors.read(ok, ten).get("a").numel()).isEqualTo(10);
        Path big = safetensors("big.safetensors", "{" + entry("a", "F32", "[11]", 0, 44) + "}", 44);
        assertThatThrownBy(() -> SafeTensors.read(big, ten)).isInstanceOf(TensorFileException.class)
                .hasMessage(big + ": tensor 'a': shape [11] has 11 elements, more than the 10 one Java array can hold");

        Path npy = dir.resolve("big.npy");
        Npy.write(npy, Tensor.of(new float[12], 3, 4));
        assertThat(Npy.read(npy, ReadLimits.npy().withMaxElements(12)).numel()).isEqualTo(12);
        assertThatThrownBy(() -> Npy.read(npy, ReadLimits.npy().withMaxElements(11)))
                .isInstanceOf(TensorFileException.class)
                .hasMessage(npy + ": shape [3, 4] has 12 elements, more than the 11 one Java array can hold");
    }

    // ------------------------------------------------------------ the heap

    @Test
    void tensorsTooLargeForTheHeapGetTheEstimateAndTheFlagBeforeAnythingIsAllocated() throws Exception {
        // 4 Mi floats = 16 MiB of arrays against a fake 40 MiB heap (32 MiB of it kept in reserve).
        long n = 4 * MIB;
        Path f = safetensors("w.safetensors", "{" + entry("w", "F32", "[" + n + "]", 0, 4 * n) + ","
                + entry("b", "I32", "[4]", 4 * n, 4 * n + 16) + "}", 4 * n + 16);
        ReadLimits small = ReadLimits.safeTensors().withMemory(TestMemoryBudgets.fake(40 * MIB, 0));
        try {
            SafeTensors.read(f, small); // loads the classes of the failure path before measuring
        } catch (InsufficientMemoryException warmUp) {
            // expected
        }
        long allocated = allocatedBy(() -> SafeTensors.read(f, small));
        assertThatThrownBy(() -> SafeTensors.read(f, small))
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessageStartingWith(f + ": reading 2 tensors needs about 17.0 MiB, but the Java heap has about 8.0 MiB free")
                .hasMessageContaining("raise the limit with -Xmx")
                .hasMessageContaining("VECRNN_JAVA_OPTS=-Xmx");
        assertThat(allocated).as("bytes allocated before refusing").isLessThan(MIB);
        assertThat(SafeTensors.read(f, ReadLimits.safeTensors().withMemory(TestMemoryBudgets.fake(64 * MIB, 0))))
                .containsOnlyKeys("w", "b");

        Path npy = dir.resolve("w.npy");
        Npy.write(npy, Tensor.of(new float[(int) MIB], (int) MIB));
        assertThatThrownBy(() -> Npy.read(npy, ReadLimits.npy().withMemory(TestMemoryBudgets.fake(33 * MIB, 0))))
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessageStartingWith(npy + ": reading an array of shape [1048576] needs about 5.0 MiB");
    }

    @Test
    void fortranOrderArraysCountTheReorderingCopy() throws IOException {
        // [256, 1024] f4 in Fortran order: 1 MiB of floats, a 1 MiB copy and a 1 MiB index.
        byte[] header = ("{'descr': '<f4', 'fortran_order': True, 'shape': (256, 1024), }"
                + " ".repeat(53) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path f = dir.resolve("fortran.npy");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(10 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length).put(header).flip();
            ch.write(b);
            ch.write(ByteBuffer.wrap(new byte[1]), 10 + header.length + 4 * 256 * 1024 - 1);
        }
        assertThatThrownBy(() -> Npy.read(f, ReadLimits.npy().withMemory(TestMemoryBudgets.fake(35 * MIB, 0))))
                .isInstanceOf(InsufficientMemoryException.class).hasMessageContaining("needs about 4.0 MiB");
        assertThat(Npy.read(f, ReadLimits.npy().withMemory(TestMemoryBudgets.fake(37 * MIB, 0))).shape())
                .containsExactly(256, 1024);
    }

    @Test
    void filesLargerThanTheRealHeapAreRefusedWithTheRealLimit() throws IOException {
        // the heap's budget: the whole heap, or under Parallel/Serial GC the old generation large arrays go to
        long max = dev.vecrnn.mem.MemoryBudget.heap().limitBytes();
        long perTensor = Tensor.MAX_ELEMENTS; // F32: 8 GiB each, sparse on disk
        int count = (int) (max / (4 * perTensor)) + 1;
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            h.append(i > 0 ? "," : "").append(entry("w" + i, "F32", "[" + perTensor + "]",
                    i * 4 * perTensor, (i + 1) * 4 * perTensor));
        }
        Path f = safetensors("real.safetensors", h.append("}").toString(), count * 4 * perTensor);
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(InsufficientMemoryException.class)
                .hasMessageStartingWith(f + ": reading " + count + " tensor")
                .hasMessageContaining("limit " + String.format(java.util.Locale.ROOT, "%.2f GiB", max / (double) (1L << 30)));
    }

    // ------------------------------------------------------------ the header

    private static String emptyEntries(int count) {
        StringBuilder h = new StringBuilder(count * 56).append('{');
        for (int i = 0; i < count; i++) {
            h.append(i > 0 ? "," : "").append(entry("t" + i, "F32", "[0]", 0, 0));
        }
        return h.append('}').toString();
    }

    @Test
    void headerEntryCountIsBounded() throws IOException {
        Path f = safetensors("many.safetensors", emptyEntries(101), 0);
        assertThat(SafeTensors.read(f, ReadLimits.safeTensors().withMaxHeaderEntries(101))).hasSize(101);
        assertThatThrownBy(() -> SafeTensors.read(f, ReadLimits.safeTensors().withMaxHeaderEntries(100)))
                .isInstanceOf(TensorFileException.class)
                .hasMessage(f + ": header has more than 100 entries (tensors and metadata keys), the most this "
                        + "reader accepts: corrupt or not a model");
        Path meta = safetensors("meta.safetensors", "{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\"},"
                + entry("x", "F32", "[0]", 0, 0) + "}", 0);
        assertThat(SafeTensors.read(meta, ReadLimits.safeTensors().withMaxHeaderEntries(4))).hasSize(1);
        assertThatThrownBy(() -> SafeTensors.read(meta, ReadLimits.safeTensors().withMaxHeaderEntries(3)))
                .isInstanceOf(TensorFileException.class).hasMessageContaining("more than 3 entries");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // took 15 s and 3.2 GB with a tree of the header
    void hundredMegabyteHeaderOfEmptyEntriesIsRefusedInASmallHeap() throws Exception {
        String header = emptyEntries(1_700_000);
        assertThat((long) header.length()).isBetween(90 * MIB, SafeTensors.MAX_HEADER_BYTES);
        Path f = safetensors("flood.safetensors", header, 0);
        header = null;
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(TensorFileException.class)
                .hasMessage(f + ": header has more than " + SafeTensors.MAX_HEADER_ENTRIES + " entries (tensors and "
                        + "metadata keys), the most this reader accepts: corrupt or not a model");
        // The same in a JVM of 128 MB: the tree of this header needed gigabytes and died under -Xmx1g.
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                ReadInSmallHeap.class.getName(), f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("output of the 128 MB JVM").contains("refused: " + f + ": header has more than");
        assertThat(p.exitValue()).as("exit status; output: %s", out).isZero();
    }

    @Test
    void headerJustUnderTheEntryLimitParsesInMemoryProportionalToItsEntries() throws Exception {
        Path f = safetensors("full.safetensors", emptyEntries(SafeTensors.MAX_HEADER_ENTRIES), 0);
        long[] size = new long[1];
        long allocated = allocatedBy(() -> size[0] = SafeTensors.read(f).size());
        assertThat(size[0]).isEqualTo(SafeTensors.MAX_HEADER_ENTRIES);
        System.out.println("read " + size[0] + " empty tensors, allocating " + allocated / size[0] + " bytes per tensor");
        // About 60 bytes of JSON per entry: a name, a dtype, a shape and two offsets, each held once.
        assertThat(allocated / size[0]).as("bytes allocated per tensor").isLessThan(1000);
    }

    @Test
    void headerByteLimitIsHonouredAsGiven() throws IOException {
        String header = "{" + entry("a", "F32", "[1]", 0, 4) + "}";
        Path f = safetensors("small.safetensors", header, 4);
        assertThat(SafeTensors.read(f, ReadLimits.safeTensors().withMaxHeaderBytes(header.length()))).hasSize(1);
        assertThatThrownBy(() -> SafeTensors.read(f, ReadLimits.safeTensors().withMaxHeaderBytes(header.length() - 1)))
                .isInstanceOf(TensorFileException.class).hasMessageContaining("is above the limit of "
                        + (header.length() - 1) + " bytes");
    }

    @Test
    void rankIsBoundedInBothReaders() throws IOException {
        String dims64 = String.join(",", Collections.nCopies(64, "1"));
        Path ok = safetensors("r64.safetensors", "{" + entry("a", "F32", "[" + dims64 + "]", 0, 4) + "}", 4);
        assertThat(SafeTensors.read(ok).get("a").rank()).isEqualTo(64);
        Path bad = safetensors("r65.safetensors", "{" + entry("a", "F32", "[" + dims64 + ",1]", 0, 4) + "}", 4);
        assertThatThrownBy(() -> SafeTensors.read(bad)).isInstanceOf(TensorFileException.class)
                .hasMessage(bad + ": tensor 'a': \"shape\" has more than 64 dimensions");

        String tuple65 = String.join(", ", Collections.nCopies(65, "1"));
        byte[] h = ("{'descr': '<f4', 'fortran_order': False, 'shape': (" + tuple65 + "), }\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length).put(h);
        Path npy = Files.write(dir.resolve("r65.npy"), b.array());
        assertThatThrownBy(() -> Npy.read(npy)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("the shape has more than 64 dimensions");
    }

    @Test
    void metadataOnlyReadNeedsNoMemoryForTheTensors() throws IOException {
        long n = Tensor.MAX_ELEMENTS;
        Path f = safetensors("meta-only.safetensors", "{\"__metadata__\":{\"step\":\"7\"},"
                + entry("w", "F32", "[" + n + "]", 0, 4 * n) + "}", 4 * n);
        assertThat(SafeTensors.readMetadata(f)).isEqualTo(Map.of("step", "7"));
    }
}
