package dev.vecrnn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.train.AllocationProbe;
import dev.vecrnn.train.Batch;
import dev.vecrnn.train.LossKind;
import org.junit.jupiter.api.Test;

class SineTaskTest {

    @Test
    void shapes() {
        SineTask last = new SineTask(40, false, 1);
        assertThat(last.lossKind()).isEqualTo(LossKind.MSE_LAST);
        assertThat(last.newBatch(3).targets()).hasSize(3);
        SineTask every = new SineTask(40, true, 1);
        assertThat(every.lossKind()).isEqualTo(LossKind.MSE_EVERY_STEP);
        assertThat(every.newBatch(3).targets()).hasSize(40 * 3);
        assertThat(every.newBatch(3).x()).hasSize(40 * 3);
    }

    @Test
    void noiselessSingleSineTargetContinuesTheSeries() {
        // A pure sinusoid obeys x_{t+1} = 2 cos(w) x_t - x_{t-1}: the target must be that next value.
        double period = 11.3;
        SineTask task = new SineTask(25, new double[] {0.8}, new double[] {period}, 0, false, 4);
        int b = 8;
        Batch batch = task.newBatch(b);
        task.nextBatch(batch);
        double c = 2 * Math.cos(2 * Math.PI / period);
        for (int s = 0; s < b; s++) {
            double predicted = c * batch.x()[24 * b + s] - batch.x()[23 * b + s];
            // Inputs are rounded to float (|x| <= 0.8): the recurrence amplifies that by ~3.
            assertThat((double) batch.targets()[s]).isCloseTo(predicted, within(4 * 0.8 * Math.ulp(1f)));
            for (int t = 1; t < 24; t++) {
                double next = c * batch.x()[t * b + s] - batch.x()[(t - 1) * b + s];
                assertThat((double) batch.x()[(t + 1) * b + s]).isCloseTo(next, within(4 * 0.8 * Math.ulp(1f)));
            }
        }
    }

    @Test
    void amplitudeDoesNotDriftOverLongSeries() {
        // The series advances by rotation; after thousands of steps a pure sine must keep its
        // amplitude: a^2 = (x_t^2 + x_{t+1}^2 - 2 x_t x_{t+1} cos w) / sin^2 w.
        double period = 13.7;
        double w = 2 * Math.PI / period;
        int seqLen = 20_000;
        SineTask task = new SineTask(seqLen, new double[] {1.0}, new double[] {period}, 0, true, 6);
        Batch batch = task.newBatch(2);
        task.nextBatch(batch);
        for (int t : new int[] {0, 1000, seqLen - 2}) {
            double x0 = batch.x()[t * 2];
            double x1 = batch.x()[(t + 1) * 2];
            double a2 = (x0 * x0 + x1 * x1 - 2 * x0 * x1 * Math.cos(w)) / (Math.sin(w) * Math.sin(w));
            // float rounding of x (~6e-8) amplified by 1/sin^2 w (~5)
            assertThat(a2).as("amplitude^2 at t=%d", t).isCloseTo(1.0, within(2e-6));
        }
    }

    @Test
    void everyStepTargetsAreTheNextInputs() {
        SineTask task = new SineTask(30, true, 8);
        SineTask lastOnly = new SineTask(30, false, 8);
        int b = 5;
        Batch batch = task.newBatch(b);
        Batch lastBatch = lastOnly.newBatch(b);
        task.nextBatch(batch);
        lastOnly.nextBatch(lastBatch);
        for (int s = 0; s < b; s++) {
            for (int t = 0; t < 29; t++) {
                assertThat(batch.targets()[t * b + s]).isEqualTo(batch.x()[(t + 1) * b + s]);
            }
            // Same seed, same series: the last-step variant's target is the every-step one's last.
            assertThat(lastBatch.targets()[s]).isEqualTo(batch.targets()[29 * b + s]);
        }
        assertThat(lastBatch.x()).containsExactly(batch.x());
    }

    @Test
    void baselinesMatchTheirFormulas() {
        SineTask task = new SineTask(30, true, 3);
        int b = 128;
        Batch batch = task.newBatch(b);
        Stats last = new Stats();
        Stats mean = new Stats();
        for (int rep = 0; rep < 100; rep++) {
            task.nextBatch(batch);
            // One sample per sequence (its final step), so samples are independent.
            for (int s = 0; s < b; s++) {
                double target = batch.targets()[29 * b + s];
                double previous = batch.x()[29 * b + s];
                last.add((target - previous) * (target - previous));
                mean.add(target * target);
            }
        }
        // 12,800 independent sequences; 5 standard errors.
        assertThat(last.mean()).isCloseTo(task.lastValueMse(), within(5 * last.standardError()));
        assertThat(mean.mean()).isCloseTo(task.meanPredictorMse(), within(5 * mean.standardError()));
        double a2 = 1.0 + 0.25 + 0.0625;
        assertThat(task.meanPredictorMse()).isCloseTo(a2 / 2 + 0.0025, within(1e-12));
        assertThat(task.baseline()).isEqualTo(task.lastValueMse());
        assertThat(task.noiseFloor()).isCloseTo(0.0025, within(1e-15));
        assertThat(task.successThreshold()).isBetween(task.noiseFloor(), task.baseline() / 10);
    }

    @Test
    void meanBaselineWinsForFastSines() {
        // Period 2.5 steps: consecutive values are anti-correlated, the last value is a bad guess.
        SineTask task = new SineTask(10, new double[] {1}, new double[] {2.5}, 0.1, false, 0);
        assertThat(task.lastValueMse()).isGreaterThan(task.meanPredictorMse());
        assertThat(task.baseline()).isEqualTo(task.meanPredictorMse());
    }

    @Test
    void equalSeedsGiveEqualBatchesAndOtherSeedsDiffer() {
        SineTask first = new SineTask(20, false, 1);
        SineTask second = new SineTask(20, false, 1);
        SineTask other = new SineTask(20, false, 2);
        Batch a = first.newBatch(4);
        Batch b = second.newBatch(4);
        Batch c = other.newBatch(4);
        for (int rep = 0; rep < 3; rep++) {
            first.nextBatch(a);
            second.nextBatch(b);
            other.nextBatch(c);
            assertThat(a.x()).containsExactly(b.x());
            assertThat(a.targets()).containsExactly(b.targets());
            assertThat(a.x()).isNotEqualTo(c.x());
        }
    }

    @Test
    void warmBatchesAllocateNothing() {
        SineTask task = new SineTask(50, true, 5);
        Batch batch = task.newBatch(16);
        assertThat(AllocationProbe.bytesAllocated(200, 200, () -> task.nextBatch(batch))).isLessThan(1024);
    }

    @Test
    void rejectsBadConfigurations() {
        assertThatThrownBy(() -> new SineTask(10, new double[] {1}, new double[] {1, 2}, 0, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("equal length");
        assertThatThrownBy(() -> new SineTask(10, new double[] {1}, new double[] {0}, 0, false, 0))
                .hasMessageContaining("periods[0]");
        assertThatThrownBy(() -> new SineTask(10, new double[] {1}, new double[] {3}, -1, false, 0))
                .hasMessageContaining("noise");
        assertThatThrownBy(() -> new SineTask(0, false, 0)).hasMessageContaining("seqLen");
    }
}
