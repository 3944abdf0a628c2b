package dev.vecrnn.perf;

import java.util.List;

/**
 * The tools' argument checks: every message names the setting (a command-line option such as
 * {@code --threads}), the rule and the value given, e.g. {@code "--threads must be >= 1, got 0"}.
 * The command line, the study and the measurement configurations use these; the library checks
 * its own arguments, by the names of its API.
 */
public final class Checks {
    private Checks() {}

    /** The widths a vector-width setting may name; 0 is the scalar path. */
    private static final List<Integer> VECTOR_BITS = List.of(0, 128, 256, 512);

    /**
     * Returns {@code v} if it is at least 1.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 1, got <v>"}
     */
    public static int positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is at least 1.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 1, got <v>"}
     */
    public static long positive(String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is at least 0.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 0, got <v>"}
     */
    public static long nonNegative(String name, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is finite and above 0.
     *
     * @throws IllegalArgumentException {@code "<name> must be > 0, got <v>"} (also for NaN and infinity)
     */
    public static double positive(String name, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is finite and at least 0.
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 0, got <v>"} (also for NaN and infinity)
     */
    public static double nonNegative(String name, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code v} if it is at least 0; {@code +Infinity} is allowed and means "no limit".
     *
     * @throws IllegalArgumentException {@code "<name> must be >= 0, got <v>"} (also for NaN)
     */
    public static double limit(String name, double v) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    /**
     * Returns {@code bits} if it is one of {@link #VECTOR_BITS}.
     *
     * @throws IllegalArgumentException {@code "<name> must be 0, 128, 256 or 512, got <bits>"}
     */
    public static int vectorBits(String name, int bits) {
        if (!VECTOR_BITS.contains(bits)) {
            throw new IllegalArgumentException(name + " must be 0, 128, 256 or 512, got " + bits);
        }
        return bits;
    }
}
