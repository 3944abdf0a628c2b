package dev.vecrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.study.StudyOptions;
import dev.vecrnn.study.StudyProgress;
import dev.vecrnn.study.StudyRunner;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code compare} runs the study on Spark into its folder, and {@code compare-results} finds it
 * run for run the same as the study on one machine (exit 0), or names the run and field that
 * differ (exit 3).
 */
class StudyCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void theStudyOnSparkMatchesTheStudyOnOneMachineAndADoctoredRunIsFound() throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        StudyRunner.run(new StudyOptions("default", null, List.of("gru"), List.of(6), 30, 2, 1L, 6, 8, null, null, 1.0,
                        1, 2, 10, true, tmp.resolve("local")).toConfig(), new StudyRunner.Invocation("test", false),
                new StudyProgress(quiet, false), quiet, null);

        CompareCommand compare = new CompareCommand();
        CommandLine cl = new CommandLine(compare);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.parseArgs("--cells", "gru", "--lengths", "6", "--steps", "30", "--seeds", "2", "--hidden", "6", "--batch",
                "8", "--eval-every", "10", "--out", tmp.resolve("spark").toString());
        PrintStream err = System.err;
        try {
            System.setErr(quiet);
            assertThat(compare.run(TestSpark.context())).isZero();
        } finally {
            System.setErr(err);
        }
        assertThat(out.toString()).contains("wrote " + tmp.resolve("spark/report.md"));

        StringWriter report = new StringWriter();
        int code = SparkMain.commandLine().setOut(new PrintWriter(report, true))
                .execute("compare-results", tmp.resolve("local").toString(), tmp.resolve("spark").toString());
        assertThat(code).as(report.toString()).isZero();
        assertThat(report.toString()).contains("runs with the same numbers: 2 of 2 (first study) and 2 (second)")
                .contains("| `vecrnn-spark compare --cells gru");

        Path doctored = tmp.resolve("doctored.json");
        ObjectNode json = (ObjectNode) Reports.JSON.readTree(tmp.resolve("spark/results.json").toFile());
        ((ObjectNode) json.get("runs").get(1)).put("final_metric", 0.5);
        Files.write(doctored, Reports.JSON.writeValueAsBytes(json));
        StringWriter diff = new StringWriter();
        int code2 = SparkMain.commandLine().setOut(new PrintWriter(diff, true))
                .execute("compare-results", tmp.resolve("local").toString(), doctored.toString());
        assertThat(code2).isEqualTo(CompareResultsCommand.DIFFERENT);
        assertThat(diff.toString()).contains("runs with the same numbers: 1 of 2")
                .contains("differs: adding gru T=6 seed 2: final_metric: ");
    }
}
