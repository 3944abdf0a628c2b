package dev.vecrnn.kernel;

/** Scalar twins of {@link Blas1}. Arguments are validated by {@link Blas1}. */
public final class ScalarBlas1 {
    private ScalarBlas1() {}

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

    public static double sumSquares(int n, float[] x, int offX) {
        double s = 0;
        for (int i = 0; i < n; i++) {
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
