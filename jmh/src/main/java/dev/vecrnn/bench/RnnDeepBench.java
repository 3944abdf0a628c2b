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
 * DeepBench-style LSTM shapes: hidden size 512 and 1024 (input size = hidden size), batch 16, 32
 * and 64, 25 timesteps; inference and training (zeroGrad + forward + backward incl. {@code dL/dx}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 2, jvmArgsPrepend = {BenchConfig.ADD_VECTOR, BenchConfig.PARALLEL_GC})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RnnDeepBench {
    @Param({"lstm"})
    public String cell;

    @Param({"25x16x512x512", "25x32x512x512", "25x64x512x512", "25x16x1024x1024", "25x32x1024x1024", "25x64x1024x1024"})
    public String shape;

    @Param({"inference", "training"})
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
