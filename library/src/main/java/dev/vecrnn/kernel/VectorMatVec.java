package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row-major Vector API kernel of {@link MatVec} (contract there; scalar twin in
 * {@link ScalarMatVec}); the packed form is the GEMM's one-row kernel, {@link VectorSgemm#gemv}.
 * A leaf method over arrays and offsets, so no vector crosses a call.
 */
final class VectorMatVec {
    private static final VectorSpecies<Float> S = Lanes.F;

    private VectorMatVec() {}

    /**
     * Four rows at a time, each a lane-split dot product reduced at the end, then the last
     * {@code k % lanes} products added one by one. Two small leaf methods, no masked loads: one
     * method with both row loops and masked tails was too large for C1 ("out of virtual registers
     * in linear scan"), which on a loaded machine left it in C1's limited tier, boxing every
     * vector, for the rest of a test.
     */
    static void rowMajor(int n, int k, float alpha, float[] w, int offW, int ldw,
                         float[] x, int offX, float beta, float[] y, int offY) {
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            fourRows(k, alpha, w, offW + i * ldw, ldw, x, offX, beta, y, offY + i);
        }
        for (; i < n; i++) {
            oneRow(k, alpha, w, offW + i * ldw, x, offX, beta, y, offY + i);
        }
    }

    private static void fourRows(int k, float alpha, float[] w, int r0, int ldw, float[] x, int offX,
                                 float beta, float[] y, int yo) {
        final int lanes = S.length();
        final int kMain = S.loopBound(k);
        final int r1 = r0 + ldw;
        final int r2 = r1 + ldw;
        final int r3 = r2 + ldw;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int p = 0; p < kMain; p += lanes) {
            FloatVector xv = FloatVector.fromArray(S, x, offX + p);
            a0 = FloatVector.fromArray(S, w, r0 + p).fma(xv, a0);
            a1 = FloatVector.fromArray(S, w, r1 + p).fma(xv, a1);
            a2 = FloatVector.fromArray(S, w, r2 + p).fma(xv, a2);
            a3 = FloatVector.fromArray(S, w, r3 + p).fma(xv, a3);
        }
        float d0 = a0.reduceLanes(VectorOperators.ADD);
        float d1 = a1.reduceLanes(VectorOperators.ADD);
        float d2 = a2.reduceLanes(VectorOperators.ADD);
        float d3 = a3.reduceLanes(VectorOperators.ADD);
        for (int p = kMain; p < k; p++) {
            float xp = x[offX + p];
            d0 = Math.fma(w[r0 + p], xp, d0);
            d1 = Math.fma(w[r1 + p], xp, d1);
            d2 = Math.fma(w[r2 + p], xp, d2);
            d3 = Math.fma(w[r3 + p], xp, d3);
        }
        y[yo] = Math.fma(alpha, d0, init(beta, y, yo));
        y[yo + 1] = Math.fma(alpha, d1, init(beta, y, yo + 1));
        y[yo + 2] = Math.fma(alpha, d2, init(beta, y, yo + 2));
        y[yo + 3] = Math.fma(alpha, d3, init(beta, y, yo + 3));
    }

    private static void oneRow(int k, float alpha, float[] w, int r0, float[] x, int offX, float beta,
                               float[] y, int yo) {
        final int lanes = S.length();
        final int kMain = S.loopBound(k);
        FloatVector a0 = FloatVector.zero(S);
        for (int p = 0; p < kMain; p += lanes) {
            a0 = FloatVector.fromArray(S, w, r0 + p).fma(FloatVector.fromArray(S, x, offX + p), a0);
        }
        float d0 = a0.reduceLanes(VectorOperators.ADD);
        for (int p = kMain; p < k; p++) {
            d0 = Math.fma(w[r0 + p], x[offX + p], d0);
        }
        y[yo] = Math.fma(alpha, d0, init(beta, y, yo));
    }

    private static float init(float beta, float[] y, int at) {
        return beta == 0f ? 0f : beta == 1f ? y[at] : beta * y[at];
    }
}
