package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FmaPeakTest {

    /**
     * Chain {@code k} from {@code k/16}, {@code iterations} float FMAs, every lane alike: the sum
     * over chains and lanes, in double. Each lane runs the very operations of the kernel (one
     * fused rounding per step), so only the final summation order differs.
     */
    private static double reference(int iterations, float m, float a) {
        double sum = 0;
        for (int k = 0; k < FmaPeak.ACCUMULATORS; k++) {
            float x = k / 16f;
            for (int i = 0; i < iterations; i++) {
                x = Math.fma(x, m, a);
            }
            sum += x;
        }
        return sum * VectorSupport.FLOAT_LANES;
    }

    @Test
    void countsTwoFlopsPerLanePerFmaOfEveryChain() {
        assertThat(FmaPeak.flops(1000)).isEqualTo(2.0 * 12 * VectorSupport.FLOAT_LANES * 1000);
        assertThat(FmaPeak.flops(0)).isZero();
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
        assertThat((double) ScalarFmaPeak.chains(33, -0.5f, 0.25f))
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
