package dev.vecrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java example in README.md, compiled and run here, so it cannot rot: the test checks that
 * README.md shows exactly the lines between the markers below, then checks the example's
 * results against the double-precision reference.
 */
class ReadmeExampleTest {

    /** Holds what the example computed, for the assertions. */
    record Results(RecurrentLayer lstm, float[] x, float[] out, float[] dWhh, float[] dx) {}

    static Results example(Path weights) throws IOException {
        // example:start
        RecurrentLayer lstm = StateDict.load(CellType.LSTM, weights);
        int T = 9, B = 3, I = lstm.inputSize(), H = lstm.hiddenSize();

        float[] x = new float[T * B * I];                      // time-major: x[t][b][i] at (t*B + b)*I + i
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);

        ForwardResult y = lstm.forward(x, T, B, null, null);   // h0 = c0 = zeros
        float[] out = y.out();                                 // [T, B, H]; y.hN(), y.cN() are [L, B, H]

        float[] dout = new float[T * B * H];                   // dLoss/dout; here Loss = sum(out)
        java.util.Arrays.fill(dout, 1f);
        lstm.zeroGrad();
        BackwardResult g = lstm.backward(dout, null, null);    // BPTT; gradients add into grad()
        float[] dWhh = lstm.parameter("weight_hh_l0").grad();  // [4H, H], PyTorch's layout and gate order
        float[] dx = g.dx();                                   // [T, B, I]
        // example:end
        return new Results(lstm, x, out.clone(), dWhh.clone(), dx.clone());
    }

    @Test
    void readmeShowsTheExampleVerbatim() throws IOException {
        // the project README, one folder up from the library module (Surefire runs in the module)
        List<String> readme = Files.readAllLines(Path.of("../README.md"));
        List<String> shown = between(readme, "<!-- example:start -->", "<!-- example:end -->").stream()
                .filter(l -> !l.startsWith("```"))
                .filter(l -> !l.contains("Path weights = Path.of("))
                .map(String::strip).toList();
        List<String> source = between(Files.readAllLines(Path.of("src/test/java/dev/vecrnn/nn/ReadmeExampleTest.java")),
                "// example:start", "// example:end").stream().map(String::strip).toList();
        assertThat(shown).isEqualTo(source);
    }

    @Test
    void exampleComputesWhatTheReferenceComputes() throws IOException, URISyntaxException {
        Path weights = Path.of(getClass().getResource("/fixtures/lstm_l2_t9b3i7h13.weights.safetensors").toURI());
        Results r = example(weights);
        int T = 9, B = 3;
        ReferenceRnn ref = new ReferenceRnn(r.lstm(), false);
        double[] x = ReferenceRnn.toDouble(r.x());
        ReferenceRnn.Output o = ref.forward(x, T, B, null, null);
        for (int i = 0; i < o.out().length; i++) {
            assertThat((double) r.out()[i]).isCloseTo(o.out()[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        double[] ones = new double[o.out().length];
        java.util.Arrays.fill(ones, 1.0);
        // A few entries of dL/dx and dL/dW_hh by central differences of the double reference.
        int[] idx = {0, 7, r.dx().length - 1};
        double[] numDx = ref.numericGradientAt(x, idx, () -> ref.loss(x, T, B, null, null, ones, null, null));
        for (int k = 0; k < idx.length; k++) {
            assertThat((double) r.dx()[idx[k]]).isCloseTo(numDx[k], org.assertj.core.data.Offset.offset(1e-3));
        }
        double[] whh = ref.params.get("weight_hh_l0");
        int[] widx = {0, 13, whh.length - 1};
        double[] numW = ref.numericGradientAt(whh, widx, () -> ref.loss(x, T, B, null, null, ones, null, null));
        for (int k = 0; k < widx.length; k++) {
            assertThat((double) r.dWhh()[widx[k]]).isCloseTo(numW[k], org.assertj.core.data.Offset.offset(1e-3));
        }
    }

    private static List<String> between(List<String> lines, String start, String end) {
        int s = -1;
        int e = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(start) && s < 0) {
                s = i;
            } else if (lines.get(i).strip().equals(end) && s >= 0) {
                e = i;
                break;
            }
        }
        assertThat(s).as("marker %s", start).isNotNegative();
        assertThat(e).as("marker %s", end).isGreaterThan(s);
        return lines.subList(s + 1, e).stream().filter(l -> !l.isBlank()).toList();
    }
}
