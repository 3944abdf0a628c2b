package dev.vecrnn.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vecrnn.perf.Reports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code results.json} of {@code vecrnn compare}: written after every finished run, read back
 * by {@code --resume}. Every run keeps all it measured (curves and profiles included), so a
 * resumed study reports its earlier runs exactly as if they had run in the same process.
 * JSON has no NaN or infinity: those are written as null and read back as NaN.
 */
public final class StudyJson {
    private StudyJson() {}

    /** Layout version of the file; a resume refuses another. */
    public static final int VERSION = 2;

    /** Config keys that decide how a study runs but not its numbers: a resume may change them. */
    private static final Set<String> EXECUTION_KEYS = Set.of("threads", "jobs", "out");

    /** How the study ran, beyond its configuration: for the report's header and the JSON. */
    public record Meta(String commandLine, String startedAt, double totalSeconds, double warmupSeconds,
                       double loadAverageStart, double loadAverageEnd, int runsFromEarlier, boolean complete,
                       List<String> charts) {}

    /** The whole file. */
    public static Map<String, Object> study(StudyConfig config, List<StudyRun.Result> results,
                                            Map<String, String> machine, Meta meta) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("version", VERSION);
        j.put("command", meta.commandLine());
        j.put("started_at", meta.startedAt());
        j.put("complete", meta.complete());
        j.put("runs_planned", config.runCount());
        j.put("runs_finished", results.size());
        j.put("runs_from_earlier_sessions", meta.runsFromEarlier());
        j.put("preset", config.preset());
        j.put("seed", config.firstSeed());
        j.put("seeds", config.seeds());
        j.put("config", config(config));
        j.put("total_wall_s", num(meta.totalSeconds()));
        j.put("warmup_s", num(meta.warmupSeconds()));
        j.put("load_average_start", num(meta.loadAverageStart()));
        j.put("load_average_end", num(meta.loadAverageEnd()));
        j.put("machine", machine);
        List<Map<String, Object>> summary = new ArrayList<>();
        for (StudySummary s : StudySummary.of(results)) {
            summary.add(summary(s));
        }
        j.put("summary", summary);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (StudyRun.Result r : results) {
            runs.add(run(r));
        }
        j.put("runs", runs);
        j.put("findings", StudyReport.findings(StudySummary.of(results), results));
        j.put("charts", meta.charts());
        return j;
    }

    /** The configuration as {@code results.json} records it (what {@link #configDifferences} compares). */
    public static Map<String, Object> config(StudyConfig c) {
        Map<String, Object> j = new LinkedHashMap<>();
        Map<String, Object> plan = new LinkedHashMap<>();
        c.plan().forEach((t, ls) -> plan.put(t.cliName, ls));
        j.put("plan", plan);
        j.put("cells", c.cells().stream().map(x -> x.cliName).toList());
        j.put("steps", c.steps());
        j.put("stop_when_solved", c.stopWhenSolved());
        j.put("hidden", c.hidden());
        j.put("batch", c.batch());
        j.put("optimizer", "adam");
        j.put("adam", Map.of("beta1", 0.9, "beta2", 0.999, "eps", 1e-8));
        Map<String, Object> cells = new LinkedHashMap<>();
        for (StudyCell cell : c.cells()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cell_type", cell.type.cliName());
            m.put("init", cell.init.cliName());
            GateInit g = c.gateInit(cell);
            m.put("gate_init", g.appliesTo(cell) ? g.cliName : GateInit.PYTORCH.cliName);
            if (g == GateInit.FORGET_BIAS && g.appliesTo(cell)) {
                m.put("forget_bias", GateInit.FORGET_BIAS_VALUE);
            }
            m.put("lr", c.lr(cell));
            m.put("description", cell.description + "; " + g.describe(cell));
            cells.put(cell.cliName, m);
        }
        j.put("per_cell", cells);
        j.put("lr_override", c.lrOverride());
        j.put("init_override", c.initOverride() == null ? null : c.initOverride().cliName);
        j.put("clip_norm", c.clipNorm());
        j.put("first_seed", c.firstSeed());
        j.put("seeds", c.seeds());
        j.put("stream_seeds", Map.of("train", "s", "validation", "s + " + StudyRun.validationSeed(0),
                "test", "s + " + StudyRun.testSeed(0), "probe", "s + " + StudyRun.probeSeed(0),
                "init", "s + " + StudyRun.initSeed(0)));
        j.put("eval_every", c.evalEvery());
        j.put("eval_batches", c.evalBatches());
        j.put("test_batches", c.testBatches());
        j.put("probe_batch", c.probeBatch());
        j.put("probe_lags", c.probeLags());
        j.put("warmup_steps", c.warmupSteps());
        j.put("threads", c.threads());
        j.put("jobs", c.jobs());
        j.put("out", c.out().toString());
        return j;
    }

    /** One entry of the file's {@code summary} list. */
    public static Map<String, Object> summary(StudySummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", s.task().cliName);
        m.put("cell", s.cell().cliName);
        m.put("T", s.length());
        m.put("runs", s.runs());
        m.put("median_metric", num(s.medianMetric()));
        m.put("min_metric", num(s.minMetric()));
        m.put("max_metric", num(s.maxMetric()));
        m.put("solved", s.solved());
        m.put("median_solved_at_step", num(s.medianSolvedAtStep()));
        m.put("diverged", s.diverged());
        m.put("baseline", num(s.baseline()));
        m.put("threshold", num(s.threshold()));
        m.put("median_cpu_s", num(s.medianCpuSeconds()));
        m.put("median_sequences_per_s", num(s.medianSequencesPerSecond()));
        m.put("median_gflops", num(s.medianGflops()));
        m.put("mean_concurrent_runs", num(s.meanConcurrentRuns()));
        return m;
    }

    /** One entry of the file's {@code runs} list: everything {@link #readRun} needs to restore the run. */
    public static Map<String, Object> run(StudyRun.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", r.task().cliName);
        m.put("cell", r.cell().cliName);
        m.put("T", r.length());
        m.put("seed", r.seed());
        m.put("seq_len", r.seqLen());
        m.put("metric", r.task().metric);
        m.put("final_metric", num(r.finalMetric()));
        m.put("baseline", num(r.baseline()));
        m.put("threshold", num(r.threshold()));
        m.put("solved", r.solved());
        m.put("steps", r.stepsDone());
        m.put("solved_at_step", r.solvedAtStep());
        m.put("reached_at_step", r.firstBelowStep());
        m.put("lr", r.lr());
        m.put("gate_init", r.gateInit().cliName);
        m.put("batch", r.batch());
        m.put("wall_s", num(r.wallSeconds()));
        m.put("train_s", num(r.trainSeconds()));
        m.put("cpu_s", num(r.cpuSeconds()));
        m.put("concurrent_runs", num(r.meanConcurrentRuns()));
        m.put("sequences_per_s", num(r.sequencesPerSecond()));
        m.put("gflops", num(r.gflops()));
        m.put("flops_per_step", r.flopsPerStep());
        m.put("diverged_at_step", r.divergedAtStep());
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

    /**
     * A run as {@link #run} wrote it.
     *
     * @throws IllegalArgumentException naming the field that is missing or malformed
     */
    public static StudyRun.Result readRun(JsonNode m) {
        StudyConfig.RunKey key = new StudyConfig.RunKey(StudyTask.parse(text(m, "task")),
                StudyCell.parse(text(m, "cell")), integer(m, "T"), field(m, "seed").asLong());
        JsonNode eval = field(m, "validation_curve");
        JsonNode g = field(m, "grad_vs_lag");
        int[] lags = ints(field(g, "lags"));
        GradientLagProbe.Profile init = new GradientLagProbe.Profile(lags, doubles(field(g, "init_h")),
                g.has("init_c") ? doubles(g.get("init_c")) : null);
        GradientLagProbe.Profile trained = new GradientLagProbe.Profile(lags.clone(), doubles(field(g, "trained_h")),
                g.has("trained_c") ? doubles(g.get("trained_c")) : null);
        JsonNode curve = field(m, "loss_curve");
        float[] losses = new float[curve.size()];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = curve.get(i).isNull() ? Float.NaN : curve.get(i).floatValue();
        }
        return new StudyRun.Result(key, integer(m, "seq_len"), number(m, "lr"), GateInit.parse(text(m, "gate_init")),
                number(m, "baseline"), number(m, "threshold"), number(m, "final_metric"), integer(m, "steps"),
                optionalInt(m, "reached_at_step"), optionalInt(m, "solved_at_step"),
                m.path("diverged_at_step").isNumber() ? m.get("diverged_at_step").asLong() : null,
                m.path("diverged").isTextual() ? m.get("diverged").asText() : null,
                number(m, "wall_s"), number(m, "train_s"), number(m, "cpu_s"), number(m, "concurrent_runs"),
                number(m, "flops_per_step"), integer(m, "batch"), losses, ints(field(eval, "steps")),
                doubles(field(eval, "metric")), init, trained);
    }

    /**
     * Differences between the configuration {@code stored} in a results file and {@code current},
     * ignoring what does not change the numbers (threads, jobs, output folder): one
     * "key: stored there, current here" line per differing key, empty if they match.
     */
    public static List<String> configDifferences(JsonNode stored, StudyConfig current) {
        JsonNode now;
        try {
            // through bytes, so both sides have the types a parser gives (ints stay ints)
            now = Reports.JSON.readTree(Reports.JSON.writeValueAsBytes(config(current)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> out = new ArrayList<>();
        ObjectNode a = stored.isObject() ? ((ObjectNode) stored).deepCopy() : Reports.JSON.createObjectNode();
        ObjectNode b = ((ObjectNode) now).deepCopy();
        a.remove(EXECUTION_KEYS);
        b.remove(EXECUTION_KEYS);
        List<String> keys = new ArrayList<>();
        a.fieldNames().forEachRemaining(keys::add);
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!keys.contains(k)) {
                keys.add(k);
            }
        }
        for (String k : keys) {
            JsonNode x = a.get(k);
            JsonNode y = b.get(k);
            if (x == null || !x.equals(y)) {
                out.add(k + ": " + (x == null ? "absent" : x.toString()) + " there, "
                        + (y == null ? "absent" : y.toString()) + " now");
            }
        }
        return out;
    }

    /** JSON has no NaN or infinity: those become null. */
    public static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** {@link #num} of every value. */
    public static List<Double> nums(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(num(x));
        }
        return out;
    }

    private static JsonNode field(JsonNode m, String name) {
        JsonNode v = m.get(name);
        if (v == null || v.isMissingNode()) {
            throw new IllegalArgumentException("run entry has no '" + name + "'");
        }
        return v;
    }

    private static String text(JsonNode m, String name) {
        JsonNode v = field(m, name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("run entry's '" + name + "' is not a string: " + v);
        }
        return v.asText();
    }

    private static int integer(JsonNode m, String name) {
        JsonNode v = field(m, name);
        if (!v.canConvertToInt()) {
            throw new IllegalArgumentException("run entry's '" + name + "' is not an integer: " + v);
        }
        return v.asInt();
    }

    private static Integer optionalInt(JsonNode m, String name) {
        JsonNode v = m.get(name);
        return v == null || v.isNull() ? null : v.asInt();
    }

    /** A number, or NaN where the file has null. */
    private static double number(JsonNode m, String name) {
        JsonNode v = field(m, name);
        if (v.isNull()) {
            return Double.NaN;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("run entry's '" + name + "' is not a number: " + v);
        }
        return v.doubleValue();
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).isNull() ? Double.NaN : a.get(i).doubleValue();
        }
        return out;
    }
}
