package dev.vecrnn.cli;

import dev.vecrnn.perf.CompareReport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vecrnn.kernel.FmaPeak;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.nn.CellType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code vecrnn bench} commands: argument errors, and tiny in-process runs (no timing is asserted). */
class BenchCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void badArgumentsExitTwoWithOneLineNamingTheProblem() {
        record Case(String expected, String... args) {}
        List<Case> cases = List.of(
                new Case("TxBxIxH", "bench", "rnn", "--shape", "50x64x512"),
                new Case("inference or training", "bench", "rnn", "--mode", "fast"),
                new Case("unknown cell type 'lstn'", "bench", "rnn", "--cell", "lstn"),
                new Case("--threads must be >= 1", "bench", "rnn", "--threads", "0"),
                new Case("--max-iters (5) must be >= --reps (10)", "bench", "rnn", "--max-iters", "5"),
                new Case("--widths: each must be 0, 128, 256 or 512, got 100", "bench", "scaling", "--widths", "0,100"),
                new Case("--threads-max must be >= 1", "bench", "scaling", "--threads-max", "0"),
                new Case("--rounds must be >= 1", "bench", "compare-pytorch", "--rounds", "0"),
                new Case("--torch-script: no file", "bench", "compare-pytorch", "--torch-script", "/nonexistent/t.py"),
                new Case("--vector-bits must be 0, 128, 256 or 512", "bench", "compare-pytorch", "--vector-bits", "64"),
                new Case("--threads: each must be >= 1", "bench", "compare-pytorch", "--threads", "1,0",
                        "--torch-script", "/nonexistent/t.py"),
                new Case("--reps must be >= 1", "bench", "peak", "--reps", "0"),
                new Case("--rep-ms must be >= 1", "bench", "peak", "--rep-ms", "0"));
        for (Case c : cases) {
            CliRun r = run(c.args());
            assertThat(r.code()).as(String.join(" ", c.args())).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", c.args())).contains(c.expected()).doesNotContain("\n")
                    .doesNotContain("Exception");
        }
    }

    @Test
    void unparsableOptionValuesAreUsageErrors() {
        CliRun r = run("bench", "rnn", "--reps", "many");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--reps").contains("many");
        CliRun unknown = run("bench", "peak", "--bogus");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--bogus");
    }

    @Test
    void benchWithoutSubcommandListsThem() {
        CliRun r = run("bench");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("peak").contains("rnn").contains("scaling").contains("compare-pytorch");
    }

    @Test
    void rnnPrintsOneJsonLineWithTheSharedFields() throws Exception {
        CliRun r = run("bench", "rnn", "--cell", "gru", "--shape", "3x2x5x4", "--mode", "training", "--threads", "1",
                "--warmup-ms", "0", "--min-warmup-iters", "1", "--reps", "3", "--min-ms", "0", "--tries", "1");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out().trim());
        assertThat(j.path("framework").asText()).isEqualTo("vecrnn");
        assertThat(j.path("shape").asText()).isEqualTo("3x2x5x4");
        assertThat(j.path("flops").asDouble()).isEqualTo(3 * 2.0 * 3 * 2 * 3 * 4 * (5 + 4));
        assertThat(j.path("vector_bits").asInt()).isEqualTo(VectorSupport.BITS);
        assertThat(j.path("iters").asInt()).isEqualTo(3);
        assertThat(j.path("times_ms")).hasSize(3);
        double median = j.path("median_ms").asDouble();
        assertThat(median).isBetween(j.path("min_ms").asDouble(), j.path("max_ms").asDouble());
        assertThat(j.path("gflops").asDouble()).isCloseTo(j.path("flops").asDouble() / median / 1e6,
                org.assertj.core.data.Offset.offset(1e-9 * j.path("gflops").asDouble()));
        assertThat(Float.isFinite((float) j.path("checksum").asDouble())).isTrue();
    }

    @Test
    void peakWritesTheFile() throws Exception {
        Path file = tmp.resolve("sub/peak.json");
        CliRun r = run("bench", "peak", "--threads-max", "1", "--reps", "2", "--rep-ms", "5", "--out", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("| threads | median GFLOP/s |").contains("wrote " + file);
        JsonNode j = new ObjectMapper().readTree(file.toFile());
        assertThat(j.path("vector_bits").asInt()).isEqualTo(VectorSupport.BITS);
        assertThat(j.path("accumulators").asInt()).isEqualTo(FmaPeak.ACCUMULATORS);
        assertThat(j.path("results")).hasSize(1);
        assertThat(j.path("results").get(0).path("threads").asInt()).isEqualTo(1);
        assertThat(j.path("results").get(0).path("gflops_median").asDouble()).isPositive().isFinite();
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("peak.json");
        }
    }

    /** One point (scalar, one thread) in a child JVM: the three files and the report's structure. */
    @Test
    void scalingRunsEachPointInAChildJvmAndWritesTheReports() throws Exception {
        Path dir = tmp.resolve("scaling");
        CliRun r = run("bench", "scaling", "--cell", "gru", "--shape", "3x2x5x4", "--mode", "inference", "--widths", "0",
                "--threads-max", "1", "--warmup-ms", "0", "--min-warmup-iters", "1", "--reps", "3", "--min-ms", "0",
                "--tries", "1", "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("scaling: scalar    1 thread(s): ");
        assertThat(r.out()).startsWith("# vecrnn scaling: gru inference, T×B×I×H = 3x2x5x4")
                .contains("| threads | scalar |").contains("wrote " + dir.resolve("scaling.md"));
        assertThat(dir.resolve("scaling.md")).hasContent(r.out().substring(0, r.out().lastIndexOf("\n\nwrote ") + 1));
        JsonNode j = new ObjectMapper().readTree(dir.resolve("scaling.json").toFile());
        assertThat(j.path("widths")).hasSize(1);
        assertThat(j.path("results")).hasSize(1);
        JsonNode point = j.path("results").get(0);
        assertThat(point.path("vector_bits").asInt()).isZero();
        assertThat(point.path("threads").asInt()).isEqualTo(1);
        assertThat(point.path("flops").asDouble()).isEqualTo(2.0 * 3 * 2 * 3 * 4 * (5 + 4));
        assertThat(Files.readAllBytes(dir.resolve("scaling.png"))).startsWith(0x89, 'P', 'N', 'G');
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("scaling.json", "scaling.md", "scaling.png");
        }
    }

    private static List<CompareReport.Config> configs(String... args) {
        ComparePyTorchCommand cmd = new ComparePyTorchCommand();
        new CommandLine(cmd).parseArgs(args);
        cmd.applyQuick();
        return cmd.configs();
    }

    @Test
    void compareSweepAndQuickDefaults() {
        List<CompareReport.Config> quick = configs("--quick");
        assertThat(quick).extracting(c -> c.label())
                .containsExactly("lstm 50x32x256x256 inference 1T", "lstm 50x32x256x256 training 1T");
        assertThat(configs("--quick", "--cells", "gru,rnn_relu", "--modes", "training"))
                .extracting(c -> c.cell()).containsExactly(CellType.GRU, CellType.RNN_RELU);
        List<CompareReport.Config> full = configs("--threads", "1,2");
        assertThat(full).hasSize(4 * 5 * 2 * 2);
        assertThat(full.getFirst().label()).isEqualTo("lstm 50x32x256x256 inference 1T");

        ComparePyTorchCommand cmd = new ComparePyTorchCommand();
        new CommandLine(cmd).parseArgs("--quick", "--reps", "7");
        cmd.applyQuick();
        assertThat(cmd.rounds).isEqualTo(1);
        assertThat(cmd.timing.reps).isEqualTo(7); // given explicitly: --quick leaves it
        assertThat(cmd.timing.tries).isEqualTo(1);
    }
}
