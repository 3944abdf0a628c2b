package dev.vecrnn.nn;

/**
 * What a forward (or inference) pass of a {@link RecurrentLayer} produced. The arrays are the
 * layer's own buffers, exactly sized, and are overwritten by the layer's next pass (this object
 * is reused too): copy what you need to keep.
 */
public final class ForwardResult {
    float[] out;
    float[] hN;
    float[] cN;
    int steps;
    int batch;

    ForwardResult() {}

    /**
     * Outputs of the last layer for every step, {@code [T, B, D*H]} row-major (D = 2 for a
     * bidirectional layer: forward direction in columns {@code [0, H)}, reverse in
     * {@code [H, 2H)}); zero past each sequence's end in a variable-length batch. For an LSTM
     * with projections P takes the place of H: {@code [T, B, D*P]}
     * ({@link RecurrentLayer#outputSize()}).
     */
    public float[] out() {
        return out;
    }

    /**
     * Final hidden state of every layer and direction, {@code [D*L, B, H]} (layer l, direction d
     * at {@code D*l + d}): each sequence's state after its own last step; the reverse
     * direction's after step 0. {@code [D*L, B, P]} for an LSTM with projections.
     */
    public float[] hN() {
        return hN;
    }

    /** Final cell state of every layer and direction, {@code [D*L, B, H]} (also with projections), for LSTM; null for other cells. */
    public float[] cN() {
        return cN;
    }

    /** Number of timesteps T. */
    public int T() {
        return steps;
    }

    /** Batch size B. */
    public int B() {
        return batch;
    }
}
