package dev.vecrnn.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The tables and chart of {@code bench scaling}: GFLOP/s by vector width and thread count, from measured points. */
final class ScalingReport {
    private ScalingReport() {}

    /** One child JVM's timing: width (0 = scalar), threads, ms per step and the flops of a step. */
    record Point(int bits, int threads, double medianMs, double minMs, double maxMs, double iqrOverMedian,
                 double flops) {
        double gflops() {
            return flops / (medianMs * 1e-3) / 1e9;
        }

        /** GFLOP/s of the slowest and fastest step: the spread. */
        double gflopsWorst() {
            return flops / (maxMs * 1e-3) / 1e9;
        }

        double gflopsBest() {
            return flops / (minMs * 1e-3) / 1e9;
        }
    }

    static String widthLabel(int bits) {
        return bits == 0 ? "scalar" : bits + "-bit";
    }

    static Optional<Point> find(List<Point> points, int bits, int threads) {
        return points.stream().filter(p -> p.bits() == bits && p.threads() == threads).findFirst();
    }

    /** Markdown: GFLOP/s (spread), ms per step, speed-up over scalar, speed-up over one thread. */
    static String markdown(List<Point> points, List<Integer> widths, int threadsMax) {
        StringBuilder sb = new StringBuilder();
        sb.append("### GFLOP/s, median (slowest–fastest step)\n\n");
        header(sb, "threads", widths);
        for (int t = 1; t <= threadsMax; t++) {
            sb.append("| ").append(t);
            for (int w : widths) {
                Optional<Point> p = find(points, w, t);
                sb.append(" | ").append(p.map(q -> Reports.fmt(q.gflops()) + " (" + Reports.fmt(q.gflopsWorst()) + "–"
                        + Reports.fmt(q.gflopsBest()) + ")").orElse(""));
            }
            sb.append(" |\n");
        }
        sb.append("\n### ms per step, median ± IQR/median\n\n");
        header(sb, "threads", widths);
        for (int t = 1; t <= threadsMax; t++) {
            sb.append("| ").append(t);
            for (int w : widths) {
                Optional<Point> p = find(points, w, t);
                sb.append(" | ").append(p.map(q -> Reports.fmt(q.medianMs())
                        + String.format(Locale.ROOT, " ± %.1f%%", 100 * q.iqrOverMedian())).orElse(""));
            }
            sb.append(" |\n");
        }
        if (widths.contains(0) && widths.stream().anyMatch(w -> w != 0)) {
            sb.append("\n### Speed-up over the scalar path (same thread count)\n\n");
            List<Integer> vec = widths.stream().filter(w -> w != 0).toList();
            header(sb, "threads", vec);
            for (int t = 1; t <= threadsMax; t++) {
                sb.append("| ").append(t);
                for (int w : vec) {
                    sb.append(" | ").append(ratio(find(points, 0, t), find(points, w, t)));
                }
                sb.append(" |\n");
            }
        }
        if (threadsMax > 1) {
            sb.append("\n### Speed-up over one thread (same width)\n\n");
            header(sb, "threads", widths);
            for (int t = 2; t <= threadsMax; t++) {
                sb.append("| ").append(t);
                for (int w : widths) {
                    sb.append(" | ").append(ratio(find(points, w, 1), find(points, w, t)));
                }
                sb.append(" |\n");
            }
        }
        return sb.toString();
    }

    /** GFLOP/s against threads, one series per width. */
    static XYChart chart(String title, List<Point> points, List<Integer> widths, int threadsMax) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle("threads").yAxisTitle("GFLOP/s (median)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisTickMarkSpacingHint(Math.max(40, 600 / Math.max(1, threadsMax)));
        for (int w : widths) {
            List<Integer> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int t = 1; t <= threadsMax; t++) {
                int tt = t;
                find(points, w, t).ifPresent(p -> {
                    xs.add(tt);
                    ys.add(p.gflops());
                });
            }
            if (!xs.isEmpty()) {
                chart.addSeries(widthLabel(w), xs, ys).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return chart;
    }

    /** {@code base.median / p.median} as text, e.g. {@code 7.52×}; empty if either is missing. */
    private static String ratio(Optional<Point> base, Optional<Point> p) {
        if (base.isEmpty() || p.isEmpty()) {
            return "";
        }
        return Reports.fmt(base.get().medianMs() / p.get().medianMs()) + "×";
    }

    private static void header(StringBuilder sb, String first, List<Integer> widths) {
        sb.append("| ").append(first);
        for (int w : widths) {
            sb.append(" | ").append(widthLabel(w));
        }
        sb.append(" |\n|---:");
        sb.append("|---:".repeat(widths.size()));
        sb.append("|\n");
    }
}
