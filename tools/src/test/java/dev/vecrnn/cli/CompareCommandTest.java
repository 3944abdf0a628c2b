package dev.vecrnn.cli;

import dev.vecrnn.study.GateInit;
import dev.vecrnn.study.StudyCell;
import dev.vecrnn.study.StudyConfig;
import dev.vecrnn.study.StudyPreset;
import dev.vecrnn.study.StudyTask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vecrnn compare}: files of a tiny run, argument errors. No duration is asserted, except that refusals come before training. */
class CompareCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void tinyAddingRunWritesJsonReportAndPlots() throws Exception {
        Path dir = tmp.resolve("report");
        CliRun r = run("compare", "--steps", "30", "--lengths", "10", "--hidden", "8", "--cells", "lstm,rnn_tanh",
                "--eval-every", "10", "--seed", "5", "--seeds", "2", "--init", "forget-bias", "--jobs", "2",
                "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();

        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(j.path("preset").asText()).isEqualTo("default");
        assertThat(j.path("seed").asLong()).isEqualTo(5);
        assertThat(j.path("seeds").asInt()).isEqualTo(2);
        assertThat(j.path("complete").asBoolean()).isTrue();
        assertThat(j.path("command").asText()).contains("--steps 30");
        assertThat(j.path("machine").path("jdk").asText()).isNotEmpty();
        assertThat(j.path("machine").has("cpu")).isTrue();
        JsonNode config = j.path("config");
        assertThat(config.path("steps").asInt()).isEqualTo(30);
        assertThat(config.path("hidden").asInt()).isEqualTo(8);
        assertThat(config.path("batch").asInt()).isEqualTo(32);
        assertThat(config.path("plan").path("adding").get(0).asInt()).isEqualTo(10);
        assertThat(config.path("per_cell").path("lstm").path("forget_bias").asDouble()).isEqualTo(1.0);
        assertThat(config.path("per_cell").path("lstm").path("gate_init").asText()).isEqualTo("forget-bias");
        assertThat(config.path("jobs").asInt()).isEqualTo(2);
        assertThat(config.path("per_cell").path("rnn_tanh").path("lr").asDouble()).isPositive();

        JsonNode runs = j.path("runs");
        assertThat(runs.isArray()).isTrue();
        assertThat(runs.size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            JsonNode run = runs.get(i);
            assertThat(run.path("task").asText()).isEqualTo("adding");
            assertThat(run.path("cell").asText()).isEqualTo(i < 2 ? "lstm" : "rnn_tanh");
            assertThat(run.path("seed").asLong()).isEqualTo(5 + i % 2);
            assertThat(run.path("T").asInt()).isEqualTo(10);
            assertThat(run.path("baseline").asDouble()).isCloseTo(1.0 / 6.0, within(1e-12));
            assertThat(run.path("threshold").asDouble()).isEqualTo(0.01);
            assertThat(run.path("final_metric").isNumber()).isTrue();
            assertThat(run.path("final_metric").asDouble()).isPositive();
            JsonNode solvedAt = run.path("solved_at_step");
            assertThat(run.path("steps").asInt()).isEqualTo(solvedAt.isNull() ? 30 : solvedAt.asInt());
            assertThat(run.has("reached_at_step")).isTrue();
            JsonNode reached = run.path("reached_at_step");
            assertThat(reached.isNull() || reached.asInt() % 10 == 0).isTrue();
            assertThat(run.path("cpu_s").asDouble()).isPositive();
            assertThat(run.path("concurrent_runs").asDouble()).isBetween(1.0, 2.0);
            assertThat(run.path("wall_s").asDouble()).isPositive();
            assertThat(run.path("gflops").asDouble()).isPositive();
            assertThat(run.path("sequences_per_s").asDouble()).isPositive();
            int gates = i < 2 ? 4 : 1;
            double flops = 3.0 * (2.0 * 10 * 32 * gates * 8 * (2 + 8) + 2.0 * 32 * 8 * 1);
            assertThat(run.path("flops_per_step").asDouble()).isCloseTo(flops, within(1e-6));
            assertThat(run.path("loss_curve").size()).isEqualTo(run.path("steps").asInt());
            assertThat(run.path("validation_curve").path("steps").size()).isEqualTo(run.path("steps").asInt() / 10);
            JsonNode g = run.path("grad_vs_lag");
            assertThat(g.path("lags").get(0).asInt()).isZero();
            assertThat(g.path("lags").get(g.path("lags").size() - 1).asInt()).isEqualTo(9);
            assertThat(g.path("init_h").size()).isEqualTo(g.path("lags").size());
            assertThat(g.path("trained_h").size()).isEqualTo(g.path("lags").size());
            assertThat(g.has("init_c")).isEqualTo(i < 2);
        }
        JsonNode summary = j.path("summary");
        assertThat(summary.size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            JsonNode s = summary.get(i);
            assertThat(s.path("cell").asText()).isEqualTo(i == 0 ? "lstm" : "rnn_tanh");
            assertThat(s.path("T").asInt()).isEqualTo(10);
            assertThat(s.path("runs").asInt()).isEqualTo(2);
            double a = runs.get(2 * i).path("final_metric").asDouble();
            double b = runs.get(2 * i + 1).path("final_metric").asDouble();
            assertThat(s.path("median_metric").asDouble()).isCloseTo((a + b) / 2, within(1e-12));
            assertThat(s.path("min_metric").asDouble()).isEqualTo(Math.min(a, b));
            assertThat(s.path("max_metric").asDouble()).isEqualTo(Math.max(a, b));
            int solved = (a <= 0.01 ? 1 : 0) + (b <= 0.01 ? 1 : 0);
            assertThat(s.path("solved").asInt()).isEqualTo(solved);
        }

        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).contains("| task | cell | T | median test metric | min – max | solved | median solved at step "
                + "| baseline | success ≤ | median CPU s/run |");
        assertThat(md).containsPattern("\\| adding \\| lstm \\| 10 \\| [0-9.e-]+ \\| [0-9.e-]+ – [0-9.e-]+ \\| "
                + "[0-2] of 2 \\| (-|[0-9]+) \\| 0\\.1667 \\| 0\\.0100 \\|");
        assertThat(md).contains("| task | cell | T | seed | test metric | solved at step | steps trained | wall s "
                + "| CPU s | sequences/s | GFLOP/s | runs at once |");
        assertThat(md).containsPattern("\\| adding \\| rnn_tanh \\| 10 \\| 6 \\| [0-9.e-]+( ✓)? \\| "
                + "(not solved|[0-9]+) \\| [0-9]+ \\|");
        assertThat(md).contains("1/6 ≈ 0.1667");
        assertThat(r.out()).contains("| adding | lstm | 10 |").contains("wrote");

