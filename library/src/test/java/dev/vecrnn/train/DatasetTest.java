package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In-memory data sets: every epoch of batches is a permutation of the sequences, each batch
 * carries each sequence's own inputs and targets in time-major order (both layouts, every loss
 * kind), epochs and seeds shuffle differently but reproducibly, and bad arrays are refused
 * naming what is wrong.
 */
class DatasetTest {
    private static final int N = 11;
    private static final int T = 3;
    private static final int I = 2;
    private static final int O = 2;

    /** Value of input feature i of sequence n at step t: encodes all three, so any mix-up shows. */
    private static float xValue(int n, int t, int i) {
        return n * 100 + t * 10 + i;
    }

    /** Value of target o of sequence n at step t (t = 0 for last-step targets). */
    private static float yValue(int n, int t, int o) {
        return -(n * 100 + t * 10 + o) - 1;
    }

    private static int label(int n, int t) {
        return (n + t) % 5;
    }

    private static Dataset make(LossKind kind, Layout layout) {
        float[] x = new float[N * T * I];
        for (int n = 0; n < N; n++) {
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < I; i++) {
                    x[layout.offset(n, t, N, T, I) + i] = xValue(n, t, i);
                }
            }
        }
        int steps = kind.scoredSteps(T);
        Layout targetLayout = kind.everyStep() ? layout : Layout.BATCH_FIRST;
        if (kind.classification()) {
            int[] labels = new int[N * steps];
            for (int n = 0; n < N; n++) {
                for (int t = 0; t < steps; t++) {
                    labels[targetLayout.offset(n, t, N, steps, 1)] = label(n, t);
                }
            }
            return Dataset.ofLabels(kind, layout, N, T, x, labels, 5);
        }
        float[] y = new float[N * steps * O];
        for (int n = 0; n < N; n++) {
            for (int t = 0; t < steps; t++) {
                for (int o = 0; o < O; o++) {
                    y[targetLayout.offset(n, t, N, steps, O) + o] = yValue(n, t, o);
                }
            }
        }
        return Dataset.of(kind, layout, N, T, x, y);
    }

    /** The sequence a batch row holds, checked against every input and target of the row. */
    private static int sequenceOf(Batch b, int row) {
        int bs = b.batchSize();
        int n = Math.round(b.x()[row * I] / 100f);
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < I; i++) {
                assertThat(b.x()[(t * bs + row) * I + i]).isEqualTo(xValue(n, t, i));
            }
        }
        LossKind kind = b.kind();
        for (int t = 0; t < kind.scoredSteps(T); t++) {
            if (kind.classification()) {
                assertThat(b.labels()[t * bs + row]).isEqualTo(label(n, t));
            } else {
                for (int o = 0; o < O; o++) {
                    assertThat(b.targets()[(t * bs + row) * O + o]).isEqualTo(yValue(n, t, o));
                }
            }
        }
        return n;
    }

    @ParameterizedTest
    @EnumSource(LossKind.class)
    void everyEpochIsAPermutationInBatchesOfRightRows(LossKind kind) {
        for (Layout layout : Layout.values()) {
            Dataset d = make(kind, layout);
            assertThat(d.inputSize()).isEqualTo(I);
            assertThat(d.outputSize()).isEqualTo(kind.classification() ? 5 : O);
            BatchSource source = d.batches(4, 7);
            assertThat(source.batchSize()).isEqualTo(4);
            int[][] orders = new int[3][];
            for (int epoch = 0; epoch < 3; epoch++) {
                Set<Integer> seen = new HashSet<>();
                int[] order = new int[N];
                int k = 0;
                for (int j = 0; j < 3; j++) {   // ceil(11 / 4) = 3 batches: 4, 4, 3
                    Batch b = source.batch(epoch * 3L + j);
                    assertThat(b.batchSize()).isEqualTo(j < 2 ? 4 : 3);
                    for (int r = 0; r < b.batchSize(); r++) {
                        int n = sequenceOf(b, r);
                        assertThat(seen.add(n)).as("sequence %d twice in epoch %d", n, epoch).isTrue();
                        order[k++] = n;
                    }
                }
                assertThat(seen).hasSize(N);
                orders[epoch] = order;
            }
            assertThat(orders[1]).isNotEqualTo(orders[0]);
            assertThat(orders[2]).isNotEqualTo(orders[1]);
            // batch i is a pure function of i and the seed: again, out of order, from a new source
            BatchSource again = d.batches(4, 7);
            Batch b = again.batch(4);
            for (int r = 0; r < 4; r++) {
                assertThat(sequenceOf(b, r)).isEqualTo(orders[1][4 + r]);
            }
            Batch other = d.batches(4, 8).batch(0);
            int[] first = new int[4];
            for (int r = 0; r < 4; r++) {
                first[r] = sequenceOf(other, r);
            }
            assertThat(first).isNotEqualTo(java.util.Arrays.copyOf(orders[0], 4));
        }
    }

    @Test
    void subsetsAreViewsOfTheirSequences() {
        for (Layout layout : Layout.values()) {
            Dataset d = make(LossKind.MSE_EVERY_STEP, layout).subset(3, 9).subset(1, 4);   // sequences 4, 5, 6
            assertThat(d.count()).isEqualTo(3);
            Batch b = d.inOrder(8).batch(0);
            assertThat(b.batchSize()).isEqualTo(3);
            for (int r = 0; r < 3; r++) {
                assertThat(sequenceOf(b, r)).isEqualTo(4 + r);
            }
        }
        assertThatThrownBy(() -> make(LossKind.MSE_LAST, Layout.BATCH_FIRST).subset(5, 5))
                .hasMessageContaining("non-empty range");
    }

    @Test
    void identitiesTellDataAndSeedsApart() {
        Dataset a = make(LossKind.MSE_LAST, Layout.BATCH_FIRST);
        Dataset b = make(LossKind.MSE_LAST, Layout.TIME_MAJOR);
        // the same sequences in another layout are the same data
        assertThat(b.batches(4, 1).identity()).isEqualTo(a.batches(4, 1).identity());
        assertThat(a.batches(4, 2).identity()).isNotEqualTo(a.batches(4, 1).identity());
        assertThat(a.subset(0, 10).batches(4, 1).identity()).isNotEqualTo(a.batches(4, 1).identity());
        float[] x = new float[N * T * I];
        float[] y = new float[N * O];
        Dataset z1 = Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, N, T, x, y);
        y[N * O - 1] = 1e-30f;
        Dataset z2 = Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, N, T, x, y);
        assertThat(z2.batches(4, 1).identity()).isNotEqualTo(z1.batches(4, 1).identity());
        // the data set copied its arrays: later changes do not reach it
        x[0] = 5;
        assertThat(z1.batches(4, 1).identity()).isEqualTo(
                Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, N, T, new float[N * T * I], new float[N * O])
                        .batches(4, 1).identity());
    }

    @Test
    void badArraysAreRefusedNamingWhatIsWrong() {
        float[] x = new float[N * T * I];
        assertThatThrownBy(() -> Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, N, T, new float[N * T * I + 1], new float[N]))
                .hasMessageContaining("x has 67 floats").hasMessageContaining("33");
        assertThatThrownBy(() -> Dataset.of(LossKind.MSE_EVERY_STEP, Layout.BATCH_FIRST, N, T, x, new float[N]))
                .hasMessageContaining("targets has 11 floats");
        assertThatThrownBy(() -> Dataset.of(LossKind.CE_LAST, Layout.BATCH_FIRST, N, T, x, new float[N]))
                .hasMessageContaining("ofLabels");
        assertThatThrownBy(() -> Dataset.ofLabels(LossKind.CE_LAST, Layout.BATCH_FIRST, N, T, x, new int[N - 1], 3))
                .hasMessageContaining("labels must hold 11");
        int[] labels = new int[N];
        labels[7] = 3;
        assertThatThrownBy(() -> Dataset.ofLabels(LossKind.CE_LAST, Layout.BATCH_FIRST, N, T, x, labels, 3))
                .hasMessageContaining("labels[7] must be in [0, 3), got 3");
        float[] bad = x.clone();
        bad[Layout.TIME_MAJOR.offset(4, 2, N, T, I) + 1] = Float.NaN;
        assertThatThrownBy(() -> Dataset.of(LossKind.MSE_LAST, Layout.TIME_MAJOR, N, T, bad, new float[N]))
                .hasMessageContaining("(sequence 4, step 2, feature 1)").hasMessageContaining("NaN");
        assertThatThrownBy(() -> Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, 0, T, x, new float[N]))
                .hasMessageContaining("count must be >= 1");
    }
}
