package dev.vecrnn.bench;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.nn.RecurrentStream;
import dev.vecrnn.perf.BenchMode;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.RnnWorkload;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of streaming inference: one {@link RecurrentStream#step} per operation (batch 1 is a
 * matrix-vector product per weight matrix), against the same layer's full-sequence
 * {@link RecurrentLayer#infer} over {@value #T} steps reported <em>per step</em>
 * ({@code @OperationsPerInvocation}), so the two rows compare directly. Both run on a team of
 * {@code threads} (1: the calling thread only; 2: the stream from
 * {@link RecurrentStream.Weights#newStream(int, ThreadTeam)}, each core computing half of the
 * hidden units). Times in µs per step.
 *
 * <p>A stream must read every weight once per step, the full-sequence pass only {@code W_hh} per
 * step (its input projection is one GEMM over all steps), so at batch 1, where reading the
 * weights is the whole cost, a step moves about twice the bytes of a full-sequence step.
 * {@code chunk} sits between the two: {@link RecurrentStream#steps} over {@value #CHUNK} frames at
 * a time (input projection hoisted over the chunk), reported per step as well.
 *
 * <p>The first iterations run the Vector API interpreted (thousands of times slower); the warm-up
 * is long enough for C2 to compile the kernels even on a busy machine. Two threads need longer
 * than one (an LSTM full-sequence pass on a team of 2 was still at 28 µs a step after 3 s, at
 * its steady 17 µs after 4 s), hence 12 warm-up seconds.
 *
 * <p>The streams are per JMH thread over one shared {@link RecurrentStream.Weights}; with
 * {@code -t N} the rows show N threads stepping their own streams at once.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 2, jvmArgsPrepend = {BenchConfig.ADD_VECTOR, BenchConfig.PARALLEL_GC})
@Warmup(iterations = 12, time = 1)
@Measurement(iterations = 5, time = 1)
public class StreamBench {
    /** Steps of the full-sequence baseline (and of the input frames the stream cycles through). */
    static final int T = 100;
    /** Frames per {@link RecurrentStream#steps} call of the {@code chunk} benchmark; divides T. */
    static final int CHUNK = 10;

    /** The layer, its shared weights and the input frames; one per trial. */
    @State(Scope.Benchmark)
    public static class Model {
        @Param({"lstm", "gru", "rnn_tanh"})
        public String cell;

        @Param({"1"})
        public int B;

        @Param({"256"})
        public int I;

        @Param({"256"})
        public int H;

        @Param({"1", "2"})
        public String threads;

        RecurrentStream.Weights weights;
        float[] x; // [T, B, I]

        /** The benchmark workload of this layer: one inference pass over {@value StreamBench#T} steps. */
        RnnWorkload workload(int threads) {
            return new RnnWorkload(RnnWorkload.Config.single(CellType.parse(cell), new RnnShape(T, B, I, H),
                    BenchMode.INFERENCE, threads, BenchParams.SEED));
        }

        @Setup(Level.Trial)
        public void setUp() {
            try (RnnWorkload source = workload(1)) {
                weights = RecurrentStream.Weights.of(source.layer());
                x = source.input();
            }
        }

    }

    /**
     * Per benchmark thread: a stream on the shared weights, cycling through the T input frames,
     * and for the baseline a workload of its own (same seed, so the same weights and inputs; a
     * layer is single-threaded), both on the workload's team of {@code threads}.
     */
    @State(Scope.Thread)
    public static class Session {
        RecurrentStream stream;
        int t;
        float[] chunkOut; // [CHUNK, B, H]
        RnnWorkload fullSequence;

        @Setup(Level.Trial)
        public void setUp(Model m) {
            chunkOut = new float[CHUNK * m.B * m.H];
            fullSequence = m.workload(BenchParams.threadCount(m.threads));
            stream = m.weights.newStream(m.B, fullSequence.team());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            fullSequence.close();
        }
    }

    @Benchmark
    public float[] step(Model m, Session s) {
        int t = s.t;
        s.t = t + 1 == T ? 0 : t + 1;
        return s.stream.step(m.x, t * m.B * m.I);
    }

    @Benchmark
    @OperationsPerInvocation(CHUNK)
    public float[] chunk(Model m, Session s) {
        int t = s.t;
        s.t = t + CHUNK == T ? 0 : t + CHUNK;
        s.stream.steps(m.x, t * m.B * m.I, CHUNK, s.chunkOut, 0);
        return s.chunkOut;
    }

    @Benchmark
    @OperationsPerInvocation(T)
    public float[] fullSequence(Model m, Session s) {
        return s.fullSequence.run();
    }
}
