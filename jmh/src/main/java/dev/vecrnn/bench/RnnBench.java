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
 * One recurrent layer, every cell, at the five standard shapes ({@code TxBxIxH}): one inference
 * pass or one training step (zeroGrad + forward + backward incl. {@code dL/dx}) per operation.
 * The vector width is the JVM's: for the scalar path run with
 * {@code -jvmArgsAppend -Dvecrnn.vectorBits=0} ({@code scripts/bench --with-scalar} does it and
 * pairs the two runs).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 2, jvmArgsPrepend = {BenchConfig.ADD_VECTOR, BenchConfig.PARALLEL_GC})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RnnBench {
    @Param({"lstm", "gru", "rnn_tanh", "rnn_relu"})
    public String cell;

    @Param({"50x32x256x256", "50x64x512x512", "25x16x1024x1024", "100x1x256x256", "50x128x128x128"})
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
