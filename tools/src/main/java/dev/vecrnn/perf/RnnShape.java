package dev.vecrnn.perf;

import dev.vecrnn.nn.CellType;
import java.util.ArrayList;
import java.util.List;

/**
 * One benchmark problem size, written {@code TxBxIxH} (timesteps, batch, input size, hidden size),
 * the same string the JMH suite, {@code bench scaling} and {@code compare-pytorch} use.
 */
public record RnnShape(int T, int B, int I, int H) {

    /** The five standard shapes every comparison uses. */
    public static final List<RnnShape> STANDARD = List.of(
            new RnnShape(50, 32, 256, 256), new RnnShape(50, 64, 512, 512), new RnnShape(25, 16, 1024, 1024),
            new RnnShape(100, 1, 256, 256), new RnnShape(50, 128, 128, 128));

    /**
     * A shape of positive sizes.
     *
     * @throws IllegalArgumentException if a size is below 1
     */
    public RnnShape {
        if (T < 1 || B < 1 || I < 1 || H < 1) {
            throw new IllegalArgumentException("shape TxBxIxH: every size must be >= 1, got " + T + "x" + B + "x" + I + "x" + H);
        }
    }

    /**
     * Parses {@code TxBxIxH}, e.g. {@code 50x64x512x512}.
     *
     * @throws IllegalArgumentException naming the expected form and what was given
     */
    public static RnnShape parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().toLowerCase(java.util.Locale.ROOT).split("x", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("shape must be TxBxIxH (timesteps x batch x input x hidden), e.g. 50x64x512x512, got '"
                    + text + "'");
        }
        int[] v = new int[4];
        for (int k = 0; k < 4; k++) {
            try {
                v[k] = Integer.parseInt(parts[k].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("shape must be TxBxIxH with positive integers, e.g. 50x64x512x512, got '"
                        + text + "'");
            }
        }
        return new RnnShape(v[0], v[1], v[2], v[3]);
    }

    /** Parses a comma-separated list of shapes. */
    public static List<RnnShape> parseList(String text) {
        List<RnnShape> out = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(parse(s));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("shapes: expected a comma-separated list of TxBxIxH, got '" + text + "'");
        }
        return out;
    }

    /** Flops of one forward pass of one layer, {@link CellType#forwardFlops}: {@code 2·T·B·G·H·(I+H)}. */
    public double forwardFlops(CellType cell) {
        return cell.forwardFlops(T, B, I, H);
    }

    /** Flops of one step of one layer in {@code mode} ({@link BenchMode#stepFlops}: training is 3× forward). */
    public double flops(CellType cell, BenchMode mode) {
        return mode.stepFlops(cell.forwardFlops(T, B, I, H));
    }

    @Override
    public String toString() {
        return T + "x" + B + "x" + I + "x" + H;
    }
}
