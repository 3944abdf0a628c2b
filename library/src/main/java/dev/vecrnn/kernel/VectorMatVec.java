package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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
