package dev.vecrnn.bench;

import dev.vecrnn.perf.RnnWorkload;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency-bound inference: batch 1, 2 and 4, 100 timesteps, hidden and input size 256, every
 * cell. Here each timestep is a small matrix-vector product, so the per-step barrier and the
 * pointwise kernels matter more than GEMM throughput.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 2, jvmArgsPrepend = {BenchConfig.ADD_VECTOR, BenchConfig.PARALLEL_GC})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RnnSmallBatchBench {
    @Param({"lstm", "gru", "rnn_tanh", "rnn_relu"})
    public String cell;

    @Param({"100x1x256x256", "100x2x256x256", "100x4x256x256"})
    public String shape;

    @Param({"inference"})
    public String mode;

    @Param({"1", "max"})
    public String threads;

    private RnnWorkload workload;

    @Setup(Level.Trial)
    public void setUp() {
        workload = BenchParams.workload(cell, shape, mode, threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        workload.close();
    }

    @Benchmark
    public float[] step() {
        return workload.run();
    }
}
