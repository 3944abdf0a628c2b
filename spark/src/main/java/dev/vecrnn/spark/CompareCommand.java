package dev.vecrnn.spark;

import dev.vecrnn.perf.Reports;
import dev.vecrnn.study.StudyConfig;
import dev.vecrnn.study.StudyOptions;
import dev.vecrnn.study.StudyProgress;
import dev.vecrnn.study.StudyReport;
import dev.vecrnn.study.StudyRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code compare}: the RNN-vs-LSTM study of {@code vecrnn compare}, its runs as Spark tasks (one
 * run per task). The options are {@code vecrnn compare}'s, but for {@code --jobs}: Spark's task
 * slots decide how many runs train at once.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The study of 'vecrnn compare' (tanh RNN, IRNN, LSTM and GRU on long-range tasks), its runs as "
                + "Spark tasks, one run per task.",
            "Writes the same DIR/results.json (after every run), report.md and plots; every run's numbers are those "
                    + "of the run on one machine."})
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "default", description = "default or full, as vecrnn compare (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--task", description = "adding, copy, sine or charlm (default: the preset's tasks)")
    String task;

    @Option(names = "--cells", split = ",", description = "comma-separated: rnn_tanh, irnn, lstm, gru, rnn_relu (default: rnn_tanh,irnn,lstm,gru)")
    List<String> cells;

    @Option(names = "--lengths", split = ",", description = "comma-separated T values (default: the preset's)")
    List<Integer> lengths;

    @Option(names = "--steps", description = "step budget per run (default: the preset's)")
    Integer steps;

    @Option(names = "--seeds", description = "runs per cell and T, each with its own seed (default: the preset's)")
    Integer seeds;

    @Option(names = "--seed", defaultValue = "1", description = "the first seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--hidden", defaultValue = "64", description = "hidden size H of every cell (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--batch", defaultValue = "32", description = "sequences per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", description = "Adam learning rate for every cell (default: each cell's tuned rate)")
    Double lr;

    @Option(names = "--init", description = "gate biases of LSTM and GRU: chrono, forget-bias or pytorch (default: each cell's)")
    String init;

    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clipping, 0 = off (default: ${DEFAULT-VALUE})")
    double clip;

    @Option(names = "--threads", defaultValue = "1", description = "worker threads per run (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--out", defaultValue = "compare-report", description = "output folder on the driver (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--resume", description = "continue the study in --out (the options must be those of that study)")
    boolean resume;

    @Option(names = "--eval-every", defaultValue = "50", description = "steps between validation evaluations (default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--stop-when-solved", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "stop a run once solved (default: yes)")
    boolean stopWhenSolved;

    @Option(names = "--master", description = "Spark master, e.g. local[2] or spark://host:7077 (default: spark-submit's, else local[*])")
    String master;

    @Override
    public Integer call() throws Exception {
        Reports.headless();
        // the options are checked before Spark starts (the task slots only cap the jobs recorded)
        config(1);
        JavaSparkContext sc = SparkContexts.start("vecrnn compare", master);
        try {
            return run(sc);
        } finally {
            sc.stop();
        }
    }

    /** The study on {@code sc}, whose owner stops it. */
    int run(JavaSparkContext sc) throws java.io.IOException {
        StudyConfig config = config(Math.min(sc.defaultParallelism(), StudyOptions.maxThreads()));
        StudyRunner.Outcome o = StudyRunner.run(config, new StudyRunner.Invocation(commandLine(), resume),
                StudyProgress.console(), System.err, null, new StudySweep(sc));
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(StudyReport.summaryTable(o.summaries()));
        stdout.println();
        o.findings().forEach(f -> stdout.println("- " + f));
        stdout.println();
        stdout.printf(Locale.ROOT, "total %.1f s; wrote %s, %s and %d plots%n", o.totalSeconds(),
                o.folder().dir().resolve("report.md"), o.folder().results(), o.charts().size());
        stdout.flush();
        return 0;
    }

    /** The options as a study configuration, {@code jobs} recording the runs that train at once. */
    StudyConfig config(int jobs) {
        return new StudyOptions(preset, task, cells, lengths, steps, seeds, seed, hidden, batch, lr, init, clip,
                threads, jobs, evalEvery, stopWhenSolved, out).toConfig();
    }

    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        int from = args.indexOf(spec.name());
        List<String> own = from >= 0 ? args.subList(from + 1, args.size()) : args;
        return "vecrnn-spark compare" + (own.isEmpty() ? "" : " " + String.join(" ", own));
    }
}
