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
 * The PNG plots of {@code vecrnn compare}, drawn headless with XChart: loss curves per (task, T)
 * with the step each run was solved at, the test metric against T (median and spread of the
 * seeds), gradient norm against lag, throughput. Log axes cannot show zero or
 * negative values, so such points (a gradient that underflowed to 0) are left out of a line.
 */
public final class StudyCharts {
    private StudyCharts() {}

    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {6f, 4f}, 0f);
    private static final BasicStroke DOTTED = new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {2f, 3f}, 0f);
    private static final BasicStroke SOLID = new BasicStroke(2f);
    private static final BasicStroke THIN = new BasicStroke(1.2f);
    private static final Color[] LENGTH_COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

    /** The colour of a cell in every chart. */
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

    /**
     * Training loss (moving average) at one T: a thin line per seed in its cell's colour, a
     * diamond where a run was solved (and stopped, if runs stop when solved), a cross where it
     * diverged; log y, with the baseline and the threshold.
     */
    public static XYChart lossChart(StudyConfig config, StudyTask task, int length, List<StudyRun.Result> rs) {
        int window = Math.max(1, config.steps() / 50);
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title(String.format(Locale.ROOT, "%s, T = %d: training loss (moving average of %d steps), a line per "
                        + "seed; ◆ solved", task.cliName, length, window))
                .xAxisTitle("training step").yAxisTitle(task.metric + " (log scale)").build();
        style(chart);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax((double) config.steps());
        chart.getStyler().setXAxisDecimalPattern("0");
        double maxStep = 1;
        double maxLoss = 0;
        for (StudyCell cell : config.cells()) {
            List<StudyRun.Result> mine = rs.stream().filter(r -> r.cell() == cell).toList();
            List<Double> solvedX = new ArrayList<>();
            List<Double> solvedY = new ArrayList<>();
            List<Double> divergedX = new ArrayList<>();
            List<Double> divergedY = new ArrayList<>();
            boolean legend = true;
            for (StudyRun.Result r : mine) {
                double[] avg = movingAverage(r.lossCurve(), window);
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                // At most ~400 points per line. Keeping the first point breaks the equal spacing, which
                // also makes XChart choose round tick values instead of labelling every n-th point.
                int stride = Math.max(1, avg.length / 400);
                for (int i = 0; i < avg.length; i++) {
                    boolean keep = i == 0 || (i + 1) % stride == 0 || i == avg.length - 1;
                    if (keep && avg[i] > 0 && Double.isFinite(avg[i])) {
                        xs.add((double) (i + 1));
                        ys.add(avg[i]);
                        maxLoss = Math.max(maxLoss, avg[i]);
                    }
                }
                maxStep = Math.max(maxStep, avg.length);
                if (!xs.isEmpty()) {
                    XYSeries s = chart.addSeries(cell.cliName + " seed " + r.seed(), xs, ys);
                    s.setMarker(SeriesMarkers.NONE);
                    s.setLineColor(color(cell));
                    s.setLineStyle(THIN);
                    s.setShowInLegend(legend);
                    if (legend) {
                        s.setLabel(cell.cliName);
                        legend = false;
                    }
                }
                if (r.solvedAtStep() != null && r.solvedAtStep() <= avg.length) {
                    solvedX.add((double) r.solvedAtStep());
                    solvedY.add(avg[r.solvedAtStep() - 1]);
                }
                if (r.divergedAtStep() != null && avg.length > 0) {
                    divergedX.add((double) avg.length);
                    divergedY.add(avg[avg.length - 1]);
                }
            }
            scatter(chart, cell.cliName + " solved", solvedX, solvedY, SeriesMarkers.DIAMOND, color(cell));
            scatter(chart, cell.cliName + " diverged", divergedX, divergedY, SeriesMarkers.CROSS, color(cell));
        }
        if (!rs.isEmpty()) {
            StudyRun.Result any = rs.get(0);
            horizontal(chart, "baseline " + StudyFormat.metric(any.baseline()), any.baseline(), maxStep, DASHED,
                    Color.DARK_GRAY);
            horizontal(chart, "success ≤ " + StudyFormat.metric(any.threshold()), any.threshold(), maxStep, DOTTED,
                    Color.BLACK);
            // a run whose loss exploded would squeeze everything else into the bottom decades
            if (maxLoss > 100 * any.baseline()) {
                chart.getStyler().setYAxisMax(100 * any.baseline());
                chart.setTitle(chart.getTitle() + " (cut at 100 × baseline)");
            }
        }
        return chart;
    }

    /** The mean of the last {@code window} values at every index (fewer at the start). */
    static double[] movingAverage(float[] c, int window) {
        double[] out = new double[c.length];
        double sum = 0;
        for (int i = 0; i < c.length; i++) {
            sum += c[i];
            if (i >= window) {
                sum -= c[i - window];
            }
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }

    /** Points with markers and no line, the ones a log axis can show. */
    private static void scatter(XYChart chart, String name, List<Double> xs, List<Double> ys,
                                org.knowm.xchart.style.markers.Marker marker, Color c) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            if (ys.get(i) > 0 && Double.isFinite(ys.get(i))) {
                x.add(xs.get(i));
                y.add(ys.get(i));
            }
        }
        if (x.isEmpty()) {
            return;
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(marker);
        s.setMarkerColor(c);
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

    /**
     * Test metric against T: per cell the median over the seeds (line and dots) and a band from
     * the smallest to the largest seed, with the baseline and the threshold for each T.
     */
    public static XYChart finalMetricChart(StudyConfig config, StudyTask task, List<StudyRun.Result> rs) {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title(String.format(Locale.ROOT, "%s: test %s by T, median of %d seed(s), band min to max "
                        + "(budget %d steps)", task.cliName, task.metric, config.seeds(), config.steps()))
                .xAxisTitle("T").yAxisTitle("test " + task.metric + " (log scale)").build();
        style(chart);
        chart.getStyler().setXAxisDecimalPattern("0");
        List<StudySummary> summaries = StudySummary.of(rs);
        for (StudyCell cell : config.cells()) {
            List<StudySummary> mine = summaries.stream().filter(s -> s.cell() == cell)
                    .sorted((a, b) -> Integer.compare(a.length(), b.length())).toList();
            band(chart, cell.cliName + " min-max", mine.stream().map(s -> (double) s.length()).toList(),
                    mine.stream().map(StudySummary::minMetric).toList(),
                    mine.stream().map(StudySummary::maxMetric).toList(), color(cell));
            addPositive(chart, cell.cliName, mine.stream().map(s -> (double) s.length()).toList(),
                    mine.stream().map(StudySummary::medianMetric).toList(), color(cell), SOLID, true);
        }
        List<StudySummary> perT = summaries.stream().collect(java.util.stream.Collectors.toMap(StudySummary::length,
                s -> s, (a, b) -> a, java.util.TreeMap::new)).values().stream().toList();
        List<Double> ts = perT.stream().map(s -> (double) s.length()).toList();
        addPositive(chart, "baseline", ts, perT.stream().map(StudySummary::baseline).toList(), Color.DARK_GRAY,
                DASHED, false);
        addPositive(chart, "success threshold", ts, perT.stream().map(StudySummary::threshold).toList(),
                Color.BLACK, DOTTED, false);
        return chart;
    }

    /**
     * A translucent polygon from {@code lo} (left to right) back along {@code hi}: the spread of
     * the seeds. Infinite or non-positive bounds (a diverged seed) are clamped to the finite
     * positive range of the others; a band with fewer than two finite columns is left out.
     */
    private static void band(XYChart chart, String name, List<Double> xs, List<Double> lo, List<Double> hi, Color c) {
        List<Double> x = new ArrayList<>();
        List<Double> l = new ArrayList<>();
        List<Double> h = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            if (lo.get(i) > 0 && Double.isFinite(lo.get(i)) && Double.isFinite(hi.get(i))) {
                x.add(xs.get(i));
                l.add(lo.get(i));
                h.add(hi.get(i));
            }
        }
        if (x.size() < 2 && !(x.size() == 1 && !l.get(0).equals(h.get(0)))) {
            return;
        }
        List<Double> px = new ArrayList<>(x);
        List<Double> py = new ArrayList<>(l);
        for (int i = x.size() - 1; i >= 0; i--) {
            px.add(x.get(i));
            py.add(h.get(i));
        }
        XYSeries s = chart.addSeries(name, px, py);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        s.setMarker(SeriesMarkers.NONE);
        Color fill = new Color(c.getRed(), c.getGreen(), c.getBlue(), 50);
        s.setFillColor(fill);
        s.setLineColor(fill);
        s.setShowInLegend(false);
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
     * One panel per cell: ‖∂ℓ/∂h‖ against lag, the median over the seeds, dashed at
     * initialisation, solid at the end of training, a colour per T. The y axis is log10 of the
     * norm on a linear scale: a vanishing gradient spans tens of decades, more than a logarithmic
     * XChart axis can label legibly.
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
            for (int t : lengths) {
                List<StudyRun.Result> mine = rs.stream().filter(x -> x.cell() == cell && x.length() == t).toList();
                if (mine.isEmpty()) {
                    continue;
                }
                Color c = LENGTH_COLORS[lengths.indexOf(t) % LENGTH_COLORS.length];
                int[] lagArray = mine.get(0).gradInit().lags();
                List<Double> lags = new ArrayList<>();
                double[] init = new double[lagArray.length];
                double[] trained = new double[lagArray.length];
                for (int i = 0; i < lagArray.length; i++) {
                    lags.add((double) lagArray[i]);
                    init[i] = StudyReport.medianNorm(mine, true, i);
                    trained[i] = StudyReport.medianNorm(mine, false, i);
                }
                addPositive(chart, "T=" + t + " init", lags, log10(init), c, DASHED, false);
                addPositive(chart, "T=" + t + " trained", lags, log10(trained), c, SOLID, true);
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

    /** GFLOP/s and sequences/s of training per cell (median over the seeds), a bar per T. */
    public static List<CategoryChart> throughputCharts(StudyConfig config, StudyTask task, List<StudyRun.Result> rs) {
        List<CategoryChart> charts = new ArrayList<>();
        List<String> cells = config.cells().stream().map(c -> c.cliName).toList();
        List<StudySummary> summaries = StudySummary.of(rs);
        for (boolean flops : new boolean[] {true, false}) {
            CategoryChart chart = new CategoryChartBuilder().width(640).height(440)
                    .title(String.format(Locale.ROOT, "%s: training %s, H = %d, B = %d, %d job(s) of %d thread(s)",
                            task.cliName, flops ? "GFLOP/s" : "sequences/s", config.hidden(), config.batch(),
                            config.jobs(), config.threads()))
                    .xAxisTitle("cell").yAxisTitle(flops ? "GFLOP/s" : "sequences/s").build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            for (int t : new TreeSet<>(rs.stream().map(StudyRun.Result::length).toList())) {
                List<Double> ys = new ArrayList<>();
                for (StudyCell cell : config.cells()) {
                    double v = summaries.stream().filter(s -> s.cell() == cell && s.length() == t).findFirst()
                            .map(s -> flops ? s.medianGflops() : s.medianSequencesPerSecond()).orElse(0.0);
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
