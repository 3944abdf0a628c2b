package dev.vecrnn.kernel;

/**
 * The scalar twin of the SGEMM kernel: plain loops, no blocking. It is the kernel on the scalar
 * path ({@code -Dvecrnn.vectorBits=0}) and the baseline in benchmarks. Arguments are already
 * validated by {@link Sgemm}.
 *
 * <p>Each element gets the same operations as in {@link VectorSgemm}: start from {@code 0},
 * {@code C} or {@code beta*C} (beta 0, 1, other), then {@code c = fma(alpha*a[i][p], b[p][j], c)}
 * for p in order. So the scalar and the vector path give bitwise the same results.
 */
public final class ScalarSgemm {
    private ScalarSgemm() {}

    /** {@code C = alpha*op(A)*op(B) + beta*C}, see {@link Sgemm#sgemm}; C rows {@code [0,m)}, columns {@code [n0,n1)}. */
    public static void sgemm(boolean transA, boolean transB, int m, int n0, int n1, int k, float alpha,
                             float[] a, int offA, int lda, float[] b, int offB, int ldb,
                             float beta, float[] c, int offC, int ldc) {
        for (int i = 0; i < m; i++) {
            int rowC = offC + i * ldc;
            if (beta == 0f) {
                for (int j = n0; j < n1; j++) {
                    c[rowC + j] = 0f;
                }
            } else if (beta != 1f) {
                for (int j = n0; j < n1; j++) {
                    c[rowC + j] *= beta;
                }
            }
            if (alpha == 0f) {
                continue;
            }
            for (int p = 0; p < k; p++) {
                float aip = alpha * (transA ? a[offA + p * lda + i] : a[offA + i * lda + p]);
                if (transB) {
                    for (int j = n0; j < n1; j++) {
                        c[rowC + j] = Math.fma(aip, b[offB + j * ldb + p], c[rowC + j]);
                    }
                } else {
                    int rowB = offB + p * ldb;
                    for (int j = n0; j < n1; j++) {
                        c[rowC + j] = Math.fma(aip, b[rowB + j], c[rowC + j]);
                    }
                }
            }
        }
    }
}
