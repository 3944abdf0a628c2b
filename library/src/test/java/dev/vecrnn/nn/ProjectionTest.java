package dev.vecrnn.nn;

import dev.vecrnn.io.Tensor;
import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.vecrnn.nn.TestData.assertClose;
import static dev.vecrnn.nn.TestData.maxAbs;
import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LSTM with projections (PyTorch's {@code proj_size}): forward against the double-precision
 * reference, every analytic gradient (all parameters incl. {@code weight_hr}, dx, dh0, dc0)
 * against central finite differences of the reference, for one and two layers, one and two
 * directions, full and variable-length batches; bitwise identical results for 1, 2 and 3
 * threads; no allocation per warm step; and the errors for bad sizes, state dicts and shapes.
 * (The PyTorch golden fixtures {@code lstm_proj_*} run in {@link PyTorchGoldenTest}.)
 */
class ProjectionTest {
    private static final int T = 5;
    private static final int B = 4;
    private static final int I = 4;
    private static final int H = 7;
    private static final int P = 3;
    /** float32 unit roundoff. */
    private static final double U = 0x1p-24;
    private static final int[] LENGTHS = {3, 5, 1, 3};

    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(1, false, false),
                Arguments.of(2, false, false),
                Arguments.of(1, true, false),
                Arguments.of(2, true, true),
                Arguments.of(2, false, true));
    }

    @ParameterizedTest(name = "{0} layer(s), bidirectional {1}, lengths {2}")
    @MethodSource("cases")
    void forwardMatchesReferenceAndGradientsMatchFiniteDifferences(int layers, boolean bi, boolean varlen) {
        SplittableRandom rnd = new SplittableRandom(97 + 7L * layers + (bi ? 3 : 0) + (varlen ? 1 : 0));
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, I, H).projSize(P).numLayers(layers)
                .bidirectional(bi).seed(5 + layers).threads(TEAM).build();
        assertThat(layer.projSize()).isEqualTo(P);
        assertThat(layer.stateSize()).isEqualTo(P);
        int D = bi ? 2 : 1;
        assertThat(layer.outputSize()).isEqualTo(D * P);
        int[] lengths = varlen ? LENGTHS.clone() : null;
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] h0 = uniform(rnd, D * layers * B * P, 0.5);
        float[] c0 = uniform(rnd, D * layers * B * H, 0.5);
        float[] dout = uniform(rnd, T * B * D * P, 1.0);
        float[] dhN = uniform(rnd, D * layers * B * P, 1.0);
        float[] dcN = uniform(rnd, D * layers * B * H, 1.0);

        float[] inferred = layer.infer(x, T, B, lengths, h0, c0).out().clone();
        ForwardResult fr = layer.forward(x, T, B, lengths, h0, c0);
        assertThat(fr.out()).as("infer() == forward()").isEqualTo(inferred);
        assertThat(fr.out()).hasSize(T * B * D * P);
        assertThat(fr.hN()).hasSize(D * layers * B * P);
        assertThat(fr.cN()).hasSize(D * layers * B * H);
        ReferenceRnn ref = new ReferenceRnn(layer, false);
        double[] xd = ReferenceRnn.toDouble(x);
        double[] h0d = ReferenceRnn.toDouble(h0);
        double[] c0d = ReferenceRnn.toDouble(c0);
        ReferenceRnn.Output expected = ref.forward(xd, T, B, lengths, h0d, c0d, null);
        // as in SequenceGradientTest, plus one more dot product of length H per step (the projection)
        double fwdTol = 32 * U * layers;
        assertClose("out", fr.out(), expected.out(), fwdTol);
        assertClose("hN", fr.hN(), expected.hN(), fwdTol);
        assertClose("cN", fr.cN(), expected.cN(), fwdTol);
        if (varlen) {
            SequenceGradientTest.assertZeroPastEnd("out", fr.out(), lengths, D * P);
        }

        layer.zeroGrad();
        BackwardResult br = layer.backward(dout, dhN, dcN);
        assertThat(br.dh0()).hasSize(D * layers * B * P);
        assertThat(br.dc0()).hasSize(D * layers * B * H);
        double[] doutD = ReferenceRnn.toDouble(dout);
        double[] dhND = ReferenceRnn.toDouble(dhN);
        double[] dcND = ReferenceRnn.toDouble(dcN);
        ReferenceRnn.Loss loss = () -> ref.loss(xd, T, B, lengths, h0d, c0d, null, doutD, dhND, dcND);
        int projections = 0;
        for (Parameter p : layer.parameters()) {
            projections += p.name().startsWith("weight_hr_l") ? 1 : 0;
            double[] fd = ref.numericGradient(ref.params.get(p.name()), loss);
            assertClose("grad " + p.name(), p.grad(), fd, gradTol(fd, layers));
        }
        assertThat(projections).isEqualTo(D * layers);
        double[] fdx = ref.numericGradient(xd, loss);
        assertClose("dx", br.dx(), fdx, gradTol(fdx, layers));
        double[] fdh = ref.numericGradient(h0d, loss);
        assertClose("dh0", br.dh0(), fdh, gradTol(fdh, layers));
        double[] fdc = ref.numericGradient(c0d, loss);
        assertClose("dc0", br.dc0(), fdc, gradTol(fdc, layers));
        if (varlen) {
            SequenceGradientTest.assertZeroPastEnd("dx", br.dx(), lengths, I);
        }
    }

    /** As in {@link SequenceGradientTest}: 32u per layer of the tensor's scale (observed a few u). */
    private static double gradTol(double[] fd, int layers) {
        return 32 * U * layers * Math.max(maxAbs(fd), 1.0) + 1e-9;
    }

    @Test
    void parametersFollowPyTorchNamesShapesAndOrder() {
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, 6, 9).projSize(4).numLayers(2)
                .bidirectional(true).seed(1).threads(TEAM).build();
        List<String> names = new ArrayList<>();
        for (Parameter p : layer.parameters()) {
            names.add(p + "");
        }
        // torch.nn.LSTM(6, 9, num_layers=2, bidirectional=True, proj_size=4).named_parameters()
        assertThat(names).containsExactly(
                "weight_ih_l0[36, 6]", "weight_hh_l0[36, 4]", "bias_ih_l0[36]", "bias_hh_l0[36]", "weight_hr_l0[4, 9]",
                "weight_ih_l0_reverse[36, 6]", "weight_hh_l0_reverse[36, 4]", "bias_ih_l0_reverse[36]",
                "bias_hh_l0_reverse[36]", "weight_hr_l0_reverse[4, 9]",
                "weight_ih_l1[36, 8]", "weight_hh_l1[36, 4]", "bias_ih_l1[36]", "bias_hh_l1[36]", "weight_hr_l1[4, 9]",
                "weight_ih_l1_reverse[36, 8]", "weight_hh_l1_reverse[36, 4]", "bias_ih_l1_reverse[36]",
                "bias_hh_l1_reverse[36]", "weight_hr_l1_reverse[4, 9]");
        // PyTorch's default init covers weight_hr too: U(-1/sqrt(H), 1/sqrt(H)), not all zero
        float[] whr = layer.parameter("weight_hr_l1_reverse").value();
        double bound = 1 / Math.sqrt(9);
        assertThat(maxAbs(ReferenceRnn.toDouble(whr))).isGreaterThan(0).isLessThanOrEqualTo(bound);

        // a state dict round trip keeps the projection and every value
        Map<String, Tensor> dict = StateDict.of(layer);
        RecurrentLayer back = StateDict.load(CellType.LSTM, dict, TEAM);
        assertThat(back.projSize()).isEqualTo(4);
        assertThat(back.hiddenSize()).isEqualTo(9);
        assertThat(back.inputSize()).isEqualTo(6);
        assertThat(back.bidirectional()).isTrue();
        for (Parameter p : layer.parameters()) {
            assertThat(back.parameter(p.name()).value()).as(p.name()).isEqualTo(p.value());
        }
        assertThat(layer.toString()).contains("proj 4");
    }

    @Test
    void builderRejectsBadProjectionSizesNamingTheArgument() {
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.LSTM, 4, 8).projSize(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projSize").hasMessageContaining("-1");
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.LSTM, 4, 8).projSize(8).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projSize")
                .hasMessageContaining("hiddenSize = 8").hasMessageContaining("got 8");
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.LSTM, 4, 8).projSize(9).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projSize");
        for (CellType cell : new CellType[] {CellType.GRU, CellType.RNN_TANH, CellType.RNN_RELU}) {
            assertThatThrownBy(() -> RecurrentLayer.builder(cell, 4, 8).projSize(3).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projSize")
                    .hasMessageContaining("lstm").hasMessageContaining(cell.cliName());
        }
        assertThat(RecurrentLayer.builder(CellType.LSTM, 4, 8).projSize(0).build().projSize()).isZero();
        assertThat(RecurrentLayer.builder(CellType.LSTM, 4, 8).projSize(7).build().outputSize()).isEqualTo(7);
    }

    @Test
    void stateDictErrorsNameTheTensorAndShapes() {
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, 5, 8).projSize(3).numLayers(2).seed(2)
                .threads(TEAM).build();
        Map<String, Tensor> dict = StateDict.of(layer);

        // weight_hr for another cell
        Map<String, Tensor> gru = StateDict.of(RecurrentLayer.builder(CellType.GRU, 5, 8).seed(2).build());
        gru.put("weight_hr_l0", Tensor.of(new float[3 * 8], 3, 8));
        assertThatThrownBy(() -> StateDict.load(CellType.GRU, gru, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_hr_l0")
                .hasMessageContaining("lstm").hasMessageContaining("gru");

        // W_hh of a layer without projections next to W_hr: names the tensor, expected and actual
        Map<String, Tensor> wrongHh = new LinkedHashMap<>(dict);
        wrongHh.put("weight_hh_l1", Tensor.of(new float[32 * 8], 32, 8));
        assertThatThrownBy(() -> StateDict.load(CellType.LSTM, wrongHh, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_hh_l1")
                .hasMessageContaining("[32, 3]").hasMessageContaining("[32, 8]").hasMessageContaining("proj size 3");

        // inconsistent projection sizes across layers
        Map<String, Tensor> wrongHr = new LinkedHashMap<>(dict);
        wrongHr.put("weight_hr_l1", Tensor.of(new float[4 * 8], 4, 8));
        assertThatThrownBy(() -> StateDict.load(CellType.LSTM, wrongHr, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_hr_l1")
                .hasMessageContaining("[3, 8]").hasMessageContaining("[4, 8]");

        // P >= H
        Map<String, Tensor> tooWide = new LinkedHashMap<>(dict);
        tooWide.put("weight_hr_l0", Tensor.of(new float[8 * 8], 8, 8));
        assertThatThrownBy(() -> StateDict.load(CellType.LSTM, tooWide, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_hr_l0")
                .hasMessageContaining("[8, 8]").hasMessageContaining("P < H");

        // a layer without its projection
        Map<String, Tensor> missing = new LinkedHashMap<>(dict);
        missing.remove("weight_hr_l1");
        assertThatThrownBy(() -> StateDict.load(CellType.LSTM, missing, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_hr_l1");

        // a bias of the projection does not exist in PyTorch
        Map<String, Tensor> bias = new LinkedHashMap<>(dict);
        bias.put("bias_hr_l0", Tensor.of(new float[3], 3));
        assertThatThrownBy(() -> StateDict.load(CellType.LSTM, bias, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bias_hr_l0");
    }

    @Test
    void passesRejectStatesOfTheUnprojectedSize() {
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, 5, 8).projSize(3).seed(2).threads(TEAM).build();
        float[] x = new float[2 * 2 * 5];
        assertThatThrownBy(() -> layer.forward(x, 2, 2, new float[2 * 8], null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("h0")
                .hasMessageContaining("[L, B, P] = [1, 2, 3]").hasMessageContaining("16 floats");
        assertThatThrownBy(() -> layer.forward(x, 2, 2, null, new float[2 * 3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("c0")
                .hasMessageContaining("[1, 2, 8]");
        layer.forward(x, 2, 2, new float[2 * 3], new float[2 * 8]);
        assertThatThrownBy(() -> layer.backward(new float[2 * 2 * 8], null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dout")
                .hasMessageContaining("[T, B, P] = [2, 2, 3]");
        assertThatThrownBy(() -> layer.backward(new float[2 * 2 * 3], new float[2 * 8], null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dhN")
                .hasMessageContaining("[1, 2, 3]");
    }

    /**
     * H = 70 makes several unit blocks and P = 37 more than one panel of projection columns at
     * every vector width, so each team size splits units and projection columns differently.
     */
    @ParameterizedTest(name = "bidirectional with lengths {0}")
    @MethodSource("booleans")
    void identicalBitsForAnyTeamSize(boolean biVarlen) {
        int t = 6, b = 5, in = 9, h = 70, p = 37, layers = 2;
        int D = biVarlen ? 2 : 1;
        int[] lengths = biVarlen ? new int[] {4, 6, 1, 6, 3} : null;
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = uniform(rnd, t * b * in, 1.0);
        float[] h0 = uniform(rnd, D * layers * b * p, 0.5);
        float[] c0 = uniform(rnd, D * layers * b * h, 0.5);
        float[] dout = uniform(rnd, t * b * D * p, 1.0);
        float[] dhN = uniform(rnd, D * layers * b * p, 1.0);
        float[] dcN = uniform(rnd, D * layers * b * h, 1.0);
        List<float[]> first = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (ThreadTeam team = new ThreadTeam(threads)) {
                RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, in, h).projSize(p).numLayers(layers)
                        .bidirectional(biVarlen).seed(11).threads(team).build();
                layer.alwaysParallelForTesting();
                List<float[]> results = new ArrayList<>();
                for (int pass = 0; pass < 2; pass++) {
                    results.clear();
                    layer.zeroGrad();
                    ForwardResult fr = layer.forward(x, t, b, lengths, h0, c0);
                    results.add(fr.out().clone());
                    results.add(fr.hN().clone());
                    results.add(fr.cN().clone());
                    BackwardResult br = layer.backward(dout, dhN, dcN);
                    results.add(br.dx().clone());
                    results.add(br.dh0().clone());
                    results.add(br.dc0().clone());
                    for (Parameter param : layer.parameters()) {
                        results.add(param.grad().clone());
                    }
                    results.add(layer.infer(x, t, b, lengths, h0, c0).out().clone());
                }
                if (first == null) {
                    first = new ArrayList<>(results);
                } else {
                    for (int i = 0; i < first.size(); i++) {
                        int diff = Arrays.mismatch(results.get(i), first.get(i));
                        assertThat(diff).as("result %d with %d threads differs first at %d", i, threads, diff)
                                .isEqualTo(-1);
                    }
                }
            }
        }
    }

    static Stream<Boolean> booleans() {
        return Stream.of(false, true);
    }

    /** As in {@link ZeroAllocationTest}, with projections, bidirectional and a variable-length batch. */
    @ParameterizedTest(name = "{0} thread(s)")
    @MethodSource("threadCounts")
    void warmStepsAllocateNothing(int threads) {
        int t = 4, b = 3, in = 5, h = 37, p = 11, layers = 2, D = 2;
        int[] lengths = {4, 2, 3};
        try (ThreadTeam team = new ThreadTeam(threads)) {
            RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, in, h).projSize(p).numLayers(layers)
                    .bidirectional(true).seed(3).threads(team).build();
            layer.alwaysParallelForTesting();
            SplittableRandom rnd = new SplittableRandom(8);
            float[] x = uniform(rnd, t * b * in, 1);
            float[] h0 = uniform(rnd, D * layers * b * p, 0.5);
            float[] c0 = uniform(rnd, D * layers * b * h, 0.5);
            float[] dout = uniform(rnd, t * b * D * p, 1);
            float[] dhN = uniform(rnd, D * layers * b * p, 1);
            float[] dcN = uniform(rnd, D * layers * b * h, 1);
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] ids = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th == Thread.currentThread() || th.getName().contains("-worker-"))
                    .mapToLong(Thread::threadId).toArray();
            int steps = 20;
            long perStep = Long.MAX_VALUE;
            long deadline = System.nanoTime() + 25_000_000_000L;
            while (perStep > 16 && System.nanoTime() < deadline) {
                for (int i = 0; i < 30; i++) {
                    step(layer, x, t, b, lengths, h0, c0, dout, dhN, dcN);
                }
                long before = sum(mx.getThreadAllocatedBytes(ids));
                for (int i = 0; i < steps; i++) {
                    step(layer, x, t, b, lengths, h0, c0, dout, dhN, dcN);
                }
                perStep = (sum(mx.getThreadAllocatedBytes(ids)) - before) / steps;
                if (Boolean.getBoolean("vecrnn.test.verbose")) {
                    System.out.println("ALLOC proj " + threads + ": " + perStep);
                }
            }
            assertThat(perStep).as("bytes allocated per warm training step + inference").isLessThanOrEqualTo(16);
        }
    }

    /** Two threads: the workers run every phase of the projected loops (one thread adds nothing new). */
    static Stream<Integer> threadCounts() {
        return Stream.of(2);
    }

    private static void step(RecurrentLayer layer, float[] x, int t, int b, int[] lengths, float[] h0, float[] c0,
                             float[] dout, float[] dhN, float[] dcN) {
        layer.forward(x, t, b, lengths, h0, c0);
        layer.backward(dout, dhN, dcN);
        layer.infer(x, t, b, lengths, h0, c0);
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += Math.max(v, 0);
        }
        return s;
    }
}
