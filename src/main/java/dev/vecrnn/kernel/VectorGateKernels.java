package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of the fused gate kernels (see {@link GateKernels} for the contract and
 * layouts; {@link ScalarGateKernels} holds the scalar twins).
 *
 * <p>Every method is a leaf: activations are written out inline rather than called as helpers
 * taking vectors, because a helper that C2 declines to inline (it does so once the caller is
 * large) boxes every vector on the heap. Every iteration runs under an
 * {@code indexInRange} mask, so the tail takes the same arithmetic as the body and each
 * element's result does not depend on where a call's range starts or ends.
 *
 * <p>exp and tanh are the JDK's lanewise {@code EXP}/{@code TANH} (relative error ~6e-8); sigmoid
 * is {@code 1/(1+exp(-x))} (absolute error below 1e-7), which saturates to exactly 0 or 1.
 * Values that would be denormal are flushed to zero as in the scalar twins.
 */
final class VectorGateKernels {
    private static final VectorSpecies<Float> S = Lanes.F;
    private static final float TINY = Float.MIN_NORMAL;

    private VectorGateKernels() {}

    static void lstmForward(int rows, int n,
                            float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                            float[] cPrev, int offCPrev, float[] c, int offC, float[] h, int offH, int ldS,
                            boolean save) {
        final int lanes = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector pi = FloatVector.fromArray(S, gx, x + j, m)
                        .add(FloatVector.fromArray(S, gh, y + j, m));
                FloatVector pf = FloatVector.fromArray(S, gx, x + gsX + j, m)
                        .add(FloatVector.fromArray(S, gh, y + gsH + j, m));
                FloatVector pg = FloatVector.fromArray(S, gx, x + 2 * gsX + j, m)
                        .add(FloatVector.fromArray(S, gh, y + 2 * gsH + j, m));
                FloatVector po = FloatVector.fromArray(S, gx, x + 3 * gsX + j, m)
                        .add(FloatVector.fromArray(S, gh, y + 3 * gsH + j, m));
                FloatVector i = one.div(one.add(pi.neg().lanewise(VectorOperators.EXP)));
                i = i.blend(zero, i.lt(TINY));
                FloatVector f = one.div(one.add(pf.neg().lanewise(VectorOperators.EXP)));
                f = f.blend(zero, f.lt(TINY));
                FloatVector g = pg.lanewise(VectorOperators.TANH);
                g = g.blend(zero, g.abs().lt(TINY));
                FloatVector o = one.div(one.add(po.neg().lanewise(VectorOperators.EXP)));
                o = o.blend(zero, o.lt(TINY));
                FloatVector cp = FloatVector.fromArray(S, cPrev, offCPrev + s + j, m);
                FloatVector cn = f.mul(cp).add(i.mul(g));
                cn = cn.blend(zero, cn.abs().lt(TINY));
                cn.intoArray(c, offC + s + j, m);
                FloatVector tc = cn.lanewise(VectorOperators.TANH);
                FloatVector hn = o.mul(tc);
                hn = hn.blend(zero, hn.abs().lt(TINY));
                hn.intoArray(h, offH + s + j, m);
                if (save) {
                    i.intoArray(gx, x + j, m);
                    f.intoArray(gx, x + gsX + j, m);
                    g.intoArray(gx, x + 2 * gsX + j, m);
                    o.intoArray(gx, x + 3 * gsX + j, m);
                }
            }
        }
    }

    static void lstmBackward(int rows, int n,
                             float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                             float[] cPrev, int offCPrev, float[] c, int offC,
                             float[] dout, int offDout, float[] dh, int offDh, float[] dc, int offDc, int ldS) {
        final int lanes = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int a = offAct + r * ldG;
            int d = offDG + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector i = FloatVector.fromArray(S, act, a + j, m);
                FloatVector f = FloatVector.fromArray(S, act, a + gs + j, m);
                FloatVector g = FloatVector.fromArray(S, act, a + 2 * gs + j, m);
                FloatVector o = FloatVector.fromArray(S, act, a + 3 * gs + j, m);
                FloatVector tc = FloatVector.fromArray(S, c, offC + s + j, m).lanewise(VectorOperators.TANH);
                FloatVector dhT = FloatVector.fromArray(S, dout, offDout + s + j, m)
                        .add(FloatVector.fromArray(S, dh, offDh + s + j, m));
                FloatVector dcT = FloatVector.fromArray(S, dc, offDc + s + j, m)
                        .add(dhT.mul(o).mul(one.sub(tc.mul(tc))));
                FloatVector di = dcT.mul(g).mul(i).mul(one.sub(i));
                di.blend(zero, di.abs().lt(TINY)).intoArray(dG, d + j, m);
                FloatVector df = dcT.mul(FloatVector.fromArray(S, cPrev, offCPrev + s + j, m)).mul(f).mul(one.sub(f));
                df.blend(zero, df.abs().lt(TINY)).intoArray(dG, d + gs + j, m);
                FloatVector dg = dcT.mul(i).mul(one.sub(g.mul(g)));
                dg.blend(zero, dg.abs().lt(TINY)).intoArray(dG, d + 2 * gs + j, m);
                FloatVector dO = dhT.mul(tc).mul(o).mul(one.sub(o));
                dO.blend(zero, dO.abs().lt(TINY)).intoArray(dG, d + 3 * gs + j, m);
                FloatVector dcp = dcT.mul(f);
                dcp.blend(zero, dcp.abs().lt(TINY)).intoArray(dc, offDc + s + j, m);
            }
        }
    }

    static void gruForward(int rows, int n,
                           float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                           float[] bhn, int offBhn,
                           float[] hPrev, int offHPrev, float[] h, int offH, float[] hn, int offHn, int ldS,
                           boolean save) {
        final int lanes = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector pr = FloatVector.fromArray(S, gx, x + j, m)
                        .add(FloatVector.fromArray(S, gh, y + j, m));
                FloatVector pz = FloatVector.fromArray(S, gx, x + gsX + j, m)
                        .add(FloatVector.fromArray(S, gh, y + gsH + j, m));
                FloatVector rg = one.div(one.add(pr.neg().lanewise(VectorOperators.EXP)));
                rg = rg.blend(zero, rg.lt(TINY));
                FloatVector z = one.div(one.add(pz.neg().lanewise(VectorOperators.EXP)));
                z = z.blend(zero, z.lt(TINY));
                FloatVector hnv = FloatVector.fromArray(S, gh, y + 2 * gsH + j, m)
                        .add(FloatVector.fromArray(S, bhn, offBhn + j, m));
                FloatVector nv = FloatVector.fromArray(S, gx, x + 2 * gsX + j, m).add(rg.mul(hnv))
                        .lanewise(VectorOperators.TANH);
                nv = nv.blend(zero, nv.abs().lt(TINY));
                FloatVector hp = FloatVector.fromArray(S, hPrev, offHPrev + s + j, m);
                FloatVector hNew = nv.add(z.mul(hp.sub(nv)));
                hNew.blend(zero, hNew.abs().lt(TINY)).intoArray(h, offH + s + j, m);
                if (save) {
                    rg.intoArray(gx, x + j, m);
                    z.intoArray(gx, x + gsX + j, m);
                    nv.intoArray(gx, x + 2 * gsX + j, m);
                    hnv.intoArray(hn, offHn + s + j, m);
                }
            }
        }
    }

    static void gruBackward(int rows, int n,
                            float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                            float[] hn, int offHn, float[] hPrev, int offHPrev,
                            float[] dout, int offDout, float[] dh, int offDh, float[] dnx, int offDnx, int ldS) {
        final int lanes = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int a = offAct + r * ldG;
            int d = offDG + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector rg = FloatVector.fromArray(S, act, a + j, m);
                FloatVector z = FloatVector.fromArray(S, act, a + gs + j, m);
                FloatVector nv = FloatVector.fromArray(S, act, a + 2 * gs + j, m);
                FloatVector dhT = FloatVector.fromArray(S, dout, offDout + s + j, m)
                        .add(FloatVector.fromArray(S, dh, offDh + s + j, m));
                FloatVector dnPre = dhT.mul(one.sub(z)).mul(one.sub(nv.mul(nv)));
                FloatVector dzPre = dhT.mul(FloatVector.fromArray(S, hPrev, offHPrev + s + j, m).sub(nv))
                        .mul(z).mul(one.sub(z));
                FloatVector drPre = dnPre.mul(FloatVector.fromArray(S, hn, offHn + s + j, m))
                        .mul(rg).mul(one.sub(rg));
                drPre.blend(zero, drPre.abs().lt(TINY)).intoArray(dG, d + j, m);
                dzPre.blend(zero, dzPre.abs().lt(TINY)).intoArray(dG, d + gs + j, m);
                FloatVector dnh = dnPre.mul(rg);
                dnh.blend(zero, dnh.abs().lt(TINY)).intoArray(dG, d + 2 * gs + j, m);
                dnPre.blend(zero, dnPre.abs().lt(TINY)).intoArray(dnx, offDnx + s + j, m);
                FloatVector dhz = dhT.mul(z);
                dhz.blend(zero, dhz.abs().lt(TINY)).intoArray(dh, offDh + s + j, m);
            }
        }
    }

    static void rnnTanhForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                               float[] h, int offH, int ldS) {
        final int lanes = S.length();
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = offH + r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(S, gx, x + j, m)
                        .add(FloatVector.fromArray(S, gh, y + j, m))
                        .lanewise(VectorOperators.TANH);
                v.blend(zero, v.abs().lt(TINY)).intoArray(h, s + j, m);
            }
        }
    }

    static void rnnReluForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                               float[] h, int offH, int ldS) {
        final int lanes = S.length();
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = offH + r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(S, gx, x + j, m)
                        .add(FloatVector.fromArray(S, gh, y + j, m));
                // one compare does relu and the denormal flush; NaN compares false and stays NaN
                v.blend(zero, v.lt(TINY)).intoArray(h, s + j, m);
            }
        }
    }

    static void rnnTanhBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        final int lanes = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int s = r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector y = FloatVector.fromArray(S, h, offH + s + j, m);
                FloatVector dhT = FloatVector.fromArray(S, dout, offDout + s + j, m)
                        .add(FloatVector.fromArray(S, dh, offDh + s + j, m));
                FloatVector v = dhT.mul(one.sub(y.mul(y)));
                v.blend(zero, v.abs().lt(TINY)).intoArray(dG, offDG + s + j, m);
            }
        }
    }

    static void rnnReluBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        final int lanes = S.length();
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int s = r * ldS;
            for (int j = 0; j < n; j += lanes) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector y = FloatVector.fromArray(S, h, offH + s + j, m);
                FloatVector dhT = FloatVector.fromArray(S, dout, offDout + s + j, m)
                        .add(FloatVector.fromArray(S, dh, offDh + s + j, m));
                // NaN in h compares false to GT and gives 0, as in the scalar twin
                VectorMask<Float> off = y.compare(VectorOperators.GT, 0f).not().or(dhT.abs().lt(TINY));
                dhT.blend(zero, off).intoArray(dG, offDG + s + j, m);
            }
        }
    }
}
