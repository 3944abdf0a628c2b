package dev.vecrnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH's JSON result file into a Markdown table: median, error, GFLOP/s (for benchmarks whose
 * work is known from their parameters), % of the FMA peak given by {@code -Dvecrnn.peakGflops}
 * (a measured figure), and the ratio to the scalar path where an {@code impl} parameter has a
 * {@code scalar} twin in the same run.
 */
public final class Summary {
    private Summary() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Summary results.json");
            System.exit(2);
        }
        JsonNode root = new ObjectMapper().readTree(new File(args[0]));
        double peak = Double.parseDouble(System.getProperty("vecrnn.peakGflops", "0"));
        List<Row> rows = new ArrayList<>();
        for (JsonNode b : root) {
            Row r = new Row();
            r.benchmark = b.path("benchmark").asText();
            r.threads = b.path("threads").asInt(1);
            r.mode = b.path("mode").asText();
            JsonNode p = b.path("params");
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                r.params.put(e.getKey(), e.getValue().asText());
            }
            JsonNode pm = b.path("primaryMetric");
            r.unit = pm.path("scoreUnit").asText();
            r.score = pm.path("score").asDouble();
            r.error = pm.path("scoreError").asDouble();
            JsonNode pct = pm.path("scorePercentiles").path("50.0");
            r.median = pct.isMissingNode() ? r.score : pct.asDouble();
            JsonNode alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
            r.allocPerOp = alloc.isMissingNode() ? Double.NaN : alloc.path("score").asDouble();
            rows.add(r);
        }
        StringBuilder out = new StringBuilder();
        out.append("| benchmark | params | median | ± error | unit | GFLOP/s | % peak | × scalar | B/op |\n");
        out.append("|---|---|---:|---:|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            double flops = Flops.of(shortName(r.benchmark), r.params);
            double seconds = toSeconds(r.median, r.unit);
            String gflops = "";
            String pctPeak = "";
            if (flops > 0 && seconds > 0) {
                double g = flops / seconds / 1e9;
                gflops = fmt(g);
                if (peak > 0) {
                    pctPeak = fmt(100 * g / peak);
                }
            }
            String vsScalar = "";
            if (r.params.containsKey("impl") && !"scalar".equals(r.params.get("impl"))) {
                for (Row s : rows) {
                    if (s.benchmark.equals(r.benchmark) && "scalar".equals(s.params.get("impl"))
                            && sameExceptImpl(s.params, r.params)) {
                        vsScalar = fmt(s.median / r.median);
                    }
                }
            }
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    shortName(r.benchmark), r.params.toString().replaceAll("[{}]", ""), fmt(r.median),
                    fmt(r.error), r.unit, gflops, pctPeak, vsScalar,
                    Double.isNaN(r.allocPerOp) ? "" : fmt(r.allocPerOp)));
        }
        if (peak <= 0) {
            out.append("\n% peak is empty: pass -Dvecrnn.peakGflops=<measured FMA peak> to fill it.\n");
        }
        System.out.print(out);
    }

    static String shortName(String fq) {
        String[] parts = fq.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : fq;
    }

    private static boolean sameExceptImpl(Map<String, String> a, Map<String, String> b) {
        for (Map.Entry<String, String> e : a.entrySet()) {
            if (!e.getKey().equals("impl") && !e.getValue().equals(b.get(e.getKey()))) {
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

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.4f", v);
    }

    private static final class Row {
        String benchmark;
        int threads;
        String mode;
        final Map<String, String> params = new LinkedHashMap<>();
        String unit;
        double score;
        double error;
        double median;
        double allocPerOp;
    }
}
