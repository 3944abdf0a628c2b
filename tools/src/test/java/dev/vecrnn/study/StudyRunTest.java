package dev.vecrnn.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Trainer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run: stopping once solved, divergence, and the gate initialisations the study applies. */
class StudyRunTest {
    private static final ThreadTeam TEAM = new ThreadTeam(1);

    @TempDir
    Path tmp;

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private StudyConfig config(String cell, int length, int steps, Double lr, double clip, boolean stop, String init) {
        return new StudyOptions("default", null, List.of(cell), List.of(length), steps, 1, 1L, 16, 32, lr, init, clip,
                1, 1, 10, stop, tmp).toConfig();
    }

    private static StudyRun.Result run(StudyConfig c) {
        return StudyRun.run(c, c.runs().get(0), TEAM, () -> 1, (done, loss, val) -> { });
    }

    @Test
    void aSolvedRunStopsAtTheSecondOfTwoValidationsUnderTheThreshold() {
        StudyRun.Result full = run(config("gru", 4, 400, 1e-2, 1.0, false, null));
        StudyRun.Result stopped = run(config("gru", 4, 400, 1e-2, 1.0, true, null));
        // the criterion, recomputed from the whole run's validation curve
        double thr = full.threshold();
        Integer expected = null;
        for (int i = 1; i < full.evalMetrics().length && expected == null; i++) {
            if (full.evalMetrics()[i - 1] <= thr && full.evalMetrics()[i] <= thr) {
                expected = full.evalSteps()[i];
            }
        }
        assertThat(expected).as("this configuration must solve the task within its budget").isNotNull();
        assertThat(full.solvedAtStep()).isEqualTo(expected);
        assertThat(full.stepsDone()).isEqualTo(400);
        assertThat(stopped.solvedAtStep()).isEqualTo(expected);
        assertThat(stopped.stepsDone()).isEqualTo(expected);
        // up to the stop, the stopped run is the full run
        assertThat(stopped.lossCurve()).isEqualTo(Arrays.copyOf(full.lossCurve(), expected));
        assertThat(stopped.evalMetrics()).isEqualTo(Arrays.copyOf(full.evalMetrics(), stopped.evalMetrics().length));
        assertThat(stopped.firstBelowStep()).isLessThanOrEqualTo(expected - 10);
        // the test metric is the model's at the stop: a run whose budget ends there scores the same bits
        StudyRun.Result cut = run(config("gru", 4, expected, 1e-2, 1.0, false, null));
        assertThat(Double.doubleToRawLongBits(stopped.finalMetric()))
                .isEqualTo(Double.doubleToRawLongBits(cut.finalMetric()));
        assertThat(stopped.finalMetric()).isLessThan(full.baseline() / 2);
    }

    @Test
    void anUnsolvedRunUsesItsWholeBudget() {
        StudyRun.Result r = run(config("rnn_tanh", 30, 25, null, 1.0, true, null));
        assertThat(r.solvedAtStep()).isNull();
        assertThat(r.stepsDone()).isEqualTo(25);
        assertThat(r.lossCurve()).hasSize(25);
        // evaluations every 10 steps and at the end
        assertThat(r.evalSteps()).containsExactly(10, 20, 25);
    }

    @Test
    void aDivergedRunIsRecordedWithItsStepAndTheStudyGoesOn() throws Exception {
        StudyConfig c = new StudyOptions("default", null, List.of("rnn_tanh", "gru"), List.of(8), 30, 1, 1L, 8, 8,
                1e30, null, 0.0, 1, 1, 10, true, tmp.resolve("diverge")).toConfig();
        StudyRunner.Outcome o = TinyStudies.run(c, false, null);
        assertThat(o.results()).hasSize(2);
        for (StudyRun.Result r : o.results()) {
            assertThat(r.divergedAtStep()).as(r.key().label()).isNotNull();
            // the exception's step is the number of steps completed before the failing one
            assertThat(r.stepsDone()).isEqualTo(r.divergedAtStep().intValue());
            assertThat(r.diverged()).contains("diverged at step " + r.divergedAtStep());
            assertThat(r.solved()).isFalse();
        }
        String report = java.nio.file.Files.readString(tmp.resolve("diverge").resolve("report.md"));
        assertThat(report).contains("diverged at " + o.results().get(0).divergedAtStep());
        assertThat(o.summaries().get(0).diverged()).isEqualTo(1);
        assertThat(o.findings()).anyMatch(f -> f.contains("seed 1 diverged at step"));
    }

    @Test
    void gateInitialisationsReachTheLayer() {
        int t = 40;
        for (String init : new String[] {"chrono", "forget-bias", "pytorch"}) {
            StudyConfig c = config("lstm", t, 5, null, 1.0, true, init);
            StudyConfig.RunKey key = c.runs().get(0);
            Trainer trainer = StudyRun.trainer(c, key, key.task().create(t, 1), TEAM);
            RecurrentLayer layer = trainer.model().layer();
            int h = layer.hiddenSize();
            float[] bih = layer.parameter("bias_ih_l0").value();
            float[] bhh = layer.parameter("bias_hh_l0").value();
            for (int u = 0; u < h; u++) {
                switch (init) {
                    case "chrono" -> {
                        assertThat((double) bih[h + u]).isBetween(0.0, Math.log(t - 1) + 1e-6);
                        assertThat(bih[u]).isEqualTo(-bih[h + u]);
                        assertThat(bhh[h + u]).isZero();
                    }
                    case "forget-bias" -> {
                        assertThat(bih[h + u]).isEqualTo(1f);
                        assertThat(bhh[h + u]).isZero();
                    }
                    default -> assertThat((double) Math.abs(bih[h + u])).isLessThanOrEqualTo(1 / Math.sqrt(h));
                }
            }
        }
        StudyConfig gru = config("gru", t, 5, null, 1.0, true, "chrono");
        StudyConfig.RunKey key = gru.runs().get(0);
        RecurrentLayer layer = StudyRun.trainer(gru, key, key.task().create(t, 1), TEAM).model().layer();
        int h = layer.hiddenSize();
        for (int u = 0; u < h; u++) {
            assertThat((double) layer.parameter("bias_ih_l0").value()[h + u]).isBetween(0.0, Math.log(t - 1) + 1e-6);
            assertThat(layer.parameter("bias_hh_l0").value()[h + u]).isZero();
        }
    }
}
