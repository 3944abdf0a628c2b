package dev.vecrnn.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What one timed step of a recurrent layer does. */
public enum BenchMode {
    /** {@code infer()}: forward only, nothing saved. */
    INFERENCE("inference"),
    /** {@code zeroGrad()}, {@code forward()}, {@code backward()} including the input gradient. */
    TRAINING("training");

    /** The name on the command line and in reports. */
    public final String label;

    BenchMode(String label) {
        this.label = label;
    }

    /** Accepts {@code inference|infer} and {@code training|train}, case-insensitive. */
    public static BenchMode parse(String s) {
        String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "inference", "infer" -> INFERENCE;
            case "training", "train" -> TRAINING;
            default -> throw new IllegalArgumentException("mode must be inference or training, got '" + s + "'");
        };
    }

    /**
     * Parses a comma-separated list of modes.
     *
     * @throws IllegalArgumentException if an entry is no mode or the list is empty
     */
    public static List<BenchMode> parseList(String text) {
        List<BenchMode> out = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(parse(s));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("modes: expected inference and/or training, got '" + text + "'");
        }
        return out;
    }

    /**
     * Flops of one step given the flops of a forward pass ({@link dev.vecrnn.nn.CellType#forwardFlops}):
     * a training step (forward, backpropagation through time, every weight gradient and the
     * input gradient) counts as three forwards.
     */
    public long stepFlops(long forwardFlops) {
        return this == TRAINING ? Math.multiplyExact(3L, forwardFlops) : forwardFlops;
    }

    @Override
    public String toString() {
        return label;
    }
}
