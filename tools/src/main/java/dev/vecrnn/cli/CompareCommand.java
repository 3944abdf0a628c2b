package dev.vecrnn.cli;

import dev.vecrnn.perf.Reports;
import dev.vecrnn.study.StudyConfig;
import dev.vecrnn.study.StudyOptions;
import dev.vecrnn.study.StudyPreset;
import dev.vecrnn.study.StudyProgress;
import dev.vecrnn.study.StudyReport;
import dev.vecrnn.study.StudyRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vecrnn compare}: the RNN-vs-LSTM study. Options become a {@link StudyConfig}; the
 * study package does the rest.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train tanh RNN, IRNN, LSTM and GRU on long-range tasks and compare them.",
            "Default: the adding problem at T = 50, 100, 200, several seeds, at most 5 minutes on 2 cores. "
                    + "Writes DIR/results.json after every run, DIR/report.md and PNG plots at the end; prints the "
                    + "summary table on stdout and progress on stderr."})
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "default",
            description = "default: adding at T = 50,100,200, a budget of " + StudyPreset.DEFAULT_STEPS + " steps, "
                    + StudyPreset.DEFAULT_SEEDS + " seeds, about 5 min on 2 cores; full: adding at T = 50..400 and "
                    + "copy at T = 50,100, " + StudyPreset.FULL_STEPS + " steps, " + StudyPreset.FULL_SEEDS
                    + " seeds, about 45 min. Other options override the preset's values.")
    String preset;

    @Option(names = "--task", description = "adding, copy, sine or charlm (default: the preset's tasks)")
    String task;

    @Option(names = "--cells", split = ",", description = "comma-separated: rnn_tanh, irnn, lstm, gru, rnn_relu "
            + "(default: rnn_tanh,irnn,lstm,gru)")
    List<String> cells;

    @Option(names = "--lengths", split = ",", description = "comma-separated T values (default: the preset's)")
    List<Integer> lengths;

    @Option(names = "--steps", description = "step budget per run (default: the preset's)")
    Integer steps;

    @Option(names = "--seeds", description = "runs per cell and T, each with its own seed for data and weights "
            + "(default: the preset's)")
    Integer seeds;

    @Option(names = "--seed", defaultValue = "1", description = "the first seed; runs use seed, seed+1, ... "
            + "(default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--hidden", defaultValue = "64", description = "hidden size H of every cell (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--batch", defaultValue = "32", description = "sequences per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", description = "Adam learning rate for every cell (default: each cell's tuned rate, "
            + "see the README)")
    Double lr;

    @Option(names = "--init", description = "gate biases of LSTM and GRU: chrono (Tallec & Ollivier 2018), "
            + "forget-bias (LSTM forget gate 1) or pytorch (default: each cell's, see the README)")
    String init;

    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clipping threshold, 0 = off "
            + "(default: ${DEFAULT-VALUE})")
    double clip;

    @Option(names = "--jobs", description = "runs trained at the same time, each on its own thread(s) "
            + "(default: one per available processor); results do not depend on it")
    Integer jobs;

    @Option(names = "--threads", defaultValue = "1", description = "worker threads per run (default: "
            + "${DEFAULT-VALUE}; these small networks gain little from more; --jobs uses the cores better)")
    int threads;

    @Option(names = "--out", defaultValue = "compare-report", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--resume", description = "continue the study in --out: runs already in its results.json "
            + "are kept, not rerun (the options must be those of that study; --jobs and --threads may change)")
    boolean resume;

    @Option(names = "--eval-every", defaultValue = "50", description = "steps between validation evaluations "
            + "(default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--stop-when-solved", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "stop a run once validation is at or below the threshold twice in a row "
                    + "(default: yes; --no-stop-when-solved trains every run for its whole budget)")
    boolean stopWhenSolved;

    @Override
    public Integer call() throws Exception {
        Reports.headless();
        StudyConfig config = config();
        StudyRunner.Outcome o = StudyRunner.run(config, new StudyRunner.Invocation(commandLine(), resume),
                StudyProgress.console(), System.err, null);
        PrintStream stdout = System.out;
        stdout.print(StudyReport.summaryTable(o.summaries()));
        stdout.println();
        o.findings().forEach(f -> stdout.println("- " + f));
        stdout.println();
        stdout.printf(Locale.ROOT, "total %.1f s; wrote %s, %s and %d plots%n", o.totalSeconds(),
                o.folder().dir().resolve("report.md"), o.folder().results(), o.charts().size());
        return 0;
    }

    /** The options as a study configuration (validated, preset defaults filled in). */
    StudyConfig config() {
        return new StudyOptions(preset, task, cells, lengths, steps, seeds, seed, hidden, batch, lr, init, clip,
                threads, jobs, evalEvery, stopWhenSolved, out).toConfig();
    }

    private String commandLine() {
        List<String> args = spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
        // the parse result holds the whole command line, subcommand name included
        int from = spec == null ? -1 : args.indexOf(spec.name());
        List<String> own = from >= 0 ? args.subList(from + 1, args.size()) : args;
        return "vecrnn compare" + (own.isEmpty() ? "" : " " + String.join(" ", own));
    }
}
