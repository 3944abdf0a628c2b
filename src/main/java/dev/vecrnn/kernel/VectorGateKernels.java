package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of the fused gate kernels (see {@link GateKernels} for the contract and
 * layouts; {@link ScalarGateKernels} holds the scalar twins).
 *
 * <h2>Activations</h2>
 * exp, sigmoid and tanh are written out here from IEEE-exact operations (add, mul, fma, div,
 * compares, bit shifts) instead of the JDK's lanewise {@code EXP}/{@code TANH}: those give
 * different bits interpreted or C1-compiled (a Java fallback) than after C2 compiles them (a
 * native math library), so results would depend on the JIT's progress and a run could not be
 * reproduced bit for bit. The formulas:
 * <ul>
 *   <li>exp(x): x clamped to [-87, 88] (so the result is a normal float), n = round(x/ln2) by
 *   the 1.5·2^23 trick, r = x - n·ln2 in two parts (Cody-Waite), e^r by its Taylor series to
 *   degree 7 (truncation below 6e-9 relative for |r| <= ln2/2), times 2^n built in the exponent
 *   bits. Error about 1.5 ulp.</li>
 *   <li>sigmoid(x) = 1/(1+exp(-x)); exactly 1 for x >= 17, and values below the normal range
 *   are flushed to 0.</li>
 *   <li>tanh(x): for |x| < 0.4 its odd Taylor series to x^11 (truncation below 7e-8 relative),
 *   otherwise sign(x)·(1 - 2/(exp(2|x|)+1)) with 2|x| capped at 20 (tanh is 1 in float beyond
 *   9.1). Absolute error below 2e-7 everywhere.</li>
 * </ul>
 * Both tanh branches are computed and blended, so no element takes a data-dependent path.
 *
 * <h2>Shape of the code</h2>
 * No method passes vectors to another: a helper taking vectors that C2 declines to inline (it
 * does so once the caller is large) boxes every vector on the heap. For the same reason the
 * kernels are cut into small loops, each with at most one transcendental, run one batch row at
 * a time; a single fused LSTM loop with all five was measured to box (~50 KB per call).
 *
 * <h2>Tails</h2>
 * Full vectors run unmasked; the last {@code n % lanes} elements run through scalar mirrors of
 * the vector formulas ({@link #exp}, {@link #sigmoid}, {@link #tanh} and the cell updates
 * below), operation for operation with the same rounding (fma for fma), so a tail element gets
 * exactly the bits a vector lane would. Masked loads are avoided because a masked vector that
 * reaches past the end of its array takes a path C2 does not intrinsify (always so at 256 and
 * 128 bits), which boxes. So no element's result depends on the tile bounds, the vector width
 * or whether the code runs interpreted or compiled.
 */
final class VectorGateKernels {
    private static final VectorSpecies<Float> S = Lanes.F;
    private static final float TINY = Float.MIN_NORMAL;

    // exp
    private static final float EXP_LO = -87f;
    private static final float EXP_HI = 88f;
    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    private static final float ROUNDER = 12582912f;
    /** Bits of ROUNDER minus the exponent bias: (bits(x*log2e + ROUNDER) - this) << 23 = bits(2^n). */
    private static final int ROUNDER_BITS_MINUS_BIAS = 0x4B400000 - 127;
    /** ln 2 split so that n * LN2_HI is exact for |n| < 2^13. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float E2 = 1f / 2;
    private static final float E3 = 1f / 6;
    private static final float E4 = 1f / 24;
    private static final float E5 = 1f / 120;
    private static final float E6 = 1f / 720;
    private static final float E7 = 1f / 5040;

    // tanh
    private static final float TANH_SERIES_BELOW = 0.4f;
    private static final float TANH_CAP = 20f;
    private static final float T3 = -1f / 3;
    private static final float T5 = 2f / 15;
    private static final float T7 = -17f / 315;
    private static final float T9 = 62f / 2835;
    private static final float T11 = -1382f / 155925;

    private VectorGateKernels() {}

    // ------------------------------------------------------------------------------------
    // scalar mirrors of the vector activations (same operations, same order, same bits)

    static float exp(float x) {
        x = x > EXP_HI ? EXP_HI : x;
        x = x < EXP_LO ? EXP_LO : x;
        return expUnclamped(x);
    }

    private static float expUnclamped(float x) {
        float t = Math.fma(x, LOG2E, ROUNDER);
        float k = t - ROUNDER;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float e = Math.fma(r, E7, E6);
        e = Math.fma(e, r, E5);
        e = Math.fma(e, r, E4);
        e = Math.fma(e, r, E3);
        e = Math.fma(e, r, E2);
        e = Math.fma(e, r, 1f);
        e = Math.fma(e, r, 1f);
        return e * Float.intBitsToFloat((Float.floatToRawIntBits(t) - ROUNDER_BITS_MINUS_BIAS) << 23);
    }

    static float sigmoid(float p) {
        float y = 1f / (1f + exp(-p));
        return y < TINY ? 0f : y;
    }

    static float tanh(float x) {
        float ax = Math.abs(x);
        float x2 = ax + ax;
        x2 = x2 > TANH_CAP ? TANH_CAP : x2;
        float big = 1f - 2f / (expUnclamped(x2) + 1f);
        big = x < 0f ? -big : big;
        float sq = x * x;
        float q = Math.fma(sq, T11, T9);
        q = Math.fma(q, sq, T7);
        q = Math.fma(q, sq, T5);
        q = Math.fma(q, sq, T3);
        float small = Math.fma(q * sq, x, x);
        float y = ax < TANH_SERIES_BELOW ? small : big;
        return Math.abs(y) < TINY ? 0f : y;
    }

    private static float ftz(float x) {
        return Math.abs(x) < TINY ? 0f : x;
    }

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
            sigmoidOfSum(n, gx, x, gh, y, act, a);
            sigmoidOfSum(n, gx, x + gsX, gh, y + gsH, act, a + gs);
            tanhOfSum(n, gx, x + 2 * gsX, gh, y + 2 * gsH, act, a + 2 * gs);
            sigmoidOfSum(n, gx, x + 3 * gsX, gh, y + 3 * gsH, act, a + 3 * gs);
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
            sigmoidOfSum(n, gx, x, gh, y, act, a);
            sigmoidOfSum(n, gx, x + gsX, gh, y + gsH, act, a + gs);
            gruCell(n, act, a, gs, gx, x + 2 * gsX, gh, y + 2 * gsH, bhn, offBhn,
                    hPrev, offHPrev + s, h, offH + s, hn, offHn + s, save);
        }
    }

    static void rnnTanhForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                               float[] h, int offH, int ldS) {
        for (int r = 0; r < rows; r++) {
            tanhOfSum(n, gx, offGx + r * ldG, gh, offGh + r * ldG, h, offH + r * ldS);
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

    /** {@code out = sigmoid(a + b)}; {@code out} may be {@code a} or {@code b} at the same offset. */
    private static void sigmoidOfSum(int n, float[] a, int offA, float[] b, int offB, float[] out, int offOut) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (; j < bound; j += lanes) {
            FloatVector p = FloatVector.fromArray(S, a, offA + j).add(FloatVector.fromArray(S, b, offB + j));
            // exp(-p), as in exp(float)
            FloatVector x = p.neg();
            x = x.blend(FloatVector.broadcast(S, EXP_HI), x.compare(VectorOperators.GT, EXP_HI));
            x = x.blend(FloatVector.broadcast(S, EXP_LO), x.lt(EXP_LO));
            FloatVector t = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER));
            FloatVector k = t.sub(ROUNDER);
            FloatVector rr = k.fma(FloatVector.broadcast(S, -LN2_HI), x);
            rr = k.fma(FloatVector.broadcast(S, -LN2_LO), rr);
            FloatVector e = rr.fma(FloatVector.broadcast(S, E7), FloatVector.broadcast(S, E6));
            e = e.fma(rr, FloatVector.broadcast(S, E5));
            e = e.fma(rr, FloatVector.broadcast(S, E4));
            e = e.fma(rr, FloatVector.broadcast(S, E3));
            e = e.fma(rr, FloatVector.broadcast(S, E2));
            e = e.fma(rr, one);
            e = e.fma(rr, one);
            FloatVector scale = ((IntVector) t.reinterpretAsInts()).sub(ROUNDER_BITS_MINUS_BIAS)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            e = e.mul(scale);
            FloatVector y = one.div(one.add(e));
            y.blend(zero, y.lt(TINY)).intoArray(out, offOut + j);
        }
        for (; j < n; j++) {
            out[offOut + j] = sigmoid(a[offA + j] + b[offB + j]);
        }
    }

    /**
     * {@code out = tanh(a + b)}, or {@code tanh(a)} when {@code b} is null; {@code out} may be
     * {@code a} or {@code b} at the same offset.
     */
    private static void tanhOfSum(int n, float[] a, int offA, float[] b, int offB, float[] out, int offOut) {
        final int lanes = S.length();
        final int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (; j < bound; j += lanes) {
            FloatVector x = FloatVector.fromArray(S, a, offA + j);
            if (b != null) {
                x = x.add(FloatVector.fromArray(S, b, offB + j));
            }
            // as in tanh(float)
            FloatVector ax = x.abs();
            FloatVector x2 = ax.add(ax);
            x2 = x2.blend(FloatVector.broadcast(S, TANH_CAP), x2.compare(VectorOperators.GT, TANH_CAP));
            FloatVector t = x2.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER));
            FloatVector k = t.sub(ROUNDER);
            FloatVector rr = k.fma(FloatVector.broadcast(S, -LN2_HI), x2);
            rr = k.fma(FloatVector.broadcast(S, -LN2_LO), rr);
            FloatVector e = rr.fma(FloatVector.broadcast(S, E7), FloatVector.broadcast(S, E6));
            e = e.fma(rr, FloatVector.broadcast(S, E5));
            e = e.fma(rr, FloatVector.broadcast(S, E4));
            e = e.fma(rr, FloatVector.broadcast(S, E3));
            e = e.fma(rr, FloatVector.broadcast(S, E2));
            e = e.fma(rr, one);
            e = e.fma(rr, one);
            FloatVector scale = ((IntVector) t.reinterpretAsInts()).sub(ROUNDER_BITS_MINUS_BIAS)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            e = e.mul(scale);
            FloatVector big = one.sub(FloatVector.broadcast(S, 2f).div(e.add(one)));
            big = big.blend(big.neg(), x.lt(0f));
            FloatVector sq = x.mul(x);
            FloatVector q = sq.fma(FloatVector.broadcast(S, T11), FloatVector.broadcast(S, T9));
            q = q.fma(sq, FloatVector.broadcast(S, T7));
            q = q.fma(sq, FloatVector.broadcast(S, T5));
            q = q.fma(sq, FloatVector.broadcast(S, T3));
            FloatVector small = q.mul(sq).fma(x, x);
            FloatVector y = big.blend(small, ax.lt(TANH_SERIES_BELOW));
            y.blend(zero, y.abs().lt(TINY)).intoArray(out, offOut + j);
        }
        for (; j < n; j++) {
            out[offOut + j] = tanh(b == null ? a[offA + j] : a[offA + j] + b[offB + j]);
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
            c[offC + j] = ftz(act[a + gs + j] * cPrev[offCPrev + j] + act[a + j] * act[a + 2 * gs + j]);
        }
        // h = o * tanh(c): tanh into h, then scale by o (small loops, one transcendental each)
        tanhOfSum(n, c, offC, null, 0, h, offH);
        j = 0;
        for (; j < bound; j += lanes) {
            FloatVector hv = FloatVector.fromArray(S, act, a + 3 * gs + j).mul(FloatVector.fromArray(S, h, offH + j));
            hv.blend(zero, hv.abs().lt(TINY)).intoArray(h, offH + j);
        }
        for (; j < n; j++) {
            h[offH + j] = ftz(act[a + 3 * gs + j] * h[offH + j]);
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
        tanhOfSum(n, h, offH, null, 0, h, offH);
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
            h[offH + j] = ftz(nv + act[a + gs + j] * (hPrev[offHPrev + j] - nv));
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
            tanhOfSum(n, c, offC + s, null, 0, dG, d + 3 * gs);
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
            dG[d + j] = ftz(dcT * g * i * (1f - i));
            dG[d + gs + j] = ftz(dcT * cPrev[offCPrev + j] * f * (1f - f));
            dG[d + 2 * gs + j] = ftz(dcT * i * (1f - g * g));
            dG[d + 3 * gs + j] = ftz(dhT * tc * o * (1f - o));
            dc[offDc + j] = ftz(dcT * f);
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
