package dev.vecrnn.nn;

/**
 * Input and initial-state gradients from {@link RecurrentLayer#backward}. The arrays are the
 * layer's own buffers, exactly sized, and are overwritten by the next backward pass (this object
 * is reused too): copy what you need to keep. Parameter gradients are accumulated into each
 * {@link Parameter#grad()} instead.
 */
public final class BackwardResult {
    float[] dx;
    float[] dh0;
    float[] dc0;

    BackwardResult() {}

    /** Gradient of the input, {@code [T, B, I]} (zero past each sequence's end). */
    public float[] dx() {
        return dx;
    }

    /**
     * Gradient of the initial hidden state, {@code [D*L, B, H]} ({@code [D*L, B, P]} for an LSTM
     * with projections), also when h0 was null, i.e. zero.
     */
    public float[] dh0() {
        return dh0;
    }

    /** Gradient of the initial cell state, {@code [D*L, B, H]} (also with projections), for LSTM; null for other cells. */
    public float[] dc0() {
        return dc0;
    }
}
