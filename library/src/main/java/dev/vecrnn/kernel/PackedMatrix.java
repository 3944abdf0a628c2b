package dev.vecrnn.kernel;

/**
 * The right-hand operand {@code op(B)} ({@code k x n}) of a GEMM, packed once into the layout the
 * micro-kernel reads, so that a product with the same weights repeated T times (the recurrent
 * weights in a time loop) pays the packing cost once. Create with {@link Sgemm#packB}; repack in
 * place, without allocating, with {@link Sgemm#repackB}. Immutable between repacks, so any
 * number of threads may multiply with it at once.
 *
 * <p>Layout on the vector path: column panels of {@link #panelWidth()} columns (two vectors),
 * each panel a contiguous {@code k x panelWidth} block (row p of panel q at
 * {@code base + q*panelStride + p*panelWidth}), the last panel zero-padded on the right, every
 * panel starting on a 64-byte boundary relative to the array's first element. On the scalar path
 * it is plain row-major {@code k x n} with {@code panelWidth() == 1}.
 */
public final class PackedMatrix {
    final int k;
    final int n;
    /** Columns per panel. */
    final int panelWidth;
    /** Index of panel 0's first float in {@link #data}. */
    final int base;
    /** Distance in floats between the starts of consecutive panels. */
    final int panelStride;
    /** Packed data; its layout belongs to the GEMM implementation. */
    final float[] data;

    PackedMatrix(int k, int n, int panelWidth, int base, int panelStride, float[] data) {
        this.k = k;
        this.n = n;
        this.panelWidth = panelWidth;
        this.base = base;
        this.panelStride = panelStride;
        this.data = data;
    }

    /** Rows of {@code op(B)} (the GEMM's k). */
    public int rows() {
        return k;
    }

    /** Columns of {@code op(B)} (the GEMM's n). */
    public int cols() {
        return n;
    }

    /**
     * Column granule: splitting the columns at multiples of this keeps every packed panel whole
     * (a split elsewhere is still correct and gives the same bits, only slower).
     */
    public int panelWidth() {
        return panelWidth;
    }
}
