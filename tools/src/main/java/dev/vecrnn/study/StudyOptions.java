package dev.vecrnn.study;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What a user asked of {@code vecrnn compare}, as given: null where an option was left out, so
 * that the preset's value applies. {@link #toConfig} checks every value and fills in the rest.
 *
 * @param preset         preset name, or null for {@code default}
 * @param task           task name, or null for the preset's tasks
 * @param cells          cell names, or null for the preset's cells
 * @param lengths        values of T, or null for the preset's
 * @param steps          step budget per run, or null for the preset's
 * @param seeds          seeds per (task, cell, T), or null for the preset's
 * @param firstSeed      the first run seed
 * @param hidden         hidden size
 * @param batch          batch size
 * @param lr             Adam learning rate for every cell, or null for each cell's own
 * @param init           gate-bias initialisation name, or null for each cell's own
 * @param clip           global gradient-norm clipping threshold, 0 = off
 * @param threads        worker threads per network
 * @param jobs           runs at the same time, or null for one per available processor
 * @param evalEvery      steps between validations
 * @param stopWhenSolved whether solved runs stop early
 * @param out            output folder
 */
public record StudyOptions(String preset, String task, List<String> cells, List<Integer> lengths, Integer steps,
                           Integer seeds, long firstSeed, int hidden, int batch, Double lr, String init, double clip,
                           int threads, Integer jobs, int evalEvery, boolean stopWhenSolved, Path out) {

    /** Held-out batches per validation evaluation. */
    public static final int EVAL_BATCHES = 4;
    /** Held-out batches of the test metric. */
    public static final int TEST_BATCHES = 16;
    /** Sequences the gradient-vs-lag probe averages over (at most the batch size). */
    public static final int PROBE_BATCH = 16;
    /** Lags per gradient-vs-lag profile. */
    public static final int PROBE_LAGS = 16;

    /** The most threads (and jobs) a study accepts: four per available processor. */
    public static int maxThreads() {
        return 4 * Runtime.getRuntime().availableProcessors();
    }

    /**
     * Validates the options and fills in the preset's defaults.
     *
     * @throws IllegalArgumentException naming the option, what it must be and what it was
     */
    public StudyConfig toConfig() {
        StudyPreset p = StudyPreset.parse(preset);
        Map<StudyTask, List<Integer>> plan = new LinkedHashMap<>(p.plan());
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
        for (String c : cells == null ? StudyPreset.CELLS.stream().map(x -> x.cliName).toList() : cells) {
            StudyCell sc = StudyCell.parse(c);
            if (!cs.contains(sc)) {
                cs.add(sc);
            }
        }
        if (cs.isEmpty()) {
            throw new IllegalArgumentException("--cells: give at least one cell");
        }
        int st = steps == null ? p.steps : steps;
        int sd = seeds == null ? p.seeds : seeds;
        positive("--steps", st);
        positive("--seeds", sd);
        positive("--hidden", hidden);
        positive("--batch", batch);
        positive("--eval-every", evalEvery);
        bounded("--threads", threads);
        int j = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        bounded("--jobs", j);
        if (sd > 1000) {
            throw new IllegalArgumentException("--seeds must be <= 1000, got " + sd);
        }
        if (firstSeed > Long.MAX_VALUE - sd) {
            throw new IllegalArgumentException("--seed " + firstSeed + " leaves no room for " + sd + " seeds");
        }
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("--lr must be finite and > 0, got " + lr);
        }
        if (!(clip >= 0 && Double.isFinite(clip))) {
            throw new IllegalArgumentException("--clip must be finite and >= 0 (0 = off), got " + clip);
        }
        if (out == null) {
            throw new IllegalArgumentException("--out: no folder given");
        }
        GateInit gi = init == null ? null : GateInit.parse(init);
        // enough steps for C2 to compile the kernels; a tenth of the run for tiny runs
        int warmup = Math.min(30, Math.max(1, st / 10));
        return new StudyConfig(p.cliName, plan, List.copyOf(cs), st, hidden, batch, lr, gi, clip, firstSeed, sd,
                stopWhenSolved, threads, j, evalEvery, EVAL_BATCHES, TEST_BATCHES, Math.min(batch, PROBE_BATCH),
                PROBE_LAGS, warmup, out);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    private static void bounded(String name, int v) {
        positive(name, v);
        int max = maxThreads();
        if (v > max) {
            throw new IllegalArgumentException(name + " must be <= " + max + " (4 per available processor; there are "
                    + Runtime.getRuntime().availableProcessors() + "), got " + v);
        }
    }
}
