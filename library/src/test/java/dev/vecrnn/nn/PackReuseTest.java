package dev.vecrnn.nn;

import static dev.vecrnn.nn.RecurrentStreamTest.assertBitwise;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Inference passes of a one-layer stack reuse their packed weights while the weights are
 * unchanged. The danger is a stale pack: every pass here must equal, bit for bit, the same pass
 * of a twin layer that was never run before (so packs afresh), after weights are written in place
 * (one element of each matrix of each direction, the projection too), after a training pass, and
 * after a change that is undone again.
 */
class PackReuseTest {
    private static final int T = 6;
    private static final int B = 2;
    private static final int I = 9;
    private static final int H = 21;

    private static RecurrentLayer.Builder builder(CellType cell) {
        return RecurrentLayer.builder(cell, I, H).seed(4);
    }

    /** A fresh twin with the same parameter values: its first pass packs from scratch. */
    private static ForwardResult freshInfer(RecurrentLayer.Builder b, RecurrentLayer like, float[] x) {
        RecurrentLayer fresh = b.build();
        for (Parameter p : like.parameters()) {
            float[] src = p.value();
            System.arraycopy(src, 0, fresh.parameter(p.name()).value(), 0, src.length);
        }
        return fresh.infer(x, T, B, null, null);
    }

    private static void check(String what, RecurrentLayer.Builder b, RecurrentLayer layer, float[] x) {
        ForwardResult got = layer.infer(x, T, B, null, null);
        float[] out = got.out().clone();
        float[] hN = got.hN().clone();
        ForwardResult expected = freshInfer(b, layer, x);
        assertBitwise(what + ": out", out, 0, expected.out(), 0, out.length);
        assertBitwise(what + ": h_n", hN, 0, expected.hN(), 0, hN.length);
    }

    @Test
    void inPlaceWeightChangesAreNeverMissed() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = TestData.uniform(rnd, T * B * I, 1.5);
        RecurrentLayer.Builder[] variants = {
            builder(CellType.LSTM), builder(CellType.GRU), builder(CellType.RNN_TANH),
            builder(CellType.LSTM).bidirectional(true), builder(CellType.LSTM).projSize(7),
            builder(CellType.LSTM).projSize(7).bidirectional(true),
        };
        for (RecurrentLayer.Builder b : variants) {
            RecurrentLayer layer = b.build();
            String name = layer.toString();
            check(name + " first pass", b, layer, x);
            check(name + " same weights again", b, layer, x);
            for (Parameter p : layer.parameters()) {
                if (!p.name().startsWith("weight_")) {
                    continue;
                }
                float[] w = p.value();
                int at = w.length - 1 - (p.name().length() % w.length);
                float old = w[at];
                w[at] = old + 0.25f;
                check(name + " after writing " + p.name() + "[" + at + "]", b, layer, x);
                w[at] = old;
                check(name + " after restoring " + p.name(), b, layer, x);
            }
            // a training pass between inference passes, then a change
            layer.forward(x, T, B, null, null);
            check(name + " after a training pass", b, layer, x);
            layer.parameter(layer.parameters().get(1).name()).value()[0] += 1f;
            check(name + " after a training pass and a change", b, layer, x);
        }
    }
}
