package dev.vecrnn.study;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.train.Init;
import java.util.Locale;

/**
 * The recurrent cells {@code vecrnn compare} trains, each with the initialisation and learning
 * rate the literature uses for it. All are trained alike otherwise (Adam, global-norm clipping,
 * the same hidden size and batch), so differences in the results come from the cell.
 */
public enum StudyCell {
    /** Elman RNN with tanh, PyTorch's default initialisation: the classic baseline. */
    RNN_TANH("rnn_tanh", CellType.RNN_TANH, Init.Scheme.PYTORCH, 1e-3,
            "tanh RNN, PyTorch default init U(±1/√H)"),
    /**
     * IRNN (Le, Jaitly &amp; Hinton 2015): relu units, {@code W_hh = I}, {@code W_ih ~ N(0, 0.001²)},
     * zero biases. The paper trains it with a small learning rate and clipping; its state is copied
     * forward unchanged at the start, so its updates must be small to keep it from blowing up.
     */
    IRNN("irnn", CellType.RNN_RELU, Init.Scheme.IDENTITY, 1e-4,
            "relu RNN, identity W_hh, N(0, 0.001²) W_ih (Le et al. 2015)"),
    /**
     * LSTM with forget-gate bias 1 (Gers et al. 2000, Jozefowicz et al. 2015). Learning rate 1e-2,
     * the top of the usual Adam range: on the adding problem (H = 64, B = 32) the LSTM leaves
     * the 1/6 plateau after about 750 steps at T = 50 with 1e-2, 1100 with 3e-3 and not within
     * 1500 with 1e-3; at T = 100 after about 1250 with 1e-2 and 2000 with 3e-3.
     */
    LSTM("lstm", CellType.LSTM, Init.Scheme.PYTORCH, 1e-2,
            "LSTM, PyTorch default init, forget-gate bias 1"),
    /**
     * GRU, PyTorch's default initialisation. At 3e-3 it solves the adding problem at T = 50, 100
     * and 200 within 1000 steps (H = 64, B = 32).
     */
    GRU("gru", CellType.GRU, Init.Scheme.PYTORCH, 3e-3, "GRU, PyTorch default init"),
    /** Relu RNN with PyTorch's default initialisation: what IRNN's identity start is compared with. */
    RNN_RELU("rnn_relu", CellType.RNN_RELU, Init.Scheme.PYTORCH, 1e-4,
            "relu RNN, PyTorch default init U(±1/√H)");

    public final String cliName;
    public final CellType type;
    public final Init.Scheme init;
    /** Adam learning rate used unless {@code --lr} overrides it for all cells. */
    public final double defaultLr;
    public final String description;

    StudyCell(String cliName, CellType type, Init.Scheme init, double defaultLr, String description) {
        this.cliName = cliName;
        this.type = type;
        this.init = init;
        this.defaultLr = defaultLr;
        this.description = description;
    }

    /** The LSTM forget-gate bias this study sets (only for {@link #LSTM}). */
    public static final double FORGET_BIAS = 1.0;

    /**
     * The cell named {@code name} (case-insensitive; {@code rnn} means {@code rnn_tanh}).
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static StudyCell parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            if (n.equals("rnn")) {
                return RNN_TANH;
            }
            for (StudyCell c : values()) {
                if (c.cliName.equals(n)) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException("--cells: unknown cell '" + name
                + "'; valid: rnn_tanh, irnn, lstm, gru, rnn_relu");
    }
}
