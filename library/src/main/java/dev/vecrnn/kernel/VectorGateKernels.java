package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of the fused gate kernels (see {@link GateKernels} for the contract and
 * layouts; {@link ScalarGateKernels} holds the scalar twins).
 *
 * <h2>Activations</h2>
 * sigmoid and tanh are {@link VectorActivations}' leaf loops {@code sigmoidOfSum} and
 * {@code tanhOfSum}, the same code that {@link Activations} runs: IEEE-exact operations only, so
 * the bits do not depend on the JIT tier, and scalar mirrors for the tails, so they do not depend
 * on the tile bounds. Accuracy (measured over every float): sigmoid within 9.9e-8 absolute,
 * tanh within 3.0e-7 absolute; both saturate exactly and never return a denormal.
 *
 * <h2>Shape of the code</h2>
 * No method passes vectors to another: a helper taking vectors that C2 declines to inline (it
 * does so once the caller is large) boxes every vector on the heap. For the same reason the
 * kernels are cut into small loops, each with at most one transcendental, run one batch row at
 * a time; a single fused LSTM loop with all five was measured to box (~50 KB per call).
 *
 * <h2>Tails</h2>
 * Full vectors run unmasked; the last {@code n % lanes} elements run through scalar code that
 * repeats the vector operations in the same order with the same rounding (the activations'
 * mirrors in {@link VectorActivations}, the cell updates below), so a tail element gets exactly
 * the bits a vector lane would (masked loads past an array's end box, see VectorActivations). So
 * no element's result depends on the tile bounds, the vector width or whether the code runs
 * interpreted or compiled.
 */
final class VectorGateKernels {
    private static final VectorSpecies<Float> S = Lanes.F;
    private static final float TINY = Float.MIN_NORMAL;

    private VectorGateKernels() {}

    // ------------------------------------------------------------------------------------
    // forward

    static void lstmForward(int rows, int n,
                            float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                            float[] cPrev, int offCPrev, float[] c, int offC, float[] h, int offH, int ldS,
                            boolean save) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = r * ldS;
            // activations go where backward reads them, or into the scratch gh tile
            float[] act = save ? gx : gh;
            int a = save ? x : y;
            int gs = save ? gsX : gsH;
            VectorActivations.sigmoidOfSum(n, gx, x, gh, y, act, a);
            VectorActivations.sigmoidOfSum(n, gx, x + gsX, gh, y + gsH, act, a + gs);
            VectorActivations.tanhOfSum(n, gx, x + 2 * gsX, gh, y + 2 * gsH, act, a + 2 * gs);
            VectorActivations.sigmoidOfSum(n, gx, x + 3 * gsX, gh, y + 3 * gsH, act, a + 3 * gs);
            lstmCell(n, act, a, gs, cPrev, offCPrev + s, c, offC + s, h, offH + s);
        }
    }

    static void gruForward(int rows, int n,
                           float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                           float[] bhn, int offBhn,
                           float[] hPrev, int offHPrev, float[] h, int offH, float[] hn, int offHn, int ldS,
                           boolean save) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = r * ldS;
            float[] act = save ? gx : gh;
            int a = save ? x : y;
            int gs = save ? gsX : gsH;
            VectorActivations.sigmoidOfSum(n, gx, x, gh, y, act, a);
            VectorActivations.sigmoidOfSum(n, gx, x + gsX, gh, y + gsH, act, a + gs);
            gruCell(n, act, a, gs, gx, x + 2 * gsX, gh, y + 2 * gsH, bhn, offBhn,
                    hPrev, offHPrev + s, h, offH + s, hn, offHn + s, save);
        }
    }

    static void rnnTanhForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                               float[] h, int offH, int ldS) {
        for (int r = 0; r < rows; r++) {
            VectorActivations.tanhOfSum(n, gx, offGx + r * ldG, gh, offGh + r * ldG, h, offH + r * ldS);
        }
    }

    static void rnnReluForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                               float[] h, int offH, int ldS) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = offH + r * ldS;
            int j = 0;
            for (; j < bound; j += lanes) {
                FloatVector v = FloatVector.fromArray(S, gx, x + j).add(FloatVector.fromArray(S, gh, y + j));
                // one compare does relu and the denormal flush; NaN compares false and stays NaN
                v.blend(zero, v.lt(TINY)).intoArray(h, s + j);
            }
            for (; j < n; j++) {
                float v = gx[x + j] + gh[y + j];
                h[s + j] = v < TINY ? 0f : v;
            }
        }
    }

    /** {@code c = f*cPrev + i*g}, {@code h = o*tanh(c)} from activated gates i,f,g,o at stride gs. */
    private static void lstmCell(int n, float[] act, int a, int gs, float[] cPrev, int offCPrev,
                                 float[] c, int offC, float[] h, int offH) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (; j < bound; j += lanes) {
            FloatVector i = FloatVector.fromArray(S, act, a + j);
            FloatVector f = FloatVector.fromArray(S, act, a + gs + j);
            FloatVector g = FloatVector.fromArray(S, act, a + 2 * gs + j);
            FloatVector cn = f.mul(FloatVector.fromArray(S, cPrev, offCPrev + j)).add(i.mul(g));
            cn.blend(zero, cn.abs().lt(TINY)).intoArray(c, offC + j);
        }
        for (; j < n; j++) {
            c[offC + j] = ScalarGateKernels.ftz(act[a + gs + j] * cPrev[offCPrev + j] + act[a + j] * act[a + 2 * gs + j]);
        }
        // h = o * tanh(c): tanh into h, then scale by o (small loops, one transcendental each)
        VectorActivations.tanhOfSum(n, c, offC, null, 0, h, offH);
        j = 0;
        for (; j < bound; j += lanes) {
            FloatVector hv = FloatVector.fromArray(S, act, a + 3 * gs + j).mul(FloatVector.fromArray(S, h, offH + j));
            hv.blend(zero, hv.abs().lt(TINY)).intoArray(h, offH + j);
        }
        for (; j < n; j++) {
            h[offH + j] = ScalarGateKernels.ftz(act[a + 3 * gs + j] * h[offH + j]);
        }
    }

    /**
     * {@code hn = ghn + bhn}, {@code n = tanh(gxn + r*hn)}, {@code h = n + z*(hPrev - n)} from
     * activated r, z at {@code act[a]}, {@code act[a+gs]}. The n gate is computed in h (the
     * pre-activation, then tanh in place); with save, n goes to gx's n slot and hn to {@code hn}.
     */
    private static void gruCell(int n, float[] act, int a, int gs, float[] gx, int offGxn, float[] gh, int offGhn,
                                float[] bhn, int offBhn, float[] hPrev, int offHPrev, float[] h, int offH,
                                float[] hn, int offHn, boolean save) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (; j < bound; j += lanes) {
            FloatVector rg = FloatVector.fromArray(S, act, a + j);
            FloatVector hnv = FloatVector.fromArray(S, gh, offGhn + j).add(FloatVector.fromArray(S, bhn, offBhn + j));
            FloatVector pre = FloatVector.fromArray(S, gx, offGxn + j).add(rg.mul(hnv));
            pre.intoArray(h, offH + j);
            if (save) {
                hnv.intoArray(hn, offHn + j);
            }
        }
        for (; j < n; j++) {
            float hnj = gh[offGhn + j] + bhn[offBhn + j];
            h[offH + j] = gx[offGxn + j] + act[a + j] * hnj;
            if (save) {
                hn[offHn + j] = hnj;
            }
        }
        VectorActivations.tanhOfSum(n, h, offH, null, 0, h, offH);
        j = 0;
        for (; j < bound; j += lanes) {
            FloatVector z = FloatVector.fromArray(S, act, a + gs + j);
            FloatVector nv = FloatVector.fromArray(S, h, offH + j);
            FloatVector hp = FloatVector.fromArray(S, hPrev, offHPrev + j);
            FloatVector hNew = nv.add(z.mul(hp.sub(nv)));
            hNew.blend(zero, hNew.abs().lt(TINY)).intoArray(h, offH + j);
            if (save) {
                nv.intoArray(gx, offGxn + j);
            }
        }
        for (; j < n; j++) {
            float nv = h[offH + j];
            h[offH + j] = ScalarGateKernels.ftz(nv + act[a + gs + j] * (hPrev[offHPrev + j] - nv));
            if (save) {
                gx[offGxn + j] = nv;
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // backward

    static void lstmBackward(int rows, int n,
                             float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                             float[] cPrev, int offCPrev, float[] c, int offC,
                             float[] dout, int offDout, float[] dh, int offDh, float[] dc, int offDc, int ldS) {
        for (int r = 0; r < rows; r++) {
            int a = offAct + r * ldG;
            int d = offDG + r * ldG;
            int s = r * ldS;
            // tanh(c_t) recomputed into the o slot of dG, which the gate loop reads before overwriting
            VectorActivations.tanhOfSum(n, c, offC + s, null, 0, dG, d + 3 * gs);
            lstmGateGradients(n, act, a, dG, d, gs, cPrev, offCPrev + s, dout, offDout + s, dh, offDh + s,
                    dc, offDc + s);
        }
    }

    private static void lstmGateGradients(int n, float[] act, int a, float[] dG, int d, int gs,
                                          float[] cPrev, int offCPrev, float[] dout, int offDout,
                                          float[] dh, int offDh, float[] dc, int offDc) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (; j < bound; j += lanes) {
            FloatVector i = FloatVector.fromArray(S, act, a + j);
            FloatVector f = FloatVector.fromArray(S, act, a + gs + j);
            FloatVector g = FloatVector.fromArray(S, act, a + 2 * gs + j);
            FloatVector o = FloatVector.fromArray(S, act, a + 3 * gs + j);
            FloatVector tc = FloatVector.fromArray(S, dG, d + 3 * gs + j);
            FloatVector dhT = FloatVector.fromArray(S, dout, offDout + j).add(FloatVector.fromArray(S, dh, offDh + j));
            FloatVector dcT = FloatVector.fromArray(S, dc, offDc + j).add(dhT.mul(o).mul(one.sub(tc.mul(tc))));
            FloatVector di = dcT.mul(g).mul(i).mul(one.sub(i));
            di.blend(zero, di.abs().lt(TINY)).intoArray(dG, d + j);
            FloatVector df = dcT.mul(FloatVector.fromArray(S, cPrev, offCPrev + j)).mul(f).mul(one.sub(f));
            df.blend(zero, df.abs().lt(TINY)).intoArray(dG, d + gs + j);
            FloatVector dg = dcT.mul(i).mul(one.sub(g.mul(g)));
            dg.blend(zero, dg.abs().lt(TINY)).intoArray(dG, d + 2 * gs + j);
            FloatVector dO = dhT.mul(tc).mul(o).mul(one.sub(o));
            dO.blend(zero, dO.abs().lt(TINY)).intoArray(dG, d + 3 * gs + j);
            FloatVector dcp = dcT.mul(f);
            dcp.blend(zero, dcp.abs().lt(TINY)).intoArray(dc, offDc + j);
        }
        for (; j < n; j++) {
            float i = act[a + j];
            float f = act[a + gs + j];
            float g = act[a + 2 * gs + j];
            float o = act[a + 3 * gs + j];
            float tc = dG[d + 3 * gs + j];
            float dhT = dout[offDout + j] + dh[offDh + j];
            float dcT = dc[offDc + j] + dhT * o * (1f - tc * tc);
            dG[d + j] = ScalarGateKernels.ftz(dcT * g * i * (1f - i));
            dG[d + gs + j] = ScalarGateKernels.ftz(dcT * cPrev[offCPrev + j] * f * (1f - f));
            dG[d + 2 * gs + j] = ScalarGateKernels.ftz(dcT * i * (1f - g * g));
            dG[d + 3 * gs + j] = ScalarGateKernels.ftz(dhT * tc * o * (1f - o));
            dc[offDc + j] = ScalarGateKernels.ftz(dcT * f);
        }
    }

    static void gruBackward(int rows, int n,
                            float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                            float[] hn, int offHn, float[] hPrev, int offHPrev,
                            float[] dout, int offDout, float[] dh, int offDh, float[] dnx, int offDnx, int ldS) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int a = offAct + r * ldG;
            int d = offDG + r * ldG;
            int s = r * ldS;
            int j = 0;
            for (; j < bound; j += lanes) {
                FloatVector rg = FloatVector.fromArray(S, act, a + j);
                FloatVector z = FloatVector.fromArray(S, act, a + gs + j);
                FloatVector nv = FloatVector.fromArray(S, act, a + 2 * gs + j);
                FloatVector dhT = FloatVector.fromArray(S, dout, offDout + s + j)
                        .add(FloatVector.fromArray(S, dh, offDh + s + j));
                FloatVector dnPre = dhT.mul(one.sub(z)).mul(one.sub(nv.mul(nv)));
                FloatVector dzPre = dhT.mul(FloatVector.fromArray(S, hPrev, offHPrev + s + j).sub(nv))
                        .mul(z).mul(one.sub(z));
                FloatVector drPre = dnPre.mul(FloatVector.fromArray(S, hn, offHn + s + j)).mul(rg).mul(one.sub(rg));
                drPre.blend(zero, drPre.abs().lt(TINY)).intoArray(dG, d + j);
                dzPre.blend(zero, dzPre.abs().lt(TINY)).intoArray(dG, d + gs + j);
                FloatVector dnh = dnPre.mul(rg);
                dnh.blend(zero, dnh.abs().lt(TINY)).intoArray(dG, d + 2 * gs + j);
                dnPre.blend(zero, dnPre.abs().lt(TINY)).intoArray(dnx, offDnx + s + j);
                FloatVector dhz = dhT.mul(z);
                dhz.blend(zero, dhz.abs().lt(TINY)).intoArray(dh, offDh + s + j);
            }
            if (j < n) {
                // no transcendentals here: the scalar twin does the same operations in the same order
                ScalarGateKernels.gruBackward(1, n - j, act, a + j, dG, d + j, gs, ldG, hn, offHn + s + j,
                        hPrev, offHPrev + s + j, dout, offDout + s + j, dh, offDh + s + j, dnx, offDnx + s + j, ldS);
            }
        }
    }

    static void rnnTanhBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int s = r * ldS;
            int j = 0;
            for (; j < bound; j += lanes) {
                FloatVector y = FloatVector.fromArray(S, h, offH + s + j);
                FloatVector dhT = FloatVector.fromArray(S, dout, offDout + s + j)
                        .add(FloatVector.fromArray(S, dh, offDh + s + j));
                FloatVector v = dhT.mul(one.sub(y.mul(y)));
                v.blend(zero, v.abs().lt(TINY)).intoArray(dG, offDG + s + j);
            }
            if (j < n) {
                ScalarGateKernels.rnnTanhBackward(1, n - j, h, offH + s + j, dout, offDout + s + j, dh, offDh + s + j,
                        dG, offDG + s + j, ldS);
            }
        }
    }

    static void rnnReluBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int s = r * ldS;
            int j = 0;
            for (; j < bound; j += lanes) {
                FloatVector y = FloatVector.fromArray(S, h, offH + s + j);
                FloatVector dhT = FloatVector.fromArray(S, dout, offDout + s + j)
                        .add(FloatVector.fromArray(S, dh, offDh + s + j));
                // NaN in h compares false to GT and gives 0, as in the scalar twin
                VectorMask<Float> off = y.compare(VectorOperators.GT, 0f).not().or(dhT.abs().lt(TINY));
                dhT.blend(zero, off).intoArray(dG, offDG + s + j);
            }
            if (j < n) {
                ScalarGateKernels.rnnReluBackward(1, n - j, h, offH + s + j, dout, offDout + s + j, dh, offDh + s + j,
                        dG, offDG + s + j, ldS);
            }
        }
    }
}
