package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.vecrnn.nn.TestData.assertClose;
import static dev.vecrnn.nn.TestData.maxAbs;
import static dev.vecrnn.nn.TestData.uniform;

/**
 * Forward outputs against the double-precision reference, and every analytic gradient (all
 * parameters, dx, dh0, dc0) against central finite differences of the reference, for every cell
 * with one and two layers, at small odd sizes so that no dimension is a convenient multiple.
 */
class RecurrentLayerGradientTest {
    private static final int T = 5;
    private static final int B = 3;
    private static final int I = 4;
    private static final int H = 7;
    /** float32 unit roundoff. */
    private static final double U = 0x1p-24;

    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(CellType.values()).flatMap(c -> Stream.of(Arguments.of(c, 1), Arguments.of(c, 2)));
    }

    @ParameterizedTest(name = "{0}, {1} layer(s)")
    @MethodSource("cases")
    void forwardMatchesReferenceAndGradientsMatchFiniteDifferences(CellType cell, int layers) {
        SplittableRandom rnd = new SplittableRandom(1234 + 31L * cell.ordinal() + layers);
        RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(layers).seed(7 + layers).threads(TEAM).build();
        boolean lstm = cell == CellType.LSTM;
        int state = layers * B * H;
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] h0 = uniform(rnd, state, 0.5);
        float[] c0 = lstm ? uniform(rnd, state, 0.5) : null;
        float[] dout = uniform(rnd, T * B * H, 1.0);
        float[] dhN = uniform(rnd, state, 1.0);
        float[] dcN = lstm ? uniform(rnd, state, 1.0) : null;

        ForwardResult fr = layer.forward(x, T, B, h0, c0);
        ReferenceRnn ref = new ReferenceRnn(layer, false);
        double[] xd = ReferenceRnn.toDouble(x);
        double[] h0d = ReferenceRnn.toDouble(h0);
        double[] c0d = ReferenceRnn.toDouble(c0);
        ReferenceRnn.Output expected = ref.forward(xd, T, B, h0d, c0d);
        // Each pre-activation is a sum of I+H+2 <= 13 products of magnitude < 1, so float rounding
        // leaves a few u (u = 2^-24) on it; activations (<= ~2u) and the cell update add a few u
        // more and a second layer compounds it. Observed: <= 2u. 24u per layer (1.4e-6) keeps a
        // wide margin for a differently blocked GEMM, while a wrong index or formula errs by far
        // more than 1e-4.
        double fwdTol = 24 * U * layers;
        assertClose("out", fr.out(), expected.out(), fwdTol);
        assertClose("hN", fr.hN(), expected.hN(), fwdTol);
        if (lstm) {
            assertClose("cN", fr.cN(), expected.cN(), fwdTol);
        }

        layer.zeroGrad();
        BackwardResult br = layer.backward(dout, dhN, dcN);
        double[] doutD = ReferenceRnn.toDouble(dout);
        double[] dhND = ReferenceRnn.toDouble(dhN);
        double[] dcND = ReferenceRnn.toDouble(dcN);
        ReferenceRnn.Loss loss = () -> ref.loss(xd, T, B, h0d, c0d, doutD, dhND, dcND);

        for (Parameter p : layer.parameters()) {
            double[] fd = ref.numericGradient(ref.params.get(p.name()), loss);
            assertClose("grad " + p.name(), p.grad(), fd, gradTol(fd, layers));
        }
        double[] fdx = ref.numericGradient(xd, loss);
        assertClose("dx", br.dx(), fdx, gradTol(fdx, layers));
        double[] fdh = ref.numericGradient(h0d, loss);
        assertClose("dh0", br.dh0(), fdh, gradTol(fdh, layers));
        if (lstm) {
            double[] fdc = ref.numericGradient(c0d, loss);
            assertClose("dc0", br.dc0(), fdc, gradTol(fdc, layers));
        } else {
            org.assertj.core.api.Assertions.assertThat(br.dc0()).isNull();
        }
    }

    /**
     * Tolerance of a float gradient tensor against the (effectively exact) double finite
     * difference. Each gradient element is a sum of T*B = 15 per-step contributions, each formed
     * by a chain of float products and sums of ~(G*H + I) terms; observed errors are <= 3u
     * relative to the tensor's largest entry. 32u per layer (2e-6) leaves a 10x margin, plus
     * 1e-9 absolute for the finite difference itself; a wrong sign, gate or timestep errs by
     * 1e-2 or more.
     */
    private static double gradTol(double[] fd, int layers) {
        return 32 * U * layers * Math.max(maxAbs(fd), 1.0) + 1e-9;
    }
}
