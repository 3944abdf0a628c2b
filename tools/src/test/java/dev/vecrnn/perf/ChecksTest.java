package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The tools' argument checks: each message names the setting, the rule and the value. */
class ChecksTest {
    @Test
    void countsAndLimits() {
        assertThat(Checks.positive("--reps", 1)).isEqualTo(1);
        assertThatThrownBy(() -> Checks.positive("--reps", 0)).hasMessage("--reps must be >= 1, got 0");
        assertThatThrownBy(() -> Checks.positive("--min", -5L)).hasMessage("--min must be >= 1, got -5");
        assertThat(Checks.nonNegative("--warmup-ms", 0L)).isZero();
        assertThatThrownBy(() -> Checks.nonNegative("--warmup-ms", -1L)).hasMessage("--warmup-ms must be >= 0, got -1");
    }

    @Test
    void durationsMustBeFinite() {
        assertThat(Checks.positive("--seconds", 0.5)).isEqualTo(0.5);
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Checks.positive("--seconds", bad)).hasMessage("--seconds must be > 0, got " + bad);
        }
        assertThat(Checks.nonNegative("--warmup-seconds", 0.0)).isZero();
        for (double bad : new double[] {-0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Checks.nonNegative("--warmup-seconds", bad))
                    .hasMessage("--warmup-seconds must be >= 0, got " + bad);
        }
        // a limit may be infinite: no limit
        assertThat(Checks.limit("--max-iqr", Double.POSITIVE_INFINITY)).isInfinite();
        assertThatThrownBy(() -> Checks.limit("--max-iqr", Double.NaN)).hasMessage("--max-iqr must be >= 0, got NaN");
        assertThatThrownBy(() -> Checks.limit("--max-iqr", -0.1)).hasMessage("--max-iqr must be >= 0, got -0.1");
    }

    @Test
    void vectorWidths() {
        for (int ok : new int[] {0, 128, 256, 512}) {
            assertThat(Checks.vectorBits("--vector-bits", ok)).isEqualTo(ok);
        }
        assertThatThrownBy(() -> Checks.vectorBits("--widths: each", 100))
                .hasMessage("--widths: each must be 0, 128, 256 or 512, got 100");
    }

    @Test
    void timingNamesEachBadOption() {
        assertThatThrownBy(() -> new Timing(-1, 3, 10, 1000, 2000, 3, 0.1, 0.15)).hasMessage("--warmup-ms must be >= 0, got -1");
        assertThatThrownBy(() -> new Timing(0, 3, 10, -1, 2000, 3, 0.1, 0.15)).hasMessage("--min-ms must be >= 0, got -1");
        assertThatThrownBy(() -> new Timing(0, 3, 10, 0, 5, 3, 0.1, 0.15)).hasMessage("--max-iters (5) must be >= --reps (10)");
        assertThatThrownBy(() -> new Timing(0, 3, 10, 0, 20, 3, -1, 0.15)).hasMessage("--max-foreign must be >= 0, got -1.0");
        assertThat(new Timing(0, 0, 1, 0, 1, 1, Double.POSITIVE_INFINITY, 0).maxForeign()).isInfinite();
    }
}
