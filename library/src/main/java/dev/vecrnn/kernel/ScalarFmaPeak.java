package dev.vecrnn.kernel;

/** Scalar twin of {@link FmaPeak}: the same chains, one float each. Arguments are validated by {@link FmaPeak}. */
public final class ScalarFmaPeak {
    private ScalarFmaPeak() {}

    /** Sum of the {@link FmaPeak#ACCUMULATORS} chains after {@code iterations} steps each. */
    public static float chains(int iterations, float multiplier, float addend) {
        float a0 = 0 / 16f, a1 = 1 / 16f, a2 = 2 / 16f, a3 = 3 / 16f, a4 = 4 / 16f, a5 = 5 / 16f;
        float a6 = 6 / 16f, a7 = 7 / 16f, a8 = 8 / 16f, a9 = 9 / 16f, a10 = 10 / 16f, a11 = 11 / 16f;
        for (int i = 0; i < iterations; i++) {
            // Twelve independent chains, written out: the point is that they are independent.
            a0 = Math.fma(a0, multiplier, addend);
            a1 = Math.fma(a1, multiplier, addend);
            a2 = Math.fma(a2, multiplier, addend);
            a3 = Math.fma(a3, multiplier, addend);
            a4 = Math.fma(a4, multiplier, addend);
            a5 = Math.fma(a5, multiplier, addend);
            a6 = Math.fma(a6, multiplier, addend);
            a7 = Math.fma(a7, multiplier, addend);
            a8 = Math.fma(a8, multiplier, addend);
            a9 = Math.fma(a9, multiplier, addend);
            a10 = Math.fma(a10, multiplier, addend);
            a11 = Math.fma(a11, multiplier, addend);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
    }
}