        List<String> charts = List.of("loss-adding-T10.png", "final-adding.png", "grad-vs-lag-adding.png",
                "throughput-adding.png");
        assertThat(j.path("charts").size()).isEqualTo(charts.size());
        for (String c : charts) {
            assertThat(md).contains("](" + c + ")");
            BufferedImage img = ImageIO.read(dir.resolve(c).toFile());
            assertThat(img).as(c).isNotNull();
            assertThat(img.getWidth()).as(c).isGreaterThanOrEqualTo(600);
            assertThat(img.getHeight()).as(c).isGreaterThanOrEqualTo(400);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void copyTaskReportsItsBaselinePerDelay() throws Exception {
        Path dir = tmp.resolve("copy");
        CliRun r = run("compare", "--task", "copy", "--lengths", "5,8", "--steps", "4", "--hidden", "6", "--batch", "4",
                "--cells", "gru", "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode runs = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).path("runs");
        assertThat(runs.size()).isEqualTo(2 * StudyPreset.DEFAULT_SEEDS);
        for (JsonNode run : runs) {
            int t = run.path("T").asInt();
            assertThat(run.path("seq_len").asInt()).isEqualTo(t + 20);
            assertThat(run.path("baseline").asDouble()).isCloseTo(10 * Math.log(8) / (t + 20), within(1e-12));
            assertThat(run.path("threshold").asDouble()).isCloseTo(Math.log(8) / (t + 20), within(1e-12));
        }
        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).contains("10·ln 8/(T+20)").contains("T = 5: 0.8318").contains("T = 8: 0.7427");
    }

    private static StudyConfig configOf(String... args) {
        CompareCommand c = new CompareCommand();
        new picocli.CommandLine(c).parseArgs(args);
        return c.config();
    }

    @Test
    void presetsAndOverrides() {
        StudyConfig def = configOf();
        assertThat(def.preset()).isEqualTo("default");
        assertThat(def.plan()).containsOnlyKeys(StudyTask.ADDING);
        assertThat(def.plan().get(StudyTask.ADDING)).containsExactly(50, 100, 200);
        assertThat(def.cells()).containsExactly(StudyCell.RNN_TANH, StudyCell.IRNN, StudyCell.LSTM, StudyCell.GRU);
        assertThat(def.steps()).isEqualTo(StudyPreset.DEFAULT_STEPS);
        assertThat(def.seeds()).isEqualTo(StudyPreset.DEFAULT_SEEDS).isGreaterThanOrEqualTo(2);
        assertThat(def.seedList()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(def.runCount()).isEqualTo(3 * 4 * StudyPreset.DEFAULT_SEEDS);
        assertThat(def.stopWhenSolved()).isTrue();
        assertThat(def.hidden()).isEqualTo(64);
        assertThat(def.threads()).isEqualTo(1);
        assertThat(def.jobs()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(def.gateInit(StudyCell.LSTM)).isEqualTo(StudyCell.LSTM.defaultGateInit);
        assertThat(def.out()).isEqualTo(Path.of("compare-report"));
        // the rates of the README's sweep
        assertThat(def.lr(StudyCell.RNN_TANH)).isEqualTo(1e-4);
        assertThat(def.lr(StudyCell.IRNN)).isEqualTo(3e-4);
        assertThat(def.lr(StudyCell.LSTM)).isEqualTo(3e-2);
        assertThat(def.lr(StudyCell.GRU)).isEqualTo(3e-2);
        assertThat(def.gateInit(StudyCell.GRU)).isEqualTo(GateInit.CHRONO);

        StudyConfig full = configOf("--preset", "full");
        assertThat(full.plan().keySet()).containsExactly(StudyTask.ADDING, StudyTask.COPY);
        assertThat(full.plan().get(StudyTask.ADDING)).containsExactly(50, 100, 200, 400);
        assertThat(full.plan().get(StudyTask.COPY)).containsExactly(50, 100);
        assertThat(full.steps()).isEqualTo(StudyPreset.FULL_STEPS);
        assertThat(full.runCount()).isEqualTo(24 * StudyPreset.FULL_SEEDS);

        StudyConfig copy = configOf("--task", "copy", "--cells", "gru,rnn_relu,gru", "--lr", "0.005");
        assertThat(copy.plan()).containsOnlyKeys(StudyTask.COPY);
        assertThat(copy.plan().get(StudyTask.COPY)).containsExactly(50, 100);
        assertThat(copy.cells()).containsExactly(StudyCell.GRU, StudyCell.RNN_RELU);
        assertThat(copy.lr(StudyCell.GRU)).isEqualTo(0.005);
        assertThat(copy.lr(StudyCell.RNN_RELU)).isEqualTo(0.005);

        StudyConfig fullCopy = configOf("--preset", "full", "--task", "copy", "--lengths", "30");
        assertThat(fullCopy.plan().get(StudyTask.COPY)).containsExactly(30);
        assertThat(fullCopy.steps()).isEqualTo(StudyPreset.FULL_STEPS);

        StudyConfig custom = configOf("--seeds", "5", "--seed", "10", "--jobs", "1", "--init", "chrono",
                "--no-stop-when-solved");
        assertThat(custom.seedList()).containsExactly(10L, 11L, 12L, 13L, 14L);
        assertThat(custom.jobs()).isEqualTo(1);
        assertThat(custom.gateInit(StudyCell.GRU)).isEqualTo(GateInit.CHRONO);
        assertThat(custom.gateInit(StudyCell.LSTM)).isEqualTo(GateInit.CHRONO);
        assertThat(custom.stopWhenSolved()).isFalse();
    }

    @Test
    void badArgumentsExitTwoWithAMessage() {
        record Case(String expected, String... args) {}
        List<Case> cases = List.of(
                new Case("--task: unknown task 'adder'", "compare", "--task", "adder"),
                new Case("--cells: unknown cell 'lstn'", "compare", "--cells", "lstm,lstn"),
                new Case("--steps must be >= 1, got -5", "compare", "--steps", "-5"),
                new Case("--steps must be >= 1, got 0", "compare", "--steps", "0"),
                new Case("--hidden must be >= 1", "compare", "--hidden", "0"),
                new Case("--batch must be >= 1", "compare", "--batch", "-1"),
                new Case("--threads must be >= 1", "compare", "--threads", "0"),
                new Case("--eval-every must be >= 1", "compare", "--eval-every", "0"),
                new Case("--lr must be finite and > 0", "compare", "--lr", "-0.1"),
                new Case("--preset: unknown preset 'huge'", "compare", "--preset", "huge"),
                new Case("--lengths: T for adding must be in [2, 100000], got 1", "compare", "--lengths", "50,1"),
                new Case("--seeds must be >= 1, got 0", "compare", "--seeds", "0"),
                new Case("--jobs must be >= 1, got 0", "compare", "--jobs", "0"),
                new Case("--jobs must be <= " + 4 * Runtime.getRuntime().availableProcessors(), "compare", "--jobs",
                        "100000"),
                new Case("--threads must be <= " + 4 * Runtime.getRuntime().availableProcessors(), "compare",
                        "--threads", "10000"),
                new Case("--init: unknown gate initialisation 'chrono2'", "compare", "--init", "chrono2"));
        for (Case c : cases) {
            CliRun r = run(c.args());
            assertThat(r.code()).as(String.join(" ", c.args())).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", c.args())).contains(c.expected()).doesNotContain("Exception");
        }
        CliRun notANumber = run("compare", "--steps", "many");
        assertThat(notANumber.code()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--steps").contains("many");
    }

    @Test
    void aFileAsOutIsRefusedBeforeAnyTraining() throws Exception {
        Path file = Files.writeString(tmp.resolve("results.txt"), "keep me");
        CliRun r = run("compare", "--out", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--out " + file).contains("a file, not a folder").doesNotContain("warm-up")
                .doesNotContain("Exception");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void hugeMetricsArePrintedInScientificNotation() throws Exception {
        // a learning rate this large throws the weights far off; whether the loss then turns
        // non-finite (diverged) or stays huge, no number in the output is a long decimal
        Path dir = tmp.resolve("huge");
        CliRun r = run("compare", "--lr", "1e6", "--clip", "0", "--cells", "rnn_relu", "--lengths", "10", "--steps",
                "5", "--seeds", "1", "--hidden", "8", "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String md = Files.readString(dir.resolve("report.md"));
        // no long fixed-point number (the report's own file names and times aside, nothing has 7 digits before a point)
        assertThat(md + r.out()).doesNotContainPattern("[0-9]{7,}\\.[0-9]").doesNotContainPattern("\\.[0-9]{7,}");
    }
}
