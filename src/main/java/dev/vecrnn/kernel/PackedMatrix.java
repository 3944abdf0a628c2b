package dev.vecrnn.kernel;

/**
 * The right-hand operand {@code op(B)} ({@code k x n}) of a GEMM, packed once into the layout the
 * micro-kernel reads, so that a product with the same weights repeated T times (the recurrent
 * weights in a time loop) pays the packing cost once. Create with {@link Sgemm#packB}; repack in
 * place, without allocating, with {@link Sgemm#repackB}.
 */
public final class PackedMatrix {
    int k;
    int n;
    /** Packed data; its layout belongs to the GEMM implementation. */
    float[] data;

    PackedMatrix(int k, int n, float[] data) {
        this.k = k;
        this.n = n;
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
     * (a split elsewhere is still correct, only slower).
     */
    public int panelWidth() {
        return 1;
    }
}
