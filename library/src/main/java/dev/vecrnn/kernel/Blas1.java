package dev.vecrnn.kernel;

/**
 * BLAS-1 style helpers the layers and optimizers need, vectorised ({@link VectorBlas1}), with
 * scalar twins in {@link ScalarBlas1}. axpy, scale and columnSums give bitwise the same result on
 * both paths; sumSquares agrees to double rounding. Where an output and an input share an array,
 * their ranges must be identical or disjoint.
 */
public final class Blas1 {
    private Blas1() {}

    /** {@code y += alpha * x} over n elements (one fused multiply-add per element). */
    public static void axpy(int n, float alpha, float[] x, int offX, float[] y, int offY) {
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        Check.vector("y", y, offY, n);
        if (offX != offY) {
            Check.noOverlap("y", y, offY, n, "x", x, offX, n);
        }
        if (VectorSupport.ENABLED) {
            VectorBlas1.axpy(n, alpha, x, offX, y, offY);
        } else {
            ScalarBlas1.axpy(n, alpha, x, offX, y, offY);
        }
    }

    /** {@code x *= alpha} over n elements. */
    public static void scale(int n, float alpha, float[] x, int offX) {
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        if (VectorSupport.ENABLED) {
            VectorBlas1.scale(n, alpha, x, offX);
        } else {
            ScalarBlas1.scale(n, alpha, x, offX);
        }
    }

    /**
     * {@code sum x[i]^2}, accumulated in double (used for gradient-norm clipping): every square is
     * exact, the sum has a relative error of a few times {@code n * 2^-53} at most, and the result
     * is deterministic for given data, n and vector width.
     */
    public static double sumSquares(int n, float[] x, int offX) {
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        return VectorSupport.ENABLED ? VectorBlas1.sumSquares(n, x, offX) : ScalarBlas1.sumSquares(n, x, offX);
    }

    /**
     * {@code y[j] += sum_i A[i][j]} for a {@code rows x cols} matrix A (bias gradients); each y[j]
     * adds the rows in order, in float. y must not overlap A.
     */
    public static void columnSums(int rows, int cols, float[] a, int offA, int lda, float[] y, int offY) {
        Check.nonNegative("rows", rows);
        Check.nonNegative("cols", cols);
        Check.matrix("A", a, offA, rows, cols, lda);
        Check.vector("y", y, offY, cols);
        Check.noOverlap("y", y, offY, cols, "A", a, offA, Check.span(rows, cols, lda));
        if (VectorSupport.ENABLED) {
            VectorBlas1.columnSums(rows, cols, a, offA, lda, y, offY);
        } else {
            ScalarBlas1.columnSums(rows, cols, a, offA, lda, y, offY);
        }
    }
}
