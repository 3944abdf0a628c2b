package dev.vecrnn.study;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything that decides what {@code vecrnn compare} trains and how: written verbatim into
 * {@code results.json} so a study can be repeated exactly, and compared by {@code --resume}.
 *
 * @param preset         the preset the defaults came from ({@code default} or {@code full})
 * @param plan           for each task, the values of T to train at, in order
 * @param cells          the cells, in table order
 * @param steps          training steps (updates) per run: the budget, the same for every run
 * @param hidden         hidden units H, the same for every cell
 * @param batch          sequences per batch B
 * @param lrOverride     Adam learning rate for every cell, or null for each cell's own
 * @param initOverride   gate-bias initialisation of the gated cells, or null for each cell's own
 * @param clipNorm       global gradient-norm clipping threshold (0 = off)
 * @param firstSeed      the first run seed; runs use {@code firstSeed .. firstSeed + seeds - 1}
 * @param seeds          runs per (task, cell, T), each with its own seed for data and weights
 * @param stopWhenSolved whether a run stops once solved (two consecutive validations at or below
 *                       the threshold) instead of using its whole budget
 * @param threads        worker threads of each network
 * @param jobs           runs trained at the same time, each on its own threads
 * @param evalEvery      steps between validation evaluations (the resolution of "solved at step")
 * @param evalBatches    held-out batches per validation evaluation
 * @param testBatches    held-out batches of the final test metric
 * @param probeBatch     sequences the gradient-vs-lag probe averages over
 * @param probeLags      lags per gradient-vs-lag profile (evenly spaced, ends included)
 * @param warmupSteps    steps per cell on a throwaway network before the runs, so that JIT
 *                       compilation is not billed to the first runs' times
 * @param out            output folder
 */
public record StudyConfig(String preset, Map<StudyTask, List<Integer>> plan, List<StudyCell> cells, int steps,
                          int hidden, int batch, Double lrOverride, GateInit initOverride, double clipNorm,
                          long firstSeed, int seeds, boolean stopWhenSolved, int threads, int jobs, int evalEvery,
                          int evalBatches, int testBatches, int probeBatch, int probeLags, int warmupSteps, Path out) {

    /** One training run of a study: a cell on a task at one T with one seed. */
    public record RunKey(StudyTask task, StudyCell cell, int length, long seed) {
        /** A short label for progress lines, e.g. {@code adding lstm T=100 seed 2}. */
        public String label() {
            return task.cliName + " " + cell.cliName + " T=" + length + " seed " + seed;
        }
    }

    /** The Adam learning rate {@code cell} trains with. */
    public double lr(StudyCell cell) {
        return lrOverride != null ? lrOverride : cell.defaultLr;
    }

    /** The gate-bias initialisation {@code cell} starts from. */
    public GateInit gateInit(StudyCell cell) {
        return initOverride != null ? initOverride : cell.defaultGateInit;
    }

    /** The run seeds, in order. */
    public List<Long> seedList() {
        List<Long> out = new ArrayList<>(seeds);
        for (int i = 0; i < seeds; i++) {
            out.add(firstSeed + i);
        }
        return out;
    }

    /** Every run of the study in report order: task, then T, then cell, then seed. */
    public List<RunKey> runs() {
        List<RunKey> out = new ArrayList<>();
        plan.forEach((task, lengths) -> {
            for (int t : lengths) {
                for (StudyCell c : cells) {
                    for (long s : seedList()) {
                        out.add(new RunKey(task, c, t, s));
                    }
                }
            }
        });
        return out;
    }

    /** Number of training runs: cells times lengths (summed over tasks) times seeds. */
    public int runCount() {
        return cells.size() * plan.values().stream().mapToInt(List::size).sum() * seeds;
    }
}
