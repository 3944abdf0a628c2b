package dev.vecrnn.perf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.nn.CellType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench scaling}: one configuration at every vector width (scalar, 128, 256, 512 bits)
 * and every thread count 1..N. The width is fixed when a JVM loads the kernels, so each point
 * runs {@link RnnTiming} in a fresh child JVM (same java, same class path).
 */
public final class ScalingSweep {
    private ScalingSweep() {}

    /**
     * The sweep.
     *
     * @param widths   vector widths in bits, 0 = scalar; widths above what this machine supports are skipped
     * @param out      output folder, or null for {@code target/bench/scaling-<cell>-<shape>-<mode>-<time>}
     * @param launcher how a child JVM starts the timer
     */
    public record Config(CellType cell, RnnShape shape, BenchMode mode, int threadsMax, List<Integer> widths,
                         Timing timing, Path out, RnnTiming.Launcher launcher) {
        /**
         * Checks the thread count and the widths, naming the command-line option of a bad one.
         *
         * @throws IllegalArgumentException naming the option, the rule and the value
         */
        public Config {
            Checks.positive("--threads-max", threadsMax);
            widths = List.copyOf(widths);
            for (int w : widths) {
                Checks.vectorBits("--widths: each", w);
            }
        }
    }

    /**
     * Runs every point in its own child JVM (progress to {@code progress}), writes
     * {@code scaling.md}, {@code scaling.json} and {@code scaling.png}, and prints the report to
     * {@code out}.
     *
     * @throws IllegalArgumentException if none of the widths runs on this machine
     * @throws IOException if a child JVM fails or a file cannot be written
     */
    public static void run(Config config, PrintStream out, PrintStream progress) throws IOException {
        Reports.headless();
        CellType c = config.cell();
        RnnShape s = config.shape();
        BenchMode m = config.mode();
        int n = config.threadsMax();
        Timing tm = config.timing();
        int preferred = VectorSupport.preferredBits();
        List<Integer> run = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int w : config.widths()) {
            if (w > preferred) {
                notes.add(ScalingReport.widthLabel(w) + " skipped: this JVM/CPU supports at most "
                        + (preferred == 0 ? "the scalar path (no Vector API module)" : preferred + " bits"));
            } else if (!run.contains(w)) {
                run.add(w);
            }
        }
        if (run.isEmpty()) {
            throw new IllegalArgumentException("--widths: none of " + config.widths() + " runs on this machine");
        }
        Path dir = config.out() != null ? config.out() : BenchPaths.benchDir().resolve(
                "scaling-" + c.cliName() + "-" + s + "-" + m.label + "-" + BenchPaths.stamp());

        List<ScalingReport.Point> points = new ArrayList<>();
        List<JsonNode> raw = new ArrayList<>();
        for (int w : run) {
            for (int t = 1; t <= n; t++) {
                String what = "bench rnn at " + ScalingReport.widthLabel(w) + ", " + t + " thread(s)";
                JsonNode j = RnnTiming.inChildJvm(config.launcher(), w, new RnnTiming.Request(c, s, m, t, 1, tm), what);
                if (j.path("vector_bits").asInt(-1) != w) {
                    notes.add(what + " ran at " + j.path("vector_bits").asInt(-1) + " bits");
                }
                ScalingReport.Point p = new ScalingReport.Point(w, t, j.path("median_ms").asDouble(),
                        j.path("min_ms").asDouble(), j.path("max_ms").asDouble(),
                        j.path("iqr_over_median").asDouble(), j.path("flops").asDouble());
                points.add(p);
                raw.add(j);
                progress.printf(Locale.ROOT, "scaling: %-8s %2d thread(s): %s ms/step, %s GFLOP/s (foreign cpu %s)%n",
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
        Reports.writePng(dir.resolve("scaling.png"), ScalingReport.chart(title, points, run, n));
        out.print(md);
        out.println();
        out.println("wrote " + dir.resolve("scaling.md") + ", scaling.json, scaling.png");
    }
}
