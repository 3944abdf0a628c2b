package dev.vecrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to {@code vecrnn forward|backward}: a non-zero exit and one line naming the problem. */
class ParityCommandTest {
    static Path fixtures;
    @TempDir
    Path tmp;

    @BeforeAll
    static void find() throws URISyntaxException {
        fixtures = Path.of(ParityCommandTest.class.getResource("/fixtures/manifest.json").toURI()).getParent();
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private CliRun backward(String cell, Path weights, Path inputs, Path out) {
        return run("backward", "--cell", cell, "--weights", weights.toString(), "--inputs", inputs.toString(),
                "--out", out.toString(), "--threads", "1");
    }

    private static Path fx(String file) {
        return fixtures.resolve(file);
    }

    private Path inputsWith(String fixture, String name, Tensor t) throws IOException {
        Map<String, Tensor> in = SafeTensors.read(fx(fixture + ".inputs.safetensors"));
        if (t == null) {
            in.remove(name);
        } else {
            in.put(name, t);
        }
        Path p = tmp.resolve("in-" + name + ".safetensors");
        SafeTensors.write(p, in);
        return p;
    }

    @Test
    void weightsOfAnotherCellAreRejectedNamingTheTensorAndShapes() {
        Path out = tmp.resolve("o.safetensors");
        CliRun r = backward("gru", fx("lstm_l1_t9b3i7h13.weights.safetensors"), fx("lstm_l1_t9b3i7h13.inputs.safetensors"), out);
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).doesNotContain("\n").contains("weight_").contains("[52, ").containsIgnoringCase("expected");
        assertThat(out).doesNotExist();
    }

