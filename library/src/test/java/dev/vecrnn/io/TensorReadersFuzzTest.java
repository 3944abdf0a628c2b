package dev.vecrnn.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzz tests of the tensor file readers (Jazzer). Not part of the usual test run
 * (JUnit tag {@code jazzer} is excluded there; {@code FuzzCorpusTest} replays the committed corpus
 * instead). {@code scripts/fuzz --target safetensors --minutes 10} fuzzes one target, seeded from
 * {@code src/test/resources/fuzz/<target>/}, and saves any input that breaks the oracle of
 * {@link ReaderFuzzTargets} there as a new regression input.
 */
class TensorReadersFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("vecrnn-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void safetensors(byte[] data) throws IOException {
        ReaderFuzzTargets.SAFETENSORS.check(data, DIR.resolve("input.safetensors"));
    }

    @FuzzTest
    void npy(byte[] data) throws IOException {
        ReaderFuzzTargets.NPY.check(data, DIR.resolve("input.npy"));
    }
}
