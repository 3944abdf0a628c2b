package dev.vecrnn.kernel;

/** BLAS-1 style helpers the layers and optimizers need, vectorised, with scalar twins in {@link ScalarBlas1}. */
public final class Blas1 {
    private Blas1() {}

    /** {@code y += alpha * x} over n elements. */
    public static void axpy(int n, float alpha, float[] x, int offX, float[] y, int offY) {
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        Check.vector("y", y, offY, n);
        ScalarBlas1.axpy(n, alpha, x, offX, y, offY);
    }

    /** {@code x *= alpha} over n elements. */
    public static void scale(int n, float alpha, float[] x, int offX) {
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        ScalarBlas1.scale(n, alpha, x, offX);
    }

    /** {@code sum x[i]^2}, accumulated in double (used for gradient-norm clipping). */
    public static double sumSquares(int n, float[] x, int offX) {
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        return ScalarBlas1.sumSquares(n, x, offX);
    }

    /** {@code y[j] += sum_i A[i][j]} for a {@code rows x cols} matrix A (bias gradients). */
    public static void columnSums(int rows, int cols, float[] a, int offA, int lda, float[] y, int offY) {
        Check.nonNegative("rows", rows);
        Check.nonNegative("cols", cols);
        Check.matrix("A", a, offA, rows, cols, lda);
        Check.vector("y", y, offY, cols);
        ScalarBlas1.columnSums(rows, cols, a, offA, lda, y, offY);
    }
}
