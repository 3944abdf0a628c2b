package dev.vecrnn.cli;

import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.study.StudyCharts;
import dev.vecrnn.study.StudyTask;
import dev.vecrnn.study.StudyConfig;
import dev.vecrnn.study.StudyCell;
import dev.vecrnn.study.StudyReport;
import dev.vecrnn.study.StudyRun;
import dev.vecrnn.mem.ThreadTeam;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vecrnn compare}: the RNN-vs-LSTM study. Trains each cell on each task length for the
 * same number of steps, then writes a report with the test metrics, when each run first reached
 * the success threshold, throughput, and how the gradient decays through time.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train tanh RNN, IRNN, LSTM and GRU on long-range tasks and compare them.",
            "Default: the adding problem at T = 50, 100, 200, a few minutes on 2 cores. Writes DIR/report.md,",
            "DIR/results.json and PNG plots; prints the results table on stdout and progress on stderr."})
final class CompareCommand implements Callable<Integer> {
    /** Steps per run of the default preset: sized so the whole study takes about three minutes on 2 cores. */
    static final int DEFAULT_STEPS = 1500;
    /** Steps per run of the full preset. */
    static final int FULL_STEPS = 5000;

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "default",
            description = "default: adding at T = 50,100,200, " + DEFAULT_STEPS + " steps, about 3 min on 2 idle cores; "
                    + "full: adding at T = 50..400 and copy at T = 100,200, " + FULL_STEPS + " steps, about 40 min. "
                    + "Other options override the preset's values.")
    String preset;

    @Option(names = "--task", description = "adding, copy, sine or charlm (default: the preset's tasks)")
    String task;

    @Option(names = "--cells", split = ",", description = "comma-separated: rnn_tanh, irnn, lstm, gru, rnn_relu "
            + "(default: rnn_tanh,irnn,lstm,gru)")
    List<String> cells;

    @Option(names = "--lengths", split = ",", description = "comma-separated T values (default: the preset's)")
    List<Integer> lengths;

    @Option(names = "--steps", description = "training steps per run (default: " + DEFAULT_STEPS + ", full preset "
            + FULL_STEPS + ")")
    Integer steps;

    @Option(names = "--hidden", defaultValue = "64", description = "hidden size H of every cell (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--batch", defaultValue = "32", description = "sequences per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", description = "Adam learning rate for every cell (default: per cell: rnn_tanh 1e-3, "
            + "irnn 1e-4, lstm 1e-2, gru 3e-3, rnn_relu 1e-4)")
    Double lr;

    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clipping threshold, 0 = off "
            + "(default: ${DEFAULT-VALUE})")
    double clip;

    @Option(names = "--seed", defaultValue = "1", description = "seed of data and initial weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "1", description = "worker threads per network (default: "
            + "${DEFAULT-VALUE}; these small networks gain little from more, and lose much when cores are shared)")
    int threads;

    @Option(names = "--out", defaultValue = "compare-report", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--eval-every", defaultValue = "50", description = "steps between validation evaluations "
            + "(default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Override
    public Integer call() throws Exception {
        Reports.headless();
        StudyConfig config = config();
        PrintStream err = System.err;
        Map<String, String> machine = MachineInfo.collect();
        double loadStart = loadAverage();
        String started = OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        long t0 = System.nanoTime();
        err.printf(Locale.ROOT, "vecrnn compare: %d runs (%s), %d steps each, H = %d, B = %d, %d thread(s); "
                        + "load average %s on %s processors%n", config.runCount(), planText(config), config.steps(),
                config.hidden(), config.batch(), config.threads(), Reports.fmt(loadStart), machine.get("processors"));
        List<StudyRun.Result> results = new ArrayList<>();
        double warmup;
        try (ThreadTeam team = new ThreadTeam(config.threads())) {
            long w0 = System.nanoTime();
            StudyTask first = config.plan().keySet().iterator().next();
            int warmLength = Math.max(first.minLength, Math.min(20, config.plan().get(first).get(0)));
            for (StudyCell cell : config.cells()) {
                StudyRun.warmUp(config, first, cell, warmLength, team);
            }
            warmup = (System.nanoTime() - w0) / 1e9;
            err.printf(Locale.ROOT, "vecrnn compare: JIT warm-up %s s%n", Reports.fmt(warmup));
            for (Map.Entry<StudyTask, List<Integer>> e : config.plan().entrySet()) {
                for (int length : e.getValue()) {
                    for (StudyCell cell : config.cells()) {
                        results.add(runWithProgress(config, e.getKey(), cell, length, team));
                    }
                }
            }
        }
        double total = (System.nanoTime() - t0) / 1e9;
        List<String> charts = StudyCharts.writeAll(config, results, config.out());
        StudyReport.Meta meta = new StudyReport.Meta(commandLine(), started, total, warmup, loadStart, loadAverage(),
                charts);
        Reports.write(config.out().resolve("report.md"), StudyReport.markdown(config, results, machine, meta));
        Reports.writeJson(config.out().resolve("results.json"), StudyReport.json(config, results, machine, meta));
        PrintStream out = System.out;
        out.print(StudyReport.table(results));
        out.println();
        StudyReport.findings(results).forEach(f -> out.println("- " + f));
        out.println();
        out.printf(Locale.ROOT, "total %s s; wrote %s, results.json and %d plots%n", Reports.fmt(total),
                config.out().resolve("report.md"), charts.size());
        return 0;
    }

    private StudyRun.Result runWithProgress(StudyConfig config, StudyTask task, StudyCell cell, int length,
                                            ThreadTeam team) {
        // Console.isTerminal: stdin and stdout are a terminal (stderr usually follows them)
        boolean interactive = System.console() != null && System.console().isTerminal();
        ProgressBarBuilder pbb = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "%s %-8s T=%-4d", task.cliName, cell.cliName, length))
                .setInitialMax(config.steps())
                .setUnit(" steps", 1);
        if (interactive) {
            pbb.setUpdateIntervalMillis(250).setConsumer(new ConsoleProgressBarConsumer(System.err));
        } else {
            // a log, not a terminal: whole lines now and then instead of carriage returns and colours
            PrintStream err = System.err;
            String[] last = {""};
            pbb.setUpdateIntervalMillis(10_000).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new DelegatingProgressBarConsumer(line -> {
                        // the bar renders its final state twice on close; a log needs it once
                        if (!line.equals(last[0])) {
                            err.println(line);
                            last[0] = line;
                        }
                    }, 110));
        }
        try (ProgressBar pb = pbb.build()) {
            double[] smooth = {Double.NaN};
            StudyRun.Result r = StudyRun.run(config, task, cell, length, team, (done, loss, val) -> {
                // exponential average over ~20 steps: single-batch losses are too noisy to read
                smooth[0] = Double.isNaN(smooth[0]) ? loss : 0.95 * smooth[0] + 0.05 * loss;
                pb.stepTo(done);
                pb.setExtraMessage(String.format(Locale.ROOT, "loss %s val %s", StudyReport.metric(smooth[0]),
                        StudyReport.metric(val)));
            });
            pb.setExtraMessage(String.format(Locale.ROOT, "test %s%s", StudyReport.metric(r.finalMetric()),
                    r.reached() ? " (reached at " + r.reachedAtStep() + ")" : ""));
            return r;
        }
    }

    /** Validates the options and fills in the preset's defaults. */
    StudyConfig config() {
        String p = preset == null ? "default" : preset.trim().toLowerCase(Locale.ROOT);
        Map<StudyTask, List<Integer>> plan = new LinkedHashMap<>();
        int defaultSteps;
        switch (p) {
            case "default" -> {
                plan.put(StudyTask.ADDING, List.of(50, 100, 200));
                defaultSteps = DEFAULT_STEPS;
            }
            case "full" -> {
                plan.put(StudyTask.ADDING, List.of(50, 100, 200, 400));
                plan.put(StudyTask.COPY, List.of(100, 200));
                defaultSteps = FULL_STEPS;
            }
            default -> throw new IllegalArgumentException("--preset: unknown preset '" + preset + "'; valid: default, full");
        }
        if (task != null) {
            StudyTask t = StudyTask.parse(task);
            List<Integer> ls = plan.getOrDefault(t, t.defaultLengths);
            plan.clear();
            plan.put(t, ls);
        }
        if (lengths != null) {
            if (lengths.isEmpty()) {
                throw new IllegalArgumentException("--lengths: give at least one T");
            }
            List<Integer> ls = List.copyOf(new LinkedHashSet<>(lengths));
            plan.replaceAll((t, old) -> ls);
        }
        for (Map.Entry<StudyTask, List<Integer>> e : plan.entrySet()) {
            for (int t : e.getValue()) {
                if (t < e.getKey().minLength || t > 100_000) {
                    throw new IllegalArgumentException("--lengths: T for " + e.getKey().cliName + " must be in ["
                            + e.getKey().minLength + ", 100000], got " + t);
                }
            }
        }
        List<StudyCell> cs = new ArrayList<>();
        for (String c : cells == null ? List.of("rnn_tanh", "irnn", "lstm", "gru") : cells) {
            StudyCell sc = StudyCell.parse(c);
            if (!cs.contains(sc)) {
                cs.add(sc);
            }
        }
        if (cs.isEmpty()) {
            throw new IllegalArgumentException("--cells: give at least one cell");
        }
        int st = steps == null ? defaultSteps : steps;
        positive("--steps", st);
        positive("--hidden", hidden);
        positive("--batch", batch);
        positive("--threads", threads);
        positive("--eval-every", evalEvery);
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("--lr must be finite and > 0, got " + lr);
        }
        if (!(clip >= 0 && Double.isFinite(clip))) {
            throw new IllegalArgumentException("--clip must be finite and >= 0 (0 = off), got " + clip);
        }
        if (out == null) {
            throw new IllegalArgumentException("--out: no folder given");
        }
        // enough steps for C2 to compile the kernels; a tenth of the run for tiny runs
        int warmup = Math.min(30, Math.max(1, st / 10));
        return new StudyConfig(p, plan, List.copyOf(cs), st, hidden, batch, lr, clip, seed, threads, evalEvery,
                4, 16, Math.min(batch, 16), 16, warmup, out);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    private static String planText(StudyConfig config) {
        List<String> parts = new ArrayList<>();
        config.plan().forEach((t, ls) -> parts.add(t.cliName + " T = " + ls.toString().replaceAll("[\\[\\]]", "")));
        return String.join("; ", parts) + " × " + config.cells().stream().map(c -> c.cliName).toList()
                .toString().replaceAll("[\\[\\]]", "");
    }

    private String commandLine() {
        List<String> args = spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
        // the parse result holds the whole command line, subcommand name included
        int from = args.indexOf(spec.name());
        List<String> own = from >= 0 ? args.subList(from + 1, args.size()) : args;
        return "vecrnn compare" + (own.isEmpty() ? "" : " " + String.join(" ", own));
    }

    /** The 1-minute system load average (NaN where the OS does not say). */
    static double loadAverage() {
        double v = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return v >= 0 ? v : Double.NaN;
    }
}
