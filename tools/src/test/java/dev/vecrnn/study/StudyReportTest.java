package dev.vecrnn.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Tables and summaries from hand-made results, so every number in them is known. */
class StudyReportTest {
    private static StudyRun.Result result(StudyCell cell, long seed, double metric, Integer solvedAt, Long divergedAt) {
        GradientLagProbe.Profile p = new GradientLagProbe.Profile(new int[] {0, 9}, new double[] {1, 1e-9}, null);
        return new StudyRun.Result(new StudyConfig.RunKey(StudyTask.ADDING, cell, 10, seed), 10, 1e-3,
                GateInit.PYTORCH, 1.0 / 6, 0.01, metric, solvedAt != null ? solvedAt : 100, null, solvedAt, divergedAt,
                divergedAt != null ? "training diverged at step " + divergedAt + ": loss is NaN" : null, 2.5, 2.0, 1.9,
                2.0, 1e6, 32, new float[] {1f, 0.5f}, new int[] {50, 100}, new double[] {0.1, metric}, p, p);
    }

    @Test
    void summariesGiveMedianSpreadAndSuccessRate() {
        List<StudyRun.Result> rs = List.of(
                result(StudyCell.LSTM, 1, 0.004, 600, null),
                result(StudyCell.LSTM, 2, 0.02, null, null),
                result(StudyCell.LSTM, 3, 0.008, 800, null),
                result(StudyCell.GRU, 1, Double.NaN, null, 40L),
                result(StudyCell.GRU, 2, 0.005, 300, null),
                result(StudyCell.GRU, 3, 0.006, 500, null));
        List<StudySummary> ss = StudySummary.of(rs);
        assertThat(ss).hasSize(2);
        StudySummary lstm = ss.get(0);
        assertThat(lstm.cell()).isEqualTo(StudyCell.LSTM);
        assertThat(lstm.medianMetric()).isEqualTo(0.008);
        assertThat(lstm.minMetric()).isEqualTo(0.004);
        assertThat(lstm.maxMetric()).isEqualTo(0.02);
        assertThat(lstm.solved()).isEqualTo(2);
        assertThat(lstm.solvedText()).isEqualTo("2 of 3");
        assertThat(lstm.medianSolvedAtStep()).isEqualTo(700);
        StudySummary gru = ss.get(1);
        // the diverged seed counts as the worst, not as a hole
        assertThat(gru.medianMetric()).isEqualTo(0.006);
        assertThat(gru.maxMetric()).isInfinite();
        assertThat(gru.solved()).isEqualTo(2);
        assertThat(gru.diverged()).isEqualTo(1);
        assertThat(gru.medianCpuSeconds()).isEqualTo(1.9);

        String table = StudyReport.summaryTable(ss);
        assertThat(table).contains("| adding | lstm | 10 | 0.0080 | 0.0040 – 0.0200 | 2 of 3 | 700 | 0.1667 | 0.0100 |");
        assertThat(table).contains("| adding | gru | 10 | 0.0060 | 0.0050 – inf | 2 of 3 (1 diverged) | 400 |");
        assertThat(StudyReport.matrix(StudyTask.ADDING, ss)).contains("| lstm | 0.0080 (2/3) |");
        assertThat(StudyReport.runTable(rs)).contains("| adding | gru | 10 | 1 | n/a | diverged at 40 | 100 |")
                .contains("| adding | lstm | 10 | 1 | 0.0040 ✓ | 600 | 600 |");
        assertThat(StudyReport.findings(ss, rs)).anyMatch(f -> f.contains("lstm (T = 10 (2 of 3))"))
                .anyMatch(f -> f.contains("gru at T = 10, seed 1 diverged at step 40"));
    }

    @Test
    void hugeMetricsAreScientificInEveryTable() {
        List<StudyRun.Result> rs = List.of(result(StudyCell.RNN_TANH, 1, 2.3e11, null, null),
                result(StudyCell.RNN_TANH, 2, 7.4e14, null, null));
        String all = StudyReport.runTable(rs) + StudyReport.summaryTable(StudySummary.of(rs))
                + StudyReport.matrix(StudyTask.ADDING, StudySummary.of(rs));
        assertThat(all).contains("2.30e+11").contains("7.40e+14").contains("3.70e+14");
        assertThat(all).doesNotContainPattern("[0-9]{7,}");
    }
}
