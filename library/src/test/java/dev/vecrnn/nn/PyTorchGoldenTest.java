package dev.vecrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests against PyTorch: every fixture written by {@code scripts/make-fixtures} (PyTorch's
 * own float32 results, and float64 results from the same weights and inputs) is run in-process
 * (the tools' {@code CommandLineGoldenTest} runs them through {@code vecrnn forward|backward}):
 * one- and bidirectional stacks,
 * full-length and variable-length batches (the fixture's {@code lengths} tensor; PyTorch ran
 * them as packed sequences, {@code enforce_sorted=False}), and LSTMs with projections
 * ({@code proj_size}, the {@code lstm_proj_*} fixtures).
 *
 * <p>Tolerances. Outputs: {@code |Δ| ≤ 1e-4 + 1e-4·|ref|} elementwise. Gradients, against their
 * tensor's scale: {@code |Δ| ≤ 1e-5 + 1e-3·max|ref|} — weight gradients are sums over T·B terms
 * that cancel, and PyTorch's own float32 result sits up to ~2e-4 of the scale away from the
 * float64 truth on trained weights. Against the float64 results we hold the same bounds, so our
 * error is measured from the truth and not from PyTorch's float32 rounding.
 */
public class PyTorchGoldenTest {

    static Path fixtures;
    static ThreadTeam team;

    @BeforeAll
    static void setUp() throws URISyntaxException {
        fixtures = Path.of(PyTorchGoldenTest.class.getResource("/fixtures/manifest.json").toURI()).getParent();
        team = new ThreadTeam(2);
    }

    @AfterAll
    static void tearDown() {
        team.close();
    }

    /** (name, cell) of every fixture in the manifest; also used by the command line's golden test. */
    public static Stream<Arguments> fixtures() throws IOException, URISyntaxException {
        Path dir = Path.of(PyTorchGoldenTest.class.getResource("/fixtures/manifest.json").toURI()).getParent();
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        List<Arguments> out = new ArrayList<>();
        for (JsonNode f : manifest.path("fixtures")) {
            out.add(Arguments.of(f.path("name").asText(), f.path("cell").asText()));
        }
        assertThat(out).hasSizeGreaterThanOrEqualTo(60);
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void inProcessMatchesPyTorch(String name, String cellName) throws IOException {
        CellType cell = CellType.parse(cellName);
        Map<String, Tensor> weights = SafeTensors.read(fixtures.resolve(name + ".weights.safetensors"));
        Map<String, Tensor> in = SafeTensors.read(fixtures.resolve(name + ".inputs.safetensors"));
        RecurrentLayer layer = StateDict.load(cell, weights, team);
        Tensor x = in.get("x");
        int T = x.dim(0);
        int B = x.dim(1);
        int L = layer.numDirections() * layer.numLayers(); // state slices, PyTorch's D*L
        int H = layer.hiddenSize();
        int S = layer.stateSize(); // h: P with projections (proj_size), else H
        int out = layer.outputSize();
        int[] lengths = in.containsKey("lengths") ? in.get("lengths").toInts() : null;
        float[] h0 = in.containsKey("h0") ? in.get("h0").toFloats() : null;
        float[] c0 = in.containsKey("c0") ? in.get("c0").toFloats() : null;
        float[] dhN = in.containsKey("dh_n") ? in.get("dh_n").toFloats() : null;
        float[] dcN = in.containsKey("dc_n") ? in.get("dc_n").toFloats() : null;

        Map<String, float[]> ours = new LinkedHashMap<>();
        ForwardResult inferred = layer.infer(x.toFloats(), T, B, lengths, h0, c0);
        float[] inferOut = inferred.out().clone();
        ForwardResult f = layer.forward(x.toFloats(), T, B, lengths, h0, c0);
        ours.put("out", java.util.Arrays.copyOf(f.out(), T * B * out));
        ours.put("h_n", java.util.Arrays.copyOf(f.hN(), L * B * S));
        if (cell == CellType.LSTM) {
            ours.put("c_n", java.util.Arrays.copyOf(f.cN(), L * B * H));
        }
        assertThat(java.util.Arrays.copyOf(inferOut, T * B * out)).as("infer() == forward()").isEqualTo(ours.get("out"));
        layer.zeroGrad();
        BackwardResult g = layer.backward(in.get("dout").toFloats(), dhN, dcN);
        for (Parameter p : layer.parameters()) {
            ours.put("grad." + p.name(), p.grad().clone());
        }
        ours.put("grad.x", java.util.Arrays.copyOf(g.dx(), x.toFloats().length));
        ours.put("grad.h0", java.util.Arrays.copyOf(g.dh0(), L * B * S));
        if (cell == CellType.LSTM) {
            ours.put("grad.c0", java.util.Arrays.copyOf(g.dc0(), L * B * H));
        }
        compareAll(name, ours, fixtures.resolve(name + ".expected.safetensors"));
        compareAll(name + " (float64 truth)", ours, fixtures.resolve(name + ".expected64.safetensors"));
    }

    /** Compares every tensor of {@code expectedFile} with {@code ours} within the tolerances above. */
    public static void compareAll(String what, Map<String, float[]> ours, Path expectedFile) throws IOException {
        Map<String, Tensor> expected = SafeTensors.read(expectedFile);
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            String key = e.getKey();
            float[] ref = e.getValue().toFloats();
            float[] got = ours.get(key);
            assertThat(got).as("%s: %s missing", what, key).isNotNull();
            assertThat(got.length).as("%s: %s length", what, key).isEqualTo(ref.length);
            double scale = 0;
            for (float r : ref) {
                scale = Math.max(scale, Math.abs(r));
            }
            boolean isGrad = key.startsWith("grad.");
            for (int i = 0; i < ref.length; i++) {
                double tol = isGrad ? 1e-5 + 1e-3 * scale : 1e-4 + 1e-4 * Math.abs(ref[i]);
                double diff = Math.abs((double) got[i] - ref[i]);
                if (!(diff <= tol)) {
                    throw new AssertionError(String.format(
                            "%s: %s[%d] = %.8g, PyTorch %.8g, |diff| %.3g > tolerance %.3g (scale %.3g)",
                            what, key, i, got[i], ref[i], diff, tol, scale));
                }
            }
        }
    }
}
