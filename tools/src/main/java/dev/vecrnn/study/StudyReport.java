package dev.vecrnn.study;

import dev.vecrnn.perf.Reports;
import dev.vecrnn.perf.Stats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The text of {@code vecrnn compare}: {@code report.md}, the tables and the findings. */
public final class StudyReport {
    private StudyReport() {}

    /** How a run ended, for the "solved at step" column. */
    public static String solvedAtText(StudyRun.Result r) {
        if (r.divergedAtStep() != null) {
            return "diverged at " + r.divergedAtStep();
        }
        return r.solvedAtStep() != null ? Integer.toString(r.solvedAtStep()) : "not solved";
    }

    /** One row per run (seed). */
    public static String runTable(List<StudyRun.Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| task | cell | T | seed | test metric | solved at step | steps trained | wall s | CPU s "
                + "| sequences/s | GFLOP/s | runs at once |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (StudyRun.Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %s%s | %s | %d | %s | %s | %s | %s | %s |%n",
                    r.task().cliName, r.cell().cliName, r.length(), r.seed(), StudyFormat.metric(r.finalMetric()),
                    r.solved() ? " ✓" : "", solvedAtText(r), r.stepsDone(), Reports.fmt(r.wallSeconds()),
                    Reports.fmt(r.cpuSeconds()), Reports.fmt(r.sequencesPerSecond()),
                    Reports.fmt(r.gflops()), String.format(Locale.ROOT, "%.1f", r.meanConcurrentRuns())));
        }
        return sb.toString();
    }

    /** One row per (task, cell, T): the seeds' median, spread and success rate (printed on stdout too). */
    public static String summaryTable(List<StudySummary> summaries) {
        StringBuilder sb = new StringBuilder();
        sb.append("| task | cell | T | median test metric | min – max | solved | median solved at step | baseline "
                + "| success ≤ | median CPU s/run |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (StudySummary s : summaries) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s – %s | %s%s | %s | %s | %s | %s |%n",
                    s.task().cliName, s.cell().cliName, s.length(), StudyFormat.metric(s.medianMetric()),
                    StudyFormat.metric(s.minMetric()), StudyFormat.metric(s.maxMetric()), s.solvedText(),
                    s.diverged() > 0 ? " (" + s.diverged() + " diverged)" : "", StudyFormat.step(s.medianSolvedAtStep()),
                    StudyFormat.metric(s.baseline()), StudyFormat.metric(s.threshold()),
                    Reports.fmt(s.medianCpuSeconds())));
        }
        return sb.toString();
    }

    /** Median test metric and "solved k of N" by cell (rows) and T (columns) for one task. */
    public static String matrix(StudyTask task, List<StudySummary> summaries) {
        List<StudySummary> ss = summaries.stream().filter(s -> s.task() == task).toList();
        List<Integer> lengths = new ArrayList<>(new TreeSet<>(ss.stream().map(StudySummary::length).toList()));
        List<StudyCell> cells = ss.stream().map(StudySummary::cell).distinct().toList();
        StringBuilder sb = new StringBuilder("| cell");
        lengths.forEach(t -> sb.append(" | T = ").append(t));
        sb.append(" |\n|---").append("|---:".repeat(lengths.size())).append("|\n");
        for (StudyCell c : cells) {
            sb.append("| ").append(c.cliName);
            for (int t : lengths) {
                sb.append(" | ");
                ss.stream().filter(s -> s.cell() == c && s.length() == t).findFirst().ifPresent(s ->
                        sb.append(StudyFormat.metric(s.medianMetric())).append(" (").append(s.solved()).append('/')
                                .append(s.runs()).append(s.solved() == s.runs() ? " ✓" : "").append(')'));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }

    /** Per (task, cell, T): median over seeds of the gradient norm at lag 0 and the longest lag, before and after. */
    public static String gradientTable(List<StudyRun.Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| task | cell | T | longest lag | init: ‖∂ℓ/∂h‖ lag 0 | init: longest lag | trained: lag 0 "
                + "| trained: longest lag |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        Map<List<Object>, List<StudyRun.Result>> groups = new LinkedHashMap<>();
        for (StudyRun.Result r : results) {
            groups.computeIfAbsent(List.of(r.task(), r.cell(), r.length()), k -> new ArrayList<>()).add(r);
        }
        for (List<StudyRun.Result> rs : groups.values()) {
            StudyRun.Result r = rs.get(0);
            int last = r.gradInit().lags().length - 1;
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %s | %s | %s | %s |%n", r.task().cliName,
                    r.cell().cliName, r.length(), r.gradInit().lags()[last],
                    StudyFormat.norm(medianNorm(rs, true, 0)), StudyFormat.norm(medianNorm(rs, true, last)),
                    StudyFormat.norm(medianNorm(rs, false, 0)), StudyFormat.norm(medianNorm(rs, false, last))));
        }
        return sb.toString();
    }

    /** Median over runs of the norm at lag index {@code i} (NaN norms, from a diverged run, count as largest). */
    static double medianNorm(List<StudyRun.Result> rs, boolean init, int i) {
        double[] v = rs.stream().mapToDouble(r -> (init ? r.gradInit() : r.gradTrained()).hNorms()[i])
                .map(x -> Double.isNaN(x) ? Double.POSITIVE_INFINITY : x).toArray();
        return Stats.median(v);
    }

    /** Plain statements of what the numbers show: which cells solved their task in how many seeds, which stayed at the baseline. */
    public static List<String> findings(List<StudySummary> summaries, List<StudyRun.Result> results) {
        List<String> out = new ArrayList<>();
        Map<StudyTask, List<StudySummary>> byTask = summaries.stream()
                .collect(Collectors.groupingBy(StudySummary::task, LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<StudyTask, List<StudySummary>> e : byTask.entrySet()) {
            String task = e.getKey().cliName;
            List<StudySummary> ss = e.getValue();
            String all = describe(ss.stream().filter(s -> s.solved() == s.runs()).toList());
            String some = describe(ss.stream().filter(s -> s.solved() > 0 && s.solved() < s.runs()).toList());
            String stuck = describe(ss.stream().filter(StudySummary::atBaseline).toList());
            String between = describe(ss.stream().filter(s -> s.solved() == 0 && !s.atBaseline()).toList());
            out.add(task + ": solved (test metric at or below the threshold) in every seed: "
                    + (all.isEmpty() ? "none" : all) + ".");
            if (!some.isEmpty()) {
                out.add(task + ": solved in some seeds (k of N): " + some + ".");
            }
            if (!between.isEmpty()) {
                out.add(task + ": never solved, but the median beats the baseline by more than 10 %: " + between + ".");
            }
            if (!stuck.isEmpty()) {
                out.add(task + ": median within 10 % of the baseline or worse (learned nothing the task is about): "
                        + stuck + ".");
            }
            for (StudyRun.Result r : results) {
                if (r.task() == e.getKey() && r.divergedAtStep() != null) {
                    out.add(task + ": " + r.cell().cliName + " at T = " + r.length() + ", seed " + r.seed()
                            + " diverged at step " + r.divergedAtStep() + ": " + r.diverged());
                }
            }
        }
        return out;
    }

    private static String describe(List<StudySummary> ss) {
        Map<StudyCell, List<String>> byCell = new LinkedHashMap<>();
        for (StudySummary s : ss) {
            byCell.computeIfAbsent(s.cell(), c -> new ArrayList<>()).add(s.length()
                    + (s.solved() > 0 && s.solved() < s.runs() ? " (" + s.solvedText() + ")" : ""));
        }
        return byCell.entrySet().stream()
                .map(e -> e.getKey().cliName + " (T = " + String.join(", ", e.getValue()) + ")")
                .collect(Collectors.joining(", "));
    }

    /** What each task's baseline and threshold are, with the formulas. */
    public static List<String> baselines(StudyConfig config) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<StudyTask, List<Integer>> e : config.plan().entrySet()) {
            switch (e.getKey()) {
                case ADDING -> out.add("adding: baseline MSE 1/6 ≈ 0.1667 (always predict 1, the mean of the sum); "
                        + "solved at MSE ≤ 0.01.");
                case COPY -> out.add("copy: baseline CE 10·ln 8/(T+20) nats per step (memoryless: blanks, then uniform "
                        + "over the 8 symbols) = " + e.getValue().stream().map(n -> "T = " + n + ": "
                        + StudyFormat.metric(10 * Math.log(8) / (n + 20))).collect(Collectors.joining(", "))
                        + "; solved at a tenth of it.");
                case SINE -> out.add("sine: baseline the better of predicting 0 and repeating the last value; solved "
                        + "at 5 % of the excess over the noise floor σ² = 0.0025.");
                case CHARLM -> out.add("charlm: baseline the unigram entropy of the text; solved below the bigram "
                        + "conditional entropy (uses more than one character of context).");
            }
        }
        return out;
    }

    /** The whole {@code report.md}: setup, summary, per-task matrices, findings, every run, gradients, plots, machine. */
    public static String markdown(StudyConfig config, List<StudyRun.Result> results, Map<String, String> machine,
                                  StudyJson.Meta meta) {
        List<StudySummary> summaries = StudySummary.of(results);
        StringBuilder sb = new StringBuilder("# vecrnn compare: RNN vs IRNN vs LSTM vs GRU\n\n");
        sb.append("Command: `").append(meta.commandLine()).append("`  \n");
        sb.append(String.format(Locale.ROOT, "Started %s; this session %s s (JIT warm-up %s s)%s; load average %s at "
                        + "the start, %s at the end, on %s processors; %d job(s) at once.%n%n", meta.startedAt(),
                Reports.fmt(meta.totalSeconds()), Reports.fmt(meta.warmupSeconds()),
                meta.runsFromEarlier() > 0 ? "; " + meta.runsFromEarlier() + " runs from an earlier session" : "",
                Reports.fmt(meta.loadAverageStart()), Reports.fmt(meta.loadAverageEnd()),
                machine.getOrDefault("processors", "?"), config.jobs()));
        sb.append("## Setup\n\n");
        sb.append(String.format(Locale.ROOT, "- preset `%s`; a budget of %d steps per run%s; hidden size H = %d for every "
                        + "cell; batch B = %d; Adam with %s; %d seed(s) per cell and T (%s); "
                        + "%d thread(s) per run.%n", config.preset(), config.steps(),
                config.stopWhenSolved() ? ", a run stops once solved" : "", config.hidden(), config.batch(),
                config.clipNorm() > 0 ? "global-norm clipping at " + Reports.fmt(config.clipNorm())
                        : "no gradient clipping", config.seeds(),
                config.seedList().stream().map(String::valueOf).collect(Collectors.joining(", ")), config.threads()));
        for (StudyCell c : config.cells()) {
            sb.append(String.format(Locale.ROOT, "- %s: %s; %s; Adam lr %s.%n", c.cliName, c.description,
                    config.gateInit(c).describe(c), String.format(Locale.ROOT, "%.0e", config.lr(c))));
        }
        sb.append(String.format(Locale.ROOT, "- Validation: %d held-out batches every %d steps. Solved at step s: the "
                        + "validation metric is at or below the threshold at step s and at the evaluation before it%s. "
                        + "Test metric: %d held-out batches of another stream when the run ends; a run counts as solved "
                        + "when its test metric is at or below the threshold.%n", config.evalBatches(),
                config.evalEvery(), config.stopWhenSolved() ? "; the run stops there" : "", config.testBatches()));
        sb.append("- Every seed draws its own data (training, validation, test) and weights; every cell of a seed "
                + "sees the same data.\n");
        sb.append("- Throughput counts training steps only (no evaluation, no probes): sequences/s = steps·B / "
                + "training time; GFLOP/s by DESIGN.md, a step = 3 × forward = 3 × 2·T·B·G·H·(I+H), plus 3 × the "
                + "head's 2·rows·H·O. \"runs at once\": how many runs trained at the same time, on average over "
                + "the run's steps; times and throughput depend on it, the metrics do not. CPU s: CPU time of the "
                + "run's thread.\n");
        config.plan().forEach((t, ls) -> sb.append("- ").append(t.cliName).append(": ").append(t.lengthMeaning())
                .append("; metric ").append(t.metric).append(".\n"));
        for (String b : baselines(config)) {
            sb.append("- ").append(b).append('\n');
        }
        sb.append("\n## Results\n\n").append(summaryTable(summaries)).append('\n');
        for (StudyTask t : config.plan().keySet()) {
            sb.append("### ").append(t.cliName).append(": median test ").append(t.metric)
                    .append(" (solved / seeds; ✓ = every seed) by cell and T\n\n").append(matrix(t, summaries))
                    .append('\n');
        }
        sb.append("### What the numbers show\n\n");
        findings(summaries, results).forEach(f -> sb.append("- ").append(f).append('\n'));
        sb.append("\n### Every run\n\n").append(runTable(results)).append('\n');
        sb.append("## Gradients through time\n\n");
        sb.append("‖∂ℓ/∂h_t‖ of the last step's loss ℓ, against the lag T−1−t, per sequence, averaged over ")
                .append(config.probeBatch()).append(" held-out sequences; at initialisation and at the end of "
                        + "training; the median over the seeds. A vanishing gradient falls by orders of magnitude over "
                        + "the sequence. A norm of 0 means the gradient underflowed float32 (below ~1e-45); the plots "
                        + "leave such points out.\n\n");
        sb.append(gradientTable(results)).append('\n');
        sb.append("## Plots\n\n");
        for (String c : meta.charts()) {
            sb.append("![").append(c).append("](").append(c).append(")\n");
        }
        sb.append("\n## Machine\n\n").append(Reports.machineMarkdown(machine));
        return sb.toString();
    }
}
