package dev.vecrnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.perf.Reports;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns JMH JSON result files into {@code summary.md}: the machine, then per benchmark the
 * median, JMH's error, GFLOP/s (for benchmarks whose work is known from their parameters,
 * {@link Flops}), % of this machine's measured FMA peak at the same thread count (from the
 * {@code peak.json} that {@code scripts/vecrnn bench peak} writes), the speed-up over the
 * scalar path, and {@code gc.alloc.rate.norm} when {@code -prof gc} was used.
 *
 * <p>A row is on the scalar path if its {@code impl} parameter is {@code scalar} or its fork
 * ran with {@code -Dvecrnn.vectorBits=0}. JMH cannot vary JVM flags per parameter, so for
 * benchmarks without an {@code impl} parameter the scalar rows come from a second run, given
 * with {@code --scalar} ({@code scripts/bench --with-scalar} makes both). A row's speed-up is
 * paired with the scalar row of the same benchmark and parameters (ignoring {@code impl}).
 *
 * <p>Usage: {@code Summary [--peak peak.json] [--scalar scalar-results.json] results.json...}
 */
public final class Summary {
    private Summary() {}

    /** One JMH result. {@code vectorBits} is the {@code -Dvecrnn.vectorBits} of its fork, or null. */
    record Row(String benchmark, Map<String, String> params, String vectorBits, String unit, double median,
               double error, double allocPerOp) {
        boolean scalar() {
            return "scalar".equals(params.get("impl")) || "0".equals(vectorBits);
        }
    }

    /** Measured FMA peak GFLOP/s by thread count, and where it came from. */
    record Peak(Map<Integer, Double> gflopsByThreads, int vectorBits, String date, String source) {}

