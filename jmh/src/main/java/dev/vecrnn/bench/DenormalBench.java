package dev.vecrnn.bench;

import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
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
 * Does data in the denormal range slow the engine down? Java cannot set the CPU's flush-to-zero
 * mode, so every denormal operand or result costs whatever the CPU charges for it (on many x86
 * cores a microcode assist of 100+ cycles). The same layer, shape and work, on four kinds of data:
 * <ul>
 *   <li>{@code normal}: PyTorch's initialisation, inputs N(0, 1);
 *   <li>{@code tiny}: inputs and all parameters scaled by 1e-20, so every product {@code x·w}
 *   and {@code w·h} is denormal (~1e-40) inside the GEMMs;
 *   <li>{@code tiny30}: scaled by 1e-30, so the products (~1e-60) underflow past the denormals
 *   to zero;
 *   <li>{@code saturated}: biases -80 ({@code bias_ih} -80, {@code bias_hh} 0), so every gate
 *   pre-activation is near -80: sigmoid outputs ~1e-35, cell states that shrink by that factor per
 *   step, and gradients through the saturated gates far below the normal range.
 * </ul>
 * The gate kernels flush values below {@code Float.MIN_NORMAL} to zero wherever they store
 * one; GEMM products of user data are left as the data makes them. Compare rows of one cell and
 * mode across {@code data}: equal times mean no denormal slowdown.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsPrepend = {BenchConfig.ADD_VECTOR, BenchConfig.PARALLEL_GC})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DenormalBench {
    @Param({"lstm", "gru", "rnn_tanh"})
    public String cell;

    @Param({"50x16x128x128"})
    public String shape;

    @Param({"inference", "training"})
    public String mode;

    @Param({"normal", "tiny", "tiny30", "saturated"})
    public String data;

    @Param({"1"})
    public String threads;

    private RnnWorkload workload;

    /** The shared workload, then its weights and inputs turned into {@code data}. */
    @Setup(Level.Trial)
    public void setUp() {
        workload = BenchParams.workload(cell, shape, mode, threads);
        apply(data, workload.layer(), workload.input());
    }

    /** Turns normal weights and inputs into the given kind of data (see the class comment). */
    static void apply(String data, RecurrentLayer layer, float[] x) {
        switch (data) {
            case "normal" -> { }
            case "tiny" -> scaleAll(layer, x, 1e-20f);
            case "tiny30" -> scaleAll(layer, x, 1e-30f);
            case "saturated" -> {
                for (Parameter p : layer.parameters()) {
                    if (p.name().startsWith("bias_ih")) {
                        java.util.Arrays.fill(p.value(), -80f);
                    } else if (p.name().startsWith("bias_hh")) {
                        java.util.Arrays.fill(p.value(), 0f);
                    }
                }
            }
            default -> throw new IllegalArgumentException("data must be normal, tiny, tiny30 or saturated, got '"
                    + data + "'");
        }
    }

    private static void scaleAll(RecurrentLayer layer, float[] x, float scale) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= scale;
        }
        for (Parameter p : layer.parameters()) {
            float[] v = p.value();
            for (int i = 0; i < v.length; i++) {
                v[i] *= scale;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        workload.close();
    }

    /** Inference: one {@code infer()}. Training: zeroGrad, forward, backward (incl. dL/dx). */
    @Benchmark
    public float[] step() {
        return workload.run();
    }
}
