package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.nn.Parameter;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Global-norm clipping against PyTorch's rule computed here in double: norm over all gradients
 * together, scale {@code max / (norm + 1e-6)} only when that is below 1. Norms are sums of a few
 * hundred float squares accumulated in double, so they match the double reference to ~1e-12
 * relative; scaled gradients are single float roundings of the exact product (half an ulp).
 */
class GradientClippingTest {
    private static List<Parameter> randomGrads(long seed, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Parameter> ps = List.of(new Parameter("w", 7, 13), new Parameter("b", 7), new Parameter("head.weight", 3, 7));
        for (Parameter p : ps) {
            for (int i = 0; i < p.size(); i++) {
                p.grad()[i] = (float) (scale * (rng.nextDouble() * 2 - 1));
            }
        }
        return ps;
    }

    private static double referenceNorm(List<Parameter> ps) {
        double s = 0;
        for (Parameter p : ps) {
            for (float g : p.grad()) {
                s += (double) g * g;
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void normIsOverAllParametersTogether() {
        List<Parameter> ps = randomGrads(1, 3);
        assertThat(GradientClipping.globalNorm(ps)).isCloseTo(referenceNorm(ps), within(1e-12 * referenceNorm(ps)));
        // a 3-4-5 triangle across two parameters: 5, not 3 + 4 or max(3, 4)
        Parameter a = new Parameter("a", 1);
        Parameter b = new Parameter("b", 1);
        a.grad()[0] = 3;
        b.grad()[0] = -4;
        assertThat(GradientClipping.globalNorm(List.of(a, b))).isEqualTo(5.0);
    }

    @Test
    void largeGradientsAreScaledToTheMaximumNorm() {
        List<Parameter> ps = randomGrads(2, 5);
        double norm = referenceNorm(ps);
        float[][] before = ps.stream().map(p -> p.grad().clone()).toArray(float[][]::new);
        double maxNorm = 1.5;
        assertThat(norm).isGreaterThan(maxNorm);
        double returned = GradientClipping.clipByGlobalNorm(ps, maxNorm);
        assertThat(returned).isCloseTo(norm, within(1e-12 * norm));
        float coef = (float) (maxNorm / (norm + 1e-6));
        for (int k = 0; k < ps.size(); k++) {
            for (int i = 0; i < before[k].length; i++) {
                double exact = (double) before[k][i] * coef;
                assertThat((double) ps.get(k).grad()[i])
                        .isCloseTo(exact, within(Math.ulp((float) exact) * 0.5 + 1e-30));
            }
        }
        // direction kept, length now just under the maximum
        assertThat(referenceNorm(ps)).isCloseTo(maxNorm, within(1e-5)).isLessThanOrEqualTo(maxNorm + 1e-6);
    }

    @Test
    void smallGradientsAreLeftAlone() {
        List<Parameter> ps = randomGrads(3, 0.01);
        float[][] before = ps.stream().map(p -> p.grad().clone()).toArray(float[][]::new);
        double norm = GradientClipping.clipByGlobalNorm(ps, 100);
        assertThat(norm).isCloseTo(referenceNorm(ps), within(1e-12));
        for (int k = 0; k < ps.size(); k++) {
            assertThat(ps.get(k).grad()).containsExactly(before[k]);
        }
    }

    @Test
    void nonFiniteGradientsAreReportedNotScaled() {
        List<Parameter> ps = randomGrads(4, 5);
        ps.get(1).grad()[3] = Float.NaN;
        float[] w = ps.get(0).grad().clone();
        assertThat(GradientClipping.clipByGlobalNorm(ps, 1.0)).isNaN();
        assertThat(ps.get(0).grad()).containsExactly(w);
        ps.get(1).grad()[3] = Float.POSITIVE_INFINITY;
        assertThat(GradientClipping.clipByGlobalNorm(ps, 1.0)).isInfinite();
        assertThat(ps.get(0).grad()).containsExactly(w);
    }

    @Test
    void rejectsBadMaximum() {
        List<Parameter> ps = randomGrads(5, 1);
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> GradientClipping.clipByGlobalNorm(ps, bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxNorm");
        }
    }

    @Test
    void clippingAllocatesNothing() {
        List<Parameter> ps = randomGrads(6, 5);
        assertThat(AllocationProbe.bytesAllocated(3000, 1000,
                () -> GradientClipping.clipByGlobalNorm(ps, 1e-3))).isLessThan(1024);
    }
}
