package dev.vecrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.study.StudyJson;
import dev.vecrnn.study.StudyOptions;
import dev.vecrnn.study.StudyProgress;
import dev.vecrnn.study.StudyRun;
import dev.vecrnn.study.StudyRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small study (two cells, two lengths, two seeds: eight runs) as Spark tasks writes the
 * results file and report of the same study on one machine, with every run's numbers the same
 * bits; only the times differ.
 */
class StudySweepTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    /** What a run measures about time rather than learning. */
    private static final List<String> TIMES = List.of("wall_s", "train_s", "cpu_s", "concurrent_runs",
            "sequences_per_s", "gflops");

    @TempDir
    Path tmp;

    private static StudyOptions options(Path out) {
        return new StudyOptions("default", null, List.of("gru", "rnn_tanh"), List.of(6, 9), 60, 2, 3L, 6, 8, null,
                null, 1.0, 1, 2, 10, true, out);
    }

    private static StudyRunner.Outcome run(Path out, StudyRunner.RunExecutor executor) throws IOException {
        return StudyRunner.run(options(out).toConfig(), new StudyRunner.Invocation("test", false),
                new StudyProgress(QUIET, false), QUIET, null, executor);
    }

    @Test
    void theStudyOnSparkIsTheStudyOnOneMachineRunForRun() throws IOException {
        StudyRunner.Outcome local = run(tmp.resolve("local"), StudyRunner.ON_THIS_MACHINE);
        StudyRunner.Outcome spark = run(tmp.resolve("spark"), new StudySweep(TestSpark.context()));
        assertThat(spark.results()).hasSize(8);
        for (int i = 0; i < 8; i++) {
            StudyRun.Result a = local.results().get(i);
            StudyRun.Result b = spark.results().get(i);
            assertThat(b.key()).isEqualTo(a.key());
            assertThat(numbers(b)).as(a.key().label()).isEqualTo(numbers(a));
        }
        assertThat(local.results().get(0).lossCurve()).isNotEqualTo(local.results().get(1).lossCurve());

        JsonNode file = Reports.JSON.readTree(tmp.resolve("spark/results.json").toFile());
        assertThat(file.get("complete").asBoolean()).isTrue();
        assertThat(file.get("runs_finished").asInt()).isEqualTo(8);
        JsonNode localFile = Reports.JSON.readTree(tmp.resolve("local/results.json").toFile());
        assertThat(withoutTimes(file.get("summary"))).isEqualTo(withoutTimes(localFile.get("summary")));
        assertThat(file.get("summary")).hasSize(4);
        assertThat(Files.readString(tmp.resolve("spark/report.md"))).contains("# vecrnn compare");
        assertThat(spark.charts()).isEqualTo(local.charts());
    }

    /** The summary rows without the times they summarise. */
    private static JsonNode withoutTimes(JsonNode summary) {
        JsonNode copy = summary.deepCopy();
        for (JsonNode row : copy) {
            for (String time : List.of("median_cpu_s", "median_sequences_per_s", "median_gflops",
                    "mean_concurrent_runs")) {
                ((ObjectNode) row).remove(time);
            }
        }
        return copy;
    }

    /** A run's results.json entry without its times. */
    private static JsonNode numbers(StudyRun.Result r) {
        ObjectNode n = Reports.JSON.valueToTree(StudyJson.run(r));
        TIMES.forEach(n::remove);
        return n;
    }
}
