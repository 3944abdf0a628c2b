package dev.vecrnn.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vecrnn.perf.Checks;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.study.StudyFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code compare-results A B}: two studies' {@code results.json} side by side, e.g. a study on
 * one machine ({@code vecrnn compare --jobs 2}) and the same study on Spark: whether every run
 * measured the same numbers (every field but its times), and the wall times of both.
 */
@Command(name = "compare-results", mixinStandardHelpOptions = true,
        description = {"Compares the results.json of two studies run by run: the same numbers (every field but the "
                + "times), and the wall times.", "Exit code 0 when every run of A is in B with the same numbers, "
                + "3 otherwise."})
final class CompareResultsCommand implements Callable<Integer> {
    /** A run's fields that measure time, not learning. */
    static final List<String> TIME_FIELDS = List.of("wall_s", "train_s", "cpu_s", "concurrent_runs",
            "sequences_per_s", "gflops");

    /** The exit code when the studies differ. */
    static final int DIFFERENT = 3;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "the first study's folder (or its results.json)")
    Path first;

    @Parameters(index = "1", description = "the second study's folder (or its results.json)")
    Path second;

    @Override
    public Integer call() throws IOException {
        JsonNode a = read(first);
        JsonNode b = read(second);
        PrintWriter out = spec.commandLine().getOut();
        Map<String, JsonNode> runsA = runs(a);
        Map<String, JsonNode> runsB = runs(b);
        List<String> differ = new ArrayList<>();
        int same = 0;
        double trainA = 0;
        double trainB = 0;
        for (Map.Entry<String, JsonNode> e : runsA.entrySet()) {
            JsonNode other = runsB.get(e.getKey());
            if (other == null) {
                differ.add(e.getKey() + ": missing from the second study");
                continue;
            }
            trainA += e.getValue().path("train_s").asDouble();
            trainB += other.path("train_s").asDouble();
            String d = firstDifference(withoutTimes(e.getValue()), withoutTimes(other));
            if (d == null) {
                same++;
            } else {
                differ.add(e.getKey() + ": " + d);
            }
        }
        for (String key : runsB.keySet()) {
            if (!runsA.containsKey(key)) {
                differ.add(key + ": missing from the first study");
            }
        }
        out.printf(Locale.ROOT, "runs with the same numbers: %d of %d (first study) and %d (second)%n", same,
                runsA.size(), runsB.size());
        differ.stream().limit(20).forEach(d -> out.println("  differs: " + d));
        if (differ.size() > 20) {
            out.printf(Locale.ROOT, "  ... and %d more%n", differ.size() - 20);
        }
        double wallA = a.path("total_wall_s").asDouble(Double.NaN);
        double wallB = b.path("total_wall_s").asDouble(Double.NaN);
        out.println();
        out.println("| study | command | wall s | training s (sum over runs) |");
        out.println("|---|---|---:|---:|");
        out.printf(Locale.ROOT, "| %s | `%s` | %.1f | %.1f |%n", first, a.path("command").asText(), wallA, trainA);
        out.printf(Locale.ROOT, "| %s | `%s` | %.1f | %.1f |%n", second, b.path("command").asText(), wallB, trainB);
        out.printf(Locale.ROOT, "%nwall time of the second / the first: %.3f%n", wallB / wallA);
        out.flush();
        return differ.isEmpty() && !runsA.isEmpty() ? 0 : DIFFERENT;
    }

    private static JsonNode read(Path p) throws IOException {
        Path file = p.toFile().isDirectory() ? p.resolve(StudyFolder.RESULTS) : p;
        Checks.inputFile("results", file);
        JsonNode n = Reports.JSON.readTree(file.toFile());
        if (!n.path("runs").isArray()) {
            throw new IllegalArgumentException(file + ": not a study's results.json (no 'runs' list)");
        }
        return n;
    }

    /** The runs by their label, e.g. {@code adding lstm T=50 seed 1}. */
    private static Map<String, JsonNode> runs(JsonNode study) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode r : study.get("runs")) {
            out.put(r.path("task").asText() + " " + r.path("cell").asText() + " T=" + r.path("T").asText() + " seed "
                    + r.path("seed").asText(), r);
        }
        return out;
    }

    static JsonNode withoutTimes(JsonNode run) {
        ObjectNode copy = run.deepCopy();
        TIME_FIELDS.forEach(copy::remove);
        return copy;
    }

    /** The first field whose value differs, as "field: a vs b", or null. */
    private static String firstDifference(JsonNode a, JsonNode b) {
        List<String> names = new ArrayList<>();
        a.fieldNames().forEachRemaining(names::add);
        b.fieldNames().forEachRemaining(n -> {
            if (!names.contains(n)) {
                names.add(n);
            }
        });
        for (String n : names) {
            if (!a.path(n).equals(b.path(n))) {
                String va = a.path(n).toString();
                String vb = b.path(n).toString();
                return n + ": " + (va.length() > 60 ? va.substring(0, 60) + "..." : va) + " vs "
                        + (vb.length() > 60 ? vb.substring(0, 60) + "..." : vb);
            }
        }
        return null;
    }
}
