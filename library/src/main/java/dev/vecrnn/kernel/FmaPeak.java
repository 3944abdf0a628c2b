package dev.vecrnn.kernel;

/**
 * A probe of the machine's FP32 FMA throughput: {@link #ACCUMULATORS} independent chains
 * {@code acc = acc * multiplier + addend} held in registers, so the loop does nothing but fused
 * multiply-adds (no loads, no stores). With enough chains in flight the FMA units, not their
 * latency, limit the rate; that rate is the ceiling any kernel here can reach, and benchmarks
 * report their GFLOP/s as a share of it.
 *
 * <p>Runs at the selected vector width ({@link VectorSupport#BITS}), or as scalar {@code Math.fma}
 * on the scalar path.
 */
public final class FmaPeak {
    /**
     * Independent FMA chains per thread. An FMA has a latency of about 4 cycles and modern cores
     * issue two per cycle, so at least 8 chains must be in flight; 12 leaves slack and still fits
     * the 16 registers of AVX2.
     */
    public static final int ACCUMULATORS = 12;

    private FmaPeak() {}

    /** Floating-point operations of one {@link #chains} call: 2 per lane per FMA. */
    public static double flops(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        return 2.0 * ACCUMULATORS * VectorSupport.FLOAT_LANES * iterations;
    }

    /**
     * Runs every chain {@code iterations} times and returns the sum of all accumulator lanes, which
     * callers must consume so the JIT cannot drop the work. Chain {@code k} starts at
     * {@code k / 16f}; with {@code |multiplier| < 1} the values converge to
     * {@code addend / (1 - multiplier)}, so nothing overflows or turns denormal however long it runs.
     */
    public static float chains(int iterations, float multiplier, float addend) {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        if (!(Math.abs(multiplier) < 1f) || !Float.isFinite(addend)) {
            throw new IllegalArgumentException("multiplier must be in (-1, 1) and addend finite, got "
                    + multiplier + " and " + addend);
        }
        return VectorSupport.ENABLED
                ? VectorFmaPeak.chains(iterations, multiplier, addend)
                : ScalarFmaPeak.chains(iterations, multiplier, addend);
    }
}
