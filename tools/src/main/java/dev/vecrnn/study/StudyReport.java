package dev.vecrnn.study;

import dev.vecrnn.perf.Reports;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The text and data files of {@code vecrnn compare}: {@code report.md} and {@code results.json}. */
public final class StudyReport {
    private StudyReport() {}

    /** How the study ran, beyond its configuration: for the report's header and the JSON. */
    public record Meta(String commandLine, String startedAt, double totalSeconds, double warmupSeconds,
                double loadAverageStart, double loadAverageEnd, List<String> charts) {}

    /** A metric with enough digits at any scale: 0.1667, 0.0123, 6.2e-04. */
    public static String metric(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return a == 0 || a >= 0.001 ? String.format(Locale.ROOT, "%.4f", v) : String.format(Locale.ROOT, "%.2e", v);
    }

    /** A gradient norm: always scientific, it spans many decades. */
    public static String norm(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2e", v) : "n/a";
    }

    public static String reachedText(StudyRun.Result r) {
        return r.reached() ? Integer.toString(r.reachedAtStep()) : "not reached";
    }

    /** The results table, one row per run (the summary printed on stdout too). */
    public static String table(List<StudyRun.Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| task | cell | T | test metric | baseline | success ≤ | reached at step | wall s | sequences/s | GFLOP/s |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (StudyRun.Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s%s | %s | %s | %s | %s | %s | %s |%n",
                    r.task().cliName, r.cell().cliName, r.length(), metric(r.finalMetric()),
                    r.diverged() != null ? " (diverged at step " + r.stepsDone() + ")" : "",
                    metric(r.baseline()), metric(r.threshold()), reachedText(r), Reports.fmt(r.wallSeconds()),
                    Reports.fmt(r.sequencesPerSecond()), Reports.fmt(r.gflops())));
        }
        return sb.toString();
    }

    /** Final metric by cell (rows) and T (columns) for one task; ✓ marks a run that ended at or below the threshold. */
    public static String matrix(StudyTask task, List<StudyRun.Result> results) {
        List<StudyRun.Result> rs = results.stream().filter(r -> r.task() == task).toList();
        List<Integer> lengths = new ArrayList<>(new TreeSet<>(rs.stream().map(StudyRun.Result::length).toList()));
        List<StudyCell> cells = rs.stream().map(StudyRun.Result::cell).distinct().toList();
        StringBuilder sb = new StringBuilder("| cell");
        lengths.forEach(t -> sb.append(" | T = ").append(t));
        sb.append(" |\n|---").append("|---:".repeat(lengths.size())).append("|\n");
        for (StudyCell c : cells) {
            sb.append("| ").append(c.cliName);
            for (int t : lengths) {
                sb.append(" | ");
                rs.stream().filter(r -> r.cell() == c && r.length() == t).findFirst().ifPresent(r ->
                        sb.append(metric(r.finalMetric())).append(r.finalMetric() <= r.threshold() ? " ✓" : ""));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }

    /** Per run: gradient norm at lag 0 and at the longest lag, at initialisation and after training. */
    public static String gradientTable(List<StudyRun.Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| task | cell | T | longest lag | init: ‖∂ℓ/∂h‖ lag 0 | init: longest lag | trained: lag 0 | trained: longest lag |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (StudyRun.Result r : results) {
            GradientLagProbe.Profile i = r.gradInit();
            GradientLagProbe.Profile t = r.gradTrained();
            int last = i.lags().length - 1;
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %s | %s | %s | %s |%n", r.task().cliName,
                    r.cell().cliName, r.length(), i.lags()[last], norm(i.hNorms()[0]), norm(i.hNorms()[last]),
                    norm(t.hNorms()[0]), norm(t.hNorms()[last])));
        }
        return sb.toString();
    }

    /** Plain statements of what the numbers show: which runs solved their task, which stayed at the baseline. */
    public static List<String> findings(List<StudyRun.Result> results) {
        List<String> out = new ArrayList<>();
        Map<StudyTask, List<StudyRun.Result>> byTask = results.stream()
                .collect(Collectors.groupingBy(StudyRun.Result::task, LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<StudyTask, List<StudyRun.Result>> e : byTask.entrySet()) {
            String task = e.getKey().cliName;
            String solved = describe(e.getValue().stream().filter(r -> r.finalMetric() <= r.threshold()).toList());
            String stuck = describe(e.getValue().stream()
                    .filter(r -> !(r.finalMetric() < 0.9 * r.baseline())).toList());
            String between = describe(e.getValue().stream()
                    .filter(r -> r.finalMetric() > r.threshold() && r.finalMetric() < 0.9 * r.baseline()).toList());
            out.add(task + ": at or below the success threshold on the test set at the end: "
                    + (solved.isEmpty() ? "none" : solved) + ".");
            if (!between.isEmpty()) {
                out.add(task + ": better than the baseline but above the threshold: " + between + ".");
            }
            if (!stuck.isEmpty()) {
                out.add(task + ": within 10 % of the baseline or worse (learned nothing the task is about): "
                        + stuck + ".");
            }
            List<StudyRun.Result> diverged = e.getValue().stream().filter(r -> r.diverged() != null).toList();
            for (StudyRun.Result r : diverged) {
                out.add(task + ": " + r.cell().cliName + " at T = " + r.length() + " diverged: " + r.diverged());
            }
        }
        return out;
    }

    private static String describe(List<StudyRun.Result> rs) {
        Map<StudyCell, List<Integer>> byCell = new LinkedHashMap<>();
        for (StudyRun.Result r : rs) {
            byCell.computeIfAbsent(r.cell(), c -> new ArrayList<>()).add(r.length());
        }
        return byCell.entrySet().stream()
                .map(e -> e.getKey().cliName + " (T = " + e.getValue().stream().map(String::valueOf)
                        .collect(Collectors.joining(", ")) + ")")
                .collect(Collectors.joining(", "));
    }

    /** What each task's baseline and threshold are, with the formulas. */
    public static List<String> baselines(StudyConfig config) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<StudyTask, List<Integer>> e : config.plan().entrySet()) {
            StudyTask t = e.getKey();
            switch (t) {
                case ADDING -> out.add("adding: baseline MSE 1/6 ≈ 0.1667 (always predict 1, the mean of the sum); "
                        + "solved at MSE ≤ 0.01.");
                case COPY -> out.add("copy: baseline CE 10·ln 8/(T+20) nats per step (memoryless: blanks, then uniform "
                        + "over the 8 symbols) = " + e.getValue().stream().map(n -> "T = " + n + ": "
                        + metric(10 * Math.log(8) / (n + 20))).collect(Collectors.joining(", "))
                        + "; solved at a tenth of it.");
                case SINE -> out.add("sine: baseline the better of predicting 0 and repeating the last value; solved "
                        + "at 5 % of the excess over the noise floor σ² = 0.0025.");
                case CHARLM -> out.add("charlm: baseline the unigram entropy of the text; solved below the bigram "
                        + "conditional entropy (uses more than one character of context).");
            }
        }
        return out;
    }

    public static String markdown(StudyConfig config, List<StudyRun.Result> results, Map<String, String> machine, Meta meta) {
        StringBuilder sb = new StringBuilder("# vecrnn compare: RNN vs IRNN vs LSTM vs GRU\n\n");
        sb.append("Command: `").append(meta.commandLine()).append("`  \n");
        sb.append(String.format(Locale.ROOT, "Started %s; total %s s (JIT warm-up %s s); load average %s at the start, "
                        + "%s at the end, on %s processors.%n%n", meta.startedAt(), Reports.fmt(meta.totalSeconds()),
                Reports.fmt(meta.warmupSeconds()), Reports.fmt(meta.loadAverageStart()),
                Reports.fmt(meta.loadAverageEnd()), machine.getOrDefault("processors", "?")));
        sb.append("## Setup\n\n");
        sb.append(String.format(Locale.ROOT, "- preset `%s`; %d steps per run; hidden size H = %d for every cell; "
                        + "batch B = %d; Adam with global-norm clipping at %s; seed %d; %d thread(s).%n",
                config.preset(), config.steps(), config.hidden(), config.batch(), Reports.fmt(config.clipNorm()),
                config.seed(), config.threads()));
        for (StudyCell c : config.cells()) {
            sb.append(String.format(Locale.ROOT, "- %s: %s; Adam lr %s.%n", c.cliName, c.description,
                    String.format(Locale.ROOT, "%.0e", config.lr(c))));
        }
        sb.append(String.format(Locale.ROOT, "- Validation: %d held-out batches every %d steps (decides \"reached at "
                + "step\"); test metric: %d held-out batches of another seed after the last step.%n",
                config.evalBatches(), config.evalEvery(), config.testBatches()));
        sb.append("- Throughput counts training steps only (no evaluation, no probes): sequences/s = steps·B / "
                + "training time; GFLOP/s by DESIGN.md, a step = 3 × forward = 3 × 2·T·B·G·H·(I+H), plus 3 × the "
                + "head's 2·rows·H·O.\n");
        config.plan().forEach((t, ls) -> sb.append("- ").append(t.cliName).append(": ").append(t.lengthMeaning())
                .append("; metric ").append(t.metric).append(".\n"));
        for (String b : baselines(config)) {
            sb.append("- ").append(b).append('\n');
        }
        sb.append("\n## Results\n\n").append(table(results)).append('\n');
        for (StudyTask t : config.plan().keySet()) {
            sb.append("### ").append(t.cliName).append(": test ").append(t.metric)
                    .append(" by cell and T (✓ = at or below the success threshold)\n\n").append(matrix(t, results))
                    .append('\n');
        }
        sb.append("### What the numbers show\n\n");
        findings(results).forEach(f -> sb.append("- ").append(f).append('\n'));
        sb.append("\n## Gradients through time\n\n");
        sb.append("‖∂ℓ/∂h_t‖ of the last step's loss ℓ, against the lag T−1−t, per sequence, averaged over ")
                .append(config.probeBatch()).append(" held-out sequences; at initialisation and after training. ")
                .append("A vanishing gradient falls by orders of magnitude over the sequence. A norm of 0 means the ")
                .append("gradient underflowed float32 (below ~1e-45); the plots leave such points out.\n\n");
        sb.append(gradientTable(results)).append('\n');
        sb.append("## Plots\n\n");
        for (String c : meta.charts()) {
            sb.append("![").append(c).append("](").append(c).append(")\n");
        }
        sb.append("\n## Machine\n\n").append(Reports.machineMarkdown(machine));
        return sb.toString();
    }

    public static Map<String, Object> json(StudyConfig config, List<StudyRun.Result> results, Map<String, String> machine,
                                    Meta meta) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("command", meta.commandLine());
        j.put("started_at", meta.startedAt());
        j.put("preset", config.preset());
        j.put("seed", config.seed());
        j.put("config", configJson(config));
        j.put("total_wall_s", num(meta.totalSeconds()));
        j.put("warmup_s", num(meta.warmupSeconds()));
        j.put("load_average_start", num(meta.loadAverageStart()));
        j.put("load_average_end", num(meta.loadAverageEnd()));
        j.put("machine", machine);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (StudyRun.Result r : results) {
            runs.add(runJson(r));
        }
        j.put("runs", runs);
        j.put("findings", findings(results));
        j.put("charts", meta.charts());
        return j;
    }

    public static Map<String, Object> configJson(StudyConfig c) {
        Map<String, Object> j = new LinkedHashMap<>();
        Map<String, Object> plan = new LinkedHashMap<>();
        c.plan().forEach((t, ls) -> plan.put(t.cliName, ls));
        j.put("plan", plan);
        j.put("cells", c.cells().stream().map(x -> x.cliName).toList());
        j.put("steps", c.steps());
        j.put("hidden", c.hidden());
        j.put("batch", c.batch());
        j.put("optimizer", "adam");
        j.put("adam", Map.of("beta1", 0.9, "beta2", 0.999, "eps", 1e-8));
        Map<String, Object> cells = new LinkedHashMap<>();
        for (StudyCell cell : c.cells()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cell_type", cell.type.cliName());
            m.put("init", cell.init.cliName());
            m.put("lr", c.lr(cell));
            if (cell == StudyCell.LSTM) {
                m.put("forget_bias", StudyCell.FORGET_BIAS);
            }
            m.put("description", cell.description);
            cells.put(cell.cliName, m);
        }
        j.put("per_cell", cells);
        j.put("lr_override", c.lrOverride());
        j.put("clip_norm", c.clipNorm());
        j.put("seed", c.seed());
        j.put("seeds", Map.of("train", StudyRun.trainSeed(c.seed()), "validation", StudyRun.validationSeed(c.seed()),
                "test", StudyRun.testSeed(c.seed()), "probe", StudyRun.probeSeed(c.seed()),
                "init", StudyRun.initSeed(c.seed())));
        j.put("threads", c.threads());
        j.put("eval_every", c.evalEvery());
        j.put("eval_batches", c.evalBatches());
        j.put("test_batches", c.testBatches());
        j.put("probe_batch", c.probeBatch());
        j.put("probe_lags", c.probeLags());
        j.put("warmup_steps", c.warmupSteps());
        j.put("out", c.out().toString());
        return j;
    }

    public static Map<String, Object> runJson(StudyRun.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", r.task().cliName);
        m.put("cell", r.cell().cliName);
        m.put("T", r.length());
        m.put("seq_len", r.seqLen());
        m.put("metric", r.task().metric);
        m.put("final_metric", num(r.finalMetric()));
        m.put("baseline", num(r.baseline()));
        m.put("threshold", num(r.threshold()));
        m.put("solved", r.finalMetric() <= r.threshold());
        m.put("steps", r.stepsDone());
        m.put("reached_at_step", r.reachedAtStep());
        m.put("lr", r.lr());
        m.put("batch", r.batch());
        m.put("wall_s", num(r.wallSeconds()));
        m.put("train_s", num(r.trainSeconds()));
        m.put("sequences_per_s", num(r.sequencesPerSecond()));
        m.put("gflops", num(r.gflops()));
        m.put("flops_per_step", r.flopsPerStep());
        m.put("diverged", r.diverged());
        m.put("loss_curve", r.lossCurve());
        Map<String, Object> eval = new LinkedHashMap<>();
        eval.put("steps", r.evalSteps());
        eval.put("metric", nums(r.evalMetrics()));
        m.put("validation_curve", eval);
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("lags", r.gradInit().lags());
        g.put("init_h", nums(r.gradInit().hNorms()));
        g.put("trained_h", nums(r.gradTrained().hNorms()));
        if (r.gradInit().cNorms() != null) {
            g.put("init_c", nums(r.gradInit().cNorms()));
            g.put("trained_c", nums(r.gradTrained().cNorms()));
        }
        m.put("grad_vs_lag", g);
        return m;
    }

    /** JSON has no NaN or infinity: those become null. */
    public static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    public static List<Double> nums(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(num(x));
        }
        return out;
    }
}
