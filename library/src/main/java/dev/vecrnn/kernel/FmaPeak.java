package dev.vecrnn.kernel;

/**
 * A probe of the machine's FP32 FMA throughput: {@link #ACCUMULATORS} independent chains
 * {@code acc = fma(multiplier, addend, acc)} held in registers, so the loop does nothing but fused
 * multiply-adds (no loads, no stores). With enough chains in flight the FMA units, not their
 * latency, limit the rate; that rate is the ceiling any kernel here can reach, and benchmarks
 * report their GFLOP/s as a share of it.
 *
 * <p>Runs at the selected vector width ({@link VectorSupport#BITS}), or as scalar {@code Math.fma}
 * on the scalar path.
 */
public final class FmaPeak {
    /**
     * Independent FMA chains per thread, from the vector register budget
     * ({@link KernelContext#peakChains()}): 24 with 32 registers, 12 with 16, so that the chains
     * and the two constant operands stay in registers; {@code -Dvecrnn.peak.chains=8|12|16|24}
     * overrides. An FMA has a latency of 4-5 cycles and cores issue two per cycle, so at least 8-10
     * chains must be in flight.
     */
    public static final int ACCUMULATORS = KernelContext.CURRENT.peakChains();

    private FmaPeak() {}

    /**
     * Floating-point operations of one {@link #chains} call: 2 per lane per FMA.
     *
     * @throws IllegalArgumentException if {@code iterations} is negative or a {@code vecrnn.*}
     *                                  kernel property is invalid
     */
    public static double flops(int iterations) {
        KernelSettings.requireValid();
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        return 2.0 * ACCUMULATORS * VectorSupport.FLOAT_LANES * iterations;
    }

    /**
     * Runs every chain {@code iterations} times and returns the sum of all accumulator lanes, which
     * callers must consume so the JIT cannot drop the work. Chain {@code k} starts at {@code k / 16f}
     * and adds {@code multiplier * addend} (one rounding) per step; once a chain is so large that
     * the step no longer changes it, it stays put, so nothing overflows or turns denormal however
     * long it runs. The chain is the FMA's addend because that is the operand an x86 FMA
     * instruction updates in place; as a multiplicand it would cost a register copy per FMA.
     *
     * @throws IllegalArgumentException if {@code iterations} is negative, an argument is not finite
     *                                  or {@code multiplier} is outside (-1, 1)
     */
    public static float chains(int iterations, float multiplier, float addend) {
        KernelSettings.requireValid();
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        if (!(Math.abs(multiplier) < 1f) || !Float.isFinite(addend)) {
            throw new IllegalArgumentException("multiplier must be in (-1, 1) and addend finite, got "
                    + multiplier + " and " + addend);
        }
        return VectorSupport.ENABLED
                ? VectorFmaPeak.chains(ACCUMULATORS, iterations, multiplier, addend)
                : ScalarFmaPeak.chains(ACCUMULATORS, iterations, multiplier, addend);
    }
}
