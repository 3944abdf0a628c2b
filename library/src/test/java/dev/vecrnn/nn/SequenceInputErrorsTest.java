package dev.vecrnn.nn;

import dev.vecrnn.io.Tensor;
import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad lengths, bidirectional shapes and state dicts are rejected with an
 * {@link IllegalArgumentException} that names the argument and the offending value, and a
 * rejected call leaves the last training pass usable.
 */
class SequenceInputErrorsTest {
    private static final int T = 5;
    private static final int B = 3;
    private static final int I = 4;
    private static final int H = 6;

    private final SplittableRandom rnd = new SplittableRandom(3);

    private RecurrentLayer layer(CellType cell, int layers, boolean bi) {
        return RecurrentLayer.builder(cell, I, H).numLayers(layers).bidirectional(bi).seed(1)
                .threads(ThreadTeam.shared()).build();
    }

    @Test
    void lengthsOutsideOneToTAreNamedWithIndexAndValue() {
        RecurrentLayer l = layer(CellType.LSTM, 1, true);
        float[] x = uniform(rnd, T * B * I, 1);
        assertThatThrownBy(() -> l.forward(x, T, B, new int[] {2, T + 1, 1}, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lengths[1] = 6").hasMessageContaining("[1, T] = [1, 5]");
        assertThatThrownBy(() -> l.forward(x, T, B, new int[] {2, 3, 0}, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lengths[2] = 0");
        assertThatThrownBy(() -> l.infer(x, T, B, new int[] {-4, 3, 1}, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lengths[0] = -4");
    }

    @Test
    void aLengthCountOtherThanBIsNamed() {
        RecurrentLayer l = layer(CellType.GRU, 2, false);
        float[] x = uniform(rnd, T * B * I, 1);
        assertThatThrownBy(() -> l.forward(x, T, B, new int[] {5, 5}, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lengths").hasMessageContaining("B = 3").hasMessageContaining("got 2");
        assertThatThrownBy(() -> l.infer(x, T, B, new int[] {5, 5, 5, 5}, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 4");
    }

    @Test
    void aRejectedForwardLeavesTheLastTrainingPassForBackward() {
        RecurrentLayer l = layer(CellType.RNN_TANH, 2, true);
        float[] x = uniform(rnd, T * B * I, 1);
        float[] dout = uniform(rnd, T * B * 2 * H, 1);
        int[] lengths = {3, 5, 1};
        l.forward(x, T, B, lengths, null, null);
        l.zeroGrad();
        float[] dx = l.backward(dout, null, null).dx().clone();
        assertThatThrownBy(() -> l.forward(x, T, B, new int[] {9, 1, 1}, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(l.backward(dout, null, null).dx()).isEqualTo(dx);
    }

    @Test
    void bidirectionalStatesNeedTwoSlicesPerLayer() {
        RecurrentLayer l = layer(CellType.LSTM, 2, true);
        float[] x = uniform(rnd, T * B * I, 1);
        float[] oneDirection = new float[2 * B * H];
        assertThatThrownBy(() -> l.forward(x, T, B, null, oneDirection, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("h0").hasMessageContaining("[2*L, B, H] = [4, 3, 6]")
                .hasMessageContaining("got 36 floats");
        assertThatThrownBy(() -> l.forward(x, T, B, null, null, oneDirection))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("c0");
        l.forward(x, T, B, null, null, null);
        assertThatThrownBy(() -> l.backward(new float[T * B * H], null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dout").hasMessageContaining("[T, B, 2*H] = [5, 3, 12]");
        assertThatThrownBy(() -> l.backward(new float[T * B * 2 * H], oneDirection, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dhN");
    }

    @Test
    void stateDictsMustHaveBothDirectionsInEveryLayerOrNone() {
        RecurrentLayer bi = layer(CellType.GRU, 2, true);
        Map<String, Tensor> sd = StateDict.of(bi);
        assertThat(sd).containsKeys("weight_ih_l0_reverse", "bias_hh_l1_reverse");
        assertThat(StateDict.load(CellType.GRU, sd, ThreadTeam.shared()).bidirectional()).isTrue();

        Map<String, Tensor> secondLayerForwardOnly = new LinkedHashMap<>(sd);
        secondLayerForwardOnly.keySet().removeIf(k -> k.endsWith("l1_reverse"));
        assertThatThrownBy(() -> StateDict.load(CellType.GRU, secondLayerForwardOnly, ThreadTeam.shared()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing parameter 'weight_ih_l1_reverse'")
                .hasMessageContaining("both directions");

        Map<String, Tensor> reverseOnly = new LinkedHashMap<>(sd);
        reverseOnly.keySet().removeIf(k -> k.endsWith("l0"));
        assertThatThrownBy(() -> StateDict.load(CellType.GRU, reverseOnly, ThreadTeam.shared()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing parameter 'weight_ih_l0'");

        Map<String, Tensor> oneReverseTensor = new LinkedHashMap<>(StateDict.of(layer(CellType.GRU, 1, false)));
        oneReverseTensor.put("bias_hh_l0_reverse", sd.get("bias_hh_l0_reverse"));
        assertThatThrownBy(() -> StateDict.load(CellType.GRU, oneReverseTensor, ThreadTeam.shared()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing parameter 'weight_ih_l0_reverse'");
    }

    @Test
    void aBidirectionalUpperLayerReadsTwiceTheHiddenSize() {
        Map<String, Tensor> sd = new LinkedHashMap<>(StateDict.of(layer(CellType.LSTM, 2, true)));
        assertThat(sd.get("weight_ih_l1").shape()).containsExactly(4 * H, 2 * H);
        sd.put("weight_ih_l1_reverse", Tensor.of(new float[4 * H * H], 4 * H, H));
        assertThatThrownBy(() -> StateDict.load(CellType.LSTM, sd, ThreadTeam.shared()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight_ih_l1_reverse").hasMessageContaining("[24, 12]")
                .hasMessageContaining("[24, 6]");
    }

    @Test
    void dropoutMustBeAProbabilityBelowOne() {
        for (double p : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> RecurrentLayer.builder(CellType.GRU, I, H).dropout(p))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dropout");
            assertThatThrownBy(() -> layer(CellType.GRU, 2, false).setDropout(p, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dropout");
        }
    }
}
