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
 * A stream spread over a {@link ThreadTeam} ({@link RecurrentStream.Weights#newStream(int, ThreadTeam)})
 * against the one-thread stream and the full-sequence pass, bitwise: every cell, one to three
 * layers, batch 1 (matrix-vector path) and 3 (GEMM path), hidden sizes that leave a member with a
 * partial packed panel or with no units at all, single steps and uneven chunks.
 */
class RecurrentStreamTeamTest {
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
        for (CellType cell : CellType.values()) {
            for (int layers : new int[] {1, 3}) {
                for (int batch : new int[] {1, 3}) {
                    // 5: less than a panel, one member does it all; 37 and 100: ragged splits
                    for (int hidden : new int[] {5, 37, 100}) {
                        out.add(Arguments.of(cell, layers, batch, hidden));
                    }
                }
            }
        }
        return out.stream();
    }

    private static RecurrentLayer layer(CellType cell, int layers, int hidden, long seed) {
        return RecurrentLayer.builder(cell, I, hidden).numLayers(layers).seed(seed).build();
    }

    @ParameterizedTest(name = "{0} L={1} B={2} H={3}")
    @MethodSource("cases")
    void teamStreamEqualsOneThreadStreamAndFullPassBitwise(CellType cell, int layers, int batch, int hidden) {
        RecurrentLayer layer = layer(cell, layers, hidden, 21);
        RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer);
        SplittableRandom rnd = new SplittableRandom(9);
        int T = 13;
        float[] x = TestData.uniform(rnd, T * batch * I, 2.0);
        float[] h0 = TestData.uniform(rnd, layers * batch * hidden, 0.8);
        float[] c0 = cell == CellType.LSTM ? TestData.uniform(rnd, layers * batch * hidden, 0.8) : null;
        ForwardResult full = layer.infer(x, T, batch, h0, c0);
        float[] expectedOut = full.out().clone();
        float[] expectedH = full.hN().clone();
        float[] expectedC = full.cN() == null ? null : full.cN().clone();
        int bh = batch * hidden;

        for (ThreadTeam team : new ThreadTeam[] {two, three}) {
            String what = cell + " on " + team.size() + " threads";
            RecurrentStream one = weights.newStream(batch);
            RecurrentStream many = weights.newStream(batch, team);
            one.setState(h0, c0);
            many.setState(h0, c0);
            for (int t = 0; t < 6; t++) {
                float[] reference = one.step(x, t * batch * I).clone();
                float[] got = many.step(x, t * batch * I);
                assertBitwise(what + ", step " + t + " vs one-thread stream", got, 0, reference, 0, bh);
                assertBitwise(what + ", step " + t + " vs full pass", got, 0, expectedOut, t * bh, bh);
            }
            // the rest in uneven chunks, with padding around the output that must stay untouched
            float[] out = new float[2 + (T - 6) * bh + 2];
            Arrays.fill(out, Float.NaN);
            many.steps(x, 6 * batch * I, 4, out, 2);
            many.steps(x, 10 * batch * I, 3, out, 2 + 4 * bh);
            assertBitwise(what + ", chunks", out, 2, expectedOut, 6 * bh, (T - 6) * bh);
            assertThat(out[0]).isNaN();
            assertThat(out[out.length - 1]).as("nothing written past the outputs").isNaN();
            assertBitwise(what + ", final h", many.hiddenState(), 0, expectedH, 0, expectedH.length);
            if (expectedC != null) {
                assertBitwise(what + ", final c", many.cellState(), 0, expectedC, 0, expectedC.length);
            }
        }
    }

    @Test
    void warmTeamStepsAllocateNothingOnAnyMember() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = memberIds(two);
        for (CellType cell : CellType.values()) {
            for (int batch : new int[] {1, 3}) {
                RecurrentStream stream = RecurrentStream.Weights.of(layer(cell, 2, 70, 1)).newStream(batch, two);
                float[] xt = TestData.uniform(new SplittableRandom(3), batch * I, 1.0);
                float[] chunkIn = TestData.uniform(new SplittableRandom(4), 5 * batch * I, 1.0);
                float[] chunkOut = new float[5 * batch * 70];
                long bytes = Long.MAX_VALUE;
                // until C2 has compiled the kernels the Vector API boxes vectors; wait for that, as
                // long as train's AllocationProbe does (the chunk's tail kernels are called a few
                // times per round and reach C2 last)
                long deadline = System.nanoTime() + 15_000_000_000L;
                while (bytes > 0 && System.nanoTime() < deadline) {
                    long before = allocated(mx, ids);
                    for (int i = 0; i < 100; i++) {
                        stream.step(xt);
                    }
                    stream.steps(chunkIn, 0, 5, chunkOut, 0);
                    bytes = allocated(mx, ids) - before;
                }
                assertThat(bytes).as("bytes allocated by the caller and the team over 100 warm steps and a chunk, "
                        + "%s batch %d", cell, batch).isZero();
            }
        }
    }

    /** The calling thread and the team's workers. */
    private static long[] memberIds(ThreadTeam team) {
        List<Long> ids = new ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(team.name() + "-worker-")) {
                ids.add(t.threadId());
            }
        }
        assertThat(ids).as("the caller and the workers of " + team.name()).hasSize(team.size());
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

    @Test
    void teamOfOneRunsOnTheCallingThreadWithTheSameResults() {
        RecurrentLayer layer = layer(CellType.GRU, 2, 37, 5);
        RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer);
        float[] x = TestData.uniform(new SplittableRandom(2), 4 * I, 1.0);
        try (ThreadTeam solo = new ThreadTeam(1)) {
            RecurrentStream a = weights.newStream(1, solo);
            RecurrentStream b = weights.newStream(1);
            for (int t = 0; t < 4; t++) {
                assertBitwise("step " + t, a.step(x, t * I), 0, b.step(x, t * I).clone(), 0, 37);
            }
        }
    }

    @Test
    void nullOrClosedTeamIsRejectedByName() {
        RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer(CellType.LSTM, 1, 8, 1));
        assertThatThrownBy(() -> weights.newStream(1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("team");
        ThreadTeam closed = new ThreadTeam(2);
        closed.close();
        assertThatThrownBy(() -> weights.newStream(1, closed))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("team").hasMessageContaining("closed");
        assertThatThrownBy(() -> weights.newStream(0, two))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch");
    }
}
