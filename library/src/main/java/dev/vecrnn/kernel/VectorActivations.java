package dev.vecrnn.kernel;

import static dev.vecrnn.kernel.ScalarActivations.E1;
import static dev.vecrnn.kernel.ScalarActivations.E2;
import static dev.vecrnn.kernel.ScalarActivations.E3;
import static dev.vecrnn.kernel.ScalarActivations.E4;
import static dev.vecrnn.kernel.ScalarActivations.E5;
import static dev.vecrnn.kernel.ScalarActivations.EXP_MAX_ARG;
import static dev.vecrnn.kernel.ScalarActivations.EXP_MIN_ARG;
import static dev.vecrnn.kernel.ScalarActivations.LN2_HI;
import static dev.vecrnn.kernel.ScalarActivations.LN2_LO;
import static dev.vecrnn.kernel.ScalarActivations.LOG2E;
import static dev.vecrnn.kernel.ScalarActivations.P1;
import static dev.vecrnn.kernel.ScalarActivations.P2;
import static dev.vecrnn.kernel.ScalarActivations.P3;
import static dev.vecrnn.kernel.ScalarActivations.P4;
import static dev.vecrnn.kernel.ScalarActivations.Q1;
import static dev.vecrnn.kernel.ScalarActivations.Q2;
import static dev.vecrnn.kernel.ScalarActivations.Q3;
import static dev.vecrnn.kernel.ScalarActivations.Q4;
import static dev.vecrnn.kernel.ScalarActivations.SHIFTER;
import static dev.vecrnn.kernel.ScalarActivations.SIGMOID_MAX_ARG;
import static dev.vecrnn.kernel.ScalarActivations.SIGMOID_MIN_ARG;
import static dev.vecrnn.kernel.ScalarActivations.SIGN_BIT;
import static dev.vecrnn.kernel.ScalarActivations.TANH_CLAMP;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.NE;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one definition of exp, sigmoid and tanh on the vector path: the array kernels behind
 * {@link Activations} and the leaf loops {@link #sigmoidOfSum} and {@link #tanhOfSum} that the
 * fused gate kernels ({@link VectorGateKernels}) run. Their constants and scalar mirrors
 * ({@link ScalarActivations#exp(float)}, {@link ScalarActivations#sigmoid(float)},
 * {@link ScalarActivations#tanh(float)}) live in {@link ScalarActivations}, which computes every
 * tail and is the scalar path, bitwise equal to these at every width. Only used when
 * {@link VectorSupport#ENABLED}; arguments are validated by the callers ({@link Activations}, the
 * layers for {@link GateKernels}). The tests measure both against double-precision {@code Math}.
 *
 * <h2>Which implementation, and why</h2>
 * All three are our own polynomial/rational code, not {@code lanewise(VectorOperators.EXP/TANH)}.
 * ns per element over 4096 floats in [-20, 20], minimum of 30 rounds, on the 2-core AVX-512
 * development VM while it was shared (load average about 7), so read them as ratios:
 * <pre>
 *   width         exp own / JDK    sigmoid own / 1/(1+JDK exp)   tanh own / JDK   scalar Math exp/sig/tanh
 *   512           0.12 / 0.15      0.18 / 0.19                   0.15 / 0.39      4.2 / 4.9 / 11.5
 *   256 (AVX2)    0.33 / 0.38      0.41 / 0.55                   0.36 / 1.73      5.9 / 7.1 / 12.4
 *   128           0.49 / 0.57      0.67 / 0.70                   0.57 / 1.38      4.2 / 4.8 / 10.7
 * </pre>
 * (The JDK baselines there do no saturation, flushing or NaN work, so they are flattered.) The JDK
 * operators are more accurate (about 0.6 ulp) but they are out-of-line calls into the JDK's vector
 * math library, which inside a fused kernel also spill every live vector register around each
 * call; ours are straight-line FMAs that C2 schedules with the surrounding work. Sigmoid as
 * {@code 0.5 + 0.5*tanh(x/2)} was also tried: it meets the absolute bound (1.8e-7) but was slower
 * (0.167 vs 0.158 ns at 512 bits, 0.38 vs 0.31 at 256, 0.73 vs 0.65 at 128; eight FMAs instead of
 * five) and has no relative accuracy (exactly 0 below x = -17.3, where the true value is 3e-8), so
 * sigmoid uses exp.
 *
 * <h2>Algorithms and measured error</h2>
 * Errors against double-precision {@code Math}, measured over <em>every</em> float in the stated
 * range (through the scalar mirrors, which give the lanes' bits; ActivationsTest re-checks 1.2 million points, the special values and every tail at each
 * vector width; GateKernelsTest the same functions inside the fused kernels):
 * <ul>
 * <li><b>exp</b>: Cody-Waite reduction {@code x = n ln2 + r}, {@code |r| <= ln2/2}, with ln2 split in
 * two so that {@code x - n*ln2_hi} is exact; a degree-5 minimax polynomial for {@code e^r} (our
 * fit, relative error 6.4e-8); {@code 2^n} applied by adding {@code n << 23} to the integer bits of
 * the result, which is exact. Over [-105, 89]: max 2.58 ulp where the result is a normal float.
 * {@code x < -87.33654} (result below {@code Float.MIN_NORMAL}) gives exactly 0, never a denormal;
 * {@code x > 88.72283} gives +Inf, both exactly where the correctly rounded float would.</li>
 * <li><b>sigmoid</b>: {@code 1/(1+exp(-x))} with the exp above, the negation folded into the
 * constants. Over [-30, 30]: max absolute error 9.9e-8, max 3.6 ulp; over [-87.33, -30]
 * max 2.8 ulp. Exactly 1 for x &gt;= 17.33; exactly 0 for {@code x < -87.33} (the true
 * value there is below 1.19e-38).</li>
 * <li><b>tanh</b>: {@code x*P(x^2)/Q(x^2)} with P, Q of degree 4 in {@code x^2} (our minimax fit
 * of the relative error on [0, 9], 2.1e-8 before rounding), |x| clamped to 9. Over [-30, 30]: max
 * absolute error 3.0e-7 (5.1 ulp, near |tanh| = 1, from rounding in the two Horner
 * chains). Never above 1 in magnitude, exactly +-1 for {@code |x| >= 9}; a tiny normal x gives x
 * itself; a denormal x gives the zero of its sign.</li>
 * </ul>
 * All three return NaN for every NaN (payloads included), map -0 to 1 / 0.5 / -0 and the
 * infinities to their limits ({@code exp(-Inf) = 0}, {@code exp(+Inf) = +Inf},
 * {@code sigmoid(+-Inf) = 1 / 0}, {@code tanh(+-Inf) = +-1}). No output is ever denormal (Java
 * cannot set flush-to-zero, so a denormal would slow every later operation on it).
 *
 * <p>Saturation uses compare + blend rather than {@code lanewise(MIN/MAX)}: Java's MIN/MAX rules
 * (NaN, -0) cost several instructions per lane; the clamp in tanh measured 0.134 ns/element with
 * compare + blend against 0.232 with MIN/MAX, and compare + blend passes NaN through unchanged.
 *
 * <h2>Identical bits everywhere</h2>
 * Only IEEE-exact operations are used (add, mul, fma, div, compares, blends, integer shifts and
 * bit operations), never the JDK's lanewise {@code EXP}/{@code TANH}: those give other bits
 * interpreted or C1-compiled (a Java fallback) than after C2 compiles them (a native library), so
 * a training run could not be reproduced bit for bit. The full vectors run unmasked; the last
 * {@code n % lanes} elements run through the scalar mirrors, which repeat the vector code operation
 * for operation ({@code Math.fma} for {@code fma}, the same blends as conditionals), so a tail
 * element gets exactly the bits of a vector lane (ActivationsTest and GateKernelsTest check this
 * bitwise). Masked loads are avoided because a masked vector that reaches past the end of its
 * array takes a path C2 does not intrinsify (always so at 256 and 128 bits), which boxes. So no
 * element's result depends on its position, the tile bounds, the vector width or the JIT tier.
 *
 * <h2>Why leaf loops and no per-vector helpers</h2>
 * A method that takes or returns a {@link FloatVector} is only free when C2 inlines it; left out of
 * line it boxes the argument and the result (several times slower, about
 * 200 bytes per vector). C2 stops inlining ordinary methods once the compilation has created more
 * than {@code NodeCountInliningCutoff} = 18000 IR nodes, and every Vector API call expands to
 * hundreds of nodes while parsing: measured with {@code -XX:+LogCompilation}, a loop around one
 * call of a per-vector exp was about 10,700 nodes, sigmoid 12,400 and tanh 12,500, so a third such
 * call in one compiled method was refused ({@code failed to inline: NodeCountInliningCutoff}), and a
 * kernel inlined into a busy caller lost even its first ones (192 bytes per call in 5 of 12 runs).
 * So every vector formula here lives in exactly one loop over arrays and offsets, which takes and
 * returns no vector; fused kernels call these loops on a row of a tile (L1-resident) and keep at
 * most one transcendental per loop. Interpreted, Vector API code is about 10^4 times slower than
 * compiled; these kernels reach C2 after about 2 s of use on the shared VM, so benchmarks need a
 * few seconds of warm-up.
 */
final class VectorActivations {
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int N = F.length();

    private VectorActivations() {}

    // ------------------------------------------------------------------------------------
    // array kernels behind Activations

    static void exp(float[] x, int offX, float[] y, int offY, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += N) {
            FloatVector v = FloatVector.fromArray(F, x, offX + i);
            FloatVector k = v.fma(LOG2E, SHIFTER);
            FloatVector nf = k.sub(SHIFTER);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), v);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector p = r.fma(E5, E4).fma(r, FloatVector.broadcast(F, E3)).fma(r, FloatVector.broadcast(F, E2))
                    .fma(r, FloatVector.broadcast(F, E1)).fma(r, FloatVector.broadcast(F, 1f));
            // p * 2^n: shifting k's bits left by 23 leaves exactly n << 23 (the shifter's bits fall off).
            // Outside [EXP_MIN_ARG, EXP_MAX_ARG] the exponent add wraps: give 0 and +Inf there. A NaN's
            // payload bits would wrap too, so NaN lanes are put back explicitly.
            p.reinterpretAsInts().add(k.reinterpretAsInts().lanewise(LSHL, 23)).reinterpretAsFloats()
                    .blend(0f, v.compare(LT, EXP_MIN_ARG))
                    .blend(Float.POSITIVE_INFINITY, v.compare(GT, EXP_MAX_ARG))
                    .blend(v, v.compare(NE, v))
                    .intoArray(y, offY + i);
        }
        for (; i < n; i++) {
            y[offY + i] = ScalarActivations.exp(x[offX + i]);
        }
    }

    static void sigmoid(float[] x, int offX, float[] y, int offY, int n) {
        sigmoidOfSum(n, x, offX, null, 0, y, offY);
    }

    static void tanh(float[] x, int offX, float[] y, int offY, int n) {
        tanhOfSum(n, x, offX, null, 0, y, offY);
    }

    // ------------------------------------------------------------------------------------
    // leaf loops shared with the gate kernels ("b == null" is loop-invariant: C2 unswitches it)

    /**
     * {@code out = sigmoid(a + b)}, or {@code sigmoid(a)} when {@code b} is null; {@code out} may
     * be {@code a} or {@code b} at the same offset.
     */
    static void sigmoidOfSum(int n, float[] a, int offA, float[] b, int offB, float[] out, int offOut) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += N) {
            FloatVector v = FloatVector.fromArray(F, a, offA + j);
            if (b != null) {
                v = v.add(FloatVector.fromArray(F, b, offB + j));
            }
            VectorMask<Float> under = v.compare(LT, SIGMOID_MIN_ARG);
            FloatVector c = v.blend(SIGMOID_MIN_ARG, under).blend(SIGMOID_MAX_ARG, v.compare(GT, SIGMOID_MAX_ARG));
            // exp(-c) as in exp, with t = -r = c + n*ln2 so that the negation costs nothing.
            FloatVector k = c.fma(-LOG2E, SHIFTER);
            FloatVector nf = k.sub(SHIFTER);
            FloatVector t = nf.fma(FloatVector.broadcast(F, LN2_HI), c);
            t = nf.fma(FloatVector.broadcast(F, LN2_LO), t);
            FloatVector p = t.fma(-E5, E4).fma(t, FloatVector.broadcast(F, -E3)).fma(t, FloatVector.broadcast(F, E2))
                    .fma(t, FloatVector.broadcast(F, -E1)).fma(t, FloatVector.broadcast(F, 1f));
            FloatVector e = p.reinterpretAsInts().add(k.reinterpretAsInts().lanewise(LSHL, 23)).reinterpretAsFloats();
            // The mask that clamped the input also zeroes the output, where 1/(1+e) would be denormal.
            FloatVector.broadcast(F, 1f).div(e.add(1f)).blend(0f, under).blend(v, v.compare(NE, v))
                    .intoArray(out, offOut + j);
        }
        for (; j < n; j++) {
            out[offOut + j] = ScalarActivations.sigmoid(b == null ? a[offA + j] : a[offA + j] + b[offB + j]);
        }
    }

    /**
     * {@code out = tanh(a + b)}, or {@code tanh(a)} when {@code b} is null; {@code out} may be
     * {@code a} or {@code b} at the same offset.
     */
    static void tanhOfSum(int n, float[] a, int offA, float[] b, int offB, float[] out, int offOut) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += N) {
            FloatVector v = FloatVector.fromArray(F, a, offA + j);
            if (b != null) {
                v = v.add(FloatVector.fromArray(F, b, offB + j));
            }
            // Work on |x| and put the sign back at the end: tanh is odd, and -0 stays -0.
            FloatVector abs = v.abs();
            FloatVector c = abs.blend(TANH_CLAMP, abs.compare(GT, TANH_CLAMP));
            FloatVector s = c.mul(c);
            // P(0) = Q(0) = 1 exactly, so a tiny c comes out as c itself.
            FloatVector p = s.fma(P4, P3).fma(s, FloatVector.broadcast(F, P2)).fma(s, FloatVector.broadcast(F, P1))
                    .fma(s, FloatVector.broadcast(F, 1f));
            FloatVector q = s.fma(Q4, Q3).fma(s, FloatVector.broadcast(F, Q2)).fma(s, FloatVector.broadcast(F, Q1))
                    .fma(s, FloatVector.broadcast(F, 1f));
            FloatVector t = c.mul(p).div(q);
            // Rounding can land one ulp above 1 for x > 8.1; a denormal |x| would come out denormal.
            t = t.blend(1f, t.compare(GT, 1f)).blend(0f, abs.compare(LT, Float.MIN_NORMAL));
            t.reinterpretAsInts().or(v.reinterpretAsInts().and(SIGN_BIT)).reinterpretAsFloats()
                    .intoArray(out, offOut + j);
        }
        for (; j < n; j++) {
            out[offOut + j] = ScalarActivations.tanh(b == null ? a[offA + j] : a[offA + j] + b[offB + j]);
        }
    }
}
