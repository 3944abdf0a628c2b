package dev.vecrnn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.train.AllocationProbe;
import dev.vecrnn.train.Batch;
import dev.vecrnn.train.LossKind;
import dev.vecrnn.train.Losses;
import org.junit.jupiter.api.Test;

class CopyTaskTest {

    private static int symbolAt(float[] x, int t, int b, int s) {
        int found = -1;
        for (int c = 0; c < CopyTask.SYMBOLS; c++) {
            float v = x[(t * b + s) * CopyTask.SYMBOLS + c];
            assertThat(v).isIn(0f, 1f);
            if (v == 1f) {
                assertThat(found).as("one-hot at t=%d s=%d", t, s).isEqualTo(-1);
                found = c;
            }
        }
        assertThat(found).as("one-hot at t=%d s=%d", t, s).isNotEqualTo(-1);
        return found;
    }

    @Test
    void shapes() {
        CopyTask task = new CopyTask(100, 1);
        assertThat(task.seqLen()).isEqualTo(120);
        assertThat(task.inputSize()).isEqualTo(10);
        assertThat(task.outputSize()).isEqualTo(10);
        assertThat(task.lossKind()).isEqualTo(LossKind.CE_EVERY_STEP);
        Batch batch = task.newBatch(4);
        assertThat(batch.x()).hasSize(120 * 4 * 10);
        assertThat(batch.labels()).hasSize(120 * 4);
        assertThat(batch.targets()).isEmpty();
    }

    @Test
    void sequencesHaveTheCopyStructure() {
        for (int delay : new int[] {1, 2, 7, 50}) {
            CopyTask task = new CopyTask(delay, delay);
            int b = 9;
            int seqLen = delay + 20;
            Batch batch = task.newBatch(b);
            for (int rep = 0; rep < 5; rep++) {
                task.nextBatch(batch);
                for (int s = 0; s < b; s++) {
                    for (int t = 0; t < seqLen; t++) {
                        int in = symbolAt(batch.x(), t, b, s);
                        int label = batch.labels()[t * b + s];
                        if (t < 10) {
                            assertThat(in).isBetween(1, 8);
                        } else if (t < delay + 9) {
                            assertThat(in).as("blank after the data, delay %d t %d", delay, t).isZero();
                        } else if (t == delay + 9) {
                            assertThat(in).as("delimiter, delay %d", delay).isEqualTo(9);
                        } else {
                            assertThat(in).as("blank while recalling, delay %d t %d", delay, t).isZero();
                        }
                        if (t < delay + 10) {
                            assertThat(label).as("blank target, delay %d t %d", delay, t).isZero();
                        } else {
                            assertThat(label).as("recall of step %d", t - delay - 10)
                                    .isEqualTo(symbolAt(batch.x(), t - delay - 10, b, s));
                        }
                    }
                }
            }
            assertThat(task.delimiterStep()).isEqualTo(delay + 9);
            assertThat(task.firstRecallStep()).isEqualTo(delay + 10);
        }
    }

    @Test
    void equalSeedsGiveEqualBatchesAndOtherSeedsDiffer() {
        CopyTask first = new CopyTask(20, 99);
        CopyTask second = new CopyTask(20, 99);
        CopyTask other = new CopyTask(20, 100);
        Batch a = first.newBatch(6);
        Batch b = second.newBatch(6);
        Batch c = other.newBatch(6);
        for (int rep = 0; rep < 3; rep++) {
            first.nextBatch(a);
            second.nextBatch(b);
            other.nextBatch(c);
            assertThat(a.x()).containsExactly(b.x());
            assertThat(a.labels()).containsExactly(b.labels());
            assertThat(a.labels()).isNotEqualTo(c.labels());
        }
    }

    @Test
    void theOptimalMemorylessPredictorScoresTheBaseline() {
        int delay = 30;
        int b = 64;
        CopyTask task = new CopyTask(delay, 5);
        int seqLen = task.seqLen();
        assertThat(task.baseline()).isEqualTo(10 * Math.log(8) / (delay + 20));
        // The memoryless predictor: certain of a blank before the recall, uniform over 1..8 in it.
        // -1e30 stands for log 0: its exponential underflows to exactly 0.
        float[] logits = new float[seqLen * b * 10];
        for (int t = 0; t < seqLen; t++) {
            for (int s = 0; s < b; s++) {
                for (int c = 0; c < 10; c++) {
                    boolean possible = t < task.firstRecallStep() ? c == CopyTask.BLANK : c >= 1 && c <= 8;
                    logits[(t * b + s) * 10 + c] = possible ? 0f : -1e30f;
                }
            }
        }
        float[] grad = new float[logits.length];
        Batch batch = task.newBatch(b);
        long[] counts = new long[10];
        int batches = 50;
        for (int rep = 0; rep < batches; rep++) {
            task.nextBatch(batch);
            double loss = Losses.softmaxCrossEntropy(seqLen * b, 10, logits, 0, 10, batch.labels(), 0, grad, 0, 10);
            // Its loss does not depend on the data: exactly the formula, up to float rounding of 1/8.
            assertThat(loss).isCloseTo(task.baseline(), within(1e-6));
            for (int t = task.firstRecallStep(); t < seqLen; t++) {
                for (int s = 0; s < b; s++) {
                    counts[batch.labels()[t * b + s]]++;
                }
            }
        }
        // And it is optimal: the recalled symbols are uniform on 1..8 (the true distribution is
        // the cross-entropy minimiser). 32,000 draws: each frequency within 5 standard errors of 1/8.
        long total = (long) batches * b * 10;
        double se = Math.sqrt(0.125 * 0.875 / total);
        assertThat(counts[0]).isZero();
        assertThat(counts[9]).isZero();
        for (int c = 1; c <= 8; c++) {
            assertThat((double) counts[c] / total).as("frequency of %d", c).isCloseTo(0.125, within(5 * se));
        }
        assertThat(task.successThreshold()).isCloseTo(task.baseline() / 10, within(1e-15));
    }

    @Test
    void warmBatchesAllocateNothing() {
        CopyTask task = new CopyTask(100, 5);
        Batch batch = task.newBatch(32);
        assertThat(AllocationProbe.bytesAllocated(200, 200, () -> task.nextBatch(batch))).isLessThan(1024);
    }

    @Test
    void rejectsBadDelay() {
        assertThatThrownBy(() -> new CopyTask(0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delay must be in [1");
    }
}
