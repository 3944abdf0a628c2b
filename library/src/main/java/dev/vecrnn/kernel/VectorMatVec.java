package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels of {@link MatVec} (contract there; scalar twins in {@link ScalarMatVec}).
 * Leaf methods over arrays and offsets, so no vector crosses a call.
 */
final class VectorMatVec {
    private static final VectorSpecies<Float> S = Lanes.F;

    private VectorMatVec() {}

    /**
     * Columns {@code [n0, n1)} of the packed {@code B = Wᵀ}, by column panels: four at a time
     * (eight accumulators, enough FMA chains in flight to cover the latency while the weights
     * stream in), then one at a time. A panel is zero-padded to its full width, so its loads never
     * need a mask; only y does, where the range cuts a panel.
     */
    static void packed(float alpha, float[] x, int offX, PackedMatrix b, int n0, int n1,
                       float beta, float[] y, int offY) {
        final int k = b.k;
        final int nr = b.panelWidth;
        final int stride = b.panelStride;
        final float[] d = b.data;
        final FloatVector zero = FloatVector.zero(S);
        final int lanes = S.length();
        int j = n0 / nr * nr;
        int base = b.base + n0 / nr * stride;
        if (j < n0) { // the range starts inside a panel
            onePanel(alpha, x, offX, k, d, base, nr, j, n0, n1, beta, y, offY);
            j += nr;
            base += stride;
        }
        for (; j + 4 * nr <= n1; j += 4 * nr, base += 4 * stride) {
            int yo = offY + j;
            FloatVector a0;
            FloatVector a1;
            FloatVector a2;
            FloatVector a3;
            FloatVector a4;
            FloatVector a5;
            FloatVector a6;
            FloatVector a7;
            if (beta == 0f) {
                a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = zero;
            } else {
                a0 = FloatVector.fromArray(S, y, yo);
                a1 = FloatVector.fromArray(S, y, yo + lanes);
                a2 = FloatVector.fromArray(S, y, yo + 2 * lanes);
                a3 = FloatVector.fromArray(S, y, yo + 3 * lanes);
                a4 = FloatVector.fromArray(S, y, yo + 4 * lanes);
                a5 = FloatVector.fromArray(S, y, yo + 5 * lanes);
                a6 = FloatVector.fromArray(S, y, yo + 6 * lanes);
                a7 = FloatVector.fromArray(S, y, yo + 7 * lanes);
                if (beta != 1f) {
                    a0 = a0.mul(beta);
                    a1 = a1.mul(beta);
                    a2 = a2.mul(beta);
                    a3 = a3.mul(beta);
                    a4 = a4.mul(beta);
                    a5 = a5.mul(beta);
                    a6 = a6.mul(beta);
                    a7 = a7.mul(beta);
                }
            }
            int q0 = base;
            int q1 = base + stride;
            int q2 = base + 2 * stride;
            int q3 = base + 3 * stride;
            for (int p = 0; p < k; p++, q0 += nr, q1 += nr, q2 += nr, q3 += nr) {
                FloatVector xp = FloatVector.broadcast(S, alpha * x[offX + p]);
                a0 = FloatVector.fromArray(S, d, q0).fma(xp, a0);
                a1 = FloatVector.fromArray(S, d, q0 + lanes).fma(xp, a1);
                a2 = FloatVector.fromArray(S, d, q1).fma(xp, a2);
                a3 = FloatVector.fromArray(S, d, q1 + lanes).fma(xp, a3);
                a4 = FloatVector.fromArray(S, d, q2).fma(xp, a4);
                a5 = FloatVector.fromArray(S, d, q2 + lanes).fma(xp, a5);
                a6 = FloatVector.fromArray(S, d, q3).fma(xp, a6);
                a7 = FloatVector.fromArray(S, d, q3 + lanes).fma(xp, a7);
            }
            a0.intoArray(y, yo);
            a1.intoArray(y, yo + lanes);
            a2.intoArray(y, yo + 2 * lanes);
            a3.intoArray(y, yo + 3 * lanes);
            a4.intoArray(y, yo + 4 * lanes);
            a5.intoArray(y, yo + 5 * lanes);
            a6.intoArray(y, yo + 6 * lanes);
            a7.intoArray(y, yo + 7 * lanes);
        }
        for (; j < n1; j += nr, base += stride) {
            onePanel(alpha, x, offX, k, d, base, nr, j, n0, n1, beta, y, offY);
        }
    }

