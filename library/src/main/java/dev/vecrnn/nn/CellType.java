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
