package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static dev.vecrnn.nn.TestData.assertClose;
import static dev.vecrnn.nn.TestData.maxAbs;
import static dev.vecrnn.nn.TestData.uniform;

/**
 * Dropout between the layers of an LSTM with projections: the mask applies to each layer's
 * projected outputs {@code [T, B, D*P]}, which the next layer reads. A training pass equals the
 * double reference with that pass's masks, and its gradients equal finite differences of the
 * reference with the masks held fixed (as {@link DropoutTest} checks without projections).
 */
class ProjectionDropoutTest {
    private static final int T = 5;
    private static final int B = 3;
    private static final int I = 4;
    private static final int H = 9;
    private static final int P = 4;
    private static final double U = 0x1p-24;
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    @ParameterizedTest(name = "bidirectional {0}")
    @ValueSource(booleans = {false, true})
    void trainingPassAndGradientsFollowTheMaskOnTheProjectedOutputs(boolean bi) {
        SplittableRandom rnd = new SplittableRandom(bi ? 71 : 70);
        int layers = 2;
        int D = bi ? 2 : 1;
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, I, H).projSize(P).numLayers(layers)
                .bidirectional(bi).seed(23).dropout(0.4).dropoutSeed(99).threads(TEAM).build();
        int[] lengths = {4, 5, 2};
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] h0 = uniform(rnd, D * layers * B * P, 0.5);
        float[] c0 = uniform(rnd, D * layers * B * H, 0.5);
        float[] dout = uniform(rnd, T * B * D * P, 1.0);
        float[] dhN = uniform(rnd, D * layers * B * P, 1.0);
        float[] dcN = uniform(rnd, D * layers * B * H, 1.0);

        ForwardResult fr = layer.forward(x, T, B, lengths, h0, c0);
        float[][] masks = {layer.dropoutMaskForTesting(0)};
        ReferenceRnn ref = new ReferenceRnn(layer, false);
        double[] xd = ReferenceRnn.toDouble(x);
        double[] h0d = ReferenceRnn.toDouble(h0);
        double[] c0d = ReferenceRnn.toDouble(c0);
        ReferenceRnn.Output expected = ref.forward(xd, T, B, lengths, h0d, c0d, masks);
        double fwdTol = 24 * U * layers * 2 * 2; // one more product (W_hr) per step than without projections
        assertClose("out", fr.out(), expected.out(), fwdTol);
        assertClose("hN", fr.hN(), expected.hN(), fwdTol);
        assertClose("cN", fr.cN(), expected.cN(), fwdTol);

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

    /** As in DropoutTest, doubled once more for the projection's extra product per step. */
    private static double gradTol(double[] fd) {
        return 2 * 2 * 64 * U * Math.max(maxAbs(fd), 1.0) + 1e-9;
    }
}