    @Test
    void missingInputIsNamed() throws IOException {
        CliRun r = backward("lstm", fx("lstm_l1_t9b3i7h13.weights.safetensors"),
                inputsWith("lstm_l1_t9b3i7h13", "dout", null), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("missing tensor 'dout'");
    }

    @Test
    void misshapenInputNamesExpectedAndActualShape() throws IOException {
        CliRun r = backward("lstm", fx("lstm_l1_t9b3i7h13.weights.safetensors"),
                inputsWith("lstm_l1_t9b3i7h13", "x", Tensor.of(new float[9 * 3 * 6], 9, 3, 6)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'x'").contains("[9, 3, 6]").contains("[T,B,7]");

        r = backward("lstm", fx("lstm_l1_t9b3i7h13.weights.safetensors"),
                inputsWith("lstm_l1_t9b3i7h13", "h0", Tensor.of(new float[2 * 3 * 13], 2, 3, 13)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'h0'").contains("[2, 3, 13]").contains("[1, 3, 13]");
    }

    @Test
    void unknownInputAndUnknownParameterNamesAreRejected() throws IOException {
        CliRun r = backward("lstm", fx("lstm_l1_t9b3i7h13.weights.safetensors"),
                inputsWith("lstm_l1_t9b3i7h13", "hidden", Tensor.of(new float[1], 1)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("unknown tensor 'hidden'");

        Map<String, Tensor> w = SafeTensors.read(fx("lstm_l1_t9b3i7h13.weights.safetensors"));
        w.put("weight_xx_l0", Tensor.of(new float[4], 2, 2));
        Path bad = tmp.resolve("w.safetensors");
        SafeTensors.write(bad, w);
        r = backward("lstm", bad, fx("lstm_l1_t9b3i7h13.inputs.safetensors"), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("weight_xx_l0");
    }

    @Test
    void cellStateForACellWithoutOneIsRejected() throws IOException {
        CliRun r = run("forward", "--cell", "gru", "--weights", fx("gru_l1_t9b3i7h13.weights.safetensors").toString(),
                "--inputs", inputsWith("gru_l1_t9b3i7h13", "c0", Tensor.of(new float[39], 1, 3, 13)).toString(),
                "--out", tmp.resolve("o.safetensors").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("c0");
    }

    @Test
    void aFailedRunLeavesAnExistingOutputFileUntouched() throws IOException {
        Path out = tmp.resolve("keep.safetensors");
        Files.writeString(out, "previous results");
        CliRun r = backward("gru", fx("lstm_l1_t9b3i7h13.weights.safetensors"), fx("lstm_l1_t9b3i7h13.inputs.safetensors"), out);
        assertThat(r.code()).isNotZero();
        assertThat(Files.readString(out)).isEqualTo("previous results");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("keep.safetensors");
        }
    }

    @Test
    void integerStatesInputsAndGradientsAreRejectedLikeIntegerWeights() throws IOException {
        Map<String, Tensor> in = SafeTensors.read(fx("lstm_l1_t9b3i7h13.inputs.safetensors"));
        for (String name : new String[] {"x", "h0", "c0", "dout", "dh_n", "dc_n"}) {
            Tensor t = in.get(name);
            long[] values = new long[(int) t.numel()];
            Tensor integer = name.equals("h0") || name.equals("dc_n") ? Tensor.ofInts(new int[values.length], t.shape())
                    : Tensor.ofLongs(values, t.shape());
            Path inputs = inputsWith("lstm_l1_t9b3i7h13", name, integer);
            Path out = tmp.resolve("o-" + name + ".safetensors");
            CliRun r = backward("lstm", fx("lstm_l1_t9b3i7h13.weights.safetensors"), inputs, out);
            assertThat(r.code()).as(name).isEqualTo(2);
            assertThat(r.err()).as(name).isEqualTo("vecrnn backward: " + inputs + ": tensor '" + name + "' is "
                    + integer.dtype() + " " + java.util.Arrays.toString(t.shape())
                    + ", expected a floating-point tensor (F32, F64, F16 or BF16)");
            assertThat(out).doesNotExist();
        }
        // forward reads x, h0 and c0 the same way
        Path inputs = inputsWith("lstm_l1_t9b3i7h13", "x", Tensor.ofLongs(new long[9 * 3 * 7], 9, 3, 7));
        CliRun r = run("forward", "--cell", "lstm", "--weights", fx("lstm_l1_t9b3i7h13.weights.safetensors").toString(),
                "--inputs", inputs.toString(), "--out", tmp.resolve("f.safetensors").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("tensor 'x' is I64 [9, 3, 7], expected a floating-point tensor");
        assertThat(tmp.resolve("f.safetensors")).doesNotExist();
    }

    @Test
    void unreadableWeightsFileIsNamed() throws IOException {
        Path junk = tmp.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        CliRun r = backward("lstm", junk, fx("lstm_l1_t9b3i7h13.inputs.safetensors"), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("junk.safetensors");
    }

    @Test
    void forwardIgnoresUpstreamGradientsSoOneInputsFileServesBoth() throws IOException {
        Path fwd = tmp.resolve("f.safetensors");
        CliRun r = run("forward", "--cell", "lstm", "--weights", fx("lstm_l1_t9b3i7h13.weights.safetensors").toString(),
                "--inputs", fx("lstm_l1_t9b3i7h13.inputs.safetensors").toString(), "--out", fwd.toString(), "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Tensor> got = SafeTensors.read(fwd);
        Map<String, Tensor> expected = SafeTensors.read(fx("lstm_l1_t9b3i7h13.expected.safetensors"));
        assertThat(got.keySet()).containsExactly("out", "h_n", "c_n");
        float[] out = got.get("out").toFloats();
        float[] ref = expected.get("out").toFloats();
        for (int i = 0; i < ref.length; i++) {
            assertThat((double) out[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4 + 1e-4 * Math.abs(ref[i])));
        }
    }

    @Test
    void unknownCellListsTheValidOnes() {
        CliRun r = run("forward", "--cell", "transformer", "--weights", "w", "--inputs", "i", "--out", "o");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("transformer").contains("lstm").contains("gru");
    }

    private static final String VAR_BI = "lstm_var_bi_l1_t7b5i4h9";

    @Test
    void lengthsMayBeI32OrI64WithTheSameResults() throws IOException {
        Path out64 = tmp.resolve("o64.safetensors");
        assertThat(backward("lstm", fx(VAR_BI + ".weights.safetensors"), fx(VAR_BI + ".inputs.safetensors"), out64).code())
                .isZero();
        Tensor lengths = SafeTensors.read(fx(VAR_BI + ".inputs.safetensors")).get("lengths");
        assertThat(lengths.dtype()).isEqualTo(dev.vecrnn.io.DType.I64);
        Path out32 = tmp.resolve("o32.safetensors");
        assertThat(backward("lstm", fx(VAR_BI + ".weights.safetensors"),
                inputsWith(VAR_BI, "lengths", Tensor.ofInts(lengths.toInts(), 5)), out32).code()).isZero();
        Map<String, Tensor> a = SafeTensors.read(out64);
        Map<String, Tensor> b = SafeTensors.read(out32);
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String k : a.keySet()) {
            assertThat(b.get(k)).as(k).isEqualTo(a.get(k));
        }
    }

    @Test
    void badLengthsAreNamed() throws IOException {
        Path w = fx(VAR_BI + ".weights.safetensors");
        CliRun r = backward("lstm", w, inputsWith(VAR_BI, "lengths", Tensor.ofLongs(new long[] {7, 2, 8, 1, 5}, 5)),
                tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).doesNotContain("\n").contains("lengths[2] = 8").contains("[1, T] = [1, 7]");

        r = backward("lstm", w, inputsWith(VAR_BI, "lengths", Tensor.ofLongs(new long[] {7, 2, 0, 1, 5}, 5)),
                tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("lengths[2] = 0");

        r = backward("lstm", w, inputsWith(VAR_BI, "lengths", Tensor.ofLongs(new long[] {7, 2, 1}, 3)),
                tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'lengths'").contains("[3]").contains("[5]");

        r = backward("lstm", w, inputsWith(VAR_BI, "lengths", Tensor.of(new float[] {7, 2, 3, 1, 5}, 5)),
                tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'lengths'").contains("integer");
    }

    @Test
    void bidirectionalStatesNeedTwoSlicesPerLayer() throws IOException {
        CliRun r = backward("lstm", fx(VAR_BI + ".weights.safetensors"),
                inputsWith(VAR_BI, "h0", Tensor.of(new float[5 * 9], 1, 5, 9)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'h0'").contains("[1, 5, 9]").contains("[2, 5, 9]");

        r = backward("lstm", fx(VAR_BI + ".weights.safetensors"),
                inputsWith(VAR_BI, "dout", Tensor.of(new float[7 * 5 * 9], 7, 5, 9)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'dout'").contains("[7, 5, 18]");
    }

    private static final String PROJ = "lstm_proj_l1_t6b3i7h13p5";

    @Test
    void projectedLstmStatesHaveTheProjectionSize() throws IOException {
        // h0 of the unprojected size [1, 3, 13] where the weight_hr_l0 [5, 13] weights need [1, 3, 5]
        CliRun r = backward("lstm", fx(PROJ + ".weights.safetensors"),
                inputsWith(PROJ, "h0", Tensor.of(new float[3 * 13], 1, 3, 13)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'h0'").contains("[1, 3, 13]").contains("[1, 3, 5]");

        r = backward("lstm", fx(PROJ + ".weights.safetensors"),
                inputsWith(PROJ, "dh_n", Tensor.of(new float[3 * 13], 1, 3, 13)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'dh_n'").contains("[1, 3, 5]");

        r = backward("lstm", fx(PROJ + ".weights.safetensors"),
                inputsWith(PROJ, "dout", Tensor.of(new float[6 * 3 * 13], 6, 3, 13)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'dout'").contains("[6, 3, 5]");

        // c0 keeps the cell size
        r = backward("lstm", fx(PROJ + ".weights.safetensors"),
                inputsWith(PROJ, "c0", Tensor.of(new float[3 * 5], 1, 3, 5)), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("'c0'").contains("[1, 3, 13]");
    }

    @Test
    void projectionWeightsForAnotherCellAreRejected() throws IOException {
        Map<String, Tensor> w = SafeTensors.read(fx("gru_l1_t9b3i7h13.weights.safetensors"));
        w.put("weight_hr_l0", Tensor.of(new float[5 * 13], 5, 13));
        Path bad = tmp.resolve("w.safetensors");
        SafeTensors.write(bad, w);
        CliRun r = backward("gru", bad, fx("gru_l1_t9b3i7h13.inputs.safetensors"), tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("weight_hr_l0").contains("lstm");

        // and a projected lstm's weights are no gru's
        r = backward("gru", fx(PROJ + ".weights.safetensors"), fx(PROJ + ".inputs.safetensors"),
                tmp.resolve("o.safetensors"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("weight_hr_l0");
    }
}