    /** One panel starting at column j, writing only its columns inside {@code [n0, n1)}. */
    private static void onePanel(float alpha, float[] x, int offX, int k, float[] d, int base, int nr, int j,
                                 int n0, int n1, float beta, float[] y, int offY) {
        final int lanes = S.length();
        int yo = offY + j;
        // lane N is set where n0 <= j + N < n1; unset lanes are neither loaded nor stored
        // (only non-negative offsets: indexInRange allocates for negative ones)
        VectorMask<Float> m0 = S.indexInRange(j, n1);
        VectorMask<Float> m1 = S.indexInRange(j + lanes, n1);
        if (j < n0) {
            m0 = m0.andNot(S.indexInRange(j, n0));
            m1 = m1.andNot(S.indexInRange(j + lanes, n0));
        }
        FloatVector a0;
        FloatVector a1;
        if (beta == 0f) {
            a0 = a1 = FloatVector.zero(S);
        } else {
            a0 = FloatVector.fromArray(S, y, yo, m0);
            a1 = FloatVector.fromArray(S, y, yo + lanes, m1);
            if (beta != 1f) {
                a0 = a0.mul(beta);
                a1 = a1.mul(beta);
            }
        }
        int q = base;
        for (int p = 0; p < k; p++, q += nr) {
            FloatVector xp = FloatVector.broadcast(S, alpha * x[offX + p]);
            a0 = FloatVector.fromArray(S, d, q).fma(xp, a0);
            a1 = FloatVector.fromArray(S, d, q + lanes).fma(xp, a1);
        }
        a0.intoArray(y, yo, m0);
        a1.intoArray(y, yo + lanes, m1);
    }

    /** Four rows at a time, each a lane-split dot product reduced at the end. */
    static void rowMajor(int n, int k, float alpha, float[] w, int offW, int ldw,
                         float[] x, int offX, float beta, float[] y, int offY) {
        final int lanes = S.length();
        final int kMain = k - k % lanes;
        final VectorMask<Float> tail = S.indexInRange(kMain, k);
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int r0 = offW + i * ldw;
            int r1 = r0 + ldw;
            int r2 = r1 + ldw;
            int r3 = r2 + ldw;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            int p = 0;
            for (; p < kMain; p += lanes) {
                FloatVector xv = FloatVector.fromArray(S, x, offX + p);
                a0 = FloatVector.fromArray(S, w, r0 + p).fma(xv, a0);
                a1 = FloatVector.fromArray(S, w, r1 + p).fma(xv, a1);
                a2 = FloatVector.fromArray(S, w, r2 + p).fma(xv, a2);
                a3 = FloatVector.fromArray(S, w, r3 + p).fma(xv, a3);
            }
            if (p < k) {
                FloatVector xv = FloatVector.fromArray(S, x, offX + p, tail);
                a0 = FloatVector.fromArray(S, w, r0 + p, tail).fma(xv, a0);
                a1 = FloatVector.fromArray(S, w, r1 + p, tail).fma(xv, a1);
                a2 = FloatVector.fromArray(S, w, r2 + p, tail).fma(xv, a2);
                a3 = FloatVector.fromArray(S, w, r3 + p, tail).fma(xv, a3);
            }
            y[offY + i] = Math.fma(alpha, a0.reduceLanes(VectorOperators.ADD), init(beta, y, offY + i));
            y[offY + i + 1] = Math.fma(alpha, a1.reduceLanes(VectorOperators.ADD), init(beta, y, offY + i + 1));
            y[offY + i + 2] = Math.fma(alpha, a2.reduceLanes(VectorOperators.ADD), init(beta, y, offY + i + 2));
            y[offY + i + 3] = Math.fma(alpha, a3.reduceLanes(VectorOperators.ADD), init(beta, y, offY + i + 3));
        }
        for (; i < n; i++) {
            int r0 = offW + i * ldw;
            FloatVector a0 = FloatVector.zero(S);
            int p = 0;
            for (; p < kMain; p += lanes) {
                a0 = FloatVector.fromArray(S, w, r0 + p).fma(FloatVector.fromArray(S, x, offX + p), a0);
            }
            if (p < k) {
                a0 = FloatVector.fromArray(S, w, r0 + p, tail).fma(FloatVector.fromArray(S, x, offX + p, tail), a0);
            }
            y[offY + i] = Math.fma(alpha, a0.reduceLanes(VectorOperators.ADD), init(beta, y, offY + i));
        }
    }

    private static float init(float beta, float[] y, int at) {
        return beta == 0f ? 0f : beta == 1f ? y[at] : beta * y[at];
    }
}
