package dev.vecrnn.study;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two studies {@code vecrnn compare} offers ready-made. Their step budgets, seed counts and
 * lengths are sized for 2 cores (see the README for measured times); every option overrides them.
 */
public enum StudyPreset {
    /** Adding problem at T = 50, 100, 200: the claim in about five minutes. */
    DEFAULT("default", Map.of(StudyTask.ADDING, List.of(50, 100, 200)), StudyPreset.DEFAULT_STEPS,
            StudyPreset.DEFAULT_SEEDS),
    /** Adding problem up to T = 400 and the copy task at T = 50 and 100. */
    FULL("full", Map.of(StudyTask.ADDING, List.of(50, 100, 200, 400), StudyTask.COPY, List.of(50, 100)),
            StudyPreset.FULL_STEPS, StudyPreset.FULL_SEEDS);

    /** Step budget of the default preset (a constant, so that the command's help can quote it). */
    public static final int DEFAULT_STEPS = 1500;
    /** Seeds of the default preset. */
    public static final int DEFAULT_SEEDS = 5;
    /** Step budget of the full preset. */
    public static final int FULL_STEPS = 8000;
    /** Seeds of the full preset. */
    public static final int FULL_SEEDS = 3;

    /** The name {@code --preset} takes. */
    public final String cliName;
    private final Map<StudyTask, List<Integer>> plan;
    /** Training steps per run (the budget a run that is never solved uses up). */
    public final int steps;
    /** Seeds per (task, cell, T). */
    public final int seeds;

    StudyPreset(String cliName, Map<StudyTask, List<Integer>> plan, int steps, int seeds) {
        this.cliName = cliName;
        this.plan = plan;
        this.steps = steps;
        this.seeds = seeds;
    }

    /** The tasks and lengths, in report order (tasks in {@link StudyTask} order). */
    public Map<StudyTask, List<Integer>> plan() {
        Map<StudyTask, List<Integer>> ordered = new LinkedHashMap<>();
        for (StudyTask t : StudyTask.values()) {
            if (plan.containsKey(t)) {
                ordered.put(t, plan.get(t));
            }
        }
        return ordered;
    }

    /** The cells every preset compares. */
    public static final List<StudyCell> CELLS = List.of(StudyCell.RNN_TANH, StudyCell.IRNN, StudyCell.LSTM,
            StudyCell.GRU);

    /**
     * The preset named {@code name} (case-insensitive; null means {@link #DEFAULT}).
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static StudyPreset parse(String name) {
        String n = name == null ? "default" : name.trim().toLowerCase(Locale.ROOT);
        for (StudyPreset p : values()) {
            if (p.cliName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("--preset: unknown preset '" + name + "'; valid: default, full");
    }
}
