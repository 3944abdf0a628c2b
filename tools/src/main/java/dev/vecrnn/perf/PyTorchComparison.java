package dev.vecrnn.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * {@code bench compare-pytorch}: the same cells, shapes, modes and thread counts timed in PyTorch
 * and in vecrnn, each measurement in a fresh process, the two frameworks alternating per
 * configuration (ABBA order over rounds, so a slow drift of the machine's speed hits both alike).
 * Reports vecrnn time / PyTorch time.
 *
 * <p>The PyTorch side is a child process printing one JSON line per configuration (see
 * {@link RnnTiming}): by default {@code python scripts/lib/torch_rnn_time.py}, or another timer
 * that takes the same options and prints the same fields, such as {@code compare/djl/djl-rnn-time}
 * (PyTorch 2.7.1 through DJL). The reports name the engine and version the timer printed.
 */
public final class PyTorchComparison {
    private PyTorchComparison() {}

    /**
     * The PyTorch timer.
     *
     * @param command its command line before the timer options
     * @param python  the Python interpreter when the timer is a Python script (named in the hint
     *                to install PyTorch when it is missing), else null
     */
    public record TorchTimer(List<String> command, String python) {
        /**
         * A timer with a program to run.
         *
         * @throws IllegalArgumentException if the command is empty or its program blank
         */
        public TorchTimer {
            if (command.isEmpty() || command.getFirst().isBlank()) {
                throw new IllegalArgumentException("--torch-command: expected a program, got '" + String.join(" ", command) + "'");
            }
            command = List.copyOf(command);
        }
    }

    /**
     * The comparison.
     *
     * @param configs    the configurations, in the order to run them ({@link CompareReport#sweep})
     * @param rounds     measurements per framework and configuration
     * @param vectorBits the width vecrnn runs at (0 = scalar), or null for the JVM's widest
     * @param seed       seed of weights and inputs, for both frameworks
     * @param out        output folder, or null for {@code target/bench/compare-pytorch-<time>}
     * @param launcher   how a child JVM starts vecrnn's timer
     */
    public record Config(List<CompareReport.Config> configs, int rounds, Timing timing, Integer vectorBits, long seed,
                         TorchTimer torch, Path out, RnnTiming.Launcher launcher) {
        /**
         * Checks the rounds and the width, naming the command-line option of a bad one.
         *
         * @throws IllegalArgumentException naming the option, the rule and the value
         */
        public Config {
            configs = List.copyOf(configs);
            Checks.positive("--rounds", rounds);
            if (vectorBits != null) {
                Checks.vectorBits("--vector-bits", vectorBits);
            }
        }
    }

    /**
     * Runs every configuration {@code rounds} times in both frameworks (progress to
     * {@code progress}), writes {@code compare.md}, {@code compare.json} and {@code compare.png},
     * and prints the report to {@code out}.
     *
     * @throws IOException if a timer fails or a file cannot be written
     */
    public static void run(Config config, PrintStream out, PrintStream progress) throws IOException {
        Reports.headless();
        List<CompareReport.Config> configs = config.configs();
        Path dir = config.out() != null ? config.out() : BenchPaths.benchDir().resolve("compare-pytorch-" + BenchPaths.stamp());
        List<CompareReport.Row> rows = new ArrayList<>();
        List<JsonNode> runs = new ArrayList<>();
        JsonNode torchInfo = null;
        int k = 0;
        for (CompareReport.Config c : configs) {
            k++;
            List<Double> torchMs = new ArrayList<>();
            List<Double> vecMs = new ArrayList<>();
            for (int r = 0; r < config.rounds(); r++) {
                // ABBA: the framework that goes first alternates, so a drift over time favours neither.
                boolean torchFirst = r % 2 == 0;
                JsonNode a = torchFirst ? runTorch(config, c) : runVecrnn(config, c);
                JsonNode b = torchFirst ? runVecrnn(config, c) : runTorch(config, c);
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
                progress.printf(Locale.ROOT, "compare [%d/%d] %s round %d: pytorch %s ms, vecrnn %s ms, ratio %s%n",
                        k, configs.size(), c.label(), r + 1, Reports.fmt(torchMs.getLast()), Reports.fmt(vecMs.getLast()),
                        Reports.fmt(vecMs.getLast() / torchMs.getLast()));
            }
            rows.add(CompareReport.row(c, torchMs, vecMs));
        }

        Map<String, String> machine = MachineInfo.collect();
        String torchLabel = engineLabel(torchInfo);
        String md = markdown(config, rows, torchInfo, machine);
        Reports.write(dir.resolve("compare.md"), md);
        Reports.writeJson(dir.resolve("compare.json"), json(config, rows, torchInfo, machine, runs));
        List<XYChart> charts = CompareReport.charts(rows, torchLabel);
        if (!charts.isEmpty()) {
            int cols = (int) Math.ceil(Math.sqrt(charts.size()));
            Reports.writePng(dir.resolve("compare.png"), charts, (charts.size() + cols - 1) / cols, cols);
        }
        out.print(md);
        out.println();
        out.println("wrote " + dir.resolve("compare.md") + ", compare.json, compare.png");
    }

    private static String markdown(Config config, List<CompareReport.Row> rows, JsonNode torchInfo, Map<String, String> machine) {
        String torchLabel = engineLabel(torchInfo);
        Timing tm = config.timing();
        StringBuilder md = new StringBuilder("# vecrnn vs " + torchLabel + " (CPU, float32)\n\n");
        md.append(Reports.machineMarkdown(machine));
        if (torchInfo != null) {
            md.append("- pytorch: ").append(torchLabel).append(", engine ").append(engineName(torchInfo))
                    .append(", BLAS/oneDNN libraries: ").append(torchInfo.path("blas").toString())
                    .append(", mkldnn: ").append(torchInfo.path("mkldnn").asText()).append('\n');
        }
        md.append(String.format(Locale.ROOT, "- vecrnn vector width: %s%n", config.vectorBits() == null ? "the JVM's widest"
                : ScalingReport.widthLabel(config.vectorBits())));
        md.append(String.format(Locale.ROOT,
                "%nEach measurement is a fresh process (PyTorch timer / vecrnn JVM): warm-up ≥ %d ms, then ≥ %d steps and ≥ %d ms timed; "
                        + "median per step. %d round(s) per configuration, frameworks alternating (ABBA). "
                        + "Single layer, zero initial state; training = forward + backward of sum(out·R) incl. dL/dx. "
                        + "GFLOP/s: forward 2·T·B·G·H·(I+H), training 3× forward.%n%n",
                tm.warmupMs(), tm.reps(), tm.minMs(), config.rounds()));
        md.append(CompareReport.markdown(rows));
        return md.toString();
    }

    private static Map<String, Object> json(Config config, List<CompareReport.Row> rows, JsonNode torchInfo,
                                            Map<String, String> machine, List<JsonNode> runs) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rounds", config.rounds());
        json.put("vector_bits", config.vectorBits());
        json.put("machine", machine);
        Map<String, Object> torchJson = null;
        if (torchInfo != null) {
            torchJson = new LinkedHashMap<>();
            torchJson.put("label", engineLabel(torchInfo));
            torchJson.put("engine", engineName(torchInfo));
            torchJson.put("version", torchInfo.path("version").asText());
            if (torchInfo.has("djl_version")) {
                torchJson.put("djl_version", torchInfo.path("djl_version").asText());
            }
            torchJson.put("blas", torchInfo.path("blas"));
            torchJson.put("mkldnn", torchInfo.path("mkldnn"));
            torchJson.put("command", config.torch().command());
        }
        json.put("pytorch", torchJson);
        json.put("rows", CompareReport.json(rows));
        json.put("geometric_mean_ratio", CompareReport.geometricMeans(rows));
        json.put("runs", runs);
        return json;
    }

    /** The timer options of {@code c} with this comparison's seed and timing. */
    private static RnnTiming.Request request(Config config, CompareReport.Config c) {
        return new RnnTiming.Request(c.cell(), c.shape(), c.mode(), c.threads(), config.seed(), config.timing());
    }

    /** The full command line of one PyTorch measurement: the timer's command, then the timer options. */
    static List<String> torchCommandLine(Config config, CompareReport.Config c) {
        List<String> cmd = new ArrayList<>(config.torch().command());
        cmd.addAll(request(config, c).toArgs());
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

    private static JsonNode runTorch(Config config, CompareReport.Config c) throws IOException {
        List<String> cmd = torchCommandLine(config, c);
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
            String python = config.torch().python();
            if (python != null && e.getMessage().contains("No module named 'torch'")) {
                throw new IOException(e.getMessage() + " -- install PyTorch for " + python
                        + " (Debian: apt-get install python3-torch python3-numpy libopenblas0-pthread; scripts/compare-pytorch does this as root)", e);
            }
            throw e;
        }
    }

    private static JsonNode runVecrnn(Config config, CompareReport.Config c) throws IOException {
        return RnnTiming.inChildJvm(config.launcher(), config.vectorBits(), request(config, c),
                "vecrnn bench rnn (" + c.label() + ")");
    }
}
