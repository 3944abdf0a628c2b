package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Parameters, argument checking, gradient accumulation, inference and construction from PyTorch tensors. */
class RecurrentLayerApiTest {
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static RecurrentLayer layer(CellType cell, int layers) {
        return RecurrentLayer.builder(cell, 4, 6).numLayers(layers).seed(1).threads(TEAM).build();
    }

    @Test
    void cellTypes() {
        assertThat(CellType.LSTM.gates()).isEqualTo(4);
        assertThat(CellType.GRU.gates()).isEqualTo(3);
        assertThat(CellType.RNN_TANH.gates()).isEqualTo(1);
        assertThat(CellType.RNN_RELU.gates()).isEqualTo(1);
        for (CellType c : CellType.values()) {
            assertThat(CellType.parse(c.cliName())).isEqualTo(c);
            assertThat(CellType.parse(c.name())).isEqualTo(c);
        }
        assertThat(CellType.parse(" GRU ")).isEqualTo(CellType.GRU);
        assertThat(CellType.RNN_TANH.cliName()).isEqualTo("rnn_tanh");
        assertThatThrownBy(() -> CellType.parse("lstmm")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lstmm").hasMessageContaining("rnn_tanh, rnn_relu, lstm, gru");
        assertThatThrownBy(() -> CellType.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parametersHavePyTorchNamesShapesAndDefaultInit() {
        RecurrentLayer l = RecurrentLayer.builder(CellType.LSTM, 3, 5).numLayers(2).seed(9).threads(TEAM).build();
        List<Parameter> ps = l.parameters();
        assertThat(ps).extracting(Parameter::name).containsExactly(
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1");
        assertThat(l.parameter("weight_ih_l0").shape()).containsExactly(20, 3);
        assertThat(l.parameter("weight_hh_l0").shape()).containsExactly(20, 5);
        assertThat(l.parameter("bias_ih_l1").shape()).containsExactly(20);
        assertThat(l.parameter("weight_ih_l1").shape()).containsExactly(20, 5);
        double bound = 1 / Math.sqrt(5);
        for (Parameter p : ps) {
            assertThat(p.value()).hasSize(p.grad().length);
            for (float v : p.value()) {
                assertThat((double) v).isBetween(-bound, bound);
            }
        }
        // same seed, same weights; different seed, different weights
        RecurrentLayer same = RecurrentLayer.builder(CellType.LSTM, 3, 5).numLayers(2).seed(9).threads(TEAM).build();
        RecurrentLayer other = RecurrentLayer.builder(CellType.LSTM, 3, 5).numLayers(2).seed(10).threads(TEAM).build();
        assertThat(same.parameter("weight_hh_l1").value()).isEqualTo(l.parameter("weight_hh_l1").value());
        assertThat(other.parameter("weight_hh_l1").value()).isNotEqualTo(l.parameter("weight_hh_l1").value());
        assertThatThrownBy(() -> l.parameter("weight_hh_l2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight_hh_l2");
        assertThat(l.cell()).isEqualTo(CellType.LSTM);
        assertThat(l.inputSize()).isEqualTo(3);
        assertThat(l.hiddenSize()).isEqualTo(5);
        assertThat(l.numLayers()).isEqualTo(2);
    }

    @Test
    void builderRejectsBadSizes() {
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.GRU, 0, 5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inputSize");
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.GRU, 3, -1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hiddenSize");
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.GRU, 3, 5).numLayers(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numLayers");
        assertThatThrownBy(() -> RecurrentLayer.builder(null, 3, 5).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badShapesNameTheTensor() {
        RecurrentLayer l = layer(CellType.LSTM, 2);
        int T = 3, B = 2;
        float[] x = new float[T * B * 4];
        float[] state = new float[2 * B * 6];
        assertThatThrownBy(() -> l.forward(new float[T * B * 4 - 1], T, B, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x").hasMessageContaining("[T, B, I] = [3, 2, 4]").hasMessageContaining("23");
        assertThatThrownBy(() -> l.forward(null, T, B, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
        assertThatThrownBy(() -> l.forward(x, 0, B, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("T");
        assertThatThrownBy(() -> l.forward(x, T, 0, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B");
        assertThatThrownBy(() -> l.forward(x, T, B, new float[5], null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("h0").hasMessageContaining("[L, B, H] = [2, 2, 6]").hasMessageContaining("got 5");
        assertThatThrownBy(() -> l.infer(x, T, B, state, new float[7]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("c0");
        RecurrentLayer gru = layer(CellType.GRU, 2);
        assertThatThrownBy(() -> gru.forward(x, T, B, state, state))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("c0").hasMessageContaining("lstm");

        l.forward(x, T, B, null, null);
        assertThatThrownBy(() -> l.backward(new float[T * B * 6 + 1], null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dout").hasMessageContaining("[T, B, H] = [3, 2, 6]");
        assertThatThrownBy(() -> l.backward(new float[T * B * 6], new float[3], null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dhN");
        assertThatThrownBy(() -> l.backward(new float[T * B * 6], null, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dcN");
    }

    @Test
    void backwardNeedsATrainingForward() {
        RecurrentLayer l = layer(CellType.GRU, 1);
        float[] x = new float[2 * 4];
        assertThatThrownBy(() -> l.backward(new float[2 * 6], null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("forward");
        l.forward(x, 2, 1, null, null);
        l.backward(new float[2 * 6], null, null);
        l.infer(x, 2, 1, null, null);
        assertThatThrownBy(() -> l.backward(new float[2 * 6], null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("infer");
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void gradientsAccumulateAndZeroGradClears(CellType cell) {
        RecurrentLayer l = layer(cell, 2);
        SplittableRandom rnd = new SplittableRandom(2);
        int T = 4, B = 3;
        float[] x = uniform(rnd, T * B * 4, 1);
        float[] dout = uniform(rnd, T * B * 6, 1);
        l.forward(x, T, B, null, null);
        l.backward(dout, null, null);
        List<float[]> once = l.parameters().stream().map(p -> p.grad().clone()).toList();
        // a second backward of the same forward adds the same gradient again
        l.backward(dout, null, null);
        for (int i = 0; i < once.size(); i++) {
            float[] g1 = once.get(i);
            float[] g2 = l.parameters().get(i).grad();
            float scale = 0;
            for (float v : g1) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int j = 0; j < g1.length; j++) {
                // 2*g1 exactly, up to the rounding of adding into a non-zero accumulator
                // (a few u of the tensor's scale, summed over T*B terms)
                assertThat(g2[j]).as(l.parameters().get(i).name()).isCloseTo(2 * g1[j], within(1e-5f * scale + 1e-12f));
            }
        }
        l.zeroGrad();
        for (Parameter p : l.parameters()) {
            assertThat(p.grad()).containsOnly(0f);
        }
        l.backward(dout, null, null);
        for (int i = 0; i < once.size(); i++) {
            assertThat(l.parameters().get(i).grad()).isEqualTo(once.get(i));
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void inferEqualsForwardBitwise(CellType cell) {
        for (int layers = 1; layers <= 3; layers++) {
            RecurrentLayer l = layer(cell, layers);
            SplittableRandom rnd = new SplittableRandom(layers);
            int T = 5, B = 2;
            float[] x = uniform(rnd, T * B * 4, 1);
            float[] h0 = uniform(rnd, layers * B * 6, 1);
            float[] c0 = cell == CellType.LSTM ? uniform(rnd, layers * B * 6, 1) : null;
            ForwardResult f = l.forward(x, T, B, h0, c0);
            float[] out = f.out().clone();
            float[] hN = f.hN().clone();
            float[] cN = f.cN() == null ? null : f.cN().clone();
            ForwardResult inf = l.infer(x, T, B, h0, c0);
            assertThat(inf.out()).isEqualTo(out);
            assertThat(inf.hN()).isEqualTo(hN);
            assertThat(inf.cN()).isEqualTo(cN);
            assertThat(inf.T()).isEqualTo(T);
            assertThat(inf.B()).isEqualTo(B);
            // the last step's output is the last layer's final state
            assertThat(java.util.Arrays.copyOfRange(out, (T - 1) * B * 6, T * B * 6))
                    .isEqualTo(java.util.Arrays.copyOfRange(hN, (layers - 1) * B * 6, layers * B * 6));
        }
    }

    @Test
    void shapesMayChangeBetweenCallsAndResultsAreExactlySized() {
        RecurrentLayer l = layer(CellType.LSTM, 2);
        SplittableRandom rnd = new SplittableRandom(4);
        float[] xLong = uniform(rnd, 9 * 3 * 4, 1);
        float[] xShort = java.util.Arrays.copyOf(xLong, 2 * 3 * 4);
        ForwardResult shortFirst = l.forward(xShort, 2, 3, null, null);
        float[] expected = shortFirst.out().clone();
        BackwardResult b1 = l.backward(new float[2 * 3 * 6], null, null);
        assertThat(b1.dx()).hasSize(2 * 3 * 4);
        ForwardResult lng = l.forward(xLong, 9, 3, null, null);
        assertThat(lng.out()).hasSize(9 * 3 * 6);
        // the first two steps of the long sequence are the short sequence
        assertThat(java.util.Arrays.copyOf(lng.out(), 2 * 3 * 6)).isEqualTo(expected);
        assertThat(l.backward(new float[9 * 3 * 6], null, null).dx()).hasSize(9 * 3 * 4);
        ForwardResult again = l.forward(xShort, 2, 3, null, null);
        assertThat(again.out()).isEqualTo(expected);
        assertThat(l.workspaceBytes()).isPositive();
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void fromParametersRoundTrips(CellType cell) {
        RecurrentLayer a = layer(cell, 2);
        Map<String, float[]> values = new HashMap<>();
        Map<String, int[]> shapes = new HashMap<>();
        for (Parameter p : a.parameters()) {
            values.put(p.name(), p.value().clone());
            shapes.put(p.name(), p.shape());
        }
        RecurrentLayer b = RecurrentLayer.fromParameters(cell, values, shapes, TEAM);
        assertThat(b.numLayers()).isEqualTo(2);
        assertThat(b.inputSize()).isEqualTo(4);
        assertThat(b.hiddenSize()).isEqualTo(6);
        float[] x = uniform(new SplittableRandom(3), 3 * 2 * 4, 1);
        float[] outA = a.forward(x, 3, 2, null, null).out().clone();
        assertThat(b.forward(x, 3, 2, null, null).out()).isEqualTo(outA);
        // values are copied, not aliased
        values.get("weight_hh_l0")[0] += 1;
        assertThat(b.parameter("weight_hh_l0").value()[0]).isEqualTo(a.parameter("weight_hh_l0").value()[0]);
    }

    @Test
    void fromParametersRejectsBadTensors() {
        RecurrentLayer a = layer(CellType.LSTM, 2);
        Map<String, float[]> values = new HashMap<>();
        Map<String, int[]> shapes = new HashMap<>();
        for (Parameter p : a.parameters()) {
            values.put(p.name(), p.value().clone());
            shapes.put(p.name(), p.shape());
        }
        // a GRU's weights offered as an LSTM: 3*H rows instead of 4*H
        RecurrentLayer gru = layer(CellType.GRU, 2);
        Map<String, float[]> gv = new HashMap<>();
        Map<String, int[]> gs = new HashMap<>();
        for (Parameter p : gru.parameters()) {
            gv.put(p.name(), p.value().clone());
            gs.put(p.name(), p.shape());
        }
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, gv, gs, TEAM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight_ih_l0").hasMessageContaining("[24, 4]").hasMessageContaining("[18, 4]");

        Map<String, float[]> v1 = new HashMap<>(values);
        Map<String, int[]> s1 = new HashMap<>(shapes);
        v1.put("weight_ih_l0_reverse", new float[1]);
        s1.put("weight_ih_l0_reverse", new int[] {1});
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, v1, s1, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("_reverse")
                .hasMessageContaining("both directions");

        Map<String, float[]> v2 = new HashMap<>(values);
        Map<String, int[]> s2 = new HashMap<>(shapes);
        v2.remove("bias_hh_l1");
        s2.remove("bias_hh_l1");
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, v2, s2, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing").hasMessageContaining("bias_hh_l1");

        Map<String, int[]> s3 = new HashMap<>(shapes);
        s3.put("weight_hh_l1", new int[] {24, 7});
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, values, s3, TEAM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight_hh_l1").hasMessageContaining("[24, 6]").hasMessageContaining("[24, 7]");

        // a wrong column count of the first W_hh is blamed on it, not on the W_ih that agrees with its rows
        Map<String, int[]> s3b = new HashMap<>(shapes);
        s3b.put("weight_hh_l0", new int[] {24, 5});
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, values, s3b, TEAM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("weight_hh_l0").hasMessageContaining("[24, 6]").hasMessageContaining("[24, 5]")
                .hasMessageNotContaining("weight_ih_l0");

        Map<String, float[]> v4 = new HashMap<>(values);
        v4.put("bias_ih_l0", new float[23]);
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, v4, shapes, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bias_ih_l0").hasMessageContaining("23");

        Map<String, int[]> s5 = new HashMap<>(shapes);
        s5.remove("bias_ih_l0");
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, values, s5, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bias_ih_l0");

        Map<String, float[]> v6 = new HashMap<>(values);
        Map<String, int[]> s6 = new HashMap<>(shapes);
        v6.put("weight_ih_l01", values.get("weight_ih_l1"));
        s6.put("weight_ih_l01", shapes.get("weight_ih_l1"));
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, v6, s6, TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_ih_l01");

        Map<String, float[]> v7 = new HashMap<>(values);
        v7.put(null, new float[1]);
        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, v7, shapes, TEAM))
                .isInstanceOf(IllegalArgumentException.class);

        assertThatThrownBy(() -> RecurrentLayer.fromParameters(CellType.LSTM, Map.of(), Map.of(), TEAM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_ih_l0");
    }
}
