package dev.vecrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The carved workspace: every buffer a pass touches holds its documented shape (the sizes below
 * are written out independently of {@link PassBuffers}), a shape carved before is not carved
 * again, a smaller shape reuses the buffers of a larger one, and backward refuses to read saved
 * activations that were carved for another shape.
 */
class PassBuffersTest {

    private static SequenceLayout layout(int T, int B, int[] lengths) {
        SequenceLayout l = new SequenceLayout();
        l.set(T, B, lengths);
        return l;
    }

    @Test
    void everyBufferHoldsItsShape() {
        int[][] shapes = {{4, 3}, {1, 1}, {7, 5}};
        LayerConf[] confs = {
            new LayerConf(CellType.LSTM, 5, 9, 2, true, 4),
            new LayerConf(CellType.GRU, 3, 17, 3, false, 0),
            new LayerConf(CellType.RNN_TANH, 8, 6, 1, true, 0),
        };
        for (LayerConf c : confs) {
            for (int[] s : shapes) {
                int T = s[0];
                int B = s[1];
                int[] lengths = new int[B];
                for (int b = 0; b < B; b++) {
                    lengths[b] = 1 + (b * 3) % T;
                }
                for (int[] ls : new int[][] {null, lengths}) {
                    SequenceLayout l = layout(T, B, ls);
                    int N = l.rows;
                    int D = c.directions;
                    int S = c.proj > 0 ? c.proj : c.hidden;
                    int rowsOfStates = B + N + (D - 1) * B;
                    int gates = D * c.cell.gates() * c.hidden;
                    PassBuffers p = new PassBuffers(c);
                    p.carveTraining(l, c.layers > 1);
                    p.carveBackward(l);
                    p.carveInference(l);
                    String what = c.describe() + ", T=" + T + ", B=" + B + ", N=" + N;
                    for (int k = 0; k < c.layers; k++) {
                        assertThat(p.gates[k].length).as(what).isGreaterThanOrEqualTo(N * gates);
                        assertThat(p.states[k].length).as(what).isGreaterThanOrEqualTo(rowsOfStates * D * S);
                        if (c.cell == CellType.LSTM) {
                            assertThat(p.cells[k].length).as(what).isGreaterThanOrEqualTo(rowsOfStates * D * c.hidden);
                        }
                        if (c.cell == CellType.GRU) {
                            assertThat(p.hn[k].length).as(what).isGreaterThanOrEqualTo(N * D * c.hidden);
                        }
                        if (c.proj > 0) {
                            assertThat(p.r[k].length).as(what).isGreaterThanOrEqualTo(N * D * c.hidden);
                        }
                        if (k < c.layers - 1) {
                            assertThat(p.dropped[k].length).as(what).isGreaterThanOrEqualTo(N * D * S);
                        }
                    }
                    assertThat(p.xRows.length).isGreaterThanOrEqualTo(N * c.input);
                    assertThat(p.gh.length).isGreaterThanOrEqualTo(B * gates);
                    assertThat(p.inferGates.length).isGreaterThanOrEqualTo(N * gates);
                    assertThat(p.inferStates[0].length).isGreaterThanOrEqualTo(rowsOfStates * D * S);
                    assertThat(p.doutRows.length).isGreaterThanOrEqualTo(N * D * S);
                    assertThat(p.dG.length).isGreaterThanOrEqualTo(N * gates);
                    assertThat(p.dh.length).isGreaterThanOrEqualTo(B * D * S);
                    assertThat(p.bsum.length).isGreaterThanOrEqualTo(gates);
                    if (l.packed) {
                        assertThat(p.dxRows.length).isGreaterThanOrEqualTo(N * c.input);
                        assertThat(p.prev.length).isGreaterThanOrEqualTo(N * D * S);
                    }
                    if (c.proj > 0) {
                        assertThat(p.dhTotal.length).isGreaterThanOrEqualTo(N * D * S);
                        assertThat(p.dr.length).isGreaterThanOrEqualTo(B * D * c.hidden);
                    }
                }
            }
        }
    }

    @Test
    void aShapeIsCarvedOnceAndSmallerShapesReuseTheBuffers() {
        LayerConf c = new LayerConf(CellType.LSTM, 4, 8, 2, false, 0);
        PassBuffers p = new PassBuffers(c);
        SequenceLayout big = layout(6, 4, null);
        p.carveTraining(big, false);
        float[] gates = p.gates[1];
        float[] states = p.states[0];
        long bytes = p.bytesHeld();
        p.carveTraining(big, false);
        assertThat(p.gates[1]).isSameAs(gates);
        p.carveTraining(layout(6, 4, new int[] {6, 2, 3, 1}), false);
        assertThat(p.gates[1]).isSameAs(gates);
        assertThat(p.states[0]).isSameAs(states);
        assertThat(p.bytesHeld()).isEqualTo(bytes);
        // a larger shape grows them
        p.carveTraining(layout(9, 4, null), false);
        assertThat(p.gates[1]).isNotSameAs(gates);
        assertThat(p.bytesHeld()).isGreaterThan(bytes);
    }

    @Test
    void backwardRefusesActivationsCarvedForAnotherShape() {
        LayerConf c = new LayerConf(CellType.GRU, 4, 8, 1, false, 0);
        PassBuffers p = new PassBuffers(c);
        assertThatThrownBy(() -> p.carveBackward(layout(3, 2, null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("T=0");
        p.carveTraining(layout(3, 2, null), false);
        p.carveBackward(layout(3, 2, null));
        assertThatThrownBy(() -> p.carveBackward(layout(3, 2, new int[] {3, 1})))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("carved for T=3, B=2, N=6").hasMessageContaining("N=4");
        assertThatThrownBy(() -> p.carveBackward(layout(4, 2, null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("T=4");
    }
}
