package dev.vecrnn.nn;

import static dev.vecrnn.nn.RecurrentStreamTest.assertBitwise;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import dev.vecrnn.mem.ThreadTeam;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Streams of an LSTM with projections (PyTorch's {@code proj_size}) against the layer's
 * {@link RecurrentLayer#infer} over the whole sequence, bit for bit: one step at a time, in
 * chunks, on one thread and spread over teams of two and three (H = 70 makes several unit blocks,
 * P = 37 more than one panel of projection columns), with state carried in and out. And the stacks
 * a stream cannot run: bidirectional ones, rejected by name.
 */
class RecurrentStreamProjectionTest {
    private static final int I = 19;
    private static ThreadTeam two;
    private static ThreadTeam three;

    @BeforeAll
    static void teams() {
        two = new ThreadTeam(2);
        three = new ThreadTeam(3);
    }

    @AfterAll
    static void close() {
        two.close();
        three.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int layers : new int[] {1, 2, 3}) {
            for (int batch : new int[] {1, 3}) {
                out.add(Arguments.of(layers, batch, 37, 11));
                out.add(Arguments.of(layers, batch, 70, 37));
            }
        }
        return out.stream();
    }

    private static RecurrentLayer layer(int layers, int hidden, int proj, long seed) {
        return RecurrentLayer.builder(CellType.LSTM, I, hidden).projSize(proj).numLayers(layers).seed(seed).build();
    }

    @ParameterizedTest(name = "L={0} B={1} H={2} P={3}")
    @MethodSource("cases")
    void projectedStreamsEqualTheFullPassBitwise(int layers, int batch, int hidden, int proj) {
        RecurrentLayer layer = layer(layers, hidden, proj, 31);
        SplittableRandom rnd = new SplittableRandom(17);
        int T = 11;
        float[] x = TestData.uniform(rnd, T * batch * I, 2.0);
        float[] h0 = TestData.uniform(rnd, layers * batch * proj, 0.8);
        float[] c0 = TestData.uniform(rnd, layers * batch * hidden, 0.8);
        ForwardResult full = layer.infer(x, T, batch, h0, c0);
        float[] out = full.out().clone();
        float[] hN = full.hN().clone();
        float[] cN = full.cN().clone();
        int bp = batch * proj;
        assertThat(out).hasSize(T * bp);

        RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer);
        assertThat(weights.projSize()).isEqualTo(proj);
        assertThat(weights.stateSize()).isEqualTo(proj);
        List<RecurrentStream> streams = List.of(weights.newStream(batch), weights.newStream(batch, two),
                weights.newStream(batch, three));
        for (RecurrentStream stream : streams) {
            String what = stream + (stream == streams.get(0) ? " one thread" : " team");
            stream.setState(h0, c0);
            for (int t = 0; t < 5; t++) {
                float[] ht = stream.step(x, t * batch * I);
                assertThat(ht).hasSize(bp);
                assertBitwise(what + ", h at step " + t, ht, 0, out, t * bp, bp);
            }
            float[] chunked = new float[1 + (T - 5) * bp + 1];
            Arrays.fill(chunked, Float.NaN);
            stream.steps(x, 5 * batch * I, 4, chunked, 1);
            stream.steps(x, 9 * batch * I, 2, chunked, 1 + 4 * bp);
            assertBitwise(what + ", chunks", chunked, 1, out, 5 * bp, (T - 5) * bp);
            assertThat(chunked[0]).isNaN();
            assertThat(chunked[chunked.length - 1]).as("nothing written past the outputs").isNaN();
            assertBitwise(what + ", final h", stream.hiddenState(), 0, hN, 0, hN.length);
            assertBitwise(what + ", final c", stream.cellState(), 0, cN, 0, cN.length);
        }
    }

    @Test
    void projectedStateHasPColumnsAndCellStateH() {
        RecurrentLayer layer = layer(2, 20, 6, 3);
        RecurrentStream s = RecurrentStream.of(layer, 3);
        assertThat(s.hiddenState()).hasSize(2 * 3 * 6);
        assertThat(s.cellState()).hasSize(2 * 3 * 20);
        assertThatThrownBy(() -> s.setState(new float[2 * 3 * 20], null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("h:").hasMessageContaining("[L, B, P] = [2, 3, 6]");
        assertThatThrownBy(() -> s.setState(null, new float[2 * 3 * 6]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c:").hasMessageContaining("[L, B, H] = [2, 3, 20]");
        assertThatThrownBy(() -> s.steps(new float[2 * 3 * I], 0, 2, new float[2 * 3 * 6 - 1], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out:").hasMessageContaining("[T, B, P] = [2, 3, 6]");
        // another projection size is another shape
        assertThatThrownBy(() -> s.setWeights(RecurrentStream.Weights.of(layer(2, 20, 7, 3))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proj 6").hasMessageContaining("proj 7");
    }

    @Test
    void bidirectionalStacksAreRejectedFromTheirConfiguration() {
        for (CellType cell : CellType.values()) {
            RecurrentLayer bi = RecurrentLayer.builder(cell, I, 8).bidirectional(true).seed(1).build();
            assertThatThrownBy(() -> RecurrentStream.Weights.of(bi))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bidirectional").hasMessageContaining("infer");
            assertThatThrownBy(() -> RecurrentStream.of(bi, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bidirectional");
        }
        RecurrentLayer biProj = RecurrentLayer.builder(CellType.LSTM, I, 8).projSize(3).bidirectional(true).seed(1)
                .build();
        assertThatThrownBy(() -> RecurrentStream.Weights.of(biProj))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bidirectional");
    }

    @Test
    void warmProjectedStepsAllocateNothing() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        RecurrentLayer layer = layer(2, 70, 37, 5);
        for (ThreadTeam team : new ThreadTeam[] {null, two}) {
            for (int batch : new int[] {1, 3}) {
                RecurrentStream.Weights w = RecurrentStream.Weights.of(layer);
                RecurrentStream stream = team == null ? w.newStream(batch) : w.newStream(batch, team);
                float[] xt = TestData.uniform(new SplittableRandom(3), batch * I, 1.0);
                float[] chunkIn = TestData.uniform(new SplittableRandom(4), 5 * batch * I, 1.0);
                float[] chunkOut = new float[5 * batch * 37];
                long[] ids = memberIds(team);
                long bytes = Long.MAX_VALUE;
                // until C2 has compiled the kernels the Vector API boxes vectors; wait for that (on a
                // busy machine it can take many seconds: bound the wait by time, as ZeroAllocationTest does)
                long deadline = System.nanoTime() + 25_000_000_000L;
                while (bytes > 0 && System.nanoTime() < deadline) {
                    long before = allocated(mx, ids);
                    for (int i = 0; i < 100; i++) {
                        stream.step(xt);
                    }
                    stream.steps(chunkIn, 0, 5, chunkOut, 0);
                    bytes = allocated(mx, ids) - before;
                }
                assertThat(bytes).as("bytes allocated by 100 warm steps and a chunk, batch %d, %s", batch,
                        team == null ? "one thread" : "team of two").isZero();
            }
        }
    }

    /** The calling thread and the team's workers. */
    private static long[] memberIds(ThreadTeam team) {
        List<Long> ids = new ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        if (team != null) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith(team.name() + "-worker-")) {
                    ids.add(t.threadId());
                }
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** One id at a time: the array form would itself allocate its result on this thread. */
    private static long allocated(ThreadMXBean mx, long[] ids) {
        long sum = 0;
        for (long id : ids) {
            sum += mx.getThreadAllocatedBytes(id);
        }
        return sum;
    }
}
