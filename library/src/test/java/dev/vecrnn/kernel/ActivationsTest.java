package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * exp, sigmoid and tanh against double-precision {@code Math} references, at whatever vector width
 * this JVM runs (scripts/test repeats the kernel tests at 256 and 128 bits and on the scalar path),
 * through the facade, the vector class directly, the bit-exact scalar twin ({@link ScalarActivations})
 * and the double-precision reference ({@link ReferenceActivations}).
 *
 * <p>Bounds are the documented contract: exp within 4 ulp where the result is a normal float,
 * sigmoid and tanh within 5e-7 absolute; in addition sigmoid within 4 ulp (for x &gt;= -87.33) and
 * tanh within 6 ulp (normal x), which the implementations meet with some margin (3.6 and 5.4 ulp
 * measured over every float in [-30, 30]; exp 2.6 ulp over [-105, 89]). Nothing may come out denormal.
 */
class ActivationsTest {
    static final double ABS_BOUND = 5e-7;
    static final double EXP_ULPS = 4;
    static final double SIGMOID_ULPS = 4;
    static final double TANH_ULPS = 6;

    enum Fn { EXP, SIGMOID, TANH }

    /** The facade, the vector kernels, their bit-exact scalar twins and the double-precision references. */
    enum Impl { FACADE, VECTOR, SCALAR, REFERENCE }

    static void apply(Impl impl, Fn fn, float[] x, int offX, float[] y, int offY, int n) {
        switch (impl) {
            case FACADE -> {
                switch (fn) {
                    case EXP -> Activations.exp(x, offX, y, offY, n);
                    case SIGMOID -> Activations.sigmoid(x, offX, y, offY, n);
                    case TANH -> Activations.tanh(x, offX, y, offY, n);
                }
            }
            case VECTOR -> {
                switch (fn) {
                    case EXP -> VectorActivations.exp(x, offX, y, offY, n);
                    case SIGMOID -> VectorActivations.sigmoid(x, offX, y, offY, n);
                    case TANH -> VectorActivations.tanh(x, offX, y, offY, n);
                }
            }
            case SCALAR -> {
                switch (fn) {
                    case EXP -> ScalarActivations.exp(x, offX, y, offY, n);
                    case SIGMOID -> ScalarActivations.sigmoid(x, offX, y, offY, n);
                    case TANH -> ScalarActivations.tanh(x, offX, y, offY, n);
                }
            }
            case REFERENCE -> {
                switch (fn) {
                    case EXP -> ReferenceActivations.exp(x, offX, y, offY, n);
                    case SIGMOID -> ReferenceActivations.sigmoid(x, offX, y, offY, n);
                    case TANH -> ReferenceActivations.tanh(x, offX, y, offY, n);
                }
            }
        }
    }

