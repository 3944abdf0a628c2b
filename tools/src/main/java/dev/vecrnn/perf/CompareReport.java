package dev.vecrnn.perf;

import dev.vecrnn.nn.CellType;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The configurations of {@code bench compare-pytorch}, and its ratio table, JSON rows and chart
 * from per-round medians of both frameworks.
 */
public final class CompareReport {
    private CompareReport() {}

    /** One point of the sweep. */
    public record Config(CellType cell, RnnShape shape, BenchMode mode, int threads) {
        /**
         * A point with at least one thread.
         *
         * @throws IllegalArgumentException {@code "--threads: each must be >= 1, got …"}
         */
        public Config {
            Checks.positive("--threads: each", threads);
        }

        /** Flops of one step ({@link RnnShape#flops}). */
        public double flops() {
            return shape.flops(cell, mode);
        }

        /** For progress lines, e.g. {@code "lstm 50x32x256x256 training 1T"}. */
        public String label() {
            return cell.cliName() + " " + shape + " " + mode.label + " " + threads + "T";
        }
    }

    /**
     * Every combination, in the order the comparison runs them: shape, then cell, then mode, then
     * thread count.
     *
     * @throws IllegalArgumentException if a thread count is below 1
     */
    public static List<Config> sweep(List<CellType> cells, List<RnnShape> shapes, List<BenchMode> modes,
                                     List<Integer> threads) {
        List<Config> out = new ArrayList<>();
        for (RnnShape s : shapes) {
            for (CellType c : cells) {
                for (BenchMode m : modes) {
                    for (int t : threads) {
                        out.add(new Config(c, s, m, t));
                    }
                }
            }
        }
        return out;
    }

    /**
     * One config's result over all rounds. {@code ratio*} are vecrnn time / PyTorch time
     * (below 1: vecrnn is faster), taken per round (both frameworks measured back to back) and
     * summarised by median, min and max over rounds.
     */
    record Row(Config config, double torchMs, double vecrnnMs, double ratioMedian, double ratioMin, double ratioMax,
               int rounds) {
        double torchGflops() {
            return config.flops() / (torchMs * 1e-3) / 1e9;
        }

        double vecrnnGflops() {
            return config.flops() / (vecrnnMs * 1e-3) / 1e9;
        }
    }

    /**
     * Pairs the per-round medians (index {@code i} of both lists is round {@code i}) into ratios.
     *
     * @throws IllegalArgumentException if the lists are empty or of different lengths
     */
    static Row row(Config config, List<Double> torchMs, List<Double> vecrnnMs) {
        if (torchMs.isEmpty() || torchMs.size() != vecrnnMs.size()) {
            throw new IllegalArgumentException("need one PyTorch and one vecrnn time per round, got "
                    + torchMs.size() + " and " + vecrnnMs.size());
        }
        double[] ratios = new double[torchMs.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = vecrnnMs.get(i) / torchMs.get(i);
        }
        return new Row(config, Stats.median(torchMs), Stats.median(vecrnnMs), Stats.median(ratios),
                Stats.min(ratios), Stats.max(ratios), ratios.length);
    }

    /** Geometric mean of the median ratios per mode and thread count, e.g. {@code "training 1T" -> 0.83}. */
    static Map<String, Double> geometricMeans(List<Row> rows) {
        Map<String, List<Double>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            groups.computeIfAbsent(r.config().mode().label + " " + r.config().threads() + "T", k -> new ArrayList<>())
                    .add(r.ratioMedian());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        groups.forEach((k, v) -> out.put(k, Stats.geometricMean(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return out;
    }

    /** The ratio table, then the geometric means per mode and thread count. */
    static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| cell | T×B×I×H | mode | threads | PyTorch ms | vecrnn ms | vecrnn / PyTorch (min–max) | PyTorch GFLOP/s | vecrnn GFLOP/s |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            Config c = r.config();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s (%s–%s) | %s | %s |%n",
                    c.cell().cliName(), c.shape(), c.mode().label, c.threads(), Reports.fmt(r.torchMs()),
                    Reports.fmt(r.vecrnnMs()), Reports.fmt(r.ratioMedian()), Reports.fmt(r.ratioMin()),
                    Reports.fmt(r.ratioMax()), Reports.fmt(r.torchGflops()), Reports.fmt(r.vecrnnGflops())));
        }
        if (!rows.isEmpty()) {
            sb.append("\nGeometric mean of vecrnn / PyTorch (below 1: vecrnn faster):\n\n");
            geometricMeans(rows).forEach((k, v) -> sb.append("- ").append(k).append(": ").append(Reports.fmt(v)).append('\n'));
        }
        return sb.toString();
    }

    /** The rows as JSON objects, every number of the table. */
    static List<Map<String, Object>> json(List<Row> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cell", r.config().cell().cliName());
            m.put("shape", r.config().shape().toString());
            m.put("mode", r.config().mode().label);
            m.put("threads", r.config().threads());
            m.put("pytorch_median_ms", r.torchMs());
            m.put("vecrnn_median_ms", r.vecrnnMs());
            m.put("ratio_median", r.ratioMedian());
            m.put("ratio_min", r.ratioMin());
            m.put("ratio_max", r.ratioMax());
            m.put("pytorch_gflops", r.torchGflops());
            m.put("vecrnn_gflops", r.vecrnnGflops());
            m.put("rounds", r.rounds());
            out.add(m);
        }
        return out;
    }

    private static final Color[] CELL_COLOURS = {
        new Color(0x1f77b4), new Color(0x9467bd), new Color(0xd62728), new Color(0x2ca02c)};

    /**
     * GFLOP/s against hidden size, one panel per mode and thread count (titled with the PyTorch
     * engine), one series per cell and framework.
     */
    static List<XYChart> charts(List<Row> rows, String torchLabel) {
        Map<String, List<Row>> panels = new LinkedHashMap<>();
        for (Row r : rows) {
            panels.computeIfAbsent(r.config().mode().label + ", " + r.config().threads() + " thread(s)",
                    k -> new ArrayList<>()).add(r);
        }
        List<XYChart> charts = new ArrayList<>();
        for (Map.Entry<String, List<Row>> p : panels.entrySet()) {
            XYChart chart = new XYChartBuilder().width(640).height(440).title("vecrnn vs " + torchLabel + ": " + p.getKey())
                    .xAxisTitle("hidden size H").yAxisTitle("GFLOP/s (median)").build();
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            chart.getStyler().setXAxisDecimalPattern("0");
            chart.getStyler().setYAxisMin(0.0);
            chart.getStyler().setMarkerSize(9);
            Map<String, List<double[]>> series = new LinkedHashMap<>();
            for (Row r : p.getValue()) {
                String cell = r.config().cell().cliName();
                series.computeIfAbsent(cell + " pytorch", k -> new ArrayList<>()).add(new double[] {r.config().shape().H(), r.torchGflops()});
                series.computeIfAbsent(cell + " vecrnn", k -> new ArrayList<>()).add(new double[] {r.config().shape().H(), r.vecrnnGflops()});
            }
            series.forEach((name, pts) -> {
                XYSeries xy = chart.addSeries(name, pts.stream().mapToDouble(d -> d[0]).toArray(),
                        pts.stream().mapToDouble(d -> d[1]).toArray());
                // One colour per cell, one marker per framework, so pairs read at a glance.
                xy.setMarkerColor(CELL_COLOURS[CellType.parse(name.substring(0, name.indexOf(' '))).ordinal()]);
                xy.setMarker(name.endsWith("pytorch") ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
            });
            charts.add(chart);
        }
        return charts;
    }
}
