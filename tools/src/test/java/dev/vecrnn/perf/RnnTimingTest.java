package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.nn.CellType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * One configuration timed in this JVM: the JSON line's fields, the timer protocol both
 * frameworks speak (the Python and DJL timers are run where installed), and a child JVM. No
 * duration is asserted.
 */
class RnnTimingTest {
    /** Short: no warm-up, three timed steps, one window. */
    private static final Timing TINY = new Timing(0, 1, 3, 0, 2000, 1, 0.1, 0.15);

    private static RnnTiming.Request tiny(CellType cell) {
        return new RnnTiming.Request(cell, RnnShape.parse("3x2x5x4"), BenchMode.TRAINING, 1, 1, TINY);
    }

    @Test
    void requestSpeaksTheTimerOptions() {
        assertThat(tiny(CellType.GRU).toArgs()).containsExactly("--cell", "gru", "--shape", "3x2x5x4", "--mode", "training",
                "--threads", "1", "--seed", "1", "--warmup-ms", "0", "--min-warmup-iters", "1", "--reps", "3", "--min-ms", "0",
                "--max-iters", "2000", "--tries", "1", "--max-foreign", "0.1", "--max-iqr", "0.15");
        assertThatThrownBy(() -> new RnnTiming.Request(CellType.GRU, RnnShape.parse("3x2x5x4"), BenchMode.TRAINING, 0, 1, TINY))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--threads must be >= 1, got 0");
    }

    @Test
    void measurePrintsTheSharedFields() throws Exception {
        JsonNode j = new ObjectMapper().readTree(RnnTiming.measure(tiny(CellType.GRU)));
        assertThat(j.path("framework").asText()).isEqualTo("vecrnn");
        assertThat(j.path("shape").asText()).isEqualTo("3x2x5x4");
        // 3x forward of 2·T·B·G·H·(I+H) = 2·3·2·3·4·9
        assertThat(j.path("flops").asDouble()).isEqualTo(3 * 1296.0);
        assertThat(j.path("vector_bits").asInt()).isEqualTo(VectorSupport.BITS);
        assertThat(j.path("iters").asInt()).isEqualTo(3);
        assertThat(j.path("times_ms")).hasSize(3);
        assertThat(j.path("median_ms").asDouble()).isBetween(j.path("min_ms").asDouble(), j.path("max_ms").asDouble());
        assertThat(Float.isFinite((float) j.path("checksum").asDouble())).isTrue();
    }

    /** A child JVM running this test class's main: the launcher's arguments, then the timer options. */
    @Test
    void childJvmGetsTheLauncherArgumentsAndTheRequest() throws Exception {
        RnnTiming.Launcher echo = new RnnTiming.Launcher(EchoMain.class, List.of("bench", "rnn"));
        JsonNode j = RnnTiming.inChildJvm(echo, 128, tiny(CellType.LSTM), "echo child");
        List<String> args = new ArrayList<>();
        j.path("args").forEach(a -> args.add(a.asText()));
        List<String> expected = new ArrayList<>(List.of("bench", "rnn"));
        expected.addAll(tiny(CellType.LSTM).toArgs());
        assertThat(args).isEqualTo(expected);
        assertThat(j.path("vectorBits").asText()).isEqualTo("128");
    }

    /** Prints its arguments and the vector-width property as one JSON line. */
    public static final class EchoMain {
        public static void main(String[] args) throws Exception {
            System.out.println(new ObjectMapper().writeValueAsString(Map.of("args", List.of(args),
                    "vectorBits", String.valueOf(System.getProperty("vecrnn.vectorBits")))));
        }
    }

    /** The Python timer takes the same options and prints every field the Java timer prints (skipped where PyTorch is not installed). */
    @Test
    void pythonTimerSpeaksTheSameJson() throws Exception {
        Path script = Path.of("../scripts/lib/torch_rnn_time.py").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(script) && Files.isExecutable(Path.of("/usr/bin/python3")));
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").start();
        Assumptions.assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "PyTorch not installed");

        RnnTiming.Request request = tiny(CellType.RNN_RELU);
        List<String> args = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
        args.addAll(request.toArgs());
        JsonNode py = ChildProcess.jsonResult(ChildProcess.run(args, Map.of("OMP_NUM_THREADS", "1",
                "OPENBLAS_NUM_THREADS", "1"), List.of()), "torch_rnn_time.py");
        JsonNode java = new ObjectMapper().readTree(RnnTiming.measure(request));
        sameFields(py, java, "python prints %s");
        assertThat(py.path("framework").asText()).isEqualTo("pytorch");
    }

    /**
     * The DJL timer prints every field the Java timer prints. Skipped unless compare/djl has been
     * built (scripts/compare-pytorch --engine djl does that; the build downloads 111 MB).
     */
    @Test
    void djlTimerSpeaksTheSameJson() throws Exception {
        Path launcher = Path.of("../compare/djl/djl-rnn-time").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("../compare/djl/target/vecrnn-compare-djl-0.1.0-SNAPSHOT.jar")),
                "compare/djl not built");
        RnnTiming.Request request = tiny(CellType.GRU);
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(request.toArgs());
        JsonNode djl = ChildProcess.jsonResult(ChildProcess.run(cmd, Map.of("OMP_NUM_THREADS", "1", "MKL_NUM_THREADS", "1"),
                List.of()), "djl-rnn-time");
        JsonNode java = new ObjectMapper().readTree(RnnTiming.measure(request));
        sameFields(djl, java, "the DJL timer prints %s");
        assertThat(djl.path("framework").asText()).isEqualTo("pytorch");
        assertThat(djl.path("engine").asText()).isEqualTo("pytorch-djl");
        assertThat(djl.path("version").asText()).isEqualTo("2.7.1");
        assertThat(djl.path("torch_threads").asInt()).isEqualTo(1);
    }

    private static void sameFields(JsonNode other, JsonNode java, String what) {
        for (Iterator<String> it = java.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("vector_bits")) {
                assertThat(other.has(f)).as(what, f).isTrue();
            }
        }
        for (String same : List.of("cell", "shape", "mode", "threads", "flops", "iters")) {
            assertThat(other.path(same)).as(same).isEqualTo(java.path(same));
        }
    }
}
