package dev.vecrnn.study;

import dev.vecrnn.perf.Stats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the seeds of one (task, cell, T) add up to: the median test metric and its spread (the
 * smallest and largest of the seeds: with a handful of seeds, quantiles would only restate
 * them), how many seeds solved the task, and when.
 *
 * @param task               the task
 * @param cell               the cell
 * @param length             T
 * @param runs               finished runs (seeds)
 * @param medianMetric       median test metric; a run without one (NaN after divergence) counts
 *                           as infinitely bad
 * @param minMetric          smallest test metric
 * @param maxMetric          largest test metric (infinite if a run has none)
 * @param solved             runs solved (test metric at or below the threshold, not diverged)
 * @param medianSolvedAtStep median "solved at step" over the runs that met the criterion, or NaN
 * @param diverged           runs that diverged
 * @param baseline           the task's baseline at this T
 * @param threshold          the success threshold at this T
 * @param medianCpuSeconds   median CPU seconds of a run
 * @param medianSequencesPerSecond median training throughput
 * @param medianGflops       median training GFLOP/s
 * @param meanConcurrentRuns mean over the runs of how many runs trained at the same time
 */
public record StudySummary(StudyTask task, StudyCell cell, int length, int runs, double medianMetric,
                           double minMetric, double maxMetric, int solved, double medianSolvedAtStep, int diverged,
                           double baseline, double threshold, double medianCpuSeconds,
                           double medianSequencesPerSecond, double medianGflops, double meanConcurrentRuns) {

    /** One summary per (task, cell, T) that has runs, in the order the runs come. */
    public static List<StudySummary> of(List<StudyRun.Result> results) {
        Map<List<Object>, List<StudyRun.Result>> groups = new LinkedHashMap<>();
        for (StudyRun.Result r : results) {
            groups.computeIfAbsent(List.of(r.task(), r.cell(), r.length()), k -> new ArrayList<>()).add(r);
        }
        List<StudySummary> out = new ArrayList<>();
        for (List<StudyRun.Result> rs : groups.values()) {
            out.add(summarise(rs));
        }
        return out;
    }

    private static StudySummary summarise(List<StudyRun.Result> rs) {
        StudyRun.Result first = rs.get(0);
        double[] metrics = rs.stream()
                .mapToDouble(r -> Double.isNaN(r.finalMetric()) ? Double.POSITIVE_INFINITY : r.finalMetric()).toArray();
        double[] solvedAt = rs.stream().filter(r -> r.solvedAtStep() != null)
                .mapToDouble(r -> r.solvedAtStep()).toArray();
        return new StudySummary(first.task(), first.cell(), first.length(), rs.size(),
                Stats.median(metrics), Stats.min(metrics), Stats.max(metrics),
                (int) rs.stream().filter(StudyRun.Result::solved).count(),
                solvedAt.length == 0 ? Double.NaN : Stats.median(solvedAt),
                (int) rs.stream().filter(r -> r.divergedAtStep() != null).count(),
                first.baseline(), first.threshold(),
                medianOf(rs.stream().mapToDouble(StudyRun.Result::cpuSeconds).toArray()),
                medianOf(rs.stream().mapToDouble(StudyRun.Result::sequencesPerSecond).toArray()),
                medianOf(rs.stream().mapToDouble(StudyRun.Result::gflops).toArray()),
                rs.stream().mapToDouble(StudyRun.Result::meanConcurrentRuns).average().orElse(Double.NaN));
    }

    /** Median of the finite values, NaN if there are none. */
    private static double medianOf(double[] v) {
        double[] finite = java.util.Arrays.stream(v).filter(Double::isFinite).toArray();
        return finite.length == 0 ? Double.NaN : Stats.median(finite);
    }

    /** "k of N", the success rate as the report states it. */
    public String solvedText() {
        return solved + " of " + runs;
    }

    /** Whether the median is within 10 % of the baseline or worse: nothing the task is about was learned. */
    public boolean atBaseline() {
        return !(medianMetric < 0.9 * baseline);
    }
}
