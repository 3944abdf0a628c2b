package dev.vecrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.vecrnn.mem.ThreadTeam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Streaming inference against {@link RecurrentLayer#infer} over the whole sequence (bitwise,
 * every step), state handling, zero allocation per warm step, many threads sharing one
 * {@link RecurrentStream.Weights}, and argument errors.
 */
class RecurrentStreamTest {
    // sizes off every vector width, so that every kernel tail runs
    private static final int I = 19;
    private static final int H = 37;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (int layers : new int[] {1, 2}) {
                for (int batch : new int[] {1, 3}) {
                    out.add(Arguments.of(cell, layers, batch));
                }
            }
        }
        return out.stream();
    }

    private static RecurrentLayer layer(CellType cell, int layers, long seed) {
        return RecurrentLayer.builder(cell, I, H).numLayers(layers).seed(seed).build();
    }

    /**
     * Fails at the first element whose bits differ (so -0 vs +0 and NaN payloads count). The gate
     * kernels are built from IEEE operations only, so they give the same bits interpreted or
     * JIT-compiled, at any call site: no warm-up is needed for this to hold.
     */
    static void assertBitwise(String what, float[] actual, int offA, float[] expected, int offE, int n) {
        for (int i = 0; i < n; i++) {
            float a = actual[offA + i];
            float e = expected[offE + i];
            if (Float.floatToRawIntBits(a) != Float.floatToRawIntBits(e)) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (bitwise)");
            }
        }
    }

    @ParameterizedTest(name = "{0} L={1} B={2}")
    @MethodSource("cases")
    void stepsEqualFullSequenceInferBitwise(CellType cell, int layers, int batch) {
        RecurrentLayer layer = layer(cell, layers, 11);
        SplittableRandom rnd = new SplittableRandom(5);
        int T = 12;
        float[] x = TestData.uniform(rnd, T * batch * I, 2.0);
        float[] h0 = TestData.uniform(rnd, layers * batch * H, 0.8);
        float[] c0 = cell == CellType.LSTM ? TestData.uniform(rnd, layers * batch * H, 0.8) : null;
        ForwardResult full = layer.infer(x, T, batch, h0, c0);
        float[] out = full.out().clone();
        float[] hN = full.hN().clone();
        float[] cN = full.cN() == null ? null : full.cN().clone();

        RecurrentStream stream = RecurrentStream.of(layer, batch);
        stream.setState(h0, c0);
        for (int t = 0; t < T; t++) {
            float[] ht = stream.step(x, t * batch * I);
            assertThat(ht).hasSize(batch * H);
            assertBitwise("h at step " + t, ht, 0, out, t * batch * H, batch * H);
        }
        assertBitwise("final h", stream.hiddenState(), 0, hN, 0, hN.length);
        if (cell == CellType.LSTM) {
            assertBitwise("final c", stream.cellState(), 0, cN, 0, cN.length);
        } else {
            assertThat(stream.cellState()).isNull();
        }
        // and the same through step(float[]) with a copied row, from zero state
        ForwardResult fromZero = layer.infer(x, T, batch, null, null);
        out = fromZero.out().clone();
        stream.reset();
        for (int t = 0; t < T; t++) {
            float[] row = Arrays.copyOfRange(x, t * batch * I, (t + 1) * batch * I);
            assertBitwise("h at step " + t + " from zero", stream.step(row), 0, out, t * batch * H, batch * H);
        }
    }

    @ParameterizedTest(name = "{0} L={1} B={2}")
    @MethodSource("cases")
    void chunksEqualStepsAndFullSequenceBitwise(CellType cell, int layers, int batch) {
        RecurrentLayer layer = layer(cell, layers, 12);
        SplittableRandom rnd = new SplittableRandom(6);
        int T = 17;
        float[] x = TestData.uniform(rnd, T * batch * I, 2.0);
        float[] expected = layer.infer(x, T, batch, null, null).out().clone();
        RecurrentStream stream = RecurrentStream.of(layer, batch);
        int pad = 3;
        float[] out = new float[pad + T * batch * H + pad];
        Arrays.fill(out, Float.NaN);
        int t = 0;
        for (int chunk : new int[] {1, 4, 2, 7, 3}) { // uneven chunks, growing and shrinking the scratch
            stream.steps(x, t * batch * I, chunk, out, pad + t * batch * H);
            t += chunk;
        }
        assertThat(t).isEqualTo(T);
        assertBitwise("chunked outputs", out, pad, expected, 0, T * batch * H);
        assertThat(out[0]).isNaN();
        assertThat(out[out.length - 1]).as("nothing written past the outputs").isNaN();
        assertBitwise("state after chunks", stream.hiddenState(), 0, layer.infer(x, T, batch, null, null).hN(), 0,
                layers * batch * H);
    }

    /** The layer's parallel, gate-interleaved time loop must not change a bit either. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.vecrnn.nn.RecurrentStreamTest#cells")
    void equalsParallelLayerPassBitwise(CellType cell) {
        int hidden = 70;
        try (ThreadTeam team = new ThreadTeam(2)) {
            RecurrentLayer layer = RecurrentLayer.builder(cell, 33, hidden).numLayers(2).seed(3).threads(team).build();
            layer.alwaysParallelForTesting();
            int T = 9;
            int B = 2;
            float[] x = TestData.uniform(new SplittableRandom(8), T * B * 33, 1.5);
            float[] out = layer.infer(x, T, B, null, null).out().clone();
            RecurrentStream stream = RecurrentStream.of(layer, B);
            for (int t = 0; t < T; t++) {
                assertBitwise("h at step " + t, stream.step(x, t * B * 33), 0, out, t * B * hidden, B * hidden);
            }
        }
    }

    static Stream<CellType> cells() {
        return Stream.of(CellType.values());
    }

    @Test
    void resetAndSetStateContinueASequence() {
        RecurrentLayer layer = layer(CellType.LSTM, 2, 21);
        int B = 3;
        int T = 10;
        int split = 4;
        SplittableRandom rnd = new SplittableRandom(9);
        float[] x = TestData.uniform(rnd, T * B * I, 1.0);
        float[] out = layer.infer(x, T, B, null, null).out().clone();
        // the first part as a full pass, the rest step by step from its final state
        ForwardResult head = layer.infer(Arrays.copyOf(x, split * B * I), split, B, null, null);
        RecurrentStream stream = RecurrentStream.of(layer, B);
        stream.setState(head.hN(), head.cN());
        for (int t = split; t < T; t++) {
            assertBitwise("h at step " + t, stream.step(x, t * B * I), 0, out, t * B * H, B * H);
        }
        // reset means a fresh sequence
        stream.reset();
        assertThat(stream.hiddenState()).containsOnly(0f);
        assertThat(stream.cellState()).containsOnly(0f);
        for (int t = 0; t < T; t++) {
            assertBitwise("h at step " + t + " after reset", stream.step(x, t * B * I), 0, out, t * B * H, B * H);
        }
        // setState(null, null) is a reset too, and copyState fills caller arrays
        stream.setState(null, null);
        float[] hOut = new float[2 * B * H];
        float[] cOut = new float[2 * B * H];
        Arrays.fill(hOut, 7f);
        stream.copyState(hOut, cOut);
        assertThat(hOut).containsOnly(0f);
        // writing into the returned output does not touch the state
        float[] ht = stream.step(x, 0);
        float[] before = stream.hiddenState();
        Arrays.fill(ht, 42f);
        assertThat(stream.hiddenState()).isEqualTo(before);
    }

    @Test
    void outputFedBackAsInputIsSafe() {
        // autoregressive use: the returned buffer is the next input (I == H)
        for (int layers : new int[] {1, 2}) {
            RecurrentLayer layer = RecurrentLayer.builder(CellType.GRU, H, H).numLayers(layers).seed(8).build();
            RecurrentStream fedBack = RecurrentStream.of(layer, 1);
            RecurrentStream copied = RecurrentStream.of(layer, 1);
            float[] first = TestData.uniform(new SplittableRandom(3), H, 1.0);
            float[] a = fedBack.step(first);
            float[] b = copied.step(first.clone()).clone();
            for (int t = 0; t < 20; t++) {
                a = fedBack.step(a);
                b = copied.step(b).clone();
                assertBitwise("fed back, L=" + layers + ", step " + t, a, 0, b, 0, H);
            }
        }
    }

    @Test
    void rowOfBatchEqualsBatchOfOne() {
        // the batch-1 path (matrix-vector kernel) and the batched GEMM path agree bitwise row by row
        for (CellType cell : CellType.values()) {
            RecurrentLayer layer = layer(cell, 2, 4);
            RecurrentStream.Weights w = RecurrentStream.Weights.of(layer);
            int B = 3;
            RecurrentStream batched = w.newStream(B);
            RecurrentStream[] rows = {w.newStream(1), w.newStream(1), w.newStream(1)};
            SplittableRandom rnd = new SplittableRandom(2);
            for (int t = 0; t < 15; t++) {
                float[] xt = TestData.uniform(rnd, B * I, 1.5);
                float[] hb = batched.step(xt);
                for (int b = 0; b < B; b++) {
                    float[] hr = rows[b].step(xt, b * I);
                    assertBitwise(cell + " row " + b + " step " + t, hr, 0, hb, b * H, H);
                }
            }
        }
    }

    @Test
    void weightsAreASnapshotAndCanBeSwapped() {
        RecurrentLayer layer = layer(CellType.GRU, 1, 6);
        RecurrentStream.Weights before = RecurrentStream.Weights.of(layer);
        RecurrentStream stream = before.newStream(1);
        float[] xt = TestData.uniform(new SplittableRandom(1), I, 1.0);
        float[] first = stream.step(xt).clone();
        for (Parameter p : layer.parameters()) {
            Arrays.fill(p.value(), 0.01f);
        }
        stream.reset();
        assertThat(stream.step(xt)).as("an existing stream ignores later weight changes").isEqualTo(first);
        // a new snapshot, swapped in, keeps the state and uses the new weights
        float[] state = stream.hiddenState();
        stream.setWeights(RecurrentStream.Weights.of(layer));
        assertThat(stream.hiddenState()).isEqualTo(state);
        float[] expected = layer.infer(xt, 1, 1, state, null).out().clone();
        assertBitwise("after setWeights", stream.step(xt), 0, expected, 0, H);
    }

    @Test
    void warmStepsAllocateNothing() {
        for (CellType cell : CellType.values()) {
            for (int batch : new int[] {1, 3}) {
                RecurrentStream stream = RecurrentStream.of(layer(cell, 2, 1), batch);
                float[] xt = TestData.uniform(new SplittableRandom(3), batch * I, 1.0);
                float[] state = new float[2 * batch * H];
                float[] chunkIn = TestData.uniform(new SplittableRandom(4), 5 * batch * I, 1.0);
                float[] chunkOut = new float[5 * batch * H];
                long perRound = warmAllocation(() -> {
                    for (int i = 0; i < 100; i++) {
                        stream.step(xt);
                        stream.step(xt, 0);
                    }
                    stream.steps(chunkIn, 0, 5, chunkOut, 0);
                    stream.steps(chunkIn, batch * I, 2, chunkOut, 0);
                    stream.copyState(state, null);
                    stream.reset();
                });
                assertThat(perRound).as("bytes allocated by 200 warm steps and 2 chunks, %s batch %d", cell, batch)
                        .isZero();
            }
        }
    }

    /**
     * Bytes one call of {@code round} allocates once warm (run until zero or 15 s have passed, the
     * patience of train's AllocationProbe). The chunk calls use GEMM tail kernels nothing else in a
     * round uses, a few calls per round; they box until C2 compiles them, which behind a long
     * compile queue (a full test run on 2 cores) took more than 8 s once.
     */
    private static long warmAllocation(Runnable round) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long bytes = Long.MAX_VALUE;
        long deadline = System.nanoTime() + 15_000_000_000L;
        // until C2 has compiled the kernels, the Vector API boxes vectors; wait for that
        while (bytes > 0 && System.nanoTime() < deadline) {
            long before = mx.getCurrentThreadAllocatedBytes();
            round.run();
            bytes = mx.getCurrentThreadAllocatedBytes() - before;
        }
        return bytes;
    }

    @Test
    void eightThreadsShareOneWeightsObject() throws Exception {
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU}) {
            RecurrentLayer layer = layer(cell, 2, 77);
            RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer);
            int threads = 8;
            int T = 150;
            float[][] inputs = new float[threads][];
            float[][] expected = new float[threads][];
            int[] batches = new int[threads];
            for (int w = 0; w < threads; w++) {
                batches[w] = w % 2 == 0 ? 1 : 3;
                inputs[w] = TestData.uniform(new SplittableRandom(100 + w), T * batches[w] * I, 2.0);
                expected[w] = run(weights.newStream(batches[w]), inputs[w], T);
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<float[]>> results = new ArrayList<>();
                for (int w = 0; w < threads; w++) {
                    int id = w;
                    results.add(pool.submit(() -> {
                        RecurrentStream s = weights.newStream(batches[id]);
                        start.await();
                        return run(s, inputs[id], T);
                    }));
                }
                start.countDown();
                for (int w = 0; w < threads; w++) {
                    float[] got = results.get(w).get(60, TimeUnit.SECONDS);
                    assertBitwise(cell + " thread " + w, got, 0, expected[w], 0, expected[w].length);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** All outputs of a stream over a sequence {@code [T, B, I]}, {@code [T, B, H]}. */
    private static float[] run(RecurrentStream s, float[] x, int T) {
        int B = s.batch();
        float[] all = new float[T * B * H];
        for (int t = 0; t < T; t++) {
            System.arraycopy(s.step(x, t * B * I), 0, all, t * B * H, B * H);
        }
        return all;
    }

    @Test
    void badArgumentsNameTheArgumentExpectedAndActual() {
        RecurrentLayer lstm = layer(CellType.LSTM, 2, 1);
        RecurrentStream s = RecurrentStream.of(lstm, 3);
        assertThatThrownBy(() -> s.step(new float[3 * I - 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("xt").hasMessageContaining("[3, " + I + "]")
                .hasMessageContaining(3 * I + " floats").hasMessageContaining("got " + (3 * I - 1));
        assertThatThrownBy(() -> s.step(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("xt").hasMessageContaining("got null");
        assertThatThrownBy(() -> s.step(new float[3 * I + 4], 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x:").hasMessageContaining("offset 5")
                .hasMessageContaining("array of " + (3 * I + 4) + " floats");
        assertThatThrownBy(() -> s.step(new float[3 * I], -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset -1");
        assertThatThrownBy(() -> s.steps(new float[2 * 3 * I], 0, 3, new float[3 * 3 * H], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x:").hasMessageContaining("[T, B, I] = [3, 3, " + I + "]")
                .hasMessageContaining("got an array of " + 2 * 3 * I);
        assertThatThrownBy(() -> s.steps(new float[3 * 3 * I], 0, 3, new float[3 * 3 * H], 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out:").hasMessageContaining("[T, B, H] = [3, 3, " + H + "]")
                .hasMessageContaining("offset 1");
        assertThatThrownBy(() -> s.steps(new float[3 * I], 0, 0, new float[3 * H], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("T:").hasMessageContaining(">= 1").hasMessageContaining("got 0");
        assertThatThrownBy(() -> s.setState(new float[2 * 3 * H + 1], null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("h:").hasMessageContaining("[2, 3, " + H + "]")
                .hasMessageContaining("got " + (2 * 3 * H + 1) + " floats");
        assertThatThrownBy(() -> s.setState(null, new float[5]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c:").hasMessageContaining("[2, 3, " + H + "]").hasMessageContaining("got 5");
        assertThatThrownBy(() -> s.copyState(new float[1], null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hOut");
        RecurrentStream gru = RecurrentStream.of(layer(CellType.GRU, 2, 1), 3);
        assertThatThrownBy(() -> gru.setState(null, new float[2 * 3 * H]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c:").hasMessageContaining("only an lstm");
        assertThatThrownBy(() -> RecurrentStream.of(lstm, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch").hasMessageContaining(">= 1").hasMessageContaining("got 0");
        assertThatThrownBy(() -> RecurrentStream.Weights.of(lstm).newStream(-2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch").hasMessageContaining("got -2");
        assertThatThrownBy(() -> RecurrentStream.of(null, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer");
        assertThatThrownBy(() -> s.setWeights(RecurrentStream.Weights.of(layer(CellType.LSTM, 1, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weights").hasMessageContaining("layers 2").hasMessageContaining("layers 1");
        assertThatThrownBy(() -> s.setWeights(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weights");
        // a failed call changes nothing
        assertThat(s.hiddenState()).containsOnly(0f);
    }
}
