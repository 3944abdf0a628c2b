package dev.vecrnn.kernel;

/**
 * Fused pointwise ("post-GEMM") work of one timestep of an RNN, LSTM or GRU cell: bias-free
 * pre-activation sums, gate activations, cell update, output, and the matching backward pass.
 * Dispatches to the Vector API kernels or, on the scalar path, to {@link ScalarGateKernels}.
 *
 * <h2>Layouts</h2>
 * Every method covers a tile of {@code rows} batch rows by {@code n} hidden units.
 * <ul>
 *   <li><b>Gate arrays</b> ({@code gx}, {@code gh}, {@code act}, {@code dG}) hold all G gates of a
 *   row: gate {@code q} of unit {@code j} in row {@code r} is at
 *   {@code off + r*ldG + q*gs + j}. With {@code gs = H} this is PyTorch's gate order
 *   (LSTM i,f,g,o; GRU r,z,n) across a {@code [rows, G*H]} matrix; a smaller gate stride
 *   addresses a gate-interleaved block of the recurrent product.</li>
 *   <li><b>State arrays</b> ({@code c}, {@code h}, {@code dout}, {@code dh}, ...) are
 *   {@code [rows, ·]} with leading dimension {@code ldS}: element {@code (r, j)} at
 *   {@code off + r*ldS + j}.</li>
 *   <li>{@code gx} holds the input projection with the biases already added (for GRU the n gate
 *   holds only {@code b_in}); {@code gh} holds {@code W_hh·h} without bias; GRU's {@code b_hn}
 *   comes separately because it sits inside {@code r * (W_hn h + b_hn)}.</li>
 * </ul>
 * With {@code save} the forward kernels overwrite {@code gx} with the post-activation gates
 * (and GRU writes {@code hn = W_hn h + b_hn}), which is exactly what the backward kernels read
 * as {@code act} (and {@code hn}). The {@code gh} tile is scratch: the forward kernels may
 * overwrite it (the vector ones keep activations there when not saving). Input and output arrays may be the same only where noted
 * (the in-place cell state of inference, the in-place gradients {@code dc} and {@code dh}).
 *
 * <p>Arguments are not validated here: these run once per tile per timestep and the layers check
 * every shape once per pass; Java's array bounds checks remain the safety net. Each element's
 * result depends only on that element's inputs, never on the tile bounds, so splitting the
 * units over threads does not change any bit of the result.
 */
public final class GateKernels {
    private GateKernels() {}

    /**
     * LSTM forward: {@code i,f,g,o = σ,σ,tanh,σ(gx + gh)}, {@code c = f*cPrev + i*g},
     * {@code h = o*tanh(c)}. {@code c} may be {@code cPrev} at the same offset (updated in place).
     */
    public static void lstmForward(int rows, int n,
                                   float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                                   float[] cPrev, int offCPrev, float[] c, int offC, float[] h, int offH, int ldS,
                                   boolean save) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.lstmForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG,
                    cPrev, offCPrev, c, offC, h, offH, ldS, save);
        } else {
            ScalarGateKernels.lstmForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG,
                    cPrev, offCPrev, c, offC, h, offH, ldS, save);
        }
    }

    /**
     * LSTM backward of one step. Reads the saved gates {@code act} (i,f,g,o), {@code cPrev},
     * {@code c}, the output gradient {@code dout} and the recurrent gradient {@code dh}; writes the
     * pre-activation gradients to {@code dG} (same gate layout as {@code act}, stride {@code gs})
     * and replaces the cell-state gradient {@code dc} (in: dL/dc_t from later steps, out:
     * dL/dc_{t-1}).
     */
    public static void lstmBackward(int rows, int n,
                                    float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                                    float[] cPrev, int offCPrev, float[] c, int offC,
                                    float[] dout, int offDout, float[] dh, int offDh, float[] dc, int offDc, int ldS) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.lstmBackward(rows, n, act, offAct, dG, offDG, gs, ldG, cPrev, offCPrev, c, offC,
                    dout, offDout, dh, offDh, dc, offDc, ldS);
        } else {
            ScalarGateKernels.lstmBackward(rows, n, act, offAct, dG, offDG, gs, ldG, cPrev, offCPrev, c, offC,
                    dout, offDout, dh, offDh, dc, offDc, ldS);
        }
    }

    /**
     * GRU forward: {@code r,z = σ(gx + gh)}, {@code hn = gh_n + bhn},
     * {@code n = tanh(gx_n + r*hn)}, {@code h = (1-z)*n + z*hPrev}. With {@code save}, {@code hn}
     * is written to the state-shaped array {@code hn} (otherwise it may be null).
     */
    public static void gruForward(int rows, int n,
                                  float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                                  float[] bhn, int offBhn,
                                  float[] hPrev, int offHPrev, float[] h, int offH, float[] hn, int offHn, int ldS,
                                  boolean save) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.gruForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG, bhn, offBhn,
                    hPrev, offHPrev, h, offH, hn, offHn, ldS, save);
        } else {
            ScalarGateKernels.gruForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG, bhn, offBhn,
                    hPrev, offHPrev, h, offH, hn, offHn, ldS, save);
        }
    }

    /**
     * GRU backward of one step. Writes the hidden-side pre-activation gradients
     * {@code (dr, dz, dn*r)} to {@code dG} and the input-side n-gate gradient {@code dn} to
     * {@code dnx} (state-shaped); the r and z gradients are the same on both sides. {@code dh}
     * is read (recurrent gradient) and replaced by the direct term {@code dL/dh_t * z} of
     * {@code dL/dh_{t-1}}, to which the caller adds {@code dG·W_hh}.
     */
    public static void gruBackward(int rows, int n,
                                   float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                                   float[] hn, int offHn, float[] hPrev, int offHPrev,
                                   float[] dout, int offDout, float[] dh, int offDh, float[] dnx, int offDnx, int ldS) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.gruBackward(rows, n, act, offAct, dG, offDG, gs, ldG, hn, offHn, hPrev, offHPrev,
                    dout, offDout, dh, offDh, dnx, offDnx, ldS);
        } else {
            ScalarGateKernels.gruBackward(rows, n, act, offAct, dG, offDG, gs, ldG, hn, offHn, hPrev, offHPrev,
                    dout, offDout, dh, offDh, dnx, offDnx, ldS);
        }
    }

    /** Vanilla RNN forward with tanh: {@code h = tanh(gx + gh)} (one gate). */
    public static void rnnTanhForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                                      float[] h, int offH, int ldS) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.rnnTanhForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
        } else {
            ScalarGateKernels.rnnTanhForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
        }
    }

    /** Vanilla RNN forward with relu: {@code h = max(gx + gh, 0)} (one gate). */
    public static void rnnReluForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                                      float[] h, int offH, int ldS) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.rnnReluForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
        } else {
            ScalarGateKernels.rnnReluForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
        }
    }

    /**
     * Vanilla tanh RNN backward of one step, from the step's output {@code h}:
     * {@code dG = (dout + dh) * (1 - h²)}; {@code dG} is state-shaped (one gate).
     */
    public static void rnnTanhBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                       float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.rnnTanhBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
        } else {
            ScalarGateKernels.rnnTanhBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
        }
    }

    /** Vanilla relu RNN backward of one step: {@code dG = h > 0 ? dout + dh : 0}. */
    public static void rnnReluBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                       float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        KernelSettings.requireValid();
        if (VectorSupport.ENABLED) {
            VectorGateKernels.rnnReluBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
        } else {
            ScalarGateKernels.rnnReluBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
        }
    }
}