    public static void main(String[] args) throws IOException {
        Path peakFile = null;
        List<Path> inputs = new ArrayList<>();
        List<Path> scalarInputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peak" -> peakFile = Path.of(need(args, ++i, "--peak"));
                case "--scalar" -> scalarInputs.add(Path.of(need(args, ++i, "--scalar")));
                default -> inputs.add(Path.of(args[i]));
            }
        }
        if (inputs.isEmpty()) {
            System.err.println("usage: Summary [--peak peak.json] [--scalar scalar-results.json] results.json...");
            System.exit(2);
        }
        ObjectMapper om = new ObjectMapper();
        List<JsonNode> roots = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (Path p : inputs) {
            JsonNode root = om.readTree(p.toFile());
            roots.add(root);
            rows.addAll(rows(root, false));
        }
        for (Path p : scalarInputs) {
            JsonNode root = om.readTree(p.toFile());
            roots.add(root);
            rows.addAll(rows(root, true));
        }
        Peak peak = peakFile != null && Files.isRegularFile(peakFile) ? readPeak(peakFile.toFile()) : null;
        StringBuilder out = new StringBuilder();
        out.append(header(roots, machine()));
        out.append('\n');
        out.append(table(rows, peak, Runtime.getRuntime().availableProcessors(), defaultBits()));
        out.append('\n').append(peakNote(peak, peakFile));
        System.out.print(out);
    }

    private static String need(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println("Summary: " + option + " needs a file");
            System.exit(2);
        }
        return args[i];
    }

    /** Rows of one JMH JSON file; {@code forceScalar} marks a file run with -Dvecrnn.vectorBits=0 even if the flag is not recorded. */
    static List<Row> rows(JsonNode root, boolean forceScalar) {
        List<Row> rows = new ArrayList<>();
        for (JsonNode b : root) {
            Map<String, String> params = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = b.path("params").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                params.put(e.getKey(), e.getValue().asText());
            }
            String bits = forceScalar ? "0" : null;
            for (JsonNode a : b.path("jvmArgs")) {
                String s = a.asText();
                if (s.startsWith("-Dvecrnn.vectorBits=") && !forceScalar) {
                    bits = s.substring("-Dvecrnn.vectorBits=".length());
                }
            }
            JsonNode pm = b.path("primaryMetric");
            JsonNode pct = pm.path("scorePercentiles").path("50.0");
            JsonNode alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
            rows.add(new Row(shortName(b.path("benchmark").asText()), params, bits, pm.path("scoreUnit").asText(),
                    pct.isMissingNode() ? pm.path("score").asDouble() : pct.asDouble(), pm.path("scoreError").asDouble(),
                    alloc.isMissingNode() ? Double.NaN : alloc.path("score").asDouble()));
        }
        return rows;
    }

    /** The peak file {@code bench peak} wrote, read by perf's one reader of the format. */
    static Peak readPeak(File f) throws IOException {
        dev.vecrnn.perf.Peak.Measured m = dev.vecrnn.perf.Peak.read(f.toPath());
        return new Peak(m.gflopsByThreads(), m.vectorBits(), m.date(), f.toString());
    }

    /**
     * The results table.
     *
     * @param processors  what the {@code threads=max} parameter means on this machine
     * @param defaultBits the vector width a fork runs at without -Dvecrnn.vectorBits (0 if unknown)
     */
    static String table(List<Row> rows, Peak peak, int processors, int defaultBits) {
        StringBuilder out = new StringBuilder();
        out.append("| benchmark | params | vector | median | ± error | unit | GFLOP/s | % peak | × scalar | B/op |\n");
        out.append("|---|---|---|---:|---:|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            double flops = Flops.of(r.benchmark(), r.params());
            double seconds = toSeconds(r.median(), r.unit());
            String gflops = "";
            String pctPeak = "";
            if (flops > 0 && seconds > 0) {
                double g = flops / seconds / 1e9;
                gflops = Reports.fmt(g);
                Double p = peak == null ? null : peak.gflopsByThreads().get(threadsOf(r.params(), processors));
                if (p != null && p > 0) {
                    pctPeak = Reports.fmt(100 * g / p);
                }
            }
            String vsScalar = "";
            if (!r.scalar()) {
                Row s = scalarTwin(rows, r);
                if (s != null) {
                    vsScalar = Reports.fmt(speedup(s.median(), r.median()));
                }
            }
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.benchmark(), paramText(r.params()), vectorLabel(r, defaultBits), Reports.fmt(r.median()), Reports.fmt(r.error()),
                    r.unit(), gflops, pctPeak, vsScalar, Double.isNaN(r.allocPerOp()) ? "" : Reports.fmt(r.allocPerOp())));
        }
        return out.toString();
    }

    /** How many times faster than the scalar twin: scalar time / this time. */
    static double speedup(double scalarTime, double time) {
        return scalarTime / time;
    }

    /** The scalar row of the same benchmark and parameters (the {@code impl} parameter aside), or null. */
    static Row scalarTwin(List<Row> rows, Row r) {
        for (Row s : rows) {
            if (s.scalar() && s.benchmark().equals(r.benchmark()) && sameExceptImpl(s.params(), r.params())) {
                return s;
            }
        }
        return null;
    }

    /** The {@code threads} parameter ({@code max} = every processor), 1 when there is none. */
    static int threadsOf(Map<String, String> params, int processors) {
        String t = params.get("threads");
        if (t == null) {
            return 1;
        }
        if (t.equals("max")) {
            return processors;
        }
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static String vectorLabel(Row r, int defaultBits) {
        if (r.scalar()) {
            return "scalar";
        }
        String bits = r.vectorBits() != null ? r.vectorBits() : defaultBits > 0 ? Integer.toString(defaultBits) : null;
        return bits == null ? "default" : bits + "-bit";
    }

    private static String paramText(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return sb.toString();
    }

    /** The machine and run settings, as the top of summary.md. */
    static String header(List<JsonNode> roots, Map<String, String> machine) {
        StringBuilder sb = new StringBuilder("# vecrnn JMH results\n\n");
        machine.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        Set<String> jdks = new LinkedHashSet<>();
        Set<String> flags = new LinkedHashSet<>();
        Set<String> settings = new LinkedHashSet<>();
        for (JsonNode root : roots) {
            for (JsonNode b : root) {
                jdks.add(b.path("vmName").asText() + " " + b.path("vmVersion").asText() + " (JDK "
                        + b.path("jdkVersion").asText() + ", " + b.path("jvm").asText() + ")");
                List<String> a = new ArrayList<>();
                b.path("jvmArgs").forEach(x -> a.add(x.asText()));
                flags.add(String.join(" ", a));
                settings.add(String.format(Locale.ROOT, "JMH %s, %d fork(s), warm-up %d × %s, measurement %d × %s",
                        b.path("jmhVersion").asText(), b.path("forks").asInt(), b.path("warmupIterations").asInt(),
                        b.path("warmupTime").asText(), b.path("measurementIterations").asInt(),
                        b.path("measurementTime").asText()));
            }
        }
        jdks.forEach(j -> sb.append("- benchmark JVM: ").append(j).append('\n'));
        flags.forEach(f -> sb.append("- benchmark JVM flags: `").append(f).append("`\n"));
        settings.forEach(s -> sb.append("- ").append(s).append('\n'));
        sb.append("- median: of all measurement iterations of all forks; error: JMH's 99.9% confidence half-width of the mean\n");
        return sb.toString();
    }

    static String peakNote(Peak peak, Path peakFile) {
        if (peak == null) {
            return "% peak is empty: no measured FMA peak" + (peakFile == null ? "" : " at " + peakFile)
                    + ". Run `scripts/vecrnn bench peak` once on this machine (it writes target/bench/peak.json), then rerun.\n";
        }
        StringBuilder sb = new StringBuilder("% peak: GFLOP/s over the FP32 FMA peak measured at the same thread count ("
                + peak.vectorBits() + "-bit, " + peak.source() + (peak.date().isEmpty() ? "" : ", " + peak.date()) + "):");
        peak.gflopsByThreads().forEach((t, g) -> sb.append(' ').append(t).append(t == 1 ? " thread " : " threads ")
                .append(Reports.fmt(g)).append(" GFLOP/s;"));
        sb.setLength(sb.length() - 1);
        return sb.append(".\n").toString();
    }

    /** CPU and vector facts of this machine (the one the benchmarks ran on). */
    private static Map<String, String> machine() {
        Map<String, String> all = MachineInfo.collect();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpu", all.get("cpu"));
        m.put("cores (available processors)", all.get("processors"));
        m.put("cpu.flags", all.get("cpu.flags"));
        m.put("vector width (preferred)", all.get("vector.preferred"));
        m.put("vector intrinsics", all.get("vector.intrinsified"));
        m.put("os", all.get("os"));
        return m;
    }

    private static int defaultBits() {
        return dev.vecrnn.kernel.VectorSupport.preferredBits();
    }

    static String shortName(String fq) {
        String[] parts = fq.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : fq;
    }

    private static boolean sameExceptImpl(Map<String, String> a, Map<String, String> b) {
        Set<String> keys = new LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        keys.remove("impl");
        for (String k : keys) {
            if (!java.util.Objects.equals(a.get(k), b.get(k))) {
                return false;
            }
        }
        return true;
    }

    private static double toSeconds(double v, String unit) {
        return switch (unit) {
            case "s/op" -> v;
            case "ms/op" -> v * 1e-3;
            case "us/op" -> v * 1e-6;
            case "ns/op" -> v * 1e-9;
            default -> -1;
        };
    }
}
