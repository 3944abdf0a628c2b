package dev.vecrnn.kernel;

/**
 * BLAS-1 style helpers the layers and optimizers need, vectorised ({@link VectorBlas1}), with
 * scalar twins in {@link ScalarBlas1}; every result is bitwise the same on both paths and at every
 * vector width. Where an output and an input share an array, their ranges must be identical or
 * disjoint.
 *
 * <p>Calls over fewer than {@link #VECTOR_MIN_ELEMENTS} elements run the scalar twin on the vector
 * path too. Vector API code allocates a heap object per vector until C2 has compiled it, and C2
 * compiles a method after some 40,000 loop iterations in all (more while its queue is long): these
 * helpers run a few times per training step, so on short arrays they stayed interpreted or
 * C1-compiled for hundreds of steps. Measured: the bias gradients' two axpy calls of 4H floats
 * per step took 20-30 s to reach C2, allocating 37, 50 and 74 KB per LSTM 50x32x256x256 step at
 * 512, 256 and 128 bits until then; the column sums of a small bidirectional test layer (35 rows)
 * took 50 s on a loaded machine. A plain loop allocates nothing at any tier and costs under a
 * millisecond at these lengths; a call above the threshold has at least 16,000 vector iterations,
 * so its kernel reaches C2 within the first few calls.
 */
public final class Blas1 {
    private Blas1() {}

    /** Below this many elements a call runs the scalar twin (see the class comment). */
    static final int VECTOR_MIN_ELEMENTS = 1 << 18;

    private static boolean vector(long elements) {
        return VectorSupport.ENABLED && elements >= VECTOR_MIN_ELEMENTS;
    }

    /** {@code y += alpha * x} over n elements (one fused multiply-add per element). */
    public static void axpy(int n, float alpha, float[] x, int offX, float[] y, int offY) {
        KernelSettings.requireValid();
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        Check.vector("y", y, offY, n);
        if (offX != offY) {
            Check.noOverlap("y", y, offY, n, "x", x, offX, n);
        }
        if (vector(n)) {
            VectorBlas1.axpy(n, alpha, x, offX, y, offY);
        } else {
            ScalarBlas1.axpy(n, alpha, x, offX, y, offY);
        }
    }

    /** {@code x *= alpha} over n elements. */
    public static void scale(int n, float alpha, float[] x, int offX) {
        KernelSettings.requireValid();
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        if (vector(n)) {
            VectorBlas1.scale(n, alpha, x, offX);
        } else {
            ScalarBlas1.scale(n, alpha, x, offX);
        }
    }

    /**
     * {@code sum x[i]^2}, accumulated in double (used for gradient-norm clipping): every square is
     * exact, the sum has a relative error below {@code (n/16 + 31) * 2^-53}, and the result is
     * deterministic for given data and n, the same at every vector width and on the scalar path.
     */
    public static double sumSquares(int n, float[] x, int offX) {
        KernelSettings.requireValid();
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        return vector(n) ? VectorBlas1.sumSquares(n, x, offX) : ScalarBlas1.sumSquares(n, x, offX);
    }

    /**
     * {@code y[j] += sum_i A[i][j]} for a {@code rows x cols} matrix A (bias gradients); each y[j]
     * adds the rows in order, in float. y must not overlap A.
     */
    public static void columnSums(int rows, int cols, float[] a, int offA, int lda, float[] y, int offY) {
        KernelSettings.requireValid();
        Check.nonNegative("rows", rows);
        Check.nonNegative("cols", cols);
        Check.matrix("A", a, offA, rows, cols, lda);
        Check.vector("y", y, offY, cols);
        Check.noOverlap("y", y, offY, cols, "A", a, offA, Check.span(rows, cols, lda));
        if (vector((long) rows * cols)) {
            VectorBlas1.columnSums(rows, cols, a, offA, lda, y, offY);
        } else {
            ScalarBlas1.columnSums(rows, cols, a, offA, lda, y, offY);
        }
    }
}
