package dev.vecrnn.study;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything that decides what {@code vecrnn compare} trains and how: written verbatim into
 * {@code results.json} so a run can be repeated exactly.
 *
 * @param preset       the preset the defaults came from ({@code default} or {@code full})
 * @param plan         for each task, the values of T to train at, in order
 * @param cells        the cells, in table order
 * @param steps        training steps (updates) per run, the same for every run
 * @param hidden       hidden units H, the same for every cell
 * @param batch        sequences per batch B
 * @param lrOverride   Adam learning rate for every cell, or null for each cell's own
 * @param clipNorm     global gradient-norm clipping threshold
 * @param seed         seed of data streams and initial weights
 * @param threads      worker threads of each layer
 * @param evalEvery    steps between validation evaluations (the resolution of "reached at step")
 * @param evalBatches  held-out batches per validation evaluation
 * @param testBatches  held-out batches of the final test metric
 * @param probeBatch   sequences the gradient-vs-lag probe averages over
 * @param probeLags    lags per gradient-vs-lag profile (evenly spaced, ends included)
 * @param warmupSteps  steps per cell on a throwaway network before the runs, so that JIT
 *                     compilation is not billed to the first run's wall time
 * @param out          output folder
 */
public record StudyConfig(String preset, Map<StudyTask, List<Integer>> plan, List<StudyCell> cells, int steps, int hidden,
                   int batch, Double lrOverride, double clipNorm, long seed, int threads, int evalEvery,
                   int evalBatches, int testBatches, int probeBatch, int probeLags, int warmupSteps, Path out) {

    /** The Adam learning rate {@code cell} trains with. */
    public double lr(StudyCell cell) {
        return lrOverride != null ? lrOverride : cell.defaultLr;
    }

    /** Number of training runs: cells times lengths, summed over tasks. */
    public int runCount() {
        return cells.size() * plan.values().stream().mapToInt(List::size).sum();
    }
}
