package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.nn.CellType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pure logic of the bench commands: shapes, modes, statistics, ratio and scaling tables. */
class BenchLogicTest {

    @Test
    void shapesParseAndCountFlopsByTheDesignFormula() {
        RnnShape s = RnnShape.parse("50x64x512x256");
        assertThat(s).isEqualTo(new RnnShape(50, 64, 512, 256));
        assertThat(s.toString()).isEqualTo("50x64x512x256");
        assertThat(s.forwardFlops(CellType.LSTM)).isEqualTo(2.0 * 50 * 64 * 4 * 256 * (512 + 256));
        assertThat(s.flops(CellType.GRU, BenchMode.TRAINING)).isEqualTo(3 * 2.0 * 50 * 64 * 3 * 256 * (512 + 256));
        assertThat(s.flops(CellType.RNN_RELU, BenchMode.INFERENCE)).isEqualTo(2.0 * 50 * 64 * 256 * (512 + 256));
        assertThat(RnnShape.parseList("1x2x3x4, 5x6x7x8")).containsExactly(new RnnShape(1, 2, 3, 4), new RnnShape(5, 6, 7, 8));
        assertThat(RnnShape.STANDARD).hasSize(5).contains(new RnnShape(100, 1, 256, 256));
    }

    @Test
    void badShapesAreRejectedNamingTheForm() {
        for (String bad : new String[] {"50x64x512", "50x64x512x1x1", "axbxcxd", "50x0x512x512", "", "50x64x512x"}) {
            assertThatThrownBy(() -> RnnShape.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("TxBxIxH");
        }
        assertThatThrownBy(() -> RnnShape.parseList(" , ")).isInstanceOf(IllegalArgumentException.class);
        // the JMH suite's shape parameters go through the same parser
        assertThat(RnnShape.parse(" 25X16x1024x1024 ")).isEqualTo(new RnnShape(25, 16, 1024, 1024));
        for (String bad : new String[] {"50x64x512x256x1", "50x64xax256", "0x1x1x1", "50x-1x2x2"}) {
            assertThatThrownBy(() -> RnnShape.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("TxBxIxH").hasMessageContaining(bad);
        }
    }

    @Test
    void modesAcceptShortNames() {
        assertThat(BenchMode.parse("Train")).isEqualTo(BenchMode.TRAINING);
        assertThat(BenchMode.parse("infer")).isEqualTo(BenchMode.INFERENCE);
        assertThat(BenchMode.parseList("inference,training")).containsExactly(BenchMode.INFERENCE, BenchMode.TRAINING);
        assertThatThrownBy(() -> BenchMode.parse("fast")).hasMessageContaining("inference or training");
    }

    @Test
    void statistics() {
        assertThat(Stats.median(new double[] {5, 1, 3})).isEqualTo(3);
        assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        // sorted 1..8: quartiles at index 2 and 6 -> (7 - 3) / 4.5
        assertThat(Stats.iqrOverMedian(new double[] {8, 7, 6, 5, 4, 3, 2, 1})).isEqualTo(4 / 4.5);
        assertThat(Stats.geometricMean(new double[] {2, 0.5})).isCloseTo(1.0, within(1e-12));
        assertThat(Stats.geometricMean(new double[] {1, 4, 16})).isCloseTo(4.0, within(1e-12));
        assertThatThrownBy(() -> Stats.geometricMean(new double[] {1, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stats.median(new double[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ratiosArePairedPerRoundAndSummarisedByMedian() {
        CompareReport.Config c = new CompareReport.Config(CellType.LSTM, new RnnShape(50, 32, 256, 256),
                BenchMode.INFERENCE, 1);
        // per-round ratios 12/10 = 1.2, 9/12 = 0.75, 10/10 = 1.0
        CompareReport.Row r = CompareReport.row(c, List.of(10.0, 12.0, 10.0), List.of(12.0, 9.0, 10.0));
        assertThat(r.ratioMedian()).isCloseTo(1.0, within(1e-12));
        assertThat(r.ratioMin()).isCloseTo(0.75, within(1e-12));
        assertThat(r.ratioMax()).isCloseTo(1.2, within(1e-12));
        assertThat(r.torchMs()).isEqualTo(10.0);
        assertThat(r.vecrnnMs()).isEqualTo(10.0);
        assertThat(r.rounds()).isEqualTo(3);
        // 2·50·32·4·256·512 flops in 10 ms
        assertThat(r.torchGflops()).isCloseTo(2.0 * 50 * 32 * 4 * 256 * 512 / 0.010 / 1e9, within(1e-9));
        assertThatThrownBy(() -> CompareReport.row(c, List.of(1.0), List.of(1.0, 2.0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void compareTableAndGeometricMeanPerModeAndThreads() {
        RnnShape s = new RnnShape(5, 2, 8, 8);
        CompareReport.Row a = CompareReport.row(new CompareReport.Config(CellType.LSTM, s, BenchMode.TRAINING, 1),
                List.of(2.0), List.of(1.0));
        CompareReport.Row b = CompareReport.row(new CompareReport.Config(CellType.GRU, s, BenchMode.TRAINING, 1),
                List.of(1.0), List.of(2.0));
        CompareReport.Row c = CompareReport.row(new CompareReport.Config(CellType.GRU, s, BenchMode.INFERENCE, 2),
                List.of(4.0), List.of(1.0));
        assertThat(CompareReport.geometricMeans(List.of(a, b, c)))
                .containsOnlyKeys("training 1T", "inference 2T")
                .hasEntrySatisfying("training 1T", v -> assertThat(v).isCloseTo(1.0, within(1e-12)))
                .hasEntrySatisfying("inference 2T", v -> assertThat(v).isCloseTo(0.25, within(1e-12)));
        String md = CompareReport.markdown(List.of(a, b, c));
        assertThat(md).contains("| lstm | 5x2x8x8 | training | 1 | 2.00 | 1.00 | 0.5000 (0.5000–0.5000) |")
                .contains("- inference 2T: 0.2500");
    }

    @Test
    void scalingTablesShowSpreadAndSpeedups() {
        double f = 1e9; // 1 GFLOP per step
        List<ScalingReport.Point> pts = List.of(
                new ScalingReport.Point(0, 1, 100, 90, 125, 0.1, f),
                new ScalingReport.Point(0, 2, 50, 50, 50, 0, f),
                new ScalingReport.Point(512, 1, 10, 8, 20, 0.2, f),
                new ScalingReport.Point(512, 2, 5, 5, 5, 0, f));
        String md = ScalingReport.markdown(pts, List.of(0, 512), 2);
        // 1 GFLOP in 100 ms = 10 GFLOP/s; slowest 125 ms = 8, fastest 90 ms = 11.11
        assertThat(md).contains("| threads | scalar | 512-bit |")
                .contains("| 1 | 10.00 (8.00–11.11) | 100.0 (50.00–125.0) |")
                .contains("| 1 | 100.0 ± 10.0% | 10.00 ± 20.0% |");
        assertThat(md).contains("Speed-up over the scalar path").contains("| 1 | 10.00× |").contains("| 2 | 10.00× |");
        assertThat(md).contains("Speed-up over one thread").contains("| 2 | 2.00× | 2.00× |");
        assertThat(ScalingReport.widthLabel(0)).isEqualTo("scalar");
        assertThat(ScalingReport.widthLabel(256)).isEqualTo("256-bit");
    }

    @Test
    void childStderrLosesTheIncubatorBanner() {
        String err = "WARNING: Using incubator modules: jdk.incubator.vector\nboom\n\n";
        assertThat(ChildProcess.stderrTail(err)).isEqualTo("boom");
        ChildProcess.Outcome failed = new ChildProcess.Outcome(3, "not json\n", err);
        assertThatThrownBy(() -> ChildProcess.jsonResult(failed, "child x"))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("child x failed (exit code 3): boom");
        ChildProcess.Outcome ok = new ChildProcess.Outcome(0, "noise\n{\"a\":1}\n", "");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ChildProcess.jsonResult(ok, "y"))).isNull();
    }

    @Test
    void childJvmGetsTheWidthAndTheVectorModule() {
        List<String> cmd = ChildProcess.javaCommand(BenchLogicTest.class, 256, List.of("bench", "rnn"));
        assertThat(cmd.getFirst()).endsWith("java");
        assertThat(cmd).contains("-Dvecrnn.vectorBits=256").anyMatch(a -> a.contains("jdk.incubator.vector"));
        assertThat(cmd.subList(cmd.size() - 3, cmd.size())).containsExactly(BenchLogicTest.class.getName(), "bench", "rnn");
        assertThat(ChildProcess.javaCommand(BenchLogicTest.class, null, List.of())).noneMatch(a -> a.startsWith("-Dvecrnn.vectorBits"));
    }
}
