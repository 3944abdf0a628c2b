package dev.vecrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.nn.PyTorchGoldenTest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every PyTorch golden fixture through the {@code vecrnn forward|backward} command line, with the
 * tolerances of the library's in-process {@link PyTorchGoldenTest}.
 */
class CommandLineGoldenTest {

    static Path fixtures;

    @BeforeAll
    static void setUp() throws URISyntaxException {
        fixtures = Path.of(CommandLineGoldenTest.class.getResource("/fixtures/manifest.json").toURI()).getParent();
    }

    static Stream<Arguments> fixtures() throws IOException, URISyntaxException {
        return PyTorchGoldenTest.fixtures();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void commandLineMatchesPyTorch(String name, String cellName, @TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out.safetensors");
        int code = Main.execute("backward", "--cell", cellName,
                "--weights", fixtures.resolve(name + ".weights.safetensors").toString(),
                "--inputs", fixtures.resolve(name + ".inputs.safetensors").toString(),
                "--out", out.toString(), "--threads", "2");
        assertThat(code).isZero();
        Map<String, Tensor> got = SafeTensors.read(out);
        Map<String, Tensor> expected = SafeTensors.read(fixtures.resolve(name + ".expected.safetensors"));
        assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        Map<String, float[]> ours = new LinkedHashMap<>();
        got.forEach((k, v) -> {
            assertThat(v.shape()).as(k).isEqualTo(expected.get(k).shape());
            ours.put(k, v.toFloats());
        });
        PyTorchGoldenTest.compareAll(name + " via CLI", ours, fixtures.resolve(name + ".expected.safetensors"));

        // forward writes exactly out, h_n (and c_n) with the same values
        Path fwd = tmp.resolve("fwd.safetensors");
        assertThat(Main.execute("forward", "--cell", cellName,
                "--weights", fixtures.resolve(name + ".weights.safetensors").toString(),
                "--inputs", forwardInputs(name, tmp).toString(), "--out", fwd.toString(), "--threads", "1")).isZero();
        Map<String, Tensor> f = SafeTensors.read(fwd);
        assertThat(f.keySet()).containsExactlyInAnyOrderElementsOf(
                cellName.equals("lstm") ? List.of("out", "h_n", "c_n") : List.of("out", "h_n"));
        for (String k : f.keySet()) {
            assertThat(f.get(k).toFloats()).as(k + ": forward == backward's forward").isEqualTo(got.get(k).toFloats());
        }
    }

    /** The inputs file without the upstream gradients, which {@code forward} does not accept. */
    private static Path forwardInputs(String name, Path tmp) throws IOException {
        Map<String, Tensor> in = SafeTensors.read(fixtures.resolve(name + ".inputs.safetensors"));
        in.keySet().removeIf(k -> k.equals("dout") || k.equals("dh_n") || k.equals("dc_n"));
        Path p = tmp.resolve("fwd-inputs.safetensors");
        SafeTensors.write(p, in);
        return p;
    }

}
