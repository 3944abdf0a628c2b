package dev.vecrnn.cli;

import dev.vecrnn.perf.ChildProcess;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.CompareReport;
import dev.vecrnn.perf.BenchMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench compare-pytorch}: how the PyTorch timer is launched ({@code --python/--torch-script}
 * or {@code --torch-command}) and how its engine is named in the reports. No duration is asserted.
 */
class ComparePyTorchCommandTest {
    @TempDir
    Path tmp;

    private static ComparePyTorchCommand parse(String... args) {
        ComparePyTorchCommand cmd = new ComparePyTorchCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    private static final CompareReport.Config LSTM = new CompareReport.Config(dev.vecrnn.nn.CellType.LSTM,
            RnnShape.parse("50x32x256x256"), BenchMode.TRAINING, 2);

    @Test
    void pythonAndScriptByDefault() throws Exception {
        Path script = Files.writeString(tmp.resolve("t.py"), "pass\n");
        assertThat(parse("--torch-script", script.toString()).torchCommandPrefix())
                .containsExactly("/usr/bin/python3", script.toString());
        assertThat(parse("--python", "/opt/py/bin/python", "--torch-script", script.toString()).torchCommandPrefix())
                .containsExactly("/opt/py/bin/python", script.toString());
    }

    @Test
    void torchCommandWordsPrecedeTheTimerOptions() {
        ComparePyTorchCommand cmd = parse("--torch-command", "/opt/djl/djl-rnn-time", "--torch-command", "--flag",
                "--seed", "7", "--warmup-ms", "300", "--reps", "4", "--min-ms", "200", "--tries", "1");
        List<String> prefix = cmd.torchCommandPrefix();
        assertThat(prefix).containsExactly("/opt/djl/djl-rnn-time", "--flag");
        assertThat(cmd.torchCommandLine(prefix, LSTM)).containsExactly("/opt/djl/djl-rnn-time", "--flag",
                "--cell", "lstm", "--shape", "50x32x256x256", "--mode", "training", "--threads", "2", "--seed", "7",
                "--warmup-ms", "300", "--min-warmup-iters", "3", "--reps", "4", "--min-ms", "200",
                "--max-iters", "2000", "--tries", "1", "--max-foreign", "0.1", "--max-iqr", "0.15");
    }

    @Test
    void torchCommandExcludesPythonAndScript() {
        assertThatThrownBy(() -> parse("--torch-command", "x", "--torch-script", "t.py").torchCommandPrefix())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--torch-command replaces");
        assertThatThrownBy(() -> parse("--torch-command", "x", "--python", "/usr/bin/python3").torchCommandPrefix())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--torch-command replaces");
        assertThatThrownBy(() -> parse("--torch-command", " ").torchCommandPrefix())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a program");
    }

    @Test
    void engineLabels() throws Exception {
        ObjectMapper om = new ObjectMapper();
        JsonNode djl = om.readTree("{\"version\": \"2.7.1\", \"engine\": \"pytorch-djl\"}");
        JsonNode py = om.readTree("{\"version\": \"1.13.1\"}");
        assertThat(ComparePyTorchCommand.engineLabel(djl)).isEqualTo("PyTorch 2.7.1 (DJL)");
        assertThat(ComparePyTorchCommand.engineName(djl)).isEqualTo("pytorch-djl");
        assertThat(ComparePyTorchCommand.engineLabel(py)).isEqualTo("PyTorch 1.13.1");
        assertThat(ComparePyTorchCommand.engineName(py)).isEqualTo("python");
        assertThat(ComparePyTorchCommand.engineLabel(null)).isEqualTo("PyTorch");
    }

    /**
     * A fake timer in place of PyTorch: it records its arguments and prints a fixed line. The run
     * must hand it the torch_rnn_time.py options and name its engine in compare.md and compare.json.
     */
    @Test
    void fakeTimerThroughTorchCommandEndToEnd() throws Exception {
        Path argsFile = tmp.resolve("args.txt");
        Path fake = tmp.resolve("fake-timer");
        Files.writeString(fake, "#!/bin/sh\n"
                + "echo \"$@\" > '" + argsFile + "'\n"
                + "echo '{\"framework\": \"pytorch\", \"version\": \"9.9.9\", \"engine\": \"pytorch-djl\", "
                + "\"djl_version\": \"0.0.1\", \"median_ms\": 2.0, \"times_ms\": [2.0], \"blas\": [], \"mkldnn\": true}'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = tmp.resolve("report");

        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.execute("bench", "compare-pytorch", "--torch-command", fake.toString(), "--cells", "rnn_tanh",
                    "--shapes", "2x1x2x2", "--modes", "inference", "--threads", "1", "--rounds", "1",
                    "--warmup-ms", "0", "--min-warmup-iters", "1", "--reps", "3", "--min-ms", "0", "--tries", "1",
                    "--out", out.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(Files.readString(argsFile).trim()).startsWith("--cell rnn_tanh --shape 2x1x2x2 --mode inference "
                + "--threads 1 --seed 1 --warmup-ms 0 --min-warmup-iters 1 --reps 3 --min-ms 0");

        String md = Files.readString(out.resolve("compare.md"));
        assertThat(md).startsWith("# vecrnn vs PyTorch 9.9.9 (DJL) (CPU, float32)");
        assertThat(md).contains("- pytorch: PyTorch 9.9.9 (DJL), engine pytorch-djl");
        assertThat(md).contains("| rnn_tanh | 2x1x2x2 | inference | 1 | 2.00 |");
        JsonNode j = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
        assertThat(j.path("pytorch").path("label").asText()).isEqualTo("PyTorch 9.9.9 (DJL)");
        assertThat(j.path("pytorch").path("engine").asText()).isEqualTo("pytorch-djl");
        assertThat(j.path("pytorch").path("djl_version").asText()).isEqualTo("0.0.1");
        assertThat(j.path("pytorch").path("command").get(0).asText()).isEqualTo(fake.toString());
        assertThat(j.path("rows").get(0).path("pytorch_median_ms").asDouble()).isEqualTo(2.0);
        assertThat(out.resolve("compare.png")).isRegularFile();
    }

    /**
     * The DJL timer prints every field {@code bench rnn} prints. Skipped unless compare/djl has been
     * built (scripts/compare-pytorch --engine djl does that; the build downloads 111 MB).
     */
    @Test
    void djlTimerSpeaksTheSameJson() throws Exception {
        Path launcher = Path.of("../compare/djl/djl-rnn-time").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("../compare/djl/target/vecrnn-compare-djl-0.1.0-SNAPSHOT.jar")),
                "compare/djl not built");
        List<String> timerArgs = List.of("--cell", "gru", "--shape", "3x2x5x4", "--mode", "training", "--threads", "1",
                "--warmup-ms", "0", "--min-warmup-iters", "1", "--reps", "3", "--min-ms", "0", "--tries", "1");
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(timerArgs);
        JsonNode djl = ChildProcess.jsonResult(ChildProcess.run(cmd, Map.of("OMP_NUM_THREADS", "1", "MKL_NUM_THREADS", "1"),
                List.of()), "djl-rnn-time");

        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            List<String> args = new java.util.ArrayList<>(List.of("bench", "rnn"));
            args.addAll(timerArgs);
            assertThat(Main.execute(args.toArray(String[]::new))).isZero();
        } finally {
            System.setOut(oldOut);
        }
        JsonNode java = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).trim());
        for (Iterator<String> it = java.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("vector_bits")) {
                assertThat(djl.has(f)).as("the DJL timer prints %s", f).isTrue();
            }
        }
        for (String same : List.of("cell", "shape", "mode", "threads", "flops", "iters")) {
            assertThat(djl.path(same)).as(same).isEqualTo(java.path(same));
        }
        assertThat(djl.path("framework").asText()).isEqualTo("pytorch");
        assertThat(djl.path("engine").asText()).isEqualTo("pytorch-djl");
        assertThat(djl.path("version").asText()).isEqualTo("2.7.1");
        assertThat(djl.path("torch_threads").asInt()).isEqualTo(1);
    }
}
