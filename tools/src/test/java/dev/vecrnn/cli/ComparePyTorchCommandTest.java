package dev.vecrnn.cli;

import dev.vecrnn.perf.PyTorchComparison;
import dev.vecrnn.perf.Timing;

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
import java.util.List;
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

    @Test
    void pythonAndScriptByDefault() throws Exception {
        Path script = Files.writeString(tmp.resolve("t.py"), "pass\n");
        assertThat(parse("--torch-script", script.toString()).torchTimer())
                .isEqualTo(new PyTorchComparison.TorchTimer(List.of("/usr/bin/python3", script.toString()), "/usr/bin/python3"));
        assertThat(parse("--python", "/opt/py/bin/python", "--torch-script", script.toString()).torchTimer())
                .isEqualTo(new PyTorchComparison.TorchTimer(List.of("/opt/py/bin/python", script.toString()), "/opt/py/bin/python"));
    }

    /** The command line built from these settings is checked in {@code PyTorchComparisonTest}. */
    @Test
    void torchCommandWordsSeedAndTimingReachTheConfig() {
        ComparePyTorchCommand cmd = parse("--torch-command", "/opt/djl/djl-rnn-time", "--torch-command", "--flag",
                "--seed", "7", "--warmup-ms", "300", "--reps", "4", "--min-ms", "200", "--tries", "1");
        PyTorchComparison.Config c = cmd.config();
        assertThat(c.torch().command()).containsExactly("/opt/djl/djl-rnn-time", "--flag");
        assertThat(c.torch().python()).isNull();
        assertThat(c.seed()).isEqualTo(7);
        assertThat(c.timing()).isEqualTo(new Timing(300, 3, 4, 200, 2000, 1, 0.1, 0.15));
    }

    @Test
    void torchCommandExcludesPythonAndScript() {
        assertThatThrownBy(() -> parse("--torch-command", "x", "--torch-script", "t.py").torchTimer())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--torch-command replaces");
        assertThatThrownBy(() -> parse("--torch-command", "x", "--python", "/usr/bin/python3").torchTimer())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--torch-command replaces");
        assertThatThrownBy(() -> parse("--torch-command", " ").torchTimer())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a program");
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
}
