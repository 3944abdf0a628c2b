package dev.vecrnn.bench;

import dev.vecrnn.kernel.Activations;
import dev.vecrnn.kernel.ScalarActivations;
import dev.vecrnn.kernel.VectorSupport;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per element of exp, sigmoid and tanh. Every invocation transforms
 * {@link #ELEMENTS} floats in [-20, 20] ({@code ELEMENTS/n} calls of length n, so that the score
 * is per element whatever n is):
 * {@code vector} = the library's kernels through {@link Activations} (vector or scalar path as
 * {@code -Dvecrnn.vectorBits} decides), {@code scalar} = {@link ScalarActivations} (double-precision
 * Math), {@code jdk} = a plain loop over the JDK's {@code lanewise(EXP/TANH)}, with sigmoid as
 * {@code 1/(1+exp(-x))}, written here as the baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {BenchConfig.ADD_VECTOR, BenchConfig.PARALLEL_GC})
public class ActivationBench {
    /** Elements transformed per benchmark invocation. */
    static final int ELEMENTS = 4096;

    @Param({"exp", "sigmoid", "tanh"})
    public String fn;

    @Param({"vector", "scalar", "jdk"})
    public String impl;

    /** Length of each call; must divide 4096. */
    @Param({"4096"})
    public int n;

    private float[] x;
    private float[] y;
    private int calls;
    private VectorSpecies<Float> species;

    @Setup
    public void setup() {
        if (n <= 0 || ELEMENTS % n != 0) {
            throw new IllegalArgumentException("n must divide " + ELEMENTS + ", got " + n);
        }
        if (!fn.equals("exp") && !fn.equals("sigmoid") && !fn.equals("tanh")) {
            throw new IllegalArgumentException("fn must be exp, sigmoid or tanh, got " + fn);
        }
        if (!impl.equals("vector") && !impl.equals("scalar") && !impl.equals("jdk")) {
            throw new IllegalArgumentException("impl must be vector, scalar or jdk, got " + impl);
        }
        calls = ELEMENTS / n;
        x = new float[ELEMENTS];
        y = new float[ELEMENTS];
        Random rnd = new Random(42);
        for (int i = 0; i < ELEMENTS; i++) {
            x[i] = (float) (rnd.nextDouble() * 40 - 20);
        }
        int bits = VectorSupport.BITS > 0 ? VectorSupport.BITS : FloatVector.SPECIES_PREFERRED.vectorBitSize();
        species = VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(bits));
    }

    @Benchmark
    @OperationsPerInvocation(ELEMENTS)
    public float[] run() {
        for (int c = 0; c < calls; c++) {
            int off = c * n;
            switch (impl) {
                case "vector" -> vector(off);
                case "scalar" -> scalar(off);
                default -> jdk(off);
            }
        }
        return y;
    }

    private void vector(int off) {
        switch (fn) {
            case "exp" -> Activations.exp(x, off, y, off, n);
            case "sigmoid" -> Activations.sigmoid(x, off, y, off, n);
            default -> Activations.tanh(x, off, y, off, n);
        }
    }

    private void scalar(int off) {
        switch (fn) {
            case "exp" -> ScalarActivations.exp(x, off, y, off, n);
            case "sigmoid" -> ScalarActivations.sigmoid(x, off, y, off, n);
            default -> ScalarActivations.tanh(x, off, y, off, n);
        }
    }

    private void jdk(int off) {
        switch (fn) {
            case "exp" -> jdkExp(species, x, y, off, n);
            case "sigmoid" -> jdkSigmoid(species, x, y, off, n);
            default -> jdkTanh(species, x, y, off, n);
        }
    }

    // Baselines: the JDK's lanewise operators with a scalar tail, no saturation handling.

    private static void jdkExp(VectorSpecies<Float> s, float[] x, float[] y, int off, int n) {
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            FloatVector.fromArray(s, x, off + i).lanewise(VectorOperators.EXP).intoArray(y, off + i);
        }
        for (; i < n; i++) {
            y[off + i] = (float) Math.exp(x[off + i]);
        }
    }

    private static void jdkSigmoid(VectorSpecies<Float> s, float[] x, float[] y, int off, int n) {
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            FloatVector e = FloatVector.fromArray(s, x, off + i).neg().lanewise(VectorOperators.EXP);
            FloatVector.broadcast(s, 1f).div(e.add(1f)).intoArray(y, off + i);
        }
        for (; i < n; i++) {
            y[off + i] = (float) (1 / (1 + Math.exp(-x[off + i])));
        }
    }

    private static void jdkTanh(VectorSpecies<Float> s, float[] x, float[] y, int off, int n) {
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            FloatVector.fromArray(s, x, off + i).lanewise(VectorOperators.TANH).intoArray(y, off + i);
        }
        for (; i < n; i++) {
            y[off + i] = (float) Math.tanh(x[off + i]);
        }
    }
}
