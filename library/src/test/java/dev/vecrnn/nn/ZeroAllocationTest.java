package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * After warm-up, a training step (forward + backward) and an inference pass allocate nothing,
 * on the calling thread and on the team's worker threads, for every cell with one and two
 * threads. Warm-up runs until the JIT has compiled the kernels (the interpreter boxes every
 * vector); then a run of steps is measured with {@code getThreadAllocatedBytes}.
 */
class ZeroAllocationTest {
    /** Allowance per measured step, for JVM-internal noise; a leak allocates kilobytes per step. */
    private static final long SLACK_BYTES_PER_STEP = 16;
    /** Longest wait for the JIT; normally a case is clean after well under a second. */
    private static final long WARMUP_LIMIT_NANOS = 25_000_000_000L;

    static Stream<Arguments> cases() {
        return Stream.of(CellType.values()).flatMap(c -> Stream.of(Arguments.of(c, 1), Arguments.of(c, 2)));
    }

    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("cases")
    void warmStepsAllocateNothing(CellType cell, int threads) throws Exception {
        int T = 4, B = 3, I = 5, H = 37, L = 2;
        try (ThreadTeam team = new ThreadTeam(threads)) {
            RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(L).seed(3).threads(team).build();
            layer.alwaysParallelForTesting();
            SplittableRandom rnd = new SplittableRandom(8);
            boolean lstm = cell == CellType.LSTM;
            float[] x = uniform(rnd, T * B * I, 1);
            float[] h0 = uniform(rnd, L * B * H, 0.5);
            float[] c0 = lstm ? uniform(rnd, L * B * H, 0.5) : null;
            float[] dout = uniform(rnd, T * B * H, 1);
            float[] dhN = uniform(rnd, L * B * H, 1);
            float[] dcN = lstm ? uniform(rnd, L * B * H, 1) : null;

            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] ids = threadIds();
            int steps = 20;
            long perStep = Long.MAX_VALUE;
            // Warm up until compiled. The fused kernels are too big for C1, so they run interpreted
            // (boxing every vector) until C2 has compiled them, which on a busy machine can take
            // seconds; bound the wait by time rather than by a guessed number of rounds.
            long deadline = System.nanoTime() + WARMUP_LIMIT_NANOS;
            for (int round = 0; perStep > SLACK_BYTES_PER_STEP && System.nanoTime() < deadline; round++) {
                for (int i = 0; i < 30; i++) {
                    step(layer, x, T, B, h0, c0, dout, dhN, dcN);
                }
                long before = sum(mx.getThreadAllocatedBytes(ids));
                for (int i = 0; i < steps; i++) {
                    step(layer, x, T, B, h0, c0, dout, dhN, dcN);
                }
                long after = sum(mx.getThreadAllocatedBytes(ids));
                perStep = (after - before) / steps;
                if (Boolean.getBoolean("vecrnn.test.verbose")) {
                    System.out.println("ALLOC " + cell + " " + threads + " round " + round + ": " + perStep);
                }
            }
            assertThat(perStep).as("bytes allocated per warm training step + inference").isLessThanOrEqualTo(
                    SLACK_BYTES_PER_STEP);
        }
    }

    private static void step(RecurrentLayer layer, float[] x, int T, int B, float[] h0, float[] c0,
                             float[] dout, float[] dhN, float[] dcN) {
        layer.forward(x, T, B, h0, c0);
        layer.backward(dout, dhN, dcN);
        layer.infer(x, T, B, h0, c0);
    }

    /** The calling thread and every live team worker thread. */
    private static long[] threadIds() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t == Thread.currentThread() || t.getName().contains("-worker-"))
                .mapToLong(Thread::threadId).toArray();
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += Math.max(v, 0);
        }
        return s;
    }
}
