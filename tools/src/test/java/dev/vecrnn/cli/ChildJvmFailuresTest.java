package dev.vecrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures only a JVM of their own shows: an invalid {@code -Dvecrnn.vectorBits} (read when the
 * kernels load) and requests larger than a small heap. Each ends in one line on standard error and
 * a non-zero exit code, before any output file or progress line.
 */
class ChildJvmFailuresTest {
    @TempDir
    Path tmp;

    private static final List<String> SMALL_HEAP = List.of("-Xmx256m", "-XX:+UseParallelGC");

    private static void oneLine(ChildCli r, String what) {
        assertThat(r.err()).as(what).doesNotContain("\n").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void anInvalidVectorWidthIsOneLineForEveryCommand() throws Exception {
        String hint = " (a -D setting of the JVM; for the vecrnn scripts it comes from VECRNN_JAVA_OPTS)";
        ChildCli info = ChildCli.run(List.of("-Dvecrnn.vectorBits=77"), "info");
        assertThat(info.code()).isEqualTo(2);
        assertThat(info.err()).isEqualTo("vecrnn info: vecrnn.vectorBits = '77' is not valid: use one of 0, 128, 256 or 512"
                + hint);
        assertThat(info.out()).isEmpty();

        Path out = tmp.resolve("o.safetensors");
        ChildCli forward = ChildCli.run(List.of("-Dvecrnn.vectorBits=abc"), "forward", "--cell", "lstm", "--weights", "w",
                "--inputs", "i", "--out", out.toString());
        assertThat(forward.code()).isEqualTo(2);
        oneLine(forward, "forward");
        assertThat(forward.err()).startsWith("vecrnn forward: vecrnn.vectorBits = 'abc' is not valid")
                .endsWith(hint);
        assertThat(out).doesNotExist();

        ChildCli bench = ChildCli.run(List.of("-Dvecrnn.vectorBits=1024"), "bench", "rnn", "--shape", "2x1x2x2");
        assertThat(bench.code()).isEqualTo(2);
        oneLine(bench, "bench rnn");
        assertThat(bench.err()).startsWith("vecrnn bench rnn: vecrnn.vectorBits = '1024' is not valid: use one of 0, 128, 256 or 512");
        assertThat(bench.out()).isEmpty();

        // help needs no kernels
        ChildCli help = ChildCli.run(List.of("-Dvecrnn.vectorBits=77"), "forward", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--weights");
    }

    @Test
    void aPassTooLargeForTheHeapIsRefusedBeforeItRuns() throws Exception {
        // the issue's case: 16 MB of weights (an lstm, H = 1000, I = 1) and 0.7 MB of input ask for gigabytes
        int h = 1000;
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("weight_ih_l0", Tensor.of(new float[4 * h], 4 * h, 1));
        w.put("weight_hh_l0", Tensor.of(new float[4 * h * h], 4 * h, h));
        w.put("bias_ih_l0", Tensor.of(new float[4 * h], 4 * h));
        w.put("bias_hh_l0", Tensor.of(new float[4 * h], 4 * h));
        Path weights = tmp.resolve("w.safetensors");
        SafeTensors.write(weights, w);
        Path inputs = tmp.resolve("in.safetensors");
        SafeTensors.write(inputs, Map.of("x", Tensor.of(new float[1750 * 100], 1750, 100, 1)));
        Path out = tmp.resolve("o.safetensors");
        ChildCli r = ChildCli.run(SMALL_HEAP, "forward", "--cell", "lstm", "--weights", weights.toString(), "--inputs",
                inputs.toString(), "--out", out.toString(), "--threads", "1");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        oneLine(r, "forward");
        assertThat(r.err()).matches("vecrnn forward: forward of an lstm of 1 layer \\(I=1, H=1000\\) on T=1750, B=100 needs "
                + "about [0-9.]+ GiB, but the Java heap(.s old generation \\(where large arrays go; [0-9]+% of -Xmx with "
                + "this collector\\))? has about .* free \\(limit .*\\); raise the limit with -Xmx[0-9]+g "
                + "\\(for the vecrnn scripts: VECRNN_JAVA_OPTS=-Xmx[0-9]+g\\)");
        assertThat(out).doesNotExist();
    }

    @Test
    void workloadsTooLargeForTheHeapAreRefusedBeforeAnyMeasurement() throws Exception {
        // like compare --hidden 8000: a training step with Adam needs gigabytes
        ChildCli profile = ChildCli.run(SMALL_HEAP, "profile", "--H", "8000", "--train", "--threads", "1",
                "--peak-gflops", "1");
        assertThat(profile.code()).as(profile.err()).isEqualTo(3);
        oneLine(profile, "profile");
        assertThat(profile.err()).startsWith("vecrnn profile: a training step with an Adam update of an lstm of 1 layer "
                + "(I=512, H=8000) on T=50, B=64 needs about ").contains("-Xmx");
        assertThat(profile.out()).isEmpty();

        ChildCli rnn = ChildCli.run(SMALL_HEAP, "bench", "rnn", "--shape", "50x64x512x20000", "--threads", "1");
        assertThat(rnn.code()).as(rnn.err()).isEqualTo(3);
        oneLine(rnn, "bench rnn");
        assertThat(rnn.err()).startsWith("vecrnn bench rnn: a training step of an lstm of 1 layer (I=512, H=20000) on "
                + "T=50, B=64 needs about ");
        assertThat(rnn.out()).isEmpty();

        // the sweeps check in the parent, before starting a child JVM: no progress line, no folder
        Path sweep = tmp.resolve("sweep");
        ChildCli scaling = ChildCli.run(SMALL_HEAP, "bench", "scaling", "--shape", "50x64x512x8000", "--threads-max", "1",
                "--out", sweep.toString());
        assertThat(scaling.code()).as(scaling.err()).isEqualTo(3);
        oneLine(scaling, "bench scaling");
        assertThat(scaling.err()).startsWith("vecrnn bench scaling: a training step of an lstm of 1 layer (I=512, H=8000)");
        assertThat(sweep).doesNotExist();

        Path compare = tmp.resolve("compare");
        ChildCli torch = ChildCli.run(SMALL_HEAP, "bench", "compare-pytorch", "--quick", "--shapes", "50x64x512x8000",
                "--torch-command", "/bin/false", "--out", compare.toString());
        assertThat(torch.code()).as(torch.err()).isEqualTo(3);
        oneLine(torch, "compare-pytorch");
        assertThat(torch.err()).startsWith("vecrnn bench compare-pytorch: an inference pass of an lstm of 1 layer (I=512, H=8000)");
        assertThat(compare).doesNotExist();
    }
}
