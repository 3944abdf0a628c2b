package dev.vecrnn.study;

import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Init;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How the study sets the gate biases of the gated cells (LSTM, GRU) after their weight scheme;
 * the plain RNNs have no gates and ignore it.
 */
public enum GateInit {
    /** PyTorch's default, every bias uniform in {@code ±1/√H} like the weights. */
    PYTORCH("pytorch"),
    /**
     * LSTM forget-gate bias 1 (Gers et al. 2000, Jozefowicz et al. 2015), in one of the two bias
     * vectors ({@link Init#forgetGateBias}); the GRU has no forget gate and keeps PyTorch's default.
     */
    FORGET_BIAS("forget-bias"),
    /**
     * Chrono initialisation (Tallec &amp; Ollivier 2018, {@link Init#chrono}) for memory times up
     * to the sequence length: LSTM forget and input gates, GRU update gate.
     */
    CHRONO("chrono");

    /** The LSTM forget-gate bias {@link #FORGET_BIAS} sets. */
    public static final double FORGET_BIAS_VALUE = 1.0;

    /** Offset of the seed of the chrono draws from the run's seed (apart from the weights' draws). */
    private static final long CHRONO_SEED_OFFSET = 0xC4_0000L;

    /** The name {@code --init} takes. */
    public final String cliName;

    GateInit(String cliName) {
        this.cliName = cliName;
    }

    /** Whether this changes anything for {@code cell}. */
    public boolean appliesTo(StudyCell cell) {
        return switch (this) {
            case PYTORCH -> false;
            case FORGET_BIAS -> cell == StudyCell.LSTM;
            case CHRONO -> cell.gated();
        };
    }

    /**
     * Sets the gate biases of {@code layer}, an instance of {@code cell} trained on sequences of
     * {@code seqLen} steps; draws (chrono only) from a generator seeded from {@code runSeed}.
     */
    public void apply(StudyCell cell, RecurrentLayer layer, int seqLen, long runSeed) {
        if (!appliesTo(cell)) {
            return;
        }
        switch (this) {
            case FORGET_BIAS -> Init.forgetGateBias(layer, FORGET_BIAS_VALUE);
            case CHRONO -> Init.chrono(layer, chronoMaxLag(seqLen), new SplittableRandom(runSeed + CHRONO_SEED_OFFSET));
            case PYTORCH -> { }
        }
    }

    /** The longest memory time chrono aims at: the whole sequence (at least 3, the smallest it accepts). */
    public static double chronoMaxLag(int seqLen) {
        return Math.max(3, seqLen);
    }

    /** A few words for reports, e.g. "chrono (T_max = sequence length)". */
    public String describe(StudyCell cell) {
        if (!cell.gated()) {
            return "no gates";
        }
        return switch (this) {
            case PYTORCH -> "PyTorch default biases";
            case FORGET_BIAS -> cell == StudyCell.LSTM ? "forget-gate bias 1" : "PyTorch default biases";
            case CHRONO -> cell == StudyCell.LSTM
                    ? "chrono: b_f ~ log U(1, T_max-1), b_i = -b_f, T_max = sequence length"
                    : "chrono: update-gate b_z ~ log U(1, T_max-1), T_max = sequence length";
        };
    }

    /**
     * The scheme named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static GateInit parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (GateInit g : values()) {
                if (g.cliName.equals(n)) {
                    return g;
                }
            }
        }
        throw new IllegalArgumentException("--init: unknown gate initialisation '" + name
                + "'; valid: chrono, forget-bias, pytorch");
    }
}
