package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    @Test
    void constantIsConstant() {
        LearningRateSchedule s = LearningRateSchedule.constant(0.01);
        assertThat(s.rate(0)).isEqualTo(0.01);
        assertThat(s.rate(1_000_000)).isEqualTo(0.01);
    }

    @Test
    void stepDecayMultipliesByGammaEveryInterval() {
        LearningRateSchedule s = LearningRateSchedule.stepDecay(0.1, 100, 0.5);
        assertThat(s.rate(0)).isEqualTo(0.1);
        assertThat(s.rate(99)).isEqualTo(0.1);
        assertThat(s.rate(100)).isEqualTo(0.05);
        assertThat(s.rate(199)).isEqualTo(0.05);
        assertThat(s.rate(200)).isEqualTo(0.025);
        assertThat(s.rate(1050)).isCloseTo(0.1 * Math.pow(0.5, 10), within(1e-18));
    }

    @Test
    void parsesWhatItPrints() {
        for (LearningRateSchedule s : new LearningRateSchedule[] {
                LearningRateSchedule.constant(0.003), LearningRateSchedule.stepDecay(0.1, 250, 0.7)}) {
            assertThat(LearningRateSchedule.parse(s.toString())).isEqualTo(s);
        }
        assertThat(LearningRateSchedule.parse("0.5")).isEqualTo(LearningRateSchedule.constant(0.5));
        assertThat(LearningRateSchedule.parse(" step(1e-3, 10, 0.1) "))
                .isEqualTo(LearningRateSchedule.stepDecay(1e-3, 10, 0.1));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> LearningRateSchedule.constant(-1)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> LearningRateSchedule.stepDecay(0.1, 0, 0.5)).hasMessageContaining("interval");
        assertThatThrownBy(() -> LearningRateSchedule.stepDecay(0.1, 10, 0)).hasMessageContaining("gamma");
        assertThatThrownBy(() -> LearningRateSchedule.parse("cosine(0.1)")).hasMessageContaining("step(LR, EVERY, GAMMA)");
        assertThatThrownBy(() -> LearningRateSchedule.parse("step(0.1, x, 0.5)")).hasMessageContaining("bad number");
        assertThatThrownBy(() -> LearningRateSchedule.stepDecay(0.1, 10, 0.5).rate(-1)).hasMessageContaining("-1");
    }

    @Test
    void ratesAllocateNothing() {
        LearningRateSchedule s = LearningRateSchedule.stepDecay(0.1, 7, 0.9);
        long[] u = {0};
        assertThat(AllocationProbe.bytesAllocated(5000, 1000, () -> s.rate(u[0]++))).isLessThan(1024);
    }
}
