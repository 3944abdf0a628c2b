package dev.vecrnn.kernel;

/**
 * Scalar twins of {@link Blas1}, bitwise equal to the vector kernels ({@link VectorBlas1}) at every
 * width: axpy, scale and columnSums do the same operations per element in the same order, and
 * sumSquares adds into the same 16 partial sums in the same order. Arguments are validated by
 * {@link Blas1}. Also the vector path's kernels for short calls ({@link Blas1#VECTOR_MIN_ELEMENTS}).
 */
public final class ScalarBlas1 {
    private ScalarBlas1() {}

    /** Partial sums of {@link #sumSquares}: element i goes to sum {@code i % 16} (width-independent). */
    static final int PARTIAL_SUMS = 16;

    public static void axpy(int n, float alpha, float[] x, int offX, float[] y, int offY) {
        for (int i = 0; i < n; i++) {
            y[offY + i] = Math.fma(alpha, x[offX + i], y[offY + i]);
        }
    }

    public static void scale(int n, float alpha, float[] x, int offX) {
        for (int i = 0; i < n; i++) {
            x[offX + i] *= alpha;
        }
    }

    /**
     * {@code sum x[i]^2} in double: sixteen partial sums, element i into sum {@code i % 16} (in
     * order; a float squared is exact in double, so each step rounds once), then the sixteen
     * added in order, then the last {@code n % 16} elements. The vector kernels add the same terms
     * in the same order at every width.
     */
    public static double sumSquares(int n, float[] x, int offX) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int i = 0;
        for (; i + PARTIAL_SUMS <= n; i += PARTIAL_SUMS) {
            int o = offX + i;
            double v0 = x[o], v1 = x[o + 1], v2 = x[o + 2], v3 = x[o + 3];
            double v4 = x[o + 4], v5 = x[o + 5], v6 = x[o + 6], v7 = x[o + 7];
            double v8 = x[o + 8], v9 = x[o + 9], v10 = x[o + 10], v11 = x[o + 11];
            double v12 = x[o + 12], v13 = x[o + 13], v14 = x[o + 14], v15 = x[o + 15];
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
            s4 += v4 * v4;
            s5 += v5 * v5;
            s6 += v6 * v6;
            s7 += v7 * v7;
            s8 += v8 * v8;
            s9 += v9 * v9;
            s10 += v10 * v10;
            s11 += v11 * v11;
            s12 += v12 * v12;
            s13 += v13 * v13;
            s14 += v14 * v14;
            s15 += v15 * v15;
        }
        double s = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 + s8 + s9 + s10 + s11 + s12 + s13 + s14 + s15;
        for (; i < n; i++) {
            double v = x[offX + i];
            s += v * v;
        }
        return s;
    }

    public static void columnSums(int rows, int cols, float[] a, int offA, int lda, float[] y, int offY) {
        for (int i = 0; i < rows; i++) {
            int row = offA + i * lda;
            for (int j = 0; j < cols; j++) {
                y[offY + j] += a[row + j];
            }
        }
    }
}
