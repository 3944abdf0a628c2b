package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.AfterAll;
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
 * Bidirectional stacks and variable-length batches against the double-precision reference:
 * forward outputs and final states, and every analytic gradient (all parameters of both
 * directions, dx, dh0, dc0) against central finite differences of the reference, for every
 * cell, one and two layers, with lengths that include T, 1 and values in between in an unsorted
 * order. Also checks PyTorch's padding rules exactly: outputs and dx past a sequence's end are
 * zero, and dout there has no effect.
 */
class SequenceGradientTest {
    private static final int T = 5;
    private static final int B = 4;
    private static final int I = 4;
    private static final int H = 7;
    /** float32 unit roundoff. */
    private static final double U = 0x1p-24;
    /** Unsorted, with T, 1 and a repeated length (the stable sort's ties). */
    private static final int[] LENGTHS = {3, 5, 1, 3};

    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CellType c : CellType.values()) {
            out.add(Arguments.of(c, 1, true, true));
            out.add(Arguments.of(c, 2, true, true));
            out.add(Arguments.of(c, 2, true, false));
            out.add(Arguments.of(c, 2, false, true));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, {1} layer(s), bidirectional {2}, lengths {3}")
    @MethodSource("cases")
    void forwardMatchesReferenceAndGradientsMatchFiniteDifferences(CellType cell, int layers, boolean bi,
                                                                   boolean varlen) {
        SplittableRandom rnd = new SplittableRandom(4321 + 31L * cell.ordinal() + 7L * layers + (bi ? 3 : 0));
        RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(layers).bidirectional(bi)
                .seed(11 + layers).threads(TEAM).build();
        assertThat(layer.bidirectional()).isEqualTo(bi);
        int D = bi ? 2 : 1;
        int[] lengths = varlen ? LENGTHS.clone() : null;
        boolean lstm = cell == CellType.LSTM;
        int state = D * layers * B * H;
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] h0 = uniform(rnd, state, 0.5);
        float[] c0 = lstm ? uniform(rnd, state, 0.5) : null;
        float[] dout = uniform(rnd, T * B * D * H, 1.0);
        float[] dhN = uniform(rnd, state, 1.0);
        float[] dcN = lstm ? uniform(rnd, state, 1.0) : null;

        float[] inferred = layer.infer(x, T, B, lengths, h0, c0).out().clone();
        ForwardResult fr = layer.forward(x, T, B, lengths, h0, c0);
        assertThat(fr.out()).as("infer() == forward()").isEqualTo(inferred);
        ReferenceRnn ref = new ReferenceRnn(layer, false);
        double[] xd = ReferenceRnn.toDouble(x);
        double[] h0d = ReferenceRnn.toDouble(h0);
        double[] c0d = ReferenceRnn.toDouble(c0);
        ReferenceRnn.Output expected = ref.forward(xd, T, B, lengths, h0d, c0d, null);
        // as in RecurrentLayerGradientTest: a few u per layer observed, 24u per layer allowed
        double fwdTol = 24 * U * layers;
        assertClose("out", fr.out(), expected.out(), fwdTol);
        assertClose("hN", fr.hN(), expected.hN(), fwdTol);
        if (lstm) {
            assertClose("cN", fr.cN(), expected.cN(), fwdTol);
        }
        if (varlen) {
            assertZeroPastEnd("out", fr.out(), lengths, D * H);
        }

        layer.zeroGrad();
        BackwardResult br = layer.backward(dout, dhN, dcN);
        double[] doutD = ReferenceRnn.toDouble(dout);
        double[] dhND = ReferenceRnn.toDouble(dhN);
        double[] dcND = ReferenceRnn.toDouble(dcN);
        ReferenceRnn.Loss loss = () -> ref.loss(xd, T, B, lengths, h0d, c0d, null, doutD, dhND, dcND);

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
        }
        if (varlen) {
            assertZeroPastEnd("dx", br.dx(), lengths, I);
            // dout past the end is ignored: garbage there changes no gradient bit
            float[] dx = br.dx().clone();
            float[] dh0 = br.dh0().clone();
            List<float[]> grads = new ArrayList<>();
            for (Parameter p : layer.parameters()) {
                grads.add(p.grad().clone());
            }
            float[] noisy = dout.clone();
            for (int t = 0; t < T; t++) {
                for (int b = 0; b < B; b++) {
                    if (t >= lengths[b]) {
                        for (int j = 0; j < D * H; j++) {
                            noisy[(t * B + b) * D * H + j] = 1e6f * (j + 1);
                        }
                    }
                }
            }
            layer.zeroGrad();
            BackwardResult again = layer.backward(noisy, dhN, dcN);
            assertThat(again.dx()).isEqualTo(dx);
            assertThat(again.dh0()).isEqualTo(dh0);
            for (int i = 0; i < grads.size(); i++) {
                assertThat(layer.parameters().get(i).grad()).as(layer.parameters().get(i).name()).isEqualTo(grads.get(i));
            }
        }
    }

    static void assertZeroPastEnd(String what, float[] a, int[] lengths, int width) {
        int batch = lengths.length;
        for (int t = 0; t < a.length / (batch * width); t++) {
            for (int b = 0; b < batch; b++) {
                if (t >= lengths[b]) {
                    for (int j = 0; j < width; j++) {
                        float v = a[(t * batch + b) * width + j];
                        if (v != 0f) {
                            throw new AssertionError(what + "[t=" + t + ", b=" + b + ", " + j + "] = " + v
                                    + " past the sequence's end (length " + lengths[b] + ")");
                        }
                    }
                }
            }
        }
    }

    /** As in {@link RecurrentLayerGradientTest}: 32u per layer of the tensor's scale (observed <= 3u). */
    private static double gradTol(double[] fd, int layers) {
        return 32 * U * layers * Math.max(maxAbs(fd), 1.0) + 1e-9;
    }
}
