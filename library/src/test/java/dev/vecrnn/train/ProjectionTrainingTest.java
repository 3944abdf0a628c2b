package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.tasks.SineTask;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Training an LSTM with projections ({@code proj_size}) and bidirectional layers: the head reads
 * the layer's output width ({@code D*P}), truncated BPTT carries states of the right sizes, it
 * learns, and every {@link Init} scheme covers {@code weight_hr}.
 */
class ProjectionTrainingTest {
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static RecurrentLayer lstm(int hidden, int proj, boolean bi) {
        return RecurrentLayer.builder(CellType.LSTM, 2, hidden).projSize(proj).bidirectional(bi).seed(777)
                .threads(TEAM).build();
    }

    private static Model model(Task task, int hidden, int proj, boolean bi, long seed) {
        return Model.builder(CellType.LSTM, task.inputSize(), hidden).projSize(proj).bidirectional(bi)
                .outputSize(task.outputSize()).loss(task.lossKind()).seed(seed).threads(TEAM).build();
    }

    @Test
    void theHeadReadsTheLayersOutputWidth() {
        Task task = new AddingTask(8, 3);
        assertThat(model(task, 16, 5, false, 777).head().dense().inputSize()).isEqualTo(5);
        assertThat(model(task, 16, 5, true, 777).head().dense().inputSize()).isEqualTo(10);
        assertThat(model(task, 16, 0, true, 777).head().dense().inputSize()).isEqualTo(32);

        LossHead wrong = new LossHead(new Dense("head", 16, task.outputSize()), task.lossKind());
        assertThatThrownBy(() -> Model.of(lstm(16, 5, false), wrong))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output size 5");
    }

    @Test
    void truncatedStepsCarryProjectedStates() {
        Task task = new SineTask(12, true, 3);
        Model model = Model.builder(CellType.LSTM, task.inputSize(), 16).projSize(6).numLayers(2)
                .loss(task.lossKind()).seed(7).threads(TEAM).build();
        Trainer trainer = Trainer.builder(model, task.batches(8)).truncation(4).build();
        for (int i = 0; i < 3; i++) {
            assertThat(trainer.step()).isFinite();
        }
        assertThat(trainer.lastGradientNorm()).isFinite().isPositive();
    }

    /**
     * The adding problem at T = 10 (see {@code TrainerTest.learnsTheAddingProblem}, same
     * settings) with 24 cells projected to 12: under 0.05 on held-out batches takes carrying the
     * first marked value across the sequence through the projected state; predicting the mean
     * scores 1/6.
     */
    @Test
    void learnsTheAddingProblemThroughAProjection() {
        Task task = new AddingTask(10, 1);
        Model model = model(task, 24, 12, false, 8);
        Trainer trainer = Trainer.builder(model, task.batches(16))
                .optimizer(ps -> new Adam(ps, 0.02))
                .clipNorm(1.0)
                .build();
        double before = model.evaluate(new AddingTask(10, 12345).batches(16), 10);
        for (int i = 0; i < 400; i++) {
            trainer.step();
        }
        double after = model.evaluate(new AddingTask(10, 12345).batches(16), 20);
        assertThat(before).isGreaterThan(0.1);
        assertThat(after).isLessThan(0.05);
    }

    @ParameterizedTest
    @EnumSource(Init.Scheme.class)
    void everySchemeInitialisesTheProjection(Init.Scheme scheme) {
        int h = 12;
        int p = 5;
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, 3, h).projSize(p).bidirectional(true).seed(1)
                .threads(TEAM).build();
        for (var param : layer.parameters()) {
            java.util.Arrays.fill(param.value(), Float.NaN);
        }
        Init.apply(scheme, layer, new SplittableRandom(4));
        for (var param : layer.parameters()) {
            for (float v : param.value()) {
                assertThat(v).as(scheme + " " + param.name()).isFinite();
            }
        }
        float[] whr = layer.parameter("weight_hr_l0_reverse").value();
        float[] whh = layer.parameter("weight_hh_l0").value();
        if (scheme == Init.Scheme.ORTHOGONAL) {
            // weight_hr [P, H]: orthonormal rows; each [H, P] gate block of weight_hh: orthonormal columns
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    double rows = 0;
                    double cols = 0;
                    for (int j = 0; j < h; j++) {
                        rows += (double) whr[a * h + j] * whr[b * h + j];
                        cols += (double) whh[2 * h * p + j * p + a] * whh[2 * h * p + j * p + b];
                    }
                    assertThat(rows).isCloseTo(a == b ? 1 : 0, org.assertj.core.data.Offset.offset(1e-5));
                    assertThat(cols).isCloseTo(a == b ? 1 : 0, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        } else if (scheme == Init.Scheme.IDENTITY) {
            assertThat(whr[0]).isEqualTo(1f);
            assertThat(whr[h + 1]).isEqualTo(1f);
            assertThat(whr[1]).isZero();
            assertThat(whh[p + 1]).isEqualTo(1f);
        } else {
            double bound = scheme == Init.Scheme.PYTORCH ? 1 / Math.sqrt(h) : Math.sqrt(6.0 / (h + p));
            double max = 0;
            for (float v : whr) {
                max = Math.max(max, Math.abs(v));
            }
            assertThat(max).isPositive().isLessThanOrEqualTo(bound);
        }
    }
}
