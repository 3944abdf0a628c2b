package dev.vecrnn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class SamplingTest {

    @Test
    void zeroTemperatureIsArgMax() {
        float[] logits = {9f, 0.5f, 3f, 3.5f, 3.5f, -1f};
        assertThat(Sampling.sample(logits, 1, 5, 0, Rngs.seeded(0))).isEqualTo(2);
    }

    @Test
    void frequenciesFollowTheSoftmax() {
        float[] logits = {1f, 0f, 2f, -1f};
        double temperature = 0.7;
        double[] p = new double[4];
        double sum = 0;
        for (int j = 0; j < 4; j++) {
            p[j] = Math.exp(logits[j] / temperature);
            sum += p[j];
        }
        RandomGenerator rng = Rngs.seeded(17);
        int draws = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < draws; i++) {
            counts[Sampling.sample(logits, 0, 4, temperature, rng)]++;
        }
        for (int j = 0; j < 4; j++) {
            double pj = p[j] / sum;
            double se = Math.sqrt(pj * (1 - pj) / draws);
            assertThat((double) counts[j] / draws).as("class %d", j).isCloseTo(pj, within(5 * se));
        }
    }

    @Test
    void sameSeedSameSamples() {
        float[] logits = {0.3f, 0.1f, 0.2f};
        RandomGenerator a = Rngs.seeded(5);
        RandomGenerator b = Rngs.seeded(5);
        for (int i = 0; i < 100; i++) {
            assertThat(Sampling.sample(logits, 0, 3, 1, a)).isEqualTo(Sampling.sample(logits, 0, 3, 1, b));
        }
    }

    @Test
    void rejectsBadArguments() {
        float[] logits = {0f, Float.NaN};
        assertThatThrownBy(() -> Sampling.sample(logits, 0, 2, 1, Rngs.seeded(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logits[1] must be finite");
        assertThatThrownBy(() -> Sampling.sample(new float[2], 0, 2, -1, Rngs.seeded(0)))
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> Sampling.sample(new float[2], 1, 2, 1, Rngs.seeded(0)))
                .hasMessageContaining("must hold 2 floats from offset 1");
    }
}
