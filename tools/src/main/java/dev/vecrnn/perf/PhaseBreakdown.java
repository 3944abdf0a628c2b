package dev.vecrnn.perf;

import dev.vecrnn.profile.Phase;
import dev.vecrnn.profile.PhaseTotals;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the time of a run of steps went: one row per timed {@link Phase}, then "other" (the
 * wall time outside every timed phase: state copies, row packing, team dispatch), so the rows
 * add up to the measured total exactly.
 *
 * @param rows        the phases, in report order, then "other"
 * @param steps       measured steps
 * @param totalNanos  wall time of the measured steps, summed
 * @param peakGflops  the FMA peak "% of peak" refers to (NaN: unknown)
 */
record PhaseBreakdown(List<Row> rows, int steps, long totalNanos, double peakGflops) {

    /** Label of the remainder row. */
    static final String OTHER = "other (outside the timed phases)";

    /** One row; {@code phase} is null for "other". */
    record Row(Phase phase, String label, long calls, long nanos, long flops) {}

    /** The phases a step times: an inference pass, or a training step (with optimizer update). */
    static List<Phase> expectedPhases(boolean training) {
        return training
                ? List.of(Phase.values())
                : List.of(Phase.INPUT_PROJECTION, Phase.RECURRENT_GEMM, Phase.GATE_POINTWISE, Phase.WEIGHT_PACKING,
                        Phase.STEP_SYNC);
    }

    static PhaseBreakdown of(PhaseTotals totals, boolean training, int steps, long totalNanos, double peakGflops) {
        List<Row> rows = new ArrayList<>();
        long timed = 0;
        for (Phase p : expectedPhases(training)) {
            rows.add(new Row(p, p.label, totals.calls(p), totals.nanos(p), totals.flops(p)));
            timed += totals.nanos(p);
        }
        rows.add(new Row(null, OTHER, 0, totalNanos - timed, 0));
        return new PhaseBreakdown(List.copyOf(rows), steps, totalNanos, peakGflops);
    }

    /** Flops of all rows. */
    long totalFlops() {
        long s = 0;
        for (Row r : rows) {
            s += r.flops();
        }
        return s;
    }

    /** Percentage of the total time. */
    double share(Row r) {
        return totalNanos == 0 ? 0 : 100.0 * r.nanos() / totalNanos;
    }

    static double gflops(long flops, long nanos) {
        return flops == 0 || nanos <= 0 ? Double.NaN : (double) flops / nanos;
    }

    /** The table as Markdown. */
    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("| phase | calls | ms total | ms/step | share % | GFLOP/s | % peak |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            line(sb, r.label(), r.phase() == null ? "" : Long.toString(r.calls()), r.nanos(), r.flops());
        }
        line(sb, "**total**", Integer.toString(steps) + " steps", totalNanos, totalFlops());
        return sb.toString();
    }

    private void line(StringBuilder sb, String label, String calls, long nanos, long flops) {
        double g = gflops(flops, nanos);
        sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.1f | %s | %s |%n", label, calls,
                Reports.fmt(nanos * 1e-6), Reports.fmt(nanos * 1e-6 / Math.max(1, steps)),
                totalNanos == 0 ? 0.0 : 100.0 * nanos / totalNanos,
                Double.isNaN(g) ? "–" : Reports.fmt(g),
                Double.isNaN(g) || !(peakGflops > 0) ? "–" : String.format(Locale.ROOT, "%.1f", 100 * g / peakGflops)));
    }
}
