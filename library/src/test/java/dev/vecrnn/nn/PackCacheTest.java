package dev.vecrnn.nn;

import static dev.vecrnn.nn.RecurrentStreamTest.assertBitwise;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packed weights of a layer stack of any depth, keyed by layer and direction: an inference
 * pass over unchanged weights repacks nothing; a change to one layer's weights of one direction
 * repacks exactly that layer and direction; every pass equals, bit for bit, the same pass of a
 * twin that packs from scratch (see {@link PackReuseTest} for one-layer stacks).
 */
class PackCacheTest {
    private static final int T = 5;
    private static final int B = 2;
    private static final int I = 7;
    private static final int H = 19;
    private static final int L = 3;

    private static RecurrentLayer.Builder builder(String variant) {
        return switch (variant) {
            case "gru" -> RecurrentLayer.builder(CellType.GRU, I, H).numLayers(L).seed(9);
            case "bidirectional lstm" -> RecurrentLayer.builder(CellType.LSTM, I, H).numLayers(L).bidirectional(true)
                    .seed(9);
            case "bidirectional lstm with projections" -> RecurrentLayer.builder(CellType.LSTM, I, H).numLayers(L)
                    .bidirectional(true).projSize(6).seed(9);
            default -> throw new IllegalArgumentException(variant);
        };
    }

    /** Infers with {@code layer} and with a fresh twin of the same values; they must agree bitwise. */
    private static void check(String what, RecurrentLayer.Builder b, RecurrentLayer layer, float[] x) {
        ForwardResult got = layer.infer(x, T, B, null, null);
        float[] out = got.out().clone();
        float[] hN = got.hN().clone();
        RecurrentLayer fresh = b.build();
        for (Parameter p : layer.parameters()) {
            System.arraycopy(p.value(), 0, fresh.parameter(p.name()).value(), 0, p.size());
        }
        ForwardResult expected = fresh.infer(x, T, B, null, null);
        assertBitwise(what + ": out", out, 0, expected.out(), 0, out.length);
        assertBitwise(what + ": h_n", hN, 0, expected.hN(), 0, hN.length);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gru", "bidirectional lstm", "bidirectional lstm with projections"})
    void deeperStacksReusePacksAndNoticeEveryChangedLayerAndDirection(String variant) {
        RecurrentLayer.Builder b = builder(variant);
        RecurrentLayer layer = b.build();
        int D = layer.numDirections();
        PackCache packs = layer.packs();
        float[] x = TestData.uniform(new SplittableRandom(2), T * B * I, 1.5);

        check("first pass", b, layer, x);
        assertThat(packs.directionRepacks()).as("the first pass packs every layer and direction").isEqualTo(L * D);
        check("same weights again", b, layer, x);
        check("and again", b, layer, x);
        assertThat(packs.directionRepacks()).as("unchanged weights: nothing repacked").isEqualTo(L * D);

        long repacks = packs.directionRepacks();
        for (int k = 0; k < L; k++) {
            for (int d = 0; d < D; d++) {
                String suffix = k + (d == 1 ? "_reverse" : "");
                for (String kind : new String[] {"weight_ih_l", "weight_hh_l", "weight_hr_l"}) {
                    if (kind.equals("weight_hr_l") && layer.projSize() == 0) {
                        continue;
                    }
                    String name = kind + suffix;
                    float[] w = layer.parameter(name).value();
                    int at = (7 * k + 3 * d + kind.length()) % w.length;
                    w[at] += 0.125f;
                    check("after writing " + name + "[" + at + "]", b, layer, x);
                    assertThat(packs.directionRepacks() - repacks).as("repacked after writing " + name).isEqualTo(1);
                    repacks = packs.directionRepacks();
                    check("again after writing " + name, b, layer, x);
                    assertThat(packs.directionRepacks()).as("nothing more to repack").isEqualTo(repacks);
                }
            }
        }
        // biases are folded every pass: a changed bias needs no repack and is never missed
        layer.parameter("bias_hh_l1").value()[0] += 0.5f;
        check("after writing bias_hh_l1", b, layer, x);
        assertThat(packs.directionRepacks()).isEqualTo(repacks);

        // a training pass repacks everything and forgets what the packs were made from
        layer.forward(x, T, B, null, null);
        assertThat(packs.directionRepacks() - repacks).isEqualTo(L * D);
        repacks = packs.directionRepacks();
        check("after a training pass", b, layer, x);
        assertThat(packs.directionRepacks() - repacks).as("the next inference repacks everything").isEqualTo(L * D);
    }
}
