package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.kernel.VectorSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FMA peak: positive finite rates (never their size), the peak file written and read back, and the settings. */
class PeakTest {
    @TempDir
    Path tmp;

    @Test
    void peakMeasuresPositiveFiniteRates() {
        Peak.Sample s = Peak.measure(2, 2000, 3);
        assertThat(s.threads()).isEqualTo(2);
        assertThat(s.gflops()).hasSize(3);
        for (double g : s.gflops()) {
            assertThat(g).isPositive().isFinite();
        }
    }

    @Test
    void theProfilerReadsTheMedianAtItsWidthAndThreadCount() throws Exception {
        Path file = tmp.resolve("peak.json");
        List<Peak.Sample> samples = List.of(new Peak.Sample(1, new double[] {90, 100, 110}),
                new Peak.Sample(2, new double[] {150, 210, 200, 190}));
        Reports.writeJson(file, Peak.toJson(samples, Map.of("cpu", "test")));
        assertThat(Peak.saved(file, 1)).isEqualTo(100.0);
        assertThat(Peak.saved(file, 2)).isEqualTo(195.0);
        assertThat(Peak.saved(file, 3)).as("no row for 3 threads").isNull();
        assertThat(Peak.saved(tmp.resolve("missing.json"), 1)).isNull();

        // a file measured at another width is not this JVM's peak
        String other = Files.readString(file).replace("\"vector_bits\" : " + VectorSupport.BITS,
                "\"vector_bits\" : " + (VectorSupport.BITS == 512 ? 256 : 512));
        Files.writeString(file, other);
        assertThat(Peak.saved(file, 1)).isNull();
        Files.writeString(file, "{ not json");
        assertThat(Peak.saved(file, 1)).isNull();
    }

    @Test
    void readGivesEveryThreadCountTheWidthAndTheDate() throws Exception {
        Path file = tmp.resolve("peak.json");
        Reports.writeJson(file, Peak.toJson(List.of(new Peak.Sample(2, new double[] {4, 6}), new Peak.Sample(1, new double[] {3})),
                Map.of()));
        Peak.Measured m = Peak.read(file);
        assertThat(m.gflopsByThreads()).containsExactly(Map.entry(1, 3.0), Map.entry(2, 5.0));
        assertThat(m.vectorBits()).isEqualTo(VectorSupport.BITS);
        assertThat(java.time.Instant.parse(m.date())).isNotNull();
        Files.writeString(file, "{\"results\": []}");
        assertThat(Peak.read(file)).isEqualTo(new Peak.Measured(Map.of(), -1, ""));
    }

    @Test
    void settingsAreCheckedByOptionName() {
        Path out = tmp.resolve("p.json");
        assertThatThrownBy(() -> new Peak.Config(0, 7, 200, out)).hasMessage("--threads-max must be >= 1, got 0");
        assertThatThrownBy(() -> new Peak.Config(1, 0, 200, out)).hasMessage("--reps must be >= 1, got 0");
        assertThatThrownBy(() -> new Peak.Config(1, 7, 0, out)).hasMessage("--rep-ms must be >= 1, got 0");
    }
}
