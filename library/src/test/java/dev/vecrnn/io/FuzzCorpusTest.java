package dev.vecrnn.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the committed fuzzing corpus ({@code src/test/resources/fuzz/<target>/}: seeds, inputs
 * the coverage-guided fuzzer found interesting, and every input that once broke a reader) through
 * the oracle of {@link ReaderFuzzTargets}: the regression mode of the fuzz tests.
 */
class FuzzCorpusTest {
    @TempDir
    Path dir;

    static Path corpus(ReaderFuzzTargets target) {
        URL url = FuzzCorpusTest.class.getResource("/fuzz/" + target.corpus);
        if (url == null) {
            throw new IllegalStateException("no corpus for " + target + " on the test class path (fuzz/" + target.corpus + ")");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> inputs() throws IOException {
        List<Arguments> all = new ArrayList<>();
        for (ReaderFuzzTargets target : ReaderFuzzTargets.values()) {
            try (Stream<Path> files = Files.list(corpus(target))) {
                files.sorted().forEach(f -> all.add(Arguments.of(target, f.getFileName().toString(), f)));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("inputs")
    @Timeout(value = 20, unit = TimeUnit.SECONDS) // a hang guard: each input reads in milliseconds
    void corpusInputSatisfiesTheOracle(ReaderFuzzTargets target, String name, Path input) throws IOException {
        target.check(Files.readAllBytes(input), dir.resolve("input" + target.suffix));
    }

    @Test
    void everyTargetHasACorpusThatReadsSomeAndRejectsSome() throws IOException {
        for (ReaderFuzzTargets target : ReaderFuzzTargets.values()) {
            int read = 0;
            int rejected = 0;
            try (Stream<Path> files = Files.list(corpus(target))) {
                for (Path f : files.toList()) {
                    if (target.check(Files.readAllBytes(f), dir.resolve("input" + target.suffix))) {
                        read++;
                    } else {
                        rejected++;
                    }
                }
            }
            assertThat(read).as("%s inputs read", target).isGreaterThanOrEqualTo(3);
            assertThat(rejected).as("%s inputs rejected", target).isGreaterThanOrEqualTo(3);
        }
    }
}
