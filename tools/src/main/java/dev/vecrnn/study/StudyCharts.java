package dev.vecrnn.study;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG plots of {@code vecrnn compare}, drawn headless with XChart: loss curves per (task, T),
 * final metric against T, gradient norm against lag, throughput. Log axes cannot show zero or
 * negative values, so such points (a gradient that underflowed to 0) are left out of a line.
 */
public final class StudyCharts {
    private StudyCharts() {}

    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {6f, 4f}, 0f);
    private static final BasicStroke DOTTED = new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {2f, 3f}, 0f);
    private static final BasicStroke SOLID = new BasicStroke(2f);
    private static final Color[] LENGTH_COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

    public static Color color(StudyCell c) {
        return switch (c) {
            case RNN_TANH -> new Color(0xd62728);
            case IRNN -> new Color(0xff7f0e);
            case LSTM -> new Color(0x1f77b4);
            case GRU -> new Color(0x2ca02c);
            case RNN_RELU -> new Color(0x9467bd);
        };
    }

    /** Writes every chart into {@code dir}; returns the file names, in report order. */
    public static List<String> writeAll(StudyConfig config, List<StudyRun.Result> results, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> files = new ArrayList<>();
        for (StudyTask task : config.plan().keySet()) {
            List<StudyRun.Result> rs = results.stream().filter(r -> r.task() == task).toList();
            if (rs.isEmpty()) {
                continue;
            }
            for (int t : new TreeSet<>(rs.stream().map(StudyRun.Result::length).toList())) {
                String name = "loss-" + task.cliName + "-T" + t + ".png";
                save(lossChart(config, task, t, rs.stream().filter(r -> r.length() == t).toList()), dir, name, files);
            }
            save(finalMetricChart(config, task, rs), dir, "final-" + task.cliName + ".png", files);
            saveGrid(gradientCharts(task, rs), dir, "grad-vs-lag-" + task.cliName + ".png", files);
            saveGrid(throughputCharts(config, task, rs), dir, "throughput-" + task.cliName + ".png", files);
        }
        return files;
    }

    private static void save(XYChart chart, Path dir, String name, List<String> files) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        files.add(name);
    }

    /**
     * Several charts in one PNG, two per row. Drawn here rather than with XChart's grid encoder,
     * which needs exactly rows × columns charts.
     */
    private static <C extends Chart<?, ?>> void saveGrid(List<C> charts, Path dir, String name, List<String> files)
            throws IOException {
        if (charts.isEmpty()) {
            return;
        }
        int cols = Math.min(2, charts.size());
        int rows = (charts.size() + cols - 1) / cols;
        int w = 0;
        int h = 0;
        for (C c : charts) {
            w = Math.max(w, c.getWidth());
            h = Math.max(h, c.getHeight());
        }
        BufferedImage grid = new BufferedImage(cols * w, rows * h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % cols) * w, (i / cols) * h, null);
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(grid, "png", dir.resolve(name).toFile())) {
            throw new IOException("no PNG writer for " + dir.resolve(name));
        }
        files.add(name);
    }

    /** Training loss (moving average) per cell at one T, log y, with the baseline and the threshold. */
    public static XYChart lossChart(StudyConfig config, StudyTask task, int length, List<StudyRun.Result> rs) {
        int window = Math.max(1, config.steps() / 50);
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title(String.format(Locale.ROOT, "%s, T = %d: training loss (moving average of %d steps), H = %d, B = %d",
                        task.cliName, length, window, config.hidden(), config.batch()))
                .xAxisTitle("training step").yAxisTitle(task.metric + " (log scale)").build();
        style(chart);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax((double) config.steps());
        chart.getStyler().setXAxisDecimalPattern("0");
        double maxStep = 1;
        for (StudyRun.Result r : rs) {
            float[] c = r.lossCurve();
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            // At most ~400 points per line. Keeping the first point breaks the equal spacing, which
            // also makes XChart choose round tick values instead of labelling every n-th point.
            int stride = Math.max(1, c.length / 400);
            double sum = 0;
            for (int i = 0; i < c.length; i++) {
                sum += c[i];
                if (i >= window) {
                    sum -= c[i - window];
                }
                double avg = sum / Math.min(i + 1, window);
                boolean keep = i == 0 || (i + 1) % stride == 0 || i == c.length - 1;
                if (keep && avg > 0 && Double.isFinite(avg)) {
                    xs.add((double) (i + 1));
                    ys.add(avg);
                }
            }
            maxStep = Math.max(maxStep, c.length);
            if (!xs.isEmpty()) {
                XYSeries s = chart.addSeries(r.cell().cliName, xs, ys);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(color(r.cell()));
                s.setLineStyle(SOLID);
            }
        }
        if (!rs.isEmpty()) {
            StudyRun.Result any = rs.get(0);
            horizontal(chart, "baseline " + StudyReport.metric(any.baseline()), any.baseline(), maxStep, DASHED,
                    Color.DARK_GRAY);
            horizontal(chart, "success ≤ " + StudyReport.metric(any.threshold()), any.threshold(), maxStep, DOTTED,
                    Color.BLACK);
        }
        return chart;
    }

    private static void horizontal(XYChart chart, String name, double y, double maxX, BasicStroke stroke, Color c) {
        if (!(y > 0) || !Double.isFinite(y)) {
            return;
        }
        XYSeries s = chart.addSeries(name, new double[] {1, Math.max(2, maxX)}, new double[] {y, y});
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(stroke);
        s.setLineColor(c);
    }

    /** Final test metric against T, a line per cell, with the baseline and threshold for each T. */
    public static XYChart finalMetricChart(StudyConfig config, StudyTask task, List<StudyRun.Result> rs) {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title(String.format(Locale.ROOT, "%s: test %s after %d steps, by T", task.cliName, task.metric,
                        config.steps()))
                .xAxisTitle("T").yAxisTitle("test " + task.metric + " (log scale)").build();
        style(chart);
        chart.getStyler().setXAxisDecimalPattern("0");
        for (StudyCell cell : config.cells()) {
            List<StudyRun.Result> mine = rs.stream().filter(r -> r.cell() == cell)
                    .sorted((a, b) -> Integer.compare(a.length(), b.length())).toList();
            addPositive(chart, cell.cliName, mine.stream().map(r -> (double) r.length()).toList(),
                    mine.stream().map(StudyRun.Result::finalMetric).toList(), color(cell), SOLID, true);
        }
        List<StudyRun.Result> perT = rs.stream().collect(java.util.stream.Collectors.toMap(StudyRun.Result::length,
                r -> r, (a, b) -> a, java.util.TreeMap::new)).values().stream().toList();
        List<Double> ts = perT.stream().map(r -> (double) r.length()).toList();
        addPositive(chart, "baseline", ts, perT.stream().map(StudyRun.Result::baseline).toList(), Color.DARK_GRAY,
                DASHED, false);
        addPositive(chart, "success threshold", ts, perT.stream().map(StudyRun.Result::threshold).toList(),
                Color.BLACK, DOTTED, false);
        return chart;
    }

    /** Adds the points a log axis (if the chart has one) can show: finite, and positive on a log axis. */
    private static void addPositive(XYChart chart, String name, List<Double> xs, List<Double> ys, Color color,
                                    BasicStroke stroke, boolean markers) {
        boolean log = chart.getStyler().isYAxisLogarithmic();
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            double v = ys.get(i);
            if (Double.isFinite(v) && (!log || v > 0)) {
                x.add(xs.get(i));
                y.add(v);
            }
        }
        if (x.isEmpty()) {
            return;
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setMarkerColor(color);
        s.setLineColor(color);
        s.setLineStyle(stroke);
    }

    /**
     * One panel per cell: ‖∂ℓ/∂h‖ against lag, dashed at initialisation, solid after training, a
     * colour per T. The y axis is log10 of the norm on a linear scale: a vanishing gradient spans
     * tens of decades, more than a logarithmic XChart axis can label legibly.
     */
    public static List<XYChart> gradientCharts(StudyTask task, List<StudyRun.Result> rs) {
        List<XYChart> charts = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>(new TreeSet<>(rs.stream().map(StudyRun.Result::length).toList()));
        for (StudyCell cell : rs.stream().map(StudyRun.Result::cell).distinct().toList()) {
            XYChart chart = new XYChartBuilder().width(640).height(440)
                    .title(task.cliName + ", " + cell.cliName + ": ‖∂ℓ/∂h_t‖ vs lag (dashed: init, solid: trained)")
                    .xAxisTitle("lag T-1-t (steps to the loss)").yAxisTitle("log10 ‖∂ℓ/∂h_t‖").build();
            style(chart);
            chart.getStyler().setYAxisLogarithmic(false);
            chart.getStyler().setXAxisDecimalPattern("0");
            chart.getStyler().setYAxisDecimalPattern("0.#");
            chart.getStyler().setXAxisMin(0.0);
            for (StudyRun.Result r : rs.stream().filter(x -> x.cell() == cell).toList()) {
                Color c = LENGTH_COLORS[lengths.indexOf(r.length()) % LENGTH_COLORS.length];
                List<Double> lags = new ArrayList<>();
                for (int k : r.gradInit().lags()) {
                    lags.add((double) k);
                }
                addPositive(chart, "T=" + r.length() + " init", lags, log10(r.gradInit().hNorms()), c, DASHED, false);
                addPositive(chart, "T=" + r.length() + " trained", lags, log10(r.gradTrained().hNorms()), c, SOLID,
                        true);
            }
            if (!chart.getSeriesMap().isEmpty()) {
                charts.add(chart);
            }
        }
        return charts;
    }

    /** log10 of each value; NaN (a point left out) where the value is 0, an underflow. */
    private static List<Double> log10(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(x > 0 ? Math.log10(x) : Double.NaN);
        }
        return out;
    }

    private static List<Double> boxed(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(x);
        }
        return out;
    }

    /** GFLOP/s and sequences/s of training per cell, a bar per T. */
    public static List<CategoryChart> throughputCharts(StudyConfig config, StudyTask task, List<StudyRun.Result> rs) {
        List<CategoryChart> charts = new ArrayList<>();
        List<String> cells = config.cells().stream().map(c -> c.cliName).toList();
        for (boolean flops : new boolean[] {true, false}) {
            CategoryChart chart = new CategoryChartBuilder().width(640).height(440)
                    .title(String.format(Locale.ROOT, "%s: training %s, H = %d, B = %d, %d thread(s)", task.cliName,
                            flops ? "GFLOP/s" : "sequences/s", config.hidden(), config.batch(), config.threads()))
                    .xAxisTitle("cell").yAxisTitle(flops ? "GFLOP/s" : "sequences/s").build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            for (int t : new TreeSet<>(rs.stream().map(StudyRun.Result::length).toList())) {
                List<Double> ys = new ArrayList<>();
                for (StudyCell cell : config.cells()) {
                    double v = rs.stream().filter(r -> r.cell() == cell && r.length() == t).findFirst()
                            .map(r -> flops ? r.gflops() : r.sequencesPerSecond()).orElse(0.0);
                    ys.add(Double.isFinite(v) ? v : 0.0);
                }
                chart.addSeries("T=" + t, cells, ys);
            }
            charts.add(chart);
        }
        return charts;
    }

    private static void style(XYChart chart) {
        Styler s = chart.getStyler();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
    }
}
