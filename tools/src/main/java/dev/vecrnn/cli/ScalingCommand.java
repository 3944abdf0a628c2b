package dev.vecrnn.cli;

import dev.vecrnn.perf.BenchPaths;
import dev.vecrnn.perf.Timing;
import dev.vecrnn.perf.ChildProcess;
import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.perf.ScalingReport;
import dev.vecrnn.perf.BenchMode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.nn.CellType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn bench scaling}: one configuration at every vector width (scalar, 128, 256,
 * 512 bits) and every thread count 1..N. The width is fixed when a JVM loads the kernels, so each
 * point runs {@code bench rnn} in a fresh child JVM (same java, same class path).
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = {"GFLOP/s of one configuration by vector width and thread count.",
            "Scalar, 128-, 256- and 512-bit paths, 1..N threads, each point in a fresh child JVM; writes",
            "DIR/scaling.md, scaling.json and scaling.png."})
final class ScalingCommand implements Callable<Integer> {
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--shape", defaultValue = "50x64x512x512", description = "TxBxIxH (default: ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--mode", defaultValue = "training", description = "inference or training (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--threads-max", description = "largest thread count (default: available processors)")
    Integer threadsMax;

    @Option(names = "--widths", defaultValue = "0,128,256,512", split = ",",
            description = "vector widths in bits, 0 = scalar (default: ${DEFAULT-VALUE}); widths above what this CPU supports are skipped")
    List<Integer> widths;

    @Option(names = "--out", description = "output folder (default: target/bench/scaling-<cell>-<shape>-<mode>-<time>)")
    Path out;

    @Mixin
    TimingOptions timing;

    @Override
    public Integer call() throws IOException {
        Reports.headless();
        CellType c = CellType.parse(cell);
        RnnShape s = RnnShape.parse(shape);
        BenchMode m = BenchMode.parse(mode);
        int n = threadsMax == null ? Runtime.getRuntime().availableProcessors() : threadsMax;
        if (n < 1) {
            throw new IllegalArgumentException("--threads-max must be >= 1, got " + n);
        }
        Timing tm = timing.toTiming();
        int preferred = VectorSupport.preferredBits();
        List<Integer> run = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int w : widths) {
            if (w != 0 && w != 128 && w != 256 && w != 512) {
                throw new IllegalArgumentException("--widths: each must be 0, 128, 256 or 512, got " + w);
            }
            if (w > preferred) {
                notes.add(ScalingReport.widthLabel(w) + " skipped: this JVM/CPU supports at most "
                        + (preferred == 0 ? "the scalar path (no Vector API module)" : preferred + " bits"));
            } else if (!run.contains(w)) {
                run.add(w);
            }
        }
        if (run.isEmpty()) {
            throw new IllegalArgumentException("--widths: none of " + widths + " runs on this machine");
        }
        Path dir = out != null ? out : BenchPaths.benchDir().resolve(
                "scaling-" + c.cliName() + "-" + s + "-" + m.label + "-" + BenchPaths.stamp());

        List<ScalingReport.Point> points = new ArrayList<>();
        List<JsonNode> raw = new ArrayList<>();
        for (int w : run) {
            for (int t = 1; t <= n; t++) {
                List<String> args = new ArrayList<>(List.of("bench", "rnn", "--cell", c.cliName(), "--shape", s.toString(),
                        "--mode", m.label, "--threads", Integer.toString(t)));
                args.addAll(tm.toArgs());
                String what = "bench rnn at " + ScalingReport.widthLabel(w) + ", " + t + " thread(s)";
                JsonNode j = ChildProcess.jsonResult(
                        ChildProcess.run(ChildProcess.javaCommand(Main.class, w, args), Map.of(), List.of()), what);
                if (j.path("vector_bits").asInt(-1) != w) {
                    notes.add(what + " ran at " + j.path("vector_bits").asInt(-1) + " bits");
                }
                ScalingReport.Point p = new ScalingReport.Point(w, t, j.path("median_ms").asDouble(),
                        j.path("min_ms").asDouble(), j.path("max_ms").asDouble(),
                        j.path("iqr_over_median").asDouble(), j.path("flops").asDouble());
                points.add(p);
                raw.add(j);
                System.err.printf(Locale.ROOT, "scaling: %-8s %2d thread(s): %s ms/step, %s GFLOP/s (foreign cpu %s)%n",
                        ScalingReport.widthLabel(w), t, Reports.fmt(p.medianMs()), Reports.fmt(p.gflops()),
                        j.path("foreign_cpu").isNull() ? "n/a" : Reports.fmt(j.path("foreign_cpu").asDouble()));
            }
        }

        String title = String.format(Locale.ROOT, "%s %s, T×B×I×H = %s (%.3g GFLOP per step)", c.cliName(), m.label, s,
                s.flops(c, m) / 1e9);
        Map<String, String> machine = MachineInfo.collect();
        StringBuilder md = new StringBuilder("# vecrnn scaling: ").append(title).append("\n\n");
        md.append(Reports.machineMarkdown(machine)).append('\n');
        md.append("Each cell is a fresh JVM running `vecrnn bench rnn` at that width (-Dvecrnn.vectorBits) and thread count: ")
                .append(String.format(Locale.ROOT, "warm-up ≥ %d ms, then ≥ %d steps and ≥ %d ms timed.%n%n",
                        tm.warmupMs(), tm.reps(), tm.minMs()));
        md.append(ScalingReport.markdown(points, run, n));
        if (!notes.isEmpty()) {
            md.append("\nNotes:\n");
            notes.forEach(x -> md.append("- ").append(x).append('\n'));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cell", c.cliName());
        json.put("shape", s.toString());
        json.put("mode", m.label);
        json.put("threads_max", n);
        json.put("widths", run);
        json.put("notes", notes);
        json.put("machine", machine);
        json.put("results", raw);

        Reports.write(dir.resolve("scaling.md"), md.toString());
        Reports.writeJson(dir.resolve("scaling.json"), json);
        chart(title, points, run, n, dir.resolve("scaling.png"));
        System.out.print(md);
        System.out.println();
        System.out.println("wrote " + dir.resolve("scaling.md") + ", scaling.json, scaling.png");
        return 0;
    }

    private static void chart(String title, List<ScalingReport.Point> points, List<Integer> widths, int threadsMax,
                              Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle("threads").yAxisTitle("GFLOP/s (median)").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisTickMarkSpacingHint(Math.max(40, 600 / Math.max(1, threadsMax)));
        for (int w : widths) {
            List<Integer> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int t = 1; t <= threadsMax; t++) {
                int tt = t;
                ScalingReport.find(points, w, t).ifPresent(p -> {
                    xs.add(tt);
                    ys.add(p.gflops());
                });
            }
            if (!xs.isEmpty()) {
                chart.addSeries(ScalingReport.widthLabel(w), xs, ys).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