    static double reference(Fn fn, float x) {
        return switch (fn) {
            case EXP -> Math.exp(x);
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-(double) x));
            case TANH -> Math.tanh(x);
        };
    }

    /** Null when y is an acceptable value of fn(x), otherwise why not. */
    static String violation(Fn fn, float x, float y) {
        if (y != 0 && Math.abs(y) < Float.MIN_NORMAL) {
            return "denormal output";
        }
        if (Float.isNaN(x)) {
            return Float.isNaN(y) ? null : "NaN input must give NaN";
        }
        if (Float.isNaN(y)) {
            return "NaN output";
        }
        double r = reference(fn, x);
        float rf = (float) r;
        double err = Math.abs(y - r);
        switch (fn) {
            case EXP -> {
                if (rf < Float.MIN_NORMAL) {
                    return Float.floatToRawIntBits(y) == 0 ? null : "must be +0 below the normal range";
                }
                if (rf == Float.POSITIVE_INFINITY) {
                    return y == Float.POSITIVE_INFINITY ? null : "must overflow to +Inf";
                }
                return err <= EXP_ULPS * Math.ulp(rf) ? null : "error " + err / Math.ulp(rf) + " ulp";
            }
            case SIGMOID -> {
                if (y < 0 || y > 1) {
                    return "outside [0, 1]";
                }
                if (err > ABS_BOUND) {
                    return "absolute error " + err;
                }
                if (x >= ScalarActivations.SIGMOID_MIN_ARG && err > SIGMOID_ULPS * Math.ulp(rf)) {
                    return "error " + err / Math.ulp(rf) + " ulp";
                }
                return null;
            }
            case TANH -> {
                if (Math.abs(x) < Float.MIN_NORMAL) {
                    // Denormal (or zero) input: the zero of the same sign.
                    return y == 0 && Math.copySign(1f, y) == Math.copySign(1f, x) ? null : "want signed zero";
                }
                if (Math.abs(y) > 1) {
                    return "outside [-1, 1]";
                }
                if (err > ABS_BOUND) {
                    return "absolute error " + err;
                }
                return err <= TANH_ULPS * Math.ulp(rf) ? null : "error " + err / Math.ulp(rf) + " ulp";
            }
        }
        throw new AssertionError();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.values()) {
            for (Fn fn : Fn.values()) {
                out.add(Arguments.of(impl, fn));
            }
        }
        return out.stream();
    }

    static void assumeAvailable(Impl impl) {
        assumeTrue(impl != Impl.VECTOR || VectorSupport.ENABLED, "vector path disabled in this JVM");
    }

    static void assertAll(Fn fn, float[] x, int offX, float[] y, int offY, int n, String where) {
        for (int i = 0; i < n; i++) {
            String v = violation(fn, x[offX + i], y[offY + i]);
            if (v != null) {
                throw new AssertionError(fn + "(" + x[offX + i] + ") = " + y[offY + i] + " [ref "
                        + reference(fn, x[offX + i]) + "]: " + v + " (" + where + ", i=" + i + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void sweepOfAMillionPointsInMinus30To30(Impl impl, Fn fn) {
        assumeAvailable(impl);
        int n = 1_200_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-30.0 + 60.0 * i / (n - 1));
        }
        float[] y = new float[n];
        apply(impl, fn, x, 0, y, 0, n);
        assertAll(fn, x, 0, y, 0, n, "sweep");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void sweepOfTheWholeExponentRange(Impl impl, Fn fn) {
        assumeAvailable(impl);
        // exp from deep underflow to overflow; sigmoid and tanh far into saturation.
        int n = 400_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-105.0 + 195.0 * i / (n - 1));
        }
        float[] y = new float[n];
        apply(impl, fn, x, 0, y, 0, n);
        assertAll(fn, x, 0, y, 0, n, "wide sweep");
    }

    static float[] specialValues() {
        float[] base = {
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0f, -0f,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE,
            Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MIN_NORMAL * 3, 1e-30f, -1e-30f, 1e-7f, -1e-7f,
            ScalarActivations.EXP_MIN_ARG, ScalarActivations.EXP_MAX_ARG,
            ScalarActivations.SIGMOID_MIN_ARG, -ScalarActivations.SIGMOID_MIN_ARG,
            ScalarActivations.TANH_CLAMP, -ScalarActivations.TANH_CLAMP,
            (float) (-126 * Math.log(2)), (float) Math.log(Float.MAX_VALUE), -87.5f, -88f, -88.5f, -103.97f,
            -104f, 88f, 88.5f, 89f, 9.01f, 17.33f, -17.33f, 20f, -20f, 30f, -30f, 1e10f, -1e10f,
            Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffc00000),
        };
        List<Float> all = new ArrayList<>();
        for (float v : base) {
            all.add(v);
            if (Float.isFinite(v)) {
                float up = v;
                float down = v;
                for (int k = 0; k < 4; k++) {
                    up = Math.nextUp(up);
                    down = Math.nextDown(down);
                    all.add(up);
                    all.add(down);
                }
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void specialValuesAndSaturationThresholds(Impl impl, Fn fn) {
        assumeAvailable(impl);
        float[] x = specialValues();
        float[] y = new float[x.length];
        apply(impl, fn, x, 0, y, 0, x.length);
        assertAll(fn, x, 0, y, 0, x.length, "special values");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Impl.class)
    void exactLimits(Impl impl) {
        assumeAvailable(impl);
        float inf = Float.POSITIVE_INFINITY;
        float[] x = {inf, -inf, Float.NaN, 0f, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, -200f, 200f, 30f, -30f};
        float[] exp = run(impl, Fn.EXP, x);
        float[] sig = run(impl, Fn.SIGMOID, x);
        float[] tanh = run(impl, Fn.TANH, x);
        assertThat(exp[0]).isEqualTo(inf);
        assertThat(Float.floatToRawIntBits(exp[1])).isZero();
        assertThat(exp[2]).isNaN();
        assertThat(exp[3]).isEqualTo(1f);
        assertThat(exp[4]).isEqualTo(1f);
        assertThat(exp[5]).isEqualTo(inf);
        assertThat(Float.floatToRawIntBits(exp[6])).isZero();
        assertThat(Float.floatToRawIntBits(exp[7])).isZero();
        assertThat(exp[8]).isEqualTo(inf);
        assertThat((double) exp[9]).isCloseTo(Math.exp(30), Percentage.withPercentage(1e-5));
        assertThat((double) exp[10]).isCloseTo(Math.exp(-30), Percentage.withPercentage(1e-5));

        assertThat(sig[0]).isEqualTo(1f);
        assertThat(Float.floatToRawIntBits(sig[1])).isZero();
        assertThat(sig[2]).isNaN();
        assertThat(sig[3]).isEqualTo(0.5f);
        assertThat(sig[4]).isEqualTo(0.5f);
        assertThat(sig[5]).isEqualTo(1f);
        assertThat(Float.floatToRawIntBits(sig[6])).isZero();
        assertThat(Float.floatToRawIntBits(sig[7])).isZero();
        assertThat(sig[8]).isEqualTo(1f);
        assertThat(sig[9]).isEqualTo(1f);

        assertThat(tanh[0]).isEqualTo(1f);
        assertThat(tanh[1]).isEqualTo(-1f);
        assertThat(tanh[2]).isNaN();
        assertThat(Float.floatToRawIntBits(tanh[3])).isZero();
        assertThat(Float.floatToRawIntBits(tanh[4])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(tanh[5]).isEqualTo(1f);
        assertThat(tanh[6]).isEqualTo(-1f);
        assertThat(tanh[7]).isEqualTo(-1f);
        assertThat(tanh[8]).isEqualTo(1f);
        assertThat(tanh[9]).isEqualTo(1f);
        assertThat(tanh[10]).isEqualTo(-1f);

        // Tiny normal x: tanh(x) = x exactly.
        float[] tiny = {Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-30f, -3e-20f};
        assertThat(run(impl, Fn.TANH, tiny)).containsExactly(tiny);
    }

    static float[] run(Impl impl, Fn fn, float[] x) {
        float[] y = new float[x.length];
        apply(impl, fn, x, 0, y, 0, x.length);
        return y;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void everyTailAndOffsetAndInPlace(Impl impl, Fn fn) {
        assumeAvailable(impl);
        Random rnd = new Random(42);
        float[] specials = specialValues();
        List<Integer> sizes = new ArrayList<>();
        for (int n = 0; n <= 40; n++) {
            sizes.add(n);
        }
        sizes.add(1021);
        for (int n : sizes) {
            float[] src = new float[n];
            for (int i = 0; i < n; i++) {
                src[i] = i % 7 == 3 ? specials[rnd.nextInt(specials.length)] : (float) (rnd.nextDouble() * 60 - 30);
            }
            // Separate arrays with different offsets; sentinels around the output range.
            int offX = 3;
            int offY = 5;
            float[] x = new float[n + offX + 2];
            float[] y = new float[n + offY + 4];
            Arrays.fill(y, 12345f);
            System.arraycopy(src, 0, x, offX, n);
            float[] xBefore = x.clone();
            apply(impl, fn, x, offX, y, offY, n);
            assertAll(fn, x, offX, y, offY, n, "n=" + n + " offsets");
            assertThat(x).as("input unchanged").containsExactly(xBefore);
            for (int i = 0; i < y.length; i++) {
                if (i < offY || i >= offY + n) {
                    assertThat(y[i]).as("outside the output range, n=%d i=%d", n, i).isEqualTo(12345f);
                }
            }
            // Each output depends only on its own input, wherever it sits (main loop or tail).
            float[] one = new float[1];
            for (int i = 0; i < n; i++) {
                apply(impl, fn, x, offX + i, one, 0, 1);
                assertThat(Float.floatToRawIntBits(one[0])).as("n=%d i=%d alone", n, i)
                        .isEqualTo(Float.floatToRawIntBits(y[offY + i]));
            }
            // In place gives the same as out of place.
            int off = 2;
            float[] z = new float[n + off + 3];
            Arrays.fill(z, -777f);
            System.arraycopy(src, 0, z, off, n);
            apply(impl, fn, z, off, z, off, n);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(z[off + i])).as("in place n=%d i=%d", n, i)
                        .isEqualTo(Float.floatToRawIntBits(y[offY + i]));
            }
            assertThat(z[0]).isEqualTo(-777f);
            assertThat(z[z.length - 1]).isEqualTo(-777f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Fn.class)
    void facadeRejectsBadArgumentsNamingThem(Fn fn) {
        float[] a = new float[10];
        assertThatThrownBy(() -> apply(Impl.FACADE, fn, a, 0, a, 0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n must be >= 0");
        assertThatThrownBy(() -> apply(Impl.FACADE, fn, null, 0, a, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x is null");
        assertThatThrownBy(() -> apply(Impl.FACADE, fn, a, 0, null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y is null");
        assertThatThrownBy(() -> apply(Impl.FACADE, fn, a, 0, new float[4], 0, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y too short");
        assertThatThrownBy(() -> apply(Impl.FACADE, fn, a, 6, new float[10], 0, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x too short");
        assertThatThrownBy(() -> apply(Impl.FACADE, fn, a, -1, new float[10], 0, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x offset");
        assertThatThrownBy(() -> apply(Impl.FACADE, fn, a, 0, a, 2, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y overlaps x");
        // Disjoint ranges of one array are fine.
        apply(Impl.FACADE, fn, a, 0, a, 5, 5);
    }

    // ---- zero allocation of the kernels and of a fused loop built from the per-vector helpers ----

    /** Bytes allocated per call once the JIT has compiled the code: best of several attempts. */
    static double bytesPerCall(Runnable body) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        // at least 30 attempts, and on a busy machine as long as 15 s, for C2 to finish
        long deadline = System.nanoTime() + 15_000_000_000L;
        for (int attempt = 0; best >= 1 && (attempt < 30 || System.nanoTime() < deadline); attempt++) {
            for (int i = 0; i < 3000; i++) {
                body.run();
            }
            int calls = 1000;
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                body.run();
            }
            long after = mx.getCurrentThreadAllocatedBytes();
            best = Math.min(best, (after - before) / (double) calls);
        }
        return best;
    }

    @Test
    void kernelsDoNotAllocateOnceCompiled() {
        float[] x = new float[1021 + 3];
        float[] y = new float[1021 + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 61) - 30;
        }
        // n = 1021 also runs the masked tail.
        double bytes = bytesPerCall(() -> {
            Activations.exp(x, 1, y, 2, 1021);
            Activations.sigmoid(y, 2, y, 2, 1021);
            Activations.tanh(x, 3, y, 0, 1021);
        });
        assertThat(bytes).as("bytes allocated per call of exp+sigmoid+tanh on 1021 floats").isLessThan(1.0);
    }

    /**
     * A caller with vector work of its own that also calls the activation kernels: C2 may inline
     * the kernels into it with little inlining budget left, which must not make them allocate
     * (they call no method of ours that takes or returns a vector).
     */
    static void busyCaller(float[] a, float[] b, float[] c, int n) {
        var f = Lanes.F;
        for (int i = 0; i < f.loopBound(n); i += f.length()) {
            FloatVector v = FloatVector.fromArray(f, a, i);
            FloatVector w = FloatVector.fromArray(f, b, i);
            for (int r = 0; r < 3; r++) {
                v = v.fma(w, v).mul(w).add(v).sub(w).mul(v).fma(v, w).add(w).mul(v).add(w).sub(v);
            }
            v.intoArray(c, i);
        }
        Activations.exp(c, 0, c, 0, n);
        Activations.tanh(c, 0, a, 0, n);
        Activations.sigmoid(a, 0, c, 0, n);
    }

    @Test
    void kernelsInlinedIntoABusyCallerDoNotAllocate() {
        int n = 1021;
        float[] a = new float[n];
        float[] b = new float[n];
        float[] c = new float[n];
        assertThat(bytesPerCall(() -> {
            Arrays.fill(a, 0.25f);
            Arrays.fill(b, 0.5f);
            busyCaller(a, b, c, n);
        })).as("bytes per call").isLessThan(1.0);
    }

    /**
     * The scalar mirrors that compute the tails give exactly the bits of a vector lane: every
     * float in [-1, 1] of a coarse grid of exponents, a dense sweep over [-105, 89] and the special
     * values (infinities, NaN payloads, zeros, denormals, saturation thresholds, huge |x|).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fn.class)
    void scalarMirrorsAgreeBitwiseWithTheVectorLanes(Fn fn) {
        assumeTrue(VectorSupport.ENABLED, "vector path disabled in this JVM");
        float[] specials = specialValues();
        int dense = 400_000;
        int small = 20_000;
        float[] x = new float[specials.length + dense + small];
        System.arraycopy(specials, 0, x, 0, specials.length);
        for (int i = 0; i < dense; i++) {
            x[specials.length + i] = (float) (-105.0 + 194.0 * i / (dense - 1));
        }
        Random rnd = new Random(3);
        for (int i = 0; i < small; i++) {
            // magnitudes from 1e-40 (denormal) to 1e3, both signs
            x[specials.length + dense + i] = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(10, -40 + 43 * rnd.nextDouble()));
        }
        // Lay the values out so that each sits in a full vector (length a multiple of the lanes).
        int lanes = Lanes.F.length();
        int n = (x.length / lanes + 1) * lanes;
        float[] in = Arrays.copyOf(x, n);
        float[] lanesOut = new float[n];
        apply(Impl.VECTOR, fn, in, 0, lanesOut, 0, n);
        for (int i = 0; i < n; i++) {
            float mirror = switch (fn) {
                case EXP -> ScalarActivations.exp(in[i]);
                case SIGMOID -> ScalarActivations.sigmoid(in[i]);
                case TANH -> ScalarActivations.tanh(in[i]);
            };
            if (Float.floatToRawIntBits(mirror) != Float.floatToRawIntBits(lanesOut[i])) {
                throw new AssertionError(fn + "(" + in[i] + "): vector lane " + lanesOut[i] + ", mirror " + mirror);
            }
        }
        assertAll(fn, in, 0, lanesOut, 0, n, "mirror sweep");
    }
}
