package dev.vecrnn.kernel;

/**
 * Scalar twins of {@link MatVec}'s kernels (same signatures; arguments validated by the facade).
 * {@link #packed} gives bitwise the results of {@link VectorSgemm#gemv} and of
 * {@link Sgemm#sgemmPacked}; {@link #rowMajor} sums each dot product in index order.
 */
final class ScalarMatVec {
    private ScalarMatVec() {}

    /** Works on either packed layout (the scalar path's row-major one or the vector path's panels). */
    static void packed(float alpha, float[] x, int offX, PackedMatrix b, int n0, int n1,
                       float beta, float[] y, int offY) {
        final int k = b.k;
        final int n = b.n;
        final int pw = b.panelWidth;
        final float[] d = b.data;
        for (int j = n0; j < n1; j++) {
            // element (p, j): row-major k x n when pw == 1, else row p of column panel j/pw
            int at = pw == 1 ? j : b.base + j / pw * b.panelStride + j % pw;
            int step = pw == 1 ? n : pw;
            float acc = beta == 0f ? 0f : beta == 1f ? y[offY + j] : beta * y[offY + j];
            for (int p = 0; p < k; p++, at += step) {
                acc = Math.fma(alpha * x[offX + p], d[at], acc);
            }
            y[offY + j] = acc;
        }
    }

    static void rowMajor(int n, int k, float alpha, float[] w, int offW, int ldw,
                         float[] x, int offX, float beta, float[] y, int offY) {
        for (int i = 0; i < n; i++) {
            int row = offW + i * ldw;
            float dot = 0f;
            for (int p = 0; p < k; p++) {
                dot = Math.fma(w[row + p], x[offX + p], dot);
            }
            float init = beta == 0f ? 0f : beta == 1f ? y[offY + i] : beta * y[offY + i];
            y[offY + i] = Math.fma(alpha, dot, init);
        }
    }
}
