package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bitwise properties of bidirectional, variable-length (and dropout) passes: the same bits for
 * 1, 2 and 3 threads; each sequence of a variable-length batch gets the same bits as when run
 * alone (so sorting, packing and the shrinking active batch change nothing but the work done);
 * and lengths all equal to T are the same as no lengths.
 */
class SequenceDeterminismTest {
    private static final int T = 7;
    private static final int B = 5;
    private static final int I = 9;
    /** Three or more unit blocks at every vector width, so three workers all own units. */
    private static final int H = 67;
    private static final int L = 2;
    private static final int[] LENGTHS = {4, 7, 1, 6, 4};

    /** Everything a training step produces, by name. */
    private static Map<String, float[]> step(RecurrentLayer layer, float[] x, int[] lengths, float[] h0, float[] c0,
                                             float[] dout, float[] dhN, float[] dcN) {
        Map<String, float[]> r = new LinkedHashMap<>();
        ForwardResult f = layer.forward(x, T, B, lengths, h0, c0);
        r.put("out", f.out().clone());
        r.put("hN", f.hN().clone());
        if (f.cN() != null) {
            r.put("cN", f.cN().clone());
        }
        layer.zeroGrad();
        BackwardResult g = layer.backward(dout, dhN, dcN);
        r.put("dx", g.dx().clone());
        r.put("dh0", g.dh0().clone());
        if (g.dc0() != null) {
            r.put("dc0", g.dc0().clone());
        }
        for (Parameter p : layer.parameters()) {
            r.put(p.name(), p.grad().clone());
        }
        return r;
    }

    private static Map<String, float[]> weights(RecurrentLayer layer) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Parameter p : layer.parameters()) {
            w.put(p.name(), p.value());
        }
        return w;
    }

    private static Map<String, int[]> shapes(RecurrentLayer layer) {
        Map<String, int[]> s = new LinkedHashMap<>();
        for (Parameter p : layer.parameters()) {
            s.put(p.name(), p.shape());
        }
        return s;
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void oneTwoAndThreeThreadsGiveTheSameBits(CellType cell) {
        SplittableRandom rnd = new SplittableRandom(77 + cell.ordinal());
        RecurrentLayer proto = RecurrentLayer.builder(cell, I, H).numLayers(L).bidirectional(true).seed(5).build();
        boolean lstm = cell == CellType.LSTM;
        int state = 2 * L * B * H;
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] h0 = uniform(rnd, state, 0.5);
        float[] c0 = lstm ? uniform(rnd, state, 0.5) : null;
        float[] dout = uniform(rnd, T * B * 2 * H, 1.0);
        float[] dhN = uniform(rnd, state, 1.0);
        float[] dcN = lstm ? uniform(rnd, state, 1.0) : null;
        Map<String, float[]> first = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (ThreadTeam team = new ThreadTeam(threads)) {
                RecurrentLayer layer = RecurrentLayer.fromParameters(cell, weights(proto), shapes(proto), team);
                layer.setDropout(0.3, 99);
                layer.alwaysParallelForTesting();
                Map<String, float[]> got = step(layer, x, LENGTHS, h0, c0, dout, dhN, dcN);
                if (first == null) {
                    first = got;
                } else {
                    assertThat(got.keySet()).isEqualTo(first.keySet());
                    for (String k : first.keySet()) {
                        assertThat(got.get(k)).as("%s with %d threads", k, threads).isEqualTo(first.get(k));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void eachSequenceOfAVariableLengthBatchMatchesItselfRunAlone(CellType cell) {
        SplittableRandom rnd = new SplittableRandom(177 + cell.ordinal());
        try (ThreadTeam team = new ThreadTeam(2)) {
            RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(L).bidirectional(true).seed(6)
                    .threads(team).build();
            layer.alwaysParallelForTesting();
            boolean lstm = cell == CellType.LSTM;
            int D = 2;
            int state = D * L * B * H;
            float[] x = uniform(rnd, T * B * I, 1.0);
            float[] h0 = uniform(rnd, state, 0.5);
            float[] c0 = lstm ? uniform(rnd, state, 0.5) : null;
            float[] dout = uniform(rnd, T * B * D * H, 1.0);
            float[] dhN = uniform(rnd, state, 1.0);
            float[] dcN = lstm ? uniform(rnd, state, 1.0) : null;
            Map<String, float[]> batch = step(layer, x, LENGTHS, h0, c0, dout, dhN, dcN);
            for (int b = 0; b < B; b++) {
                int len = LENGTHS[b];
                float[] xb = rows(x, b, len, I);
                float[] h0b = states(h0, b, D * L);
                float[] c0b = lstm ? states(c0, b, D * L) : null;
                ForwardResult f = layer.forward(xb, len, 1, h0b, c0b);
                assertThat(f.out()).as("out of sequence %d", b).isEqualTo(rows(batch.get("out"), b, len, D * H));
                assertThat(f.hN()).as("hN of sequence %d", b).isEqualTo(states(batch.get("hN"), b, D * L));
                if (lstm) {
                    assertThat(f.cN()).as("cN of sequence %d", b).isEqualTo(states(batch.get("cN"), b, D * L));
                }
                // input and state gradients are per-sequence sums too: the same bits
                BackwardResult g = layer.backward(rows(dout, b, len, D * H), states(dhN, b, D * L),
                        lstm ? states(dcN, b, D * L) : null);
                assertThat(g.dx()).as("dx of sequence %d", b).isEqualTo(rows(batch.get("dx"), b, len, I));
                assertThat(g.dh0()).as("dh0 of sequence %d", b).isEqualTo(states(batch.get("dh0"), b, D * L));
                if (lstm) {
                    assertThat(g.dc0()).as("dc0 of sequence %d", b).isEqualTo(states(batch.get("dc0"), b, D * L));
                }
            }
        }
    }

    /** Sequence b's first len steps of a [T, B, width] tensor, as [len, 1, width]. */
    private static float[] rows(float[] a, int b, int len, int width) {
        float[] r = new float[len * width];
        for (int t = 0; t < len; t++) {
            System.arraycopy(a, (t * B + b) * width, r, t * width, width);
        }
        return r;
    }

    /** Sequence b's slices of a [S, B, H] state tensor, as [S, 1, H]. */
    private static float[] states(float[] a, int b, int slices) {
        float[] r = new float[slices * H];
        for (int s = 0; s < slices; s++) {
            System.arraycopy(a, (s * B + b) * H, r, s * H, H);
        }
        return r;
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void allLengthsTEqualNoLengthsBitwise(CellType cell) {
        SplittableRandom rnd = new SplittableRandom(377 + cell.ordinal());
        RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(L).bidirectional(true).seed(9).build();
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] dout = uniform(rnd, T * B * 2 * H, 1.0);
        int[] full = new int[B];
        Arrays.fill(full, T);
        Map<String, float[]> a = step(layer, x, null, null, null, dout, null, null);
        Map<String, float[]> b = step(layer, x, full, null, null, dout, null, null);
        List<String> keys = new ArrayList<>(a.keySet());
        assertThat(b.keySet()).containsExactlyElementsOf(keys);
        for (String k : keys) {
            assertThat(b.get(k)).as(k).isEqualTo(a.get(k));
        }
    }
}
