package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.vecrnn.nn.TestData.assertClose;
import static dev.vecrnn.nn.TestData.maxAbs;
import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dropout between stacked layers. PyTorch draws its masks from its own generator, so golden
 * parity is impossible; these are properties instead: p = 0 changes no bit; a training pass
 * equals the double reference with that pass's mask applied, and its gradients equal finite
 * differences of the reference with the mask held fixed (so backward reuses the forward's mask);
 * masks drop a fraction p and scale the rest by 1/(1-p) (expectation preserved); masks are a
 * function of the seed and pass index only; inference applies none.
 */
class DropoutTest {
    private static final int T = 5;
    private static final int B = 3;
    private static final int I = 4;
    private static final int H = 7;
    private static final double U = 0x1p-24;

    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static RecurrentLayer build(CellType cell, int layers, boolean bi, double p, long dropoutSeed) {
        return RecurrentLayer.builder(cell, I, H).numLayers(layers).bidirectional(bi).seed(21)
                .dropout(p).dropoutSeed(dropoutSeed).threads(TEAM).build();
    }

    @Test
    void zeroProbabilityChangesNoBit() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = uniform(rnd, T * B * I, 1);
        float[] dout = uniform(rnd, T * B * 2 * H, 1);
        int[] lengths = {5, 2, 4};
        RecurrentLayer plain = build(CellType.LSTM, 3, true, 0, 1);
        RecurrentLayer zero = build(CellType.LSTM, 3, true, 0.5, 1);
        zero.setDropout(0.0, 77);
        assertThat(zero.forward(x, T, B, lengths, null, null).out())
                .isEqualTo(plain.forward(x, T, B, lengths, null, null).out());
        plain.zeroGrad();
        zero.zeroGrad();
        assertThat(zero.backward(dout, null, null).dx()).isEqualTo(plain.backward(dout, null, null).dx());
        for (int i = 0; i < plain.parameters().size(); i++) {
            assertThat(zero.parameters().get(i).grad()).isEqualTo(plain.parameters().get(i).grad());
        }
        assertThat(zero.dropoutPasses()).isZero();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CellType c : CellType.values()) {
            out.add(Arguments.of(c, false));
            out.add(Arguments.of(c, true));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, bidirectional {1}")
    @MethodSource("cases")
    void gradientsReuseTheForwardMask(CellType cell, boolean bi) {
        SplittableRandom rnd = new SplittableRandom(50 + cell.ordinal() + (bi ? 10 : 0));
        int layers = 2;
        int D = bi ? 2 : 1;
        RecurrentLayer layer = build(cell, layers, bi, 0.4, 1234);
        boolean lstm = cell == CellType.LSTM;
        int[] lengths = {4, 5, 1};
        int state = D * layers * B * H;
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] h0 = uniform(rnd, state, 0.5);
        float[] c0 = lstm ? uniform(rnd, state, 0.5) : null;
        float[] dout = uniform(rnd, T * B * D * H, 1.0);
        float[] dhN = uniform(rnd, state, 1.0);
        float[] dcN = lstm ? uniform(rnd, state, 1.0) : null;

        layer.forward(x, T, B, lengths, h0, c0); // pass 0: the second pass must use a different mask
        float[] firstMask = layer.dropoutMaskForTesting(0);
        ForwardResult fr = layer.forward(x, T, B, lengths, h0, c0);
        float[][] masks = {layer.dropoutMaskForTesting(0)};
        assertThat(masks[0]).isNotEqualTo(firstMask);
        int dropped = 0;
        for (float m : masks[0]) {
            dropped += m == 0f ? 1 : 0;
        }
        assertThat(dropped).as("dropped entries of %d", masks[0].length).isBetween(1, masks[0].length - 1);

        ReferenceRnn ref = new ReferenceRnn(layer, false);
        double[] xd = ReferenceRnn.toDouble(x);
        double[] h0d = ReferenceRnn.toDouble(h0);
        double[] c0d = ReferenceRnn.toDouble(c0);
        ReferenceRnn.Output expected = ref.forward(xd, T, B, lengths, h0d, c0d, masks);
        // as in RecurrentLayerGradientTest; the kept inputs are scaled by 1/(1-p) < 2, one more rounding
        double fwdTol = 24 * U * layers * 2;
        assertClose("out", fr.out(), expected.out(), fwdTol);
        assertClose("hN", fr.hN(), expected.hN(), fwdTol);

        layer.zeroGrad();
        BackwardResult br = layer.backward(dout, dhN, dcN);
        double[] doutD = ReferenceRnn.toDouble(dout);
        double[] dhND = ReferenceRnn.toDouble(dhN);
        double[] dcND = ReferenceRnn.toDouble(dcN);
        ReferenceRnn.Loss loss = () -> ref.loss(xd, T, B, lengths, h0d, c0d, masks, doutD, dhND, dcND);
        for (Parameter p : layer.parameters()) {
            double[] fd = ref.numericGradient(ref.params.get(p.name()), loss);
            assertClose("grad " + p.name(), p.grad(), fd, gradTol(fd));
        }
        double[] fdx = ref.numericGradient(xd, loss);
        assertClose("dx", br.dx(), fdx, gradTol(fdx));
        double[] fdh = ref.numericGradient(h0d, loss);
        assertClose("dh0", br.dh0(), fdh, gradTol(fdh));
    }

    /** As in RecurrentLayerGradientTest for two layers, doubled for the 1/(1-p) < 2 scaling. */
    private static double gradTol(double[] fd) {
        return 2 * 64 * U * Math.max(maxAbs(fd), 1.0) + 1e-9;
    }

    @Test
    void masksDropAFractionPAndPreserveTheExpectation() {
        int steps = 40;
        int batch = 25;
        double p = 0.3;
        RecurrentLayer layer = RecurrentLayer.builder(CellType.GRU, I, 16).numLayers(3).bidirectional(true)
                .dropout(p).dropoutSeed(99).seed(2).threads(TEAM).build();
        float[] x = uniform(new SplittableRandom(4), steps * batch * I, 1);
        layer.forward(x, steps, batch, null, null, null);
        float scale = (float) (1 / (1 - p));
        for (int k = 0; k < 2; k++) {
            float[] m = layer.dropoutMaskForTesting(k);
            int n = m.length;
            int zeros = 0;
            double sum = 0;
            for (float v : m) {
                if (v == 0f) {
                    zeros++;
                } else {
                    assertThat(v).isEqualTo(scale);
                }
                sum += v;
            }
            // binomial: 5 standard deviations (n = 32000: 0.013) before calling a fraction wrong
            double sd = Math.sqrt(p * (1 - p) / n);
            assertThat((double) zeros / n).as("dropped fraction, layer %d", k).isCloseTo(p, org.assertj.core.data.Offset.offset(5 * sd));
            double meanSd = scale * sd;
            assertThat(sum / n).as("mean of the mask, layer %d", k).isCloseTo(1.0, org.assertj.core.data.Offset.offset(5 * meanSd));
        }
        // the two layers' masks are not the same draw
        assertThat(layer.dropoutMaskForTesting(0)).isNotEqualTo(layer.dropoutMaskForTesting(1));
        assertThat(layer.dropoutMaskForTesting(2)).as("no dropout after the last layer").isNull();
    }

    @Test
    void masksAreAFunctionOfSeedAndPassIndex() {
        float[] x = uniform(new SplittableRandom(5), T * B * I, 1);
        RecurrentLayer a = build(CellType.RNN_TANH, 2, false, 0.5, 7);
        RecurrentLayer b = build(CellType.RNN_TANH, 2, false, 0.5, 7);
        RecurrentLayer other = build(CellType.RNN_TANH, 2, false, 0.5, 8);
        List<float[]> passes = new ArrayList<>();
        for (int pass = 0; pass < 3; pass++) {
            a.forward(x, T, B, null, null);
            b.forward(x, T, B, null, null);
            other.forward(x, T, B, null, null);
            assertThat(b.dropoutMaskForTesting(0)).isEqualTo(a.dropoutMaskForTesting(0));
            assertThat(other.dropoutMaskForTesting(0)).isNotEqualTo(a.dropoutMaskForTesting(0));
            passes.add(a.dropoutMaskForTesting(0));
        }
        assertThat(a.dropoutPasses()).isEqualTo(3);
        assertThat(passes.get(1)).isNotEqualTo(passes.get(0));
        // resuming at pass 1 replays pass 1's mask (what a checkpoint needs)
        b.setDropoutPasses(1);
        b.forward(x, T, B, null, null);
        assertThat(b.dropoutMaskForTesting(0)).isEqualTo(passes.get(1));
        // setDropout restarts the sequence
        b.setDropout(0.5, 7);
        b.forward(x, T, B, null, null);
        assertThat(b.dropoutMaskForTesting(0)).isEqualTo(passes.get(0));
    }

    @Test
    void inferenceAppliesNoDropoutAndTrainingDoes() {
        float[] x = uniform(new SplittableRandom(6), T * B * I, 1);
        int[] lengths = {2, 5, 3};
        RecurrentLayer dropped = build(CellType.LSTM, 2, true, 0.5, 3);
        RecurrentLayer plain = build(CellType.LSTM, 2, true, 0, 3);
        float[] expected = plain.infer(x, T, B, lengths, null, null).out().clone();
        assertThat(dropped.infer(x, T, B, lengths, null, null).out()).isEqualTo(expected);
        assertThat(dropped.dropoutPasses()).as("infer draws no mask").isZero();
        assertThat(plain.forward(x, T, B, lengths, null, null).out()).isEqualTo(expected);
        assertThat(dropped.forward(x, T, B, lengths, null, null).out()).isNotEqualTo(expected);
        // one layer: nothing between layers to drop
        RecurrentLayer single = build(CellType.LSTM, 1, true, 0.5, 3);
        float[] inferred = single.infer(x, T, B, lengths, null, null).out().clone();
        assertThat(single.forward(x, T, B, lengths, null, null).out()).isEqualTo(inferred);
    }
}
