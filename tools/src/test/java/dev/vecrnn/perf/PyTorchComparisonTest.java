package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vecrnn.nn.CellType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the comparison launches the PyTorch timer and names its engine, and its settings. */
class PyTorchComparisonTest {
    private static final CompareReport.Config LSTM = new CompareReport.Config(CellType.LSTM,
            RnnShape.parse("50x32x256x256"), BenchMode.TRAINING, 2);
    private static final RnnTiming.Launcher LAUNCHER = new RnnTiming.Launcher(PyTorchComparisonTest.class, List.of());

    private static PyTorchComparison.Config config(List<String> torch, Integer vectorBits, int rounds, Timing timing) {
        return new PyTorchComparison.Config(List.of(LSTM), rounds, timing, vectorBits, 7,
                new PyTorchComparison.TorchTimer(torch, null), null, LAUNCHER);
    }

    @Test
    void torchCommandWordsPrecedeTheTimerOptions() {
        PyTorchComparison.Config c = config(List.of("/opt/djl/djl-rnn-time", "--flag"), null, 1,
                new Timing(300, 3, 4, 200, 2000, 1, 0.1, 0.15));
        assertThat(PyTorchComparison.torchCommandLine(c, LSTM)).containsExactly("/opt/djl/djl-rnn-time", "--flag",
                "--cell", "lstm", "--shape", "50x32x256x256", "--mode", "training", "--threads", "2", "--seed", "7",
                "--warmup-ms", "300", "--min-warmup-iters", "3", "--reps", "4", "--min-ms", "200",
                "--max-iters", "2000", "--tries", "1", "--max-foreign", "0.1", "--max-iqr", "0.15");
    }

    @Test
    void engineLabels() throws Exception {
        ObjectMapper om = new ObjectMapper();
        JsonNode djl = om.readTree("{\"version\": \"2.7.1\", \"engine\": \"pytorch-djl\"}");
        JsonNode py = om.readTree("{\"version\": \"1.13.1\"}");
        assertThat(PyTorchComparison.engineLabel(djl)).isEqualTo("PyTorch 2.7.1 (DJL)");
        assertThat(PyTorchComparison.engineName(djl)).isEqualTo("pytorch-djl");
        assertThat(PyTorchComparison.engineLabel(py)).isEqualTo("PyTorch 1.13.1");
        assertThat(PyTorchComparison.engineName(py)).isEqualTo("python");
        assertThat(PyTorchComparison.engineLabel(null)).isEqualTo("PyTorch");
    }

    @Test
    void settingsAreCheckedByOptionName() {
        List<String> torch = List.of("timer");
        assertThatThrownBy(() -> config(torch, null, 0, Timing.DEFAULT)).hasMessage("--rounds must be >= 1, got 0");
        assertThatThrownBy(() -> config(torch, 64, 1, Timing.DEFAULT))
                .hasMessage("--vector-bits must be 0, 128, 256 or 512, got 64");
        assertThat(config(torch, 0, 1, Timing.DEFAULT).vectorBits()).isZero();
        assertThatThrownBy(() -> new PyTorchComparison.TorchTimer(List.of(" "), null)).hasMessageContaining("expected a program");
        assertThatThrownBy(() -> new CompareReport.Config(CellType.GRU, RnnShape.parse("1x1x1x1"), BenchMode.INFERENCE, 0))
                .hasMessage("--threads: each must be >= 1, got 0");
    }

    @Test
    void sweepRunsShapeThenCellThenModeThenThreads() {
        List<CompareReport.Config> s = CompareReport.sweep(List.of(CellType.LSTM, CellType.GRU),
                List.of(RnnShape.parse("1x2x3x4"), RnnShape.parse("5x6x7x8")), List.of(BenchMode.INFERENCE, BenchMode.TRAINING),
                List.of(1, 2));
        assertThat(s).hasSize(16);
        assertThat(s.subList(0, 5)).extracting(CompareReport.Config::label).containsExactly(
                "lstm 1x2x3x4 inference 1T", "lstm 1x2x3x4 inference 2T", "lstm 1x2x3x4 training 1T",
                "lstm 1x2x3x4 training 2T", "gru 1x2x3x4 inference 1T");
        assertThat(s.getLast().label()).isEqualTo("gru 5x6x7x8 training 2T");
    }
}
