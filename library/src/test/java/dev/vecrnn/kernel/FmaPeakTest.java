package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FmaPeakTest {

    /**
     * Chain {@code k} from {@code k/16}, {@code iterations} float FMAs {@code x = fma(m, a, x)},
     * every lane alike: the sum over chains and lanes, in double. Each lane runs the very
     * operations of the kernel (one fused rounding per step), so only the final summation order
     * differs.
     */
    private static double reference(int chains, int iterations, float m, float a) {
        double sum = 0;
        for (int k = 0; k < chains; k++) {
            float x = k / 16f;
            for (int i = 0; i < iterations; i++) {
                x = Math.fma(m, a, x);
            }
            sum += x;
        }
        return sum;
    }

    private static double reference(int iterations, float m, float a) {
        return reference(FmaPeak.ACCUMULATORS, iterations, m, a) * VectorSupport.FLOAT_LANES;
    }

    @Test
    void countsTwoFlopsPerLanePerFmaOfEveryChain() {
        assertThat(FmaPeak.flops(1000)).isEqualTo(2.0 * FmaPeak.ACCUMULATORS * VectorSupport.FLOAT_LANES * 1000);
        assertThat(FmaPeak.flops(0)).isZero();
    }

    /** The chain count follows the register budget (3/4 of it) unless a property sets it. */
    @Test
    void chainCountFollowsTheRegisterBudget() {
        KernelSettings none = KernelSettings.parse(name -> null);
        CacheSizes caches = new CacheSizes(48 << 10, 1 << 20, 32 << 20, 2, "test");
        assertThat(KernelContext.of(new VectorRegisters.Count(16, "t"), caches, 8, none).peakChains()).isEqualTo(12);
        assertThat(KernelContext.of(new VectorRegisters.Count(32, "t"), caches, 16, none).peakChains()).isEqualTo(24);
        KernelSettings eight = KernelSettings.parse(name -> name.equals(KernelSettings.PEAK_CHAINS) ? "8" : null);
        assertThat(KernelContext.of(new VectorRegisters.Count(32, "t"), caches, 16, eight).peakChains()).isEqualTo(8);
        if (System.getProperty(KernelSettings.PEAK_CHAINS) == null) {
            assertThat(FmaPeak.ACCUMULATORS).isEqualTo(KernelContext.current().vectorRegisters() >= 32 ? 24 : 12);
        }
    }

    /** Every chain count there is a kernel for computes its chains, on both paths. */
    @Test
    void everyChainCountRunsItsChains() {
        for (int chains : KernelSettings.PEAK_CHAINS_ALLOWED) {
            double expected = reference(chains, 57, 0.5f, 0.25f);
            double tol = chains * Math.ulp(256f);
            assertThat((double) ScalarFmaPeak.chains(chains, 57, 0.5f, 0.25f)).as("%d scalar chains", chains)
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(tol));
            if (VectorSupport.ENABLED) {
                assertThat((double) VectorFmaPeak.chains(chains, 57, 0.5f, 0.25f)).as("%d vector chains", chains)
                        .isCloseTo(expected * VectorSupport.FLOAT_LANES,
                                org.assertj.core.data.Offset.offset(tol * VectorSupport.FLOAT_LANES));
            }
        }
    }

    @Test
    void runsEveryChainTheGivenNumberOfTimes() {
        // Float sum of 12·lanes values near 1: rounding error at most 12·lanes·2^-24 relative.
        double tol = FmaPeak.ACCUMULATORS * VectorSupport.FLOAT_LANES * Math.ulp(1f) / 2;
        for (int n : new int[] {0, 1, 7, 1000, 4099}) {
            double expected = reference(n, 0.9f, 0.1f);
            assertThat((double) FmaPeak.chains(n, 0.9f, 0.1f)).as("iterations %d", n)
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(Math.abs(expected) * tol));
        }
        // Different iteration counts give different sums, so a skipped loop cannot pass.
        assertThat(reference(7, 0.9f, 0.1f)).isNotCloseTo(reference(8, 0.9f, 0.1f),
                org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void scalarTwinMatchesOnOneLane() {
        double tol = FmaPeak.ACCUMULATORS * Math.ulp(1f) / 2;
        double expected = reference(33, -0.5f, 0.25f) / VectorSupport.FLOAT_LANES;
        assertThat((double) ScalarFmaPeak.chains(FmaPeak.ACCUMULATORS, 33, -0.5f, 0.25f))
                .isCloseTo(expected, org.assertj.core.data.Offset.offset(Math.abs(expected) * tol));
    }

    @Test
    void rejectsArgumentsThatWouldDivergeOrMakeNoSense() {
        assertThatThrownBy(() -> FmaPeak.chains(-1, 0.5f, 0.5f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("iterations");
        assertThatThrownBy(() -> FmaPeak.chains(10, 1.5f, 0.5f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> FmaPeak.chains(10, Float.NaN, 0.5f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FmaPeak.flops(-3)).isInstanceOf(IllegalArgumentException.class);
    }
}
