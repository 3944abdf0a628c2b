package dev.vecrnn.kernel;

/**
 * Matrix-vector products {@code y = alpha*W*x + beta*y}, the whole work of a batch-1 recurrent
 * step. Dispatches to the vector kernels ({@link VectorSgemm#gemv} for the packed form, the same
 * one-row kernel the GEMM uses; {@link VectorMatVec} for the row-major form) or, on the scalar
 * path, to {@link ScalarMatVec}.
 *
 * <p>Two forms:
 * <ul>
 *   <li>{@link #packed}: W given as its transpose {@code B = Wᵀ} ({@code k x n}) pre-packed by
 *   {@link Sgemm#packB}, the operand the layers already keep. Each {@code y[j]} gets exactly the
 *   arithmetic of {@link Sgemm#sgemmPacked} with one row: start from {@code 0}, {@code y[j]} or
 *   {@code beta*y[j]}, then {@code y[j] = fma(alpha*x[p], B[p][j], y[j])} for p = 0..k-1 in order.
 *   So it is <b>bitwise identical</b> to the GEMM (and to the scalar path), which is what lets a
 *   step-by-step stream reproduce a full-sequence pass exactly. Vectorised across outputs: the
 *   weights stream through once, several column panels at a time, with about eight accumulator
 *   chains.
 *   <li>{@link #rowMajor}: W row-major ({@code n x k}, leading dimension {@code ldw}), vectorised
 *   along k (dot products). Its sums are split across lanes, so it is not bitwise equal to the
 *   packed form or to the scalar path; each result is within {@code k} float roundings of
 *   {@code Σ|w·x|}, like any float dot product.
 * </ul>
 * {@code beta == 0} ignores what y held (NaN included); {@code alpha == 0} (or {@code k == 0})
 * reads neither W nor x. Neither call allocates, and both only read their inputs, so any number of
 * threads may share one W.
 */
public final class MatVec {
    private MatVec() {}

    /**
     * {@code y[0:n] = alpha * x[0:k]·B + beta*y}, i.e. {@code y = alpha*W*x + beta*y} for
     * {@code B = Wᵀ} packed ({@code B.rows() = k}, {@code B.cols() = n}).
     *
     * @throws IllegalArgumentException if an array is null or too short, or y overlaps x
     */
    public static void packed(float alpha, float[] x, int offX, PackedMatrix b, float beta, float[] y, int offY) {
        KernelSettings.requireValid();
        if (b == null) {
            throw new IllegalArgumentException("B (packed) is null");
        }
        packed(alpha, x, offX, b, 0, b.n, beta, y, offY);
    }

    /**
     * Columns {@code [n0, n1)} of {@link #packed(float, float[], int, PackedMatrix, float, float[], int)}:
     * {@code y[j] = alpha * x·B[:, j] + beta*y[j]} for j in {@code [n0, n1)} only, the form a team
     * member uses for its own share of the outputs. y must hold all {@code b.cols()} columns (from
     * {@code offY}); the others are neither read nor written. Each {@code y[j]} gets the same bits
     * as from the whole product. Range boundaries at multiples of {@link PackedMatrix#panelWidth()}
     * are the fast path.
     *
     * @throws IllegalArgumentException if an array is null or too short, the range is outside
     *                                  {@code [0, b.cols()]}, or y overlaps x
     */
    public static void packed(float alpha, float[] x, int offX, PackedMatrix b, int n0, int n1,
                              float beta, float[] y, int offY) {
        KernelSettings.requireValid();
        if (b == null) {
            throw new IllegalArgumentException("B (packed) is null");
        }
        int k = b.k;
        int n = b.n;
        if (n0 < 0 || n1 < n0 || n1 > n) {
            throw new IllegalArgumentException("column range [n0, n1) = [" + n0 + ", " + n1 + ") outside [0, " + n + ")");
        }
        boolean readsX = alpha != 0f && k > 0;
        if (readsX) {
            Check.vector("x", x, offX, k);
        }
        Check.vector("y", y, offY, n);
        if (readsX) {
            Check.noOverlap("y", y, offY, n, "x", x, offX, k);
        }
        if (n0 == n1) {
            return;
        }
        if (!readsX) {
            scale(n1 - n0, beta, y, offY + n0);
        } else if (VectorSupport.ENABLED) {
            VectorSgemm.gemv(alpha, x, offX, 1, b, n0, n1, beta, y, offY);
        } else {
            ScalarMatVec.packed(alpha, x, offX, b, n0, n1, beta, y, offY);
        }
    }

    /**
     * {@code y[i] = fma(alpha, Σ_p w[i][p]*x[p], beta*y[i])} for i in [0, n), W row-major
     * {@code n x k} at {@code offW} with leading dimension {@code ldw}.
     *
     * @throws IllegalArgumentException if a size is negative, an array is null or too short, or
     *                                  y overlaps x or W
     */
    public static void rowMajor(int n, int k, float alpha, float[] w, int offW, int ldw,
                                float[] x, int offX, float beta, float[] y, int offY) {
        KernelSettings.requireValid();
        Check.nonNegative("n", n);
        Check.nonNegative("k", k);
        boolean reads = alpha != 0f && k > 0;
        if (reads) {
            Check.matrix("W", w, offW, n, k, ldw);
            Check.vector("x", x, offX, k);
        }
        Check.vector("y", y, offY, n);
        if (reads) {
            Check.noOverlap("y", y, offY, n, "x", x, offX, k);
            Check.noOverlap("y", y, offY, n, "W", w, offW, Check.span(n, k, ldw));
        }
        if (!reads) {
            scale(n, beta, y, offY);
        } else if (VectorSupport.ENABLED) {
            VectorMatVec.rowMajor(n, k, alpha, w, offW, ldw, x, offX, beta, y, offY);
        } else {
            ScalarMatVec.rowMajor(n, k, alpha, w, offW, ldw, x, offX, beta, y, offY);
        }
    }

    /** {@code y = beta*y} (0 ignores NaN in y): the product when W or x is not read. */
    private static void scale(int n, float beta, float[] y, int offY) {
        if (beta == 1f) {
            return;
        }
        for (int j = offY; j < offY + n; j++) {
            y[j] = beta == 0f ? 0f : beta * y[j];
        }
    }
}
