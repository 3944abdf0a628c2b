package dev.vecrnn.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The fused gate kernels ({@link GateKernels}, vector path when enabled) against their scalar
 * twins ({@link ScalarGateKernels}, bitwise) and against the double-precision references
 * ({@link ReferenceGateKernels}, within {@link #TOL}) on tiles with every tail length (1, 15, 16,
 * 17, 33 units), odd offsets, gate strides and leading dimensions larger than the tile, so that
 * nothing outside the tile may be touched; plus the accuracy, saturation and denormal behaviour
 * of the activations inside the kernels. On the scalar path ({@code -Dvecrnn.vectorBits=0}) the
 * twin comparison is trivially exact; the reference and accuracy tests still apply.
 */
class GateKernelsTest {
    private static final int ROWS = 3;
    /**
     * Vector sigmoid is within 1e-7 and tanh within 3.1e-7 absolute of the correctly rounded
     * scalar ones; every kernel output is a product or sum of at most four such factors, at most
     * one of them a tanh, with inputs of magnitude <= 4, so outputs differ by less than
     * ~4*(3*1e-7 + 3.1e-7) ~ 2.4e-6 relative to (1 + |value|).
     * Observed: <= 3e-7 (and exactly 0 on the scalar path).
     */
    private static final double TOL = 3e-6;

    private final SplittableRandom rnd = new SplittableRandom(17);

    /** A gate tile: gate stride and leading dimension padded beyond n, data from offset 5. */
    private record Gates(int gs, int ld, int off, float[] data) {}

    private Gates gates(int g, int n, double bound) {
        int gs = n + 3;
        int ld = g * gs + 2;
        int off = 5;
        return new Gates(gs, ld, off, random(off + ROWS * ld + 4, bound));
    }

    private float[] random(int len, double bound) {
        float[] a = new float[len];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble(-bound, bound);
        }
        return a;
    }

    /** Every element has exactly the bits of the scalar twin's. */
    private static void assertBitwise(String what, float[] actual, float[] twin) {
        assertThat(actual).hasSameSizeAs(twin);
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(twin[i])) {
                fail(what + " differs from the scalar twin at " + i + ": " + actual[i] + " vs " + twin[i]);
            }
        }
    }

    private static void assertNear(String what, float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            float e = expected[i];
            if (Math.abs(actual[i] - e) > TOL * (1 + Math.abs(e)) || Float.isNaN(actual[i]) != Float.isNaN(e)) {
                fail(what + " differs at " + i + ": " + actual[i] + " vs reference " + e);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 33})
    void lstmMatchesScalarTwin(int n) {
        int ldS = n + 5;
        for (boolean save : new boolean[] {false, true}) {
            Gates gx = gates(4, n, 4);
            Gates gh = gates(4, n, 2);
            float[] cPrev = random(3 + ROWS * ldS, 1);
            float[] c = random(1 + ROWS * ldS, 1);
            float[] h = random(2 + ROWS * ldS, 1);
            float[] gxV = gx.data().clone();
            float[] cV = c.clone();
            float[] hV = h.clone();
            GateKernels.lstmForward(ROWS, n, gxV, gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(), gx.ld(),
                    cPrev, 3, cV, 1, hV, 2, ldS, save);
            float[] gxS = gx.data().clone();
            float[] cS = c.clone();
            float[] hS = h.clone();
            ScalarGateKernels.lstmForward(ROWS, n, gxS, gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(), gx.ld(),
                    cPrev, 3, cS, 1, hS, 2, ldS, save);
            float[] gxR = gx.data().clone();
            float[] cR = c.clone();
            float[] hR = h.clone();
            ReferenceGateKernels.lstmForward(ROWS, n, gxR, gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(),
                    gx.ld(), cPrev, 3, cR, 1, hR, 2, ldS, save);
            assertBitwise("lstm c", cV, cS);
            assertBitwise("lstm h", hV, hS);
            assertBitwise("lstm saved gates", gxV, gxS);
            assertNear("lstm c", cV, cR);
            assertNear("lstm h", hV, hR);
            assertNear("lstm saved gates", gxV, gxR);
            assertUntouchedOutsideTile(c, cV, 1, ldS, n);
            if (!save) {
                assertThat(gxV).isEqualTo(gx.data());
            }
        }
        // in place: c == cPrev at the same offset (inference)
        Gates gx = gates(4, n, 4);
        Gates gh = gates(4, n, 2);
        float[] c = random(ROWS * ldS, 1);
        float[] h = new float[ROWS * ldS];
        float[] cOut = c.clone();
        float[] hS = new float[ROWS * ldS];
        float[] cRef = c.clone();
        float[] hR = new float[ROWS * ldS];
        ScalarGateKernels.lstmForward(ROWS, n, gx.data().clone(), gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(),
                gx.ld(), c, 0, cOut, 0, hS, 0, ldS, false);
        ReferenceGateKernels.lstmForward(ROWS, n, gx.data().clone(), gx.off(), gx.gs(), gh.data().clone(), gh.off(),
                gh.gs(), gx.ld(), c, 0, cRef, 0, hR, 0, ldS, false);
        GateKernels.lstmForward(ROWS, n, gx.data(), gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(), gx.ld(),
                c, 0, c, 0, h, 0, ldS, false);
        assertBitwise("lstm in-place c", c, cOut);
        assertBitwise("lstm in-place h", h, hS);
        assertNear("lstm in-place c", c, cRef);
        assertNear("lstm in-place h", h, hR);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 33})
    void lstmBackwardMatchesScalarTwin(int n) {
        int ldS = n + 5;
        Gates act = gates(4, n, 1);
        for (int i = 0; i < act.data().length; i++) {
            act.data()[i] = Math.abs(act.data()[i]);  // saved sigmoids are in [0, 1]
        }
        float[] dG = new float[act.data().length];
        float[] cPrev = random(ROWS * ldS + 1, 2);
        float[] c = random(ROWS * ldS + 2, 2);
        float[] dout = random(ROWS * ldS + 3, 2);
        float[] dh = random(ROWS * ldS + 4, 2);
        float[] dc = random(ROWS * ldS + 5, 2);
        float[] dGV = dG.clone();
        float[] dcV = dc.clone();
        GateKernels.lstmBackward(ROWS, n, act.data(), act.off(), dGV, act.off(), act.gs(), act.ld(),
                cPrev, 1, c, 2, dout, 3, dh, 4, dcV, 5, ldS);
        float[] dGS = dG.clone();
        float[] dcS = dc.clone();
        ScalarGateKernels.lstmBackward(ROWS, n, act.data(), act.off(), dGS, act.off(), act.gs(), act.ld(),
                cPrev, 1, c, 2, dout, 3, dh, 4, dcS, 5, ldS);
        float[] dGR = dG.clone();
        float[] dcR = dc.clone();
        ReferenceGateKernels.lstmBackward(ROWS, n, act.data(), act.off(), dGR, act.off(), act.gs(), act.ld(),
                cPrev, 1, c, 2, dout, 3, dh, 4, dcR, 5, ldS);
        assertBitwise("lstm dG", dGV, dGS);
        assertBitwise("lstm dc", dcV, dcS);
        assertNear("lstm dG", dGV, dGR);
        assertNear("lstm dc", dcV, dcR);
        assertUntouchedOutsideTile(dc, dcV, 5, ldS, n);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 33})
    void gruMatchesScalarTwin(int n) {
        int ldS = n + 5;
        for (boolean save : new boolean[] {false, true}) {
            Gates gx = gates(3, n, 4);
            Gates gh = gates(3, n, 2);
            float[] bhn = random(n + 7, 1);
            float[] hPrev = random(ROWS * ldS + 1, 1);
            float[] h = random(ROWS * ldS + 2, 1);
            float[] hn = random(ROWS * ldS + 3, 1);
            float[] gxV = gx.data().clone();
            float[] hV = h.clone();
            float[] hnV = hn.clone();
            GateKernels.gruForward(ROWS, n, gxV, gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(), gx.ld(), bhn, 7,
                    hPrev, 1, hV, 2, hnV, 3, ldS, save);
            float[] gxS = gx.data().clone();
            float[] hS = h.clone();
            float[] hnS = hn.clone();
            ScalarGateKernels.gruForward(ROWS, n, gxS, gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(), gx.ld(), bhn, 7,
                    hPrev, 1, hS, 2, hnS, 3, ldS, save);
            float[] gxR = gx.data().clone();
            float[] hR = h.clone();
            float[] hnR = hn.clone();
            ReferenceGateKernels.gruForward(ROWS, n, gxR, gx.off(), gx.gs(), gh.data().clone(), gh.off(), gh.gs(), gx.ld(),
                    bhn, 7, hPrev, 1, hR, 2, hnR, 3, ldS, save);
            assertBitwise("gru h", hV, hS);
            assertBitwise("gru hn", hnV, hnS);
            assertBitwise("gru saved gates", gxV, gxS);
            assertNear("gru h", hV, hR);
            assertNear("gru hn", hnV, hnR);
            assertNear("gru saved gates", gxV, gxR);
            assertUntouchedOutsideTile(h, hV, 2, ldS, n);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 33})
    void gruBackwardMatchesScalarTwin(int n) {
        int ldS = n + 5;
        Gates act = gates(3, n, 1);
        float[] dG = new float[act.data().length];
        float[] hn = random(ROWS * ldS + 1, 2);
        float[] hPrev = random(ROWS * ldS + 2, 1);
        float[] dout = random(ROWS * ldS + 3, 2);
        float[] dh = random(ROWS * ldS + 4, 2);
        float[] dnx = random(ROWS * ldS + 5, 2);
        float[] dGV = dG.clone();
        float[] dhV = dh.clone();
        float[] dnxV = dnx.clone();
        GateKernels.gruBackward(ROWS, n, act.data(), act.off(), dGV, act.off(), act.gs(), act.ld(), hn, 1, hPrev, 2,
                dout, 3, dhV, 4, dnxV, 5, ldS);
        float[] dGS = dG.clone();
        float[] dhS = dh.clone();
        float[] dnxS = dnx.clone();
        ScalarGateKernels.gruBackward(ROWS, n, act.data(), act.off(), dGS, act.off(), act.gs(), act.ld(), hn, 1,
                hPrev, 2, dout, 3, dhS, 4, dnxS, 5, ldS);
        float[] dGR = dG.clone();
        float[] dhR = dh.clone();
        float[] dnxR = dnx.clone();
        ReferenceGateKernels.gruBackward(ROWS, n, act.data(), act.off(), dGR, act.off(), act.gs(), act.ld(), hn, 1,
                hPrev, 2, dout, 3, dhR, 4, dnxR, 5, ldS);
        assertBitwise("gru dG", dGV, dGS);
        assertBitwise("gru dh", dhV, dhS);
        assertBitwise("gru dnx", dnxV, dnxS);
        assertNear("gru dG", dGV, dGR);
        assertNear("gru dh", dhV, dhR);
        assertNear("gru dnx", dnxV, dnxR);
        assertUntouchedOutsideTile(dh, dhV, 4, ldS, n);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 33})
    void rnnMatchesScalarTwins(int n) {
        int ldS = n + 5;
        int ldG = n + 2;
        float[] gx = random(3 + ROWS * ldG, 4);
        float[] gh = random(4 + ROWS * ldG, 2);
        float[] h = random(2 + ROWS * ldS, 1);
        for (boolean relu : new boolean[] {false, true}) {
            float[] hV = h.clone();
            float[] hS = h.clone();
            if (relu) {
                GateKernels.rnnReluForward(ROWS, n, gx, 3, gh, 4, ldG, hV, 2, ldS);
                ScalarGateKernels.rnnReluForward(ROWS, n, gx, 3, gh, 4, ldG, hS, 2, ldS);
                assertThat(hV).isEqualTo(hS);  // relu is exact
            } else {
                GateKernels.rnnTanhForward(ROWS, n, gx, 3, gh, 4, ldG, hV, 2, ldS);
                ScalarGateKernels.rnnTanhForward(ROWS, n, gx, 3, gh, 4, ldG, hS, 2, ldS);
                float[] hR = h.clone();
                ReferenceGateKernels.rnnTanhForward(ROWS, n, gx, 3, gh, 4, ldG, hR, 2, ldS);
                assertBitwise("rnn tanh h", hV, hS);
                assertNear("rnn tanh h", hV, hR);
            }
            assertUntouchedOutsideTile(h, hV, 2, ldS, n);

            float[] dout = random(1 + ROWS * ldS, 2);
            float[] dh = random(3 + ROWS * ldS, 2);
            float[] dG = random(4 + ROWS * ldS, 2);
            float[] dGV = dG.clone();
            float[] dGS = dG.clone();
            if (relu) {
                GateKernels.rnnReluBackward(ROWS, n, hS, 2, dout, 1, dh, 3, dGV, 4, ldS);
                ScalarGateKernels.rnnReluBackward(ROWS, n, hS, 2, dout, 1, dh, 3, dGS, 4, ldS);
                assertThat(dGV).isEqualTo(dGS);
            } else {
                GateKernels.rnnTanhBackward(ROWS, n, hS, 2, dout, 1, dh, 3, dGV, 4, ldS);
                ScalarGateKernels.rnnTanhBackward(ROWS, n, hS, 2, dout, 1, dh, 3, dGS, 4, ldS);
                float[] dGR = dG.clone();
                ReferenceGateKernels.rnnTanhBackward(ROWS, n, hS, 2, dout, 1, dh, 3, dGR, 4, ldS);
                assertBitwise("rnn tanh dG", dGV, dGS);
                assertNear("rnn tanh dG", dGV, dGR);
            }
            assertUntouchedOutsideTile(dG, dGV, 4, ldS, n);
        }
    }

    /**
     * A tail element (past the last full vector) gets exactly the bits a vector lane gives it:
     * each kernel runs over {@code small} units, whose last ones are a tail at 512 bits (and some
     * at every width), and over 64, all in full vectors; the first results must be identical. This is what
     * makes results independent of how the units are split into tiles and threads.
     */
    @ParameterizedTest
    @ValueSource(ints = {33, 37, 41, 47, 63})
    void tailElementsMatchVectorLanesBitwise(int small) {
        int big = 64;
        int ld = 4 * big;
        // pre-activations mostly within +-1.2, so tanh takes both of its branches
        float[] gx = random(ld, 0.9);
        float[] gh = random(ld, 0.3);
        float[] cPrev = random(big, 1);
        float[] bhn = random(big, 1);
        float[] dout = random(big, 2);
        float[] dh = random(big, 2);
        float[] dc = random(big, 2);
        float[] act = random(ld, 1);
        for (int i = 0; i < act.length; i++) {
            act[i] = Math.abs(act[i]);
        }
        float[][] tail = runAll(small, big, ld, gx, gh, cPrev, bhn, dout, dh, dc, act);
        float[][] full = runAll(big, big, ld, gx, gh, cPrev, bhn, dout, dh, dc, act);
        for (int o = 0; o < full.length; o++) {
            for (int q = 0; q < full[o].length / big; q++) {
                for (int j = 0; j < small; j++) {
                    int idx = q * big + j;
                    if (Float.floatToRawIntBits(full[o][idx]) != Float.floatToRawIntBits(tail[o][idx])) {
                        fail("output " + o + " element " + idx + ": " + tail[o][idx] + " in a tail, "
                                + full[o][idx] + " in a vector lane");
                    }
                }
            }
        }
    }

    /**
     * The scalar mirrors that compute the tails ({@code ScalarActivations.sigmoid/tanh}) give the
     * same bits as the vector lanes over a dense sweep of [-12, 12] and scattered wider values.
     */
    @Test
    void scalarMirrorsMatchVectorActivationsBitwise() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.ENABLED, "vector path only");
        int n = 1 << 16;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = i % 4 == 3 ? (float) (rnd.nextDouble(-1, 1) * Math.pow(10, rnd.nextInt(-8, 3))) : -12f + 24f * i / n;
        }
        float[] gx = new float[4 * n];
        for (int q = 0; q < 4; q++) {
            System.arraycopy(xs, 0, gx, q * n, n);
        }
        GateKernels.lstmForward(1, n, gx, 0, n, new float[4 * n], 0, n, 4 * n, new float[n], 0, new float[n], 0,
                new float[n], 0, n, true);
        for (int j = 0; j < n; j++) {
            if (Float.floatToRawIntBits(gx[j]) != Float.floatToRawIntBits(ScalarActivations.sigmoid(xs[j]))) {
                fail("sigmoid(" + xs[j] + "): lane " + gx[j] + ", mirror " + ScalarActivations.sigmoid(xs[j]));
            }
            if (Float.floatToRawIntBits(gx[2 * n + j]) != Float.floatToRawIntBits(ScalarActivations.tanh(xs[j]))) {
                fail("tanh(" + xs[j] + "): lane " + gx[2 * n + j] + ", mirror " + ScalarActivations.tanh(xs[j]));
            }
        }
    }

    /** Every kernel over the first n units; all gate arrays keep gate stride {@code big}. */
    private static float[][] runAll(int n, int big, int ld, float[] gx, float[] gh, float[] cPrev, float[] bhn,
                                    float[] dout, float[] dh, float[] dc, float[] act) {
        float[][] out = new float[16][];
        out[0] = gx.clone();
        out[1] = new float[big];
        out[2] = new float[big];
        GateKernels.lstmForward(1, n, out[0], 0, big, gh.clone(), 0, big, ld, cPrev, 0, out[1], 0, out[2], 0, big, true);
        out[3] = new float[big];
        out[4] = new float[big];
        GateKernels.lstmForward(1, n, gx.clone(), 0, big, gh.clone(), 0, big, ld, cPrev, 0, out[3], 0, out[4], 0,
                big, false);
        out[5] = gx.clone();
        out[6] = new float[big];
        out[7] = new float[big];
        GateKernels.gruForward(1, n, out[5], 0, big, gh.clone(), 0, big, ld, bhn, 0, cPrev, 0, out[6], 0, out[7], 0,
                big, true);
        out[8] = new float[big];
        GateKernels.rnnTanhForward(1, n, gx, 0, gh, 0, ld, out[8], 0, big);
        out[9] = new float[ld];
        out[10] = dc.clone();
        GateKernels.lstmBackward(1, n, act, 0, out[9], 0, big, ld, cPrev, 0, dout, 0, dout, 0, dh, 0, out[10], 0, big);
        out[11] = new float[ld];
        out[12] = dh.clone();
        out[13] = new float[big];
        GateKernels.gruBackward(1, n, act, 0, out[11], 0, big, ld, bhn, 0, cPrev, 0, dout, 0, out[12], 0,
                out[13], 0, big);
        out[14] = new float[big];
        GateKernels.rnnTanhBackward(1, n, dc, 0, dout, 0, dh, 0, out[14], 0, big);
        out[15] = new float[big];
        GateKernels.rnnReluForward(1, n, gx, 0, gh, 0, ld, out[15], 0, big);
        return out;
    }

    /** Elements of a state-shaped array outside the {@code ROWS x n} tile keep their old values. */
    private static void assertUntouchedOutsideTile(float[] before, float[] after, int off, int ld, int n) {
        for (int i = 0; i < before.length; i++) {
            int rel = i - off;
            boolean inTile = rel >= 0 && rel / ld < ROWS && rel % ld < n;
            if (!inTile && Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
                fail("element " + i + " outside the tile was written");
            }
        }
    }

    /**
     * The activations inside the fused kernel, read back from the saved LSTM gates (i, f, o are
     * sigmoids, g is tanh), against double precision over a sweep that covers saturation, the
     * region where 1/(1+e^-x) would be denormal (x in (-103, -87)), infinities and NaN.
     */
    @Test
    void activationsAreAccurateSaturateAndNeverDenormal() {
        float[] xs = sweep();
        int n = xs.length;
        float[] gx = new float[4 * n];
        for (int q = 0; q < 4; q++) {
            System.arraycopy(xs, 0, gx, q * n, n);
        }
        float[] gh = new float[4 * n];
        float[] cPrev = new float[n];
        float[] c = new float[n];
        float[] h = new float[n];
        GateKernels.lstmForward(1, n, gx, 0, n, gh, 0, n, 4 * n, cPrev, 0, c, 0, h, 0, n, true);
        for (int j = 0; j < n; j++) {
            double x = xs[j];
            float sig = gx[j];
            float th = gx[2 * n + j];
            if (Double.isNaN(x)) {
                assertThat(sig).isNaN();
                assertThat(th).isNaN();
                continue;
            }
            double sigRef = 1 / (1 + Math.exp(-x));
            double thRef = Math.tanh(x);
            // <= 5e-7 absolute required (the Activations contract); measured over every float:
            // sigmoid 9.9e-8, tanh 3.02e-7 (near |tanh| = 1, rounding in the rational's Horner chains)
            assertThat(Math.abs(sig - sigRef)).as("sigmoid(%s)", x).isLessThanOrEqualTo(1.0e-7);
            assertThat(Math.abs(th - thRef)).as("tanh(%s)", x).isLessThanOrEqualTo(3.1e-7);
            assertThat(sig).as("sigmoid(%s) in [0, 1]", x).isBetween(0f, 1f);
            assertThat(th).as("tanh(%s) in [-1, 1]", x).isBetween(-1f, 1f);
            assertNotDenormal("sigmoid", x, sig);
            assertNotDenormal("tanh", x, th);
            assertNotDenormal("c", x, c[j]);
            assertNotDenormal("h", x, h[j]);
            if (x >= 20) {
                assertThat(sig).isEqualTo(1f);
                assertThat(th).isEqualTo(1f);
            }
            if (x <= -110) {
                assertThat(sig).isEqualTo(0f);
                assertThat(th).isEqualTo(-1f);
            }
        }
    }

    private static void assertNotDenormal(String what, double x, float y) {
        if (y != 0f && Math.abs(y) < Float.MIN_NORMAL) {
            fail(what + " at x = " + x + " is denormal: " + y);
        }
    }

    private static float[] sweep() {
        int steps = 4001;
        float[] extra = {-1e30f, 1e30f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, -0f, 0f,
                Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-20f, -1e-20f, -86f, -87.5f, -88f, -89f, -95f,
                -100f, -103f, -104f, -110f, 88f, 89f, 95f, 110f, -Float.MAX_VALUE, Float.MAX_VALUE};
        float[] xs = new float[steps + extra.length];
        for (int i = 0; i < steps; i++) {
            xs[i] = -20f + 40f * i / (steps - 1);
        }
        System.arraycopy(extra, 0, xs, steps, extra.length);
        return xs;
    }

    /** Decaying states (forget gate < 1, no input) flush to zero instead of going denormal. */
    @Test
    void decayingCellStateFlushesToZero() {
        int n = 17;
        float[] gx = new float[4 * n];
        for (int j = 0; j < n; j++) {
            gx[j] = -200f;           // input gate closed: i = 0
            gx[n + j] = 0f;          // forget gate 0.5
            gx[2 * n + j] = 0f;
            gx[3 * n + j] = 0f;
        }
        float[] gh = new float[4 * n];
        float[] c = new float[n];
        java.util.Arrays.fill(c, 1e-36f);
        float[] h = new float[n];
        for (int step = 0; step < 40; step++) {
            GateKernels.lstmForward(1, n, gx.clone(), 0, n, gh.clone(), 0, n, 4 * n, c, 0, c, 0, h, 0, n, false);
            for (int j = 0; j < n; j++) {
                assertNotDenormal("c", step, c[j]);
                assertNotDenormal("h", step, h[j]);
            }
        }
        assertThat(c).containsOnly(0f);
    }
}
