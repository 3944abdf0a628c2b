package dev.vecrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The summary table from small hand-made JMH files (test resources): expected figures are worked
 * out by hand from the formulas, e.g. LSTM 50x32x256x256 inference = 2·50·32·4·256·512 flops =
 * 1.6777 GFLOP in 10 ms = 167.8 GFLOP/s, 83.89 % of a 200 GFLOP/s peak.
 */
class SummaryTest {
    private static File resource(String name) throws URISyntaxException {
        return new File(SummaryTest.class.getResource("/summary/" + name).toURI());
    }

    private static List<Summary.Row> allRows() throws Exception {
        ObjectMapper om = new ObjectMapper();
        List<Summary.Row> rows = new ArrayList<>(Summary.rows(om.readTree(resource("results.json")), false));
        rows.addAll(Summary.rows(om.readTree(resource("results-scalar.json")), false));
        return rows;
    }

    private static String line(String table, String... parts) {
        return table.lines().filter(l -> {
            for (String p : parts) {
                if (!l.contains(p)) {
                    return false;
                }
            }
            return true;
        }).findFirst().orElseThrow(() -> new AssertionError("no row with " + List.of(parts) + " in\n" + table));
    }

    private static List<String> cells(String row) {
        List<String> c = new ArrayList<>();
        for (String s : row.split("\\|")) {
            c.add(s.trim());
        }
        return c.subList(1, c.size()); // leading empty cell before the first '|'
    }

    @Test
    void readsMedianNotMeanAndFlagsTheScalarFork() throws Exception {
        List<Summary.Row> rows = allRows();
        assertThat(rows).hasSize(5);
        Summary.Row lstm = rows.getFirst();
        assertThat(lstm.median()).isEqualTo(10.0);
        assertThat(lstm.error()).isEqualTo(0.3);
        assertThat(lstm.allocPerOp()).isEqualTo(16.0);
        assertThat(lstm.scalar()).isFalse();
        assertThat(rows.getLast().scalar()).isTrue();
        assertThat(rows.getLast().vectorBits()).isEqualTo("0");
    }

    @Test
    void tableHasGflopsPeakShareScalarRatioAndAllocation() throws Exception {
        Summary.Peak peak = Summary.readPeak(resource("peak.json"));
        String t = Summary.table(allRows(), peak, 2, 512);
        // benchmark | params | vector | median | error | unit | GFLOP/s | % peak | x scalar | B/op
        List<String> lstm = cells(line(t, "RnnBench.step", "cell=lstm", "512-bit"));
        assertThat(lstm).containsExactly("RnnBench.step", "cell=lstm shape=50x32x256x256 mode=inference threads=1",
                "512-bit", "10.00", "0.3000", "ms/op", "167.8", "83.89", "8.00", "16.00");

        // GRU training, threads=max = 2 processors: 3·2·100·1·3·256·512 flops in 4 ms = 58.98 GFLOP/s,
        // 15.52 % of the 2-thread peak (380); no scalar twin, no -prof gc.
        List<String> gru = cells(line(t, "cell=gru"));
        assertThat(gru.subList(6, 10)).containsExactly("58.98", "15.52", "", "");

        // GEMM pairs by its impl parameter within one file: 50 us / 5 us.
        List<String> gemm = cells(line(t, "GemmBench.sgemm", "impl=vector"));
        assertThat(gemm.get(6)).isEqualTo("104.9"); // 2·64³ / 5 us
        assertThat(gemm.get(8)).isEqualTo("10.00");
        List<String> scalarGemm = cells(line(t, "GemmBench.sgemm", "impl=scalar"));
        assertThat(scalarGemm.get(2)).isEqualTo("scalar");
        assertThat(scalarGemm.get(8)).isEmpty();
    }

    @Test
    void withoutPeakTheColumnIsBlankAndTheNoteSaysHowToMeasureIt() throws Exception {
        String t = Summary.table(allRows(), null, 2, 512);
        assertThat(cells(line(t, "cell=lstm", "512-bit")).get(7)).isEmpty();
        assertThat(Summary.peakNote(null, null)).contains("scripts/vecrnn bench peak");
        Summary.Peak peak = Summary.readPeak(resource("peak.json"));
        assertThat(Summary.peakNote(peak, null)).contains("512-bit").contains("1 thread 200.0").contains("2 threads 380.0");
    }

    @Test
    void scalarPairingIgnoresOnlyImpl() {
        Summary.Row vec = new Summary.Row("B.x", Map.of("impl", "vector", "n", "8"), null, "ns/op", 2, 0, Double.NaN);
        Summary.Row otherN = new Summary.Row("B.x", Map.of("impl", "scalar", "n", "16"), null, "ns/op", 9, 0, Double.NaN);
        Summary.Row twin = new Summary.Row("B.x", Map.of("impl", "scalar", "n", "8"), null, "ns/op", 6, 0, Double.NaN);
        assertThat(Summary.scalarTwin(List.of(vec, otherN), vec)).isNull();
        assertThat(Summary.scalarTwin(List.of(vec, otherN, twin), vec)).isSameAs(twin);
        assertThat(Summary.speedup(twin.median(), vec.median())).isEqualTo(3.0);
    }

    @Test
    void headerNamesTheJvmItsFlagsAndTheJmhSettings() throws Exception {
        JsonNode root = new ObjectMapper().readTree(resource("results.json"));
        String h = Summary.header(List.of(root), Map.of("cpu", "Test CPU"));
        assertThat(h).contains("- cpu: Test CPU").contains("25.0.3+9-LTS")
                .contains("`--add-modules=jdk.incubator.vector -XX:+UseParallelGC`")
                .contains("2 fork(s), warm-up 5 × 1 s, measurement 5 × 1 s");
    }

    @Test
    void mainWritesMachineHeaderAndTable() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            Summary.main(new String[] {"--peak", resource("peak.json").toString(), "--scalar",
                resource("results-scalar.json").toString(), resource("results.json").toString()});
        } finally {
            System.setOut(old);
        }
        String md = buf.toString(StandardCharsets.UTF_8);
        assertThat(md).startsWith("# vecrnn JMH results").contains("- cpu: ").contains("- vector width (preferred): ")
                .contains("| benchmark | params |").contains("% peak: GFLOP/s over the FP32 FMA peak");
        assertThat(cells(line(md, "cell=lstm", "mode=inference", "ms/op", "10.00")).get(8)).isEqualTo("8.00");
    }

    @Test
    void shortNameKeepsClassAndMethod() throws IOException {
        assertThat(Summary.shortName("dev.vecrnn.bench.RnnBench.step")).isEqualTo("RnnBench.step");
    }
}
