package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.mem.InsufficientMemoryException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The readers under fuzzing and the oracle every fuzzed input must satisfy, shared by the
 * coverage-guided fuzz tests ({@code TensorReadersFuzzTest}, run by {@code scripts/fuzz}), the
 * corpus replay ({@code FuzzCorpusTest}, in every test run) and the seeded mutation tests.
 *
 * <p>The oracle: the reader returns a well-formed result (every tensor's element count is the
 * product of its shape, and no more elements than the file has bytes), or throws the documented
 * exception — {@link TensorFileException} naming the file, or {@link InsufficientMemoryException}
 * naming the file — and nothing else; it allocates no more than {@link #allowance} bytes; a hang
 * is caught by the caller's time-out. A new target is one more constant here and one more
 * {@code @FuzzTest} method calling {@link #check}.
 */
enum ReaderFuzzTargets {
    /** {@link SafeTensors#read} and {@link SafeTensors#readMetadata} of the same bytes. */
    SAFETENSORS("safetensors", ".safetensors") {
        @Override
        Map<String, Tensor> read(Path file) throws IOException {
            Map<String, Tensor> tensors = SafeTensors.read(file);
            SafeTensors.readMetadata(file);
            return tensors;
        }
    },
    /** {@link Npy#read}. */
    NPY("npy", ".npy") {
        @Override
        Map<String, Tensor> read(Path file) throws IOException {
            Map<String, Tensor> one = new LinkedHashMap<>();
            one.put("array", Npy.read(file));
            return one;
        }
    };

    /** The corpus folder under {@code src/test/resources/fuzz/}. */
    final String corpus;
    /** The name the bytes are saved under before reading. */
    final String suffix;

    ReaderFuzzTargets(String corpus, String suffix) {
        this.corpus = corpus;
        this.suffix = suffix;
    }

    /** Reads {@code file} as this target's format; the tensors read, by name. */
    abstract Map<String, Tensor> read(Path file) throws IOException;

    /**
     * Most bytes a read of a file of {@code size} bytes may allocate: 2 MiB of fixed buffers plus 32
     * per file byte (header records, about 15 per byte of JSON at worst, and tensor arrays, at
     * most 2 per byte: an {@code F16} element of 2 bytes becomes a 4-byte float, an {@code I32} of
     * 4 an 8-byte long).
     */
    static long allowance(long size) {
        return (2L << 20) + 32 * size;
    }

    /** Whether {@link #check} has loaded the readers' classes yet (class loading allocates). */
    private static volatile boolean warm;

    /**
     * Saves {@code data} as {@code file} (a path reused from call to call) and checks the oracle;
     * any violation is an {@link AssertionError} that shows the input.
     *
     * @return whether the file was read (false: it was rejected as documented)
     */
    boolean check(byte[] data, Path file) throws IOException {
        if (!warm) {
            warmUp(file.resolveSibling("warm-up" + suffix));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(data), 0);
        }
        long before = allocated();
        Map<String, Tensor> tensors;
        try {
            tensors = read(file);
        } catch (TensorFileException e) {
            checkAllocation(allocated() - before, data, file);
            if (!e.getMessage().startsWith(file + ": ") || !file.equals(e.file())) {
                throw new AssertionError(this + ": rejection does not name the file: " + e.getMessage() + show(data), e);
            }
            return false;
        } catch (InsufficientMemoryException e) {
            if (!e.getMessage().startsWith(file + ": ")) {
                throw new AssertionError(this + ": memory refusal does not name the file: " + e.getMessage() + show(data), e);
            }
            return false;
        } catch (Throwable t) {
            throw new AssertionError(this + ": undocumented " + t + show(data), t);
        }
        checkAllocation(allocated() - before, data, file);
        long elements = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long n = 1;
            for (int d : t.shape()) {
                n *= d;
            }
            assertThat(t.numel()).as("%s: elements of '%s' %s", this, e.getKey(), t).isEqualTo(n);
            assertThat(t.numel()).as("%s: elements of '%s'", this, e.getKey()).isLessThanOrEqualTo(Tensor.MAX_ELEMENTS);
            elements += t.numel();
        }
        // Every element came from the file, so there cannot be more than it has bytes.
        assertThat(elements).as("%s: elements read from %d bytes", this, data.length).isLessThanOrEqualTo(data.length);
        return true;
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /**
     * Fails if the read allocated beyond the allowance twice in a row: the first read along a new
     * path may load (and, under the fuzzer, instrument) classes, which allocates on this thread.
     */
    private void checkAllocation(long allocated, byte[] data, Path file) {
        if (allocated <= allowance(data.length)) {
            return;
        }
        long before = allocated();
        try {
            read(file);
        } catch (IOException | RuntimeException e) {
            // the outcome was checked on the first read
        }
        long again = allocated() - before;
        if (again > allowance(data.length)) {
            throw new AssertionError(this + ": reading " + data.length + " bytes allocated " + again
                    + " (first read: " + allocated + "), above the allowance of " + allowance(data.length) + show(data));
        }
    }

    private static synchronized void warmUp(Path file) throws IOException {
        if (warm) {
            return;
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.of(new float[] {1, 2}, 2));
        t.put("n", Tensor.ofInts(new int[] {3}, 1));
        SafeTensors.write(file, t, Map.of("k", "v"));
        SAFETENSORS.read(file);
        Npy.write(file, t.get("w"));
        NPY.read(file);
        for (byte[] bad : new byte[][] {{1, 0, 0, 0, 0, 0, 0, 0, '{'}, {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 2, 0, '{', '}'}}) {
            java.nio.file.Files.write(file, bad);
            for (ReaderFuzzTargets target : values()) {
                try {
                    target.read(file);
                } catch (TensorFileException expected) {
                    // the failure path's classes are loaded now too
                }
            }
        }
        java.nio.file.Files.deleteIfExists(file);
        warm = true;
    }

    private static String show(byte[] data) {
        return "\n  input (" + data.length + " bytes, hex, first 400): "
                + HexFormat.of().formatHex(data, 0, Math.min(data.length, 400));
    }
}
