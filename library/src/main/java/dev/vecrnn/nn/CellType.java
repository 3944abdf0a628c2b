package dev.vecrnn.nn;

import java.util.Locale;

/**
 * The recurrent cells, with PyTorch's gate counts and gate order: a vanilla RNN with tanh or relu
 * ({@code torch.nn.RNN}, one gate), LSTM (gates i, f, g, o) and GRU (gates r, z, n).
 */
public enum CellType {
    RNN_TANH(1, "rnn_tanh"),
    RNN_RELU(1, "rnn_relu"),
    LSTM(4, "lstm"),
    GRU(3, "gru");

    private final int gates;
    private final String cliName;

    CellType(int gates, String cliName) {
        this.gates = gates;
        this.cliName = cliName;
    }

    /** Number of gates G: the weights have {@code G*H} rows. */
    public int gates() {
        return gates;
    }

    /** The lower-case name used on the command line and in files, e.g. {@code "lstm"}. */
    public String cliName() {
        return cliName;
    }

    /**
     * Flops of one layer's forward pass in one direction, {@code 2·T·B·G·H·(I+H)}: the input
     * projection {@code 2·T·B·G·H·I} plus the recurrent products {@code 2·T·B·G·H·H} (GEMM
     * {@code 2·M·N·K}; pointwise work counts none). A training step (forward, backpropagation
     * through time and every weight gradient) counts as three times the forward. This and
     * {@link #stackForwardFlops} are the one count every GFLOP/s figure of the project uses.
     *
     * @param timesteps T; for a variable-length batch pass the sum of the lengths and batch 1
     * @throws IllegalArgumentException if a size is negative
     * @throws ArithmeticException if the count does not fit in a {@code long}
     */
    public long forwardFlops(long timesteps, long batch, long inputSize, long hiddenSize) {
        return stackForwardFlops(timesteps, batch, inputSize, hiddenSize, 1, 1, 0);
    }

    /**
     * Flops of a stack's forward pass: the sum over {@code layers} and {@code directions} of one
     * direction's {@code 2·T·B·(G·H·(in + S) + P·H)}, where {@code S} is the recurrent state's
     * width ({@code P} with projections, else {@code H}), the last term is the projection
     * {@code h = W_hr·(o ⊙ tanh c)} (none without projections), and layer 0 reads
     * {@code in = I} while every later layer reads the previous layer's output,
     * {@code in = D·S}. Without projections, one layer and one direction this is
     * {@link #forwardFlops}'s {@code 2·T·B·G·H·(I+H)}.
     *
     * @param directions 1, or 2 for a bidirectional stack
     * @param projSize   the LSTM projection size P ({@code 0 < P < H}), or 0 for none
     * @throws IllegalArgumentException naming a size out of range
     * @throws ArithmeticException if the count does not fit in a {@code long}
     */
    public long stackForwardFlops(long timesteps, long batch, long inputSize, long hiddenSize, int layers,
                                  int directions, int projSize) {
        if (timesteps < 0 || batch < 0 || inputSize < 0 || hiddenSize < 0) {
            throw new IllegalArgumentException("flops: sizes must be >= 0, got T=" + timesteps + " B=" + batch
                    + " I=" + inputSize + " H=" + hiddenSize);
        }
        if (layers < 1) {
            throw new IllegalArgumentException("flops: layers must be >= 1, got " + layers);
        }
        if (directions != 1 && directions != 2) {
            throw new IllegalArgumentException("flops: directions must be 1 or 2, got " + directions);
        }
        if (projSize < 0 || (projSize > 0 && projSize >= hiddenSize)) {
            throw new IllegalArgumentException("flops: projSize must be 0 or in [1, H) = [1, " + hiddenSize + "), got "
                    + projSize);
        }
        long state = projSize > 0 ? projSize : hiddenSize;
        long projection = projSize > 0 ? Math.multiplyExact(state, hiddenSize) : 0;
        long rows = Math.multiplyExact(timesteps, batch);
        long gateColumns = Math.multiplyExact((long) gates, hiddenSize);
        long total = 0;
        for (int k = 0; k < layers; k++) {
            long in = k == 0 ? inputSize : directions * state;
            long perRow = Math.addExact(Math.multiplyExact(gateColumns, Math.addExact(in, state)), projection);
            total = Math.addExact(total, Math.multiplyExact(2L * directions, Math.multiplyExact(rows, perRow)));
        }
        return total;
    }

    /**
     * The cell named {@code name}: its {@link #cliName()} or its enum name, case-insensitive
     * (also accepts {@code "rnn"} for {@link #RNN_TANH}, PyTorch's default nonlinearity).
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static CellType parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            if (n.equals("rnn")) {
                return RNN_TANH;
            }
            for (CellType c : values()) {
                if (c.cliName.equals(n)) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException("unknown cell type '" + name
                + "'; valid: rnn_tanh, rnn_relu, lstm, gru (or rnn = rnn_tanh)");
    }
}
