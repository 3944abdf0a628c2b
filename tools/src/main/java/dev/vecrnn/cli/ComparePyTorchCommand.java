package dev.vecrnn.cli;

import dev.vecrnn.perf.BenchPaths;
import dev.vecrnn.perf.Timing;
import dev.vecrnn.perf.ChildProcess;
import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.perf.CompareReport;
import dev.vecrnn.perf.ScalingReport;
import dev.vecrnn.perf.BenchMode;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vecrnn.nn.CellType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vecrnn bench compare-pytorch} (run through {@code scripts/compare-pytorch}): the same
 * cells, shapes, modes and thread counts timed in PyTorch and in vecrnn, each measurement in a
 * fresh process, the two frameworks alternating per configuration (ABBA order over rounds, so a
 * slow drift of the machine's speed hits both alike). Reports vecrnn time / PyTorch time.
 *
 * <p>The PyTorch side is a child process printing one JSON line per configuration: by default
 * {@code python scripts/lib/torch_rnn_time.py}; {@code --torch-command} runs another timer that
 * takes the same options and prints the same fields, such as {@code compare/djl/djl-rnn-time}
 * (PyTorch 2.7.1 through DJL). The reports name the engine and version the timer printed.
 */
@Command(name = "compare-pytorch", mixinStandardHelpOptions = true,
        description = {"vecrnn vs PyTorch on identical configurations (use scripts/compare-pytorch).",
            "Times PyTorch (CPU, float32) and vecrnn, alternating the frameworks per configuration over several",
            "rounds; writes compare.md, compare.json and compare.png (ratio vecrnn time / PyTorch time; below 1",
            "means vecrnn is faster)."})
final class ComparePyTorchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--cells", defaultValue = "lstm,gru,rnn_tanh,rnn_relu", description = "cells (default: ${DEFAULT-VALUE})")
    String cells;

    @Option(names = "--shapes", description = "TxBxIxH list (default: the five standard shapes "
            + "50x32x256x256,50x64x512x512,25x16x1024x1024,100x1x256x256,50x128x128x128)")
    String shapes;

    @Option(names = "--modes", defaultValue = "inference,training", description = "inference and/or training (default: ${DEFAULT-VALUE})")
    String modes;

    @Option(names = "--threads", split = ",", description = "thread counts (default: 1 and the available processors)")
    List<Integer> threads;

    @Option(names = "--rounds", defaultValue = "3", description = "measurements per framework and configuration (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--quick", description = "a smoke run: 1 round, short timing, and unless given: lstm, 50x32x256x256, 1 thread")
    boolean quick;

    @Option(names = "--out", description = "output folder (default: target/bench/compare-pytorch-<time>)")
    Path out;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default: ${DEFAULT-VALUE})")
    String python;

    @Option(names = "--torch-script", description = "the PyTorch timer (default: scripts/lib/torch_rnn_time.py of this project)")
    Path torchScript;

    @Option(names = "--torch-command", paramLabel = "WORD", description = {
        "run this PyTorch timer instead of PYTHON SCRIPT: its command line, one word per occurrence",
        "(e.g. compare/djl/djl-rnn-time); it gets the options and environment torch_rnn_time.py gets",
        "and must print the same JSON line"})
    List<String> torchCommand;

    @Option(names = "--vector-bits", description = "run vecrnn at this width (0 = scalar; default: the JVM's widest)")
    Integer vectorBits;

    @Option(names = "--seed", defaultValue = "1", description = "seed of weights and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    TimingOptions timing;

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The sweep, after --quick defaults: shape, then cell, then mode, then threads. */
    List<CompareReport.Config> configs() {
        List<CellType> cellList = new ArrayList<>();
        for (String c : (quick && !given("--cells") ? "lstm" : cells).split(",")) {
            if (!c.isBlank()) {
                cellList.add(CellType.parse(c));
            }
        }
        if (cellList.isEmpty()) {
            throw new IllegalArgumentException("--cells: expected a comma-separated list, got '" + cells + "'");
        }
        List<RnnShape> shapeList = shapes != null ? RnnShape.parseList(shapes)
                : quick ? List.of(RnnShape.STANDARD.getFirst()) : RnnShape.STANDARD;
        List<BenchMode> modeList = BenchMode.parseList(modes);
        List<Integer> threadList = threads != null ? threads
                : quick ? List.of(1) : new ArrayList<>(new TreeSet<>(List.of(1, Runtime.getRuntime().availableProcessors())));
        for (int t : threadList) {
            if (t < 1) {
                throw new IllegalArgumentException("--threads: each must be >= 1, got " + t);
            }
        }
        List<CompareReport.Config> out = new ArrayList<>();
        for (RnnShape s : shapeList) {
            for (CellType c : cellList) {
                for (BenchMode m : modeList) {
                    for (int t : threadList) {
                        out.add(new CompareReport.Config(c, s, m, t));
                    }
                }
            }
        }
        return out;
    }

    /** Applies --quick to the timing settings the user did not give. */
    void applyQuick() {
        if (!quick) {
            return;
        }
        if (!given("--rounds")) {
            rounds = 1;
        }
        if (!given("--warmup-ms")) {
            timing.warmupMs = 500;
        }
        if (!given("--reps")) {
            timing.reps = 5;
        }
        if (!given("--min-ms")) {
            timing.minMs = 300;
        }
        if (!given("--tries")) {
            timing.tries = 1;
        }
    }

    @Override
    public Integer call() throws IOException {
        Reports.headless();
        applyQuick();
        Timing tm = timing.toTiming();
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
        }
        if (vectorBits != null && vectorBits != 0 && vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
            throw new IllegalArgumentException("--vector-bits must be 0, 128, 256 or 512, got " + vectorBits);
        }
        List<CompareReport.Config> configs = configs();
        List<String> torchPrefix = torchCommandPrefix();
        Path dir = out != null ? out : BenchPaths.benchDir().resolve("compare-pytorch-" + BenchPaths.stamp());

        List<CompareReport.Row> rows = new ArrayList<>();
        List<JsonNode> runs = new ArrayList<>();
        JsonNode torchInfo = null;
        int k = 0;
        for (CompareReport.Config c : configs) {
            k++;
            List<Double> torchMs = new ArrayList<>();
            List<Double> vecMs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                // ABBA: the framework that goes first alternates, so a drift over time favours neither.
                boolean torchFirst = r % 2 == 0;
                JsonNode a = torchFirst ? runTorch(c, torchPrefix) : runVecrnn(c);
                JsonNode b = torchFirst ? runVecrnn(c) : runTorch(c, torchPrefix);
                JsonNode t = torchFirst ? a : b;
                JsonNode v = torchFirst ? b : a;
                torchInfo = torchInfo == null ? t : torchInfo;
                for (JsonNode j : List.of(t, v)) {
                    ((ObjectNode) j).put("round", r + 1);
                    ((ObjectNode) j).remove("times_ms");
                    runs.add(j);
                }
                torchMs.add(t.path("median_ms").asDouble());
                vecMs.add(v.path("median_ms").asDouble());
                System.err.printf(Locale.ROOT, "compare [%d/%d] %s round %d: pytorch %s ms, vecrnn %s ms, ratio %s%n",
                        k, configs.size(), c.label(), r + 1, Reports.fmt(torchMs.getLast()), Reports.fmt(vecMs.getLast()),
                        Reports.fmt(vecMs.getLast() / torchMs.getLast()));
            }
            rows.add(CompareReport.row(c, torchMs, vecMs));
        }

        Map<String, String> machine = MachineInfo.collect();
        String torchLabel = engineLabel(torchInfo);
        StringBuilder md = new StringBuilder("# vecrnn vs " + torchLabel + " (CPU, float32)\n\n");
        md.append(Reports.machineMarkdown(machine));
        if (torchInfo != null) {
            md.append("- pytorch: ").append(torchLabel).append(", engine ").append(engineName(torchInfo))
                    .append(", BLAS/oneDNN libraries: ").append(torchInfo.path("blas").toString())
                    .append(", mkldnn: ").append(torchInfo.path("mkldnn").asText()).append('\n');
        }
        md.append(String.format(Locale.ROOT, "- vecrnn vector width: %s%n", vectorBits == null ? "the JVM's widest"
                : ScalingReport.widthLabel(vectorBits)));
        md.append(String.format(Locale.ROOT,
                "%nEach measurement is a fresh process (PyTorch timer / vecrnn JVM): warm-up ≥ %d ms, then ≥ %d steps and ≥ %d ms timed; "
                        + "median per step. %d round(s) per configuration, frameworks alternating (ABBA). "
                        + "Single layer, zero initial state; training = forward + backward of sum(out·R) incl. dL/dx. "
                        + "GFLOP/s: forward 2·T·B·G·H·(I+H), training 3× forward.%n%n",
                tm.warmupMs(), tm.reps(), tm.minMs(), rounds));
        md.append(CompareReport.markdown(rows));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rounds", rounds);
        json.put("vector_bits", vectorBits);
        json.put("machine", machine);
        Map<String, Object> torchJson = null;
        if (torchInfo != null) {
            torchJson = new LinkedHashMap<>();
            torchJson.put("label", torchLabel);
            torchJson.put("engine", engineName(torchInfo));
            torchJson.put("version", torchInfo.path("version").asText());
            if (torchInfo.has("djl_version")) {
                torchJson.put("djl_version", torchInfo.path("djl_version").asText());
            }
            torchJson.put("blas", torchInfo.path("blas"));
            torchJson.put("mkldnn", torchInfo.path("mkldnn"));
            torchJson.put("command", torchPrefix);
        }
        json.put("pytorch", torchJson);
        List<Map<String, Object>> rowJson = new ArrayList<>();
        for (CompareReport.Row r : rows) {
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
            rowJson.add(m);
        }
        json.put("rows", rowJson);
        json.put("geometric_mean_ratio", CompareReport.geometricMeans(rows));
        json.put("runs", runs);

        Reports.write(dir.resolve("compare.md"), md.toString());
        Reports.writeJson(dir.resolve("compare.json"), json);
        chart(rows, torchLabel, dir.resolve("compare.png"));
        System.out.print(md);
        System.out.println();
        System.out.println("wrote " + dir.resolve("compare.md") + ", compare.json, compare.png");
        return 0;
    }

    /**
     * The PyTorch timer's command line before its options: the {@code --torch-command} words, or
     * {@code python script}.
     *
     * @throws IllegalArgumentException if both are given, or the script is not a file
     */
    List<String> torchCommandPrefix() {
        if (torchCommand != null) {
            if (given("--torch-script") || given("--python")) {
                throw new IllegalArgumentException("--torch-command replaces --python and --torch-script: give one or the other");
            }
            if (torchCommand.isEmpty() || torchCommand.getFirst().isBlank()) {
                throw new IllegalArgumentException("--torch-command: expected a program, got '" + String.join(" ", torchCommand) + "'");
            }
            return List.copyOf(torchCommand);
        }
        Path script = torchScript != null ? torchScript
                : BenchPaths.projectRoot().resolve("scripts/lib/torch_rnn_time.py");
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException("--torch-script: no file " + script);
        }
        return List.of(python, script.toString());
    }

    /** The full command line of one PyTorch measurement. */
    List<String> torchCommandLine(List<String> prefix, CompareReport.Config c) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("--cell", c.cell().cliName(), "--shape", c.shape().toString(), "--mode", c.mode().label,
                "--threads", Integer.toString(c.threads()), "--seed", Long.toString(seed)));
        cmd.addAll(timing.toTiming().toArgs());
        return cmd;
    }

    /** Which PyTorch timer printed {@code info}: its {@code engine} field, "python" for torch_rnn_time.py (which has none). */
    static String engineName(JsonNode info) {
        String e = info == null ? "" : info.path("engine").asText("");
        return e.isEmpty() ? "python" : e;
    }

    /** For titles: "PyTorch 1.13.1" (Python) or "PyTorch 2.7.1 (DJL)". */
    static String engineLabel(JsonNode info) {
        if (info == null) {
            return "PyTorch";
        }
        String label = "PyTorch " + info.path("version").asText("?");
        return engineName(info).equals("pytorch-djl") ? label + " (DJL)" : label;
    }

    private JsonNode runTorch(CompareReport.Config c, List<String> prefix) throws IOException {
        List<String> cmd = torchCommandLine(prefix, c);
        String t = Integer.toString(c.threads());
        Map<String, String> env = new LinkedHashMap<>();
        // Debian's torch calls OpenBLAS, which sizes its pool when loaded: set every pool's size up front.
        env.put("OPENBLAS_NUM_THREADS", t);
        env.put("OMP_NUM_THREADS", t);
        env.put("MKL_NUM_THREADS", t);
        if (c.threads() > 1) { // (the DJL launcher drops this again: libtorch's MKL runs in the OpenMP pool)
            env.put("OMP_WAIT_POLICY", "PASSIVE"); // spinning OpenMP workers would fight OpenBLAS' threads
        }
        try {
            // Tuning variables set for older OpenBLAS builds slow a current one down: run without them.
            return ChildProcess.jsonResult(ChildProcess.run(cmd, env, List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")),
                    "PyTorch timer (" + c.label() + ")");
        } catch (IOException e) {
            if (torchCommand == null && e.getMessage().contains("No module named 'torch'")) {
                throw new IOException(e.getMessage() + " -- install PyTorch for " + python
                        + " (Debian: apt-get install python3-torch python3-numpy libopenblas0-pthread; scripts/compare-pytorch does this as root)", e);
            }
            throw e;
        }
    }

    private JsonNode runVecrnn(CompareReport.Config c) throws IOException {
        List<String> args = new ArrayList<>(List.of("bench", "rnn", "--cell", c.cell().cliName(), "--shape",
                c.shape().toString(), "--mode", c.mode().label, "--threads", Integer.toString(c.threads()),
                "--seed", Long.toString(seed)));
        args.addAll(timing.toTiming().toArgs());
        return ChildProcess.jsonResult(ChildProcess.run(ChildProcess.javaCommand(Main.class, vectorBits, args), Map.of(), List.of()),
                "vecrnn bench rnn (" + c.label() + ")");
    }

    private static final java.awt.Color[] CELL_COLOURS = {
        new java.awt.Color(0x1f77b4), new java.awt.Color(0x9467bd), new java.awt.Color(0xd62728), new java.awt.Color(0x2ca02c)};

    /**
     * GFLOP/s against hidden size, one panel per mode and thread count (titled with the PyTorch
     * engine), one series per cell and framework.
     */
    private static void chart(List<CompareReport.Row> rows, String torchLabel, Path file) throws IOException {
        Map<String, List<CompareReport.Row>> panels = new LinkedHashMap<>();
        for (CompareReport.Row r : rows) {
            panels.computeIfAbsent(r.config().mode().label + ", " + r.config().threads() + " thread(s)",
                    k -> new ArrayList<>()).add(r);
        }
        List<XYChart> charts = new ArrayList<>();
        for (Map.Entry<String, List<CompareReport.Row>> p : panels.entrySet()) {
            XYChart chart = new XYChartBuilder().width(640).height(440).title("vecrnn vs " + torchLabel + ": " + p.getKey())
                    .xAxisTitle("hidden size H").yAxisTitle("GFLOP/s (median)").build();
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            chart.getStyler().setXAxisDecimalPattern("0");
            chart.getStyler().setYAxisMin(0.0);
            chart.getStyler().setMarkerSize(9);
            Map<String, List<double[]>> series = new LinkedHashMap<>();
            for (CompareReport.Row r : p.getValue()) {
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
        if (charts.isEmpty()) {
            return;
        }
        int cols = (int) Math.ceil(Math.sqrt(charts.size()));
        int rowsN = (charts.size() + cols - 1) / cols;
        Files.createDirectories(file.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(charts, rowsN, cols, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
