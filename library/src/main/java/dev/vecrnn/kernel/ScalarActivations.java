package dev.vecrnn.kernel;

/**
 * The scalar path of {@link Activations} and the per-element exp, sigmoid and tanh: the vector
 * kernels' formulas ({@link VectorActivations} documents the algorithms and their measured error)
 * operation for operation, {@code Math.fma} for each vector {@code fma} and conditionals for the
 * blends, so every result has exactly the bits a vector lane gives at any width. The vector
 * kernels use these for their last {@code n % lanes} elements. No Vector API types here: this is
 * what runs when {@code jdk.incubator.vector} is absent or {@code -Dvecrnn.vectorBits=0}.
 *
 * <p>Same contract as {@link Activations}: exp within 4 ulp where the result is a normal float,
 * sigmoid and tanh within 5e-7 absolute, nothing denormal, NaN stays NaN.
 */
public final class ScalarActivations {
    // exp: n = round(x*log2(e)) via the 1.5*2^23 shifter (its low mantissa bits then hold n);
    // ln2 split so that n*LN2_HI has trailing zeros and x - n*LN2_HI is exact.
    static final float LOG2E = 1.44269504f;
    static final float SHIFTER = 12582912f;
    static final float LN2_HI = 0.693145751953125f;
    static final float LN2_LO = 1.42860682e-6f;
    // e^r ~ 1 + r*(E1 + r*(E2 + r*(E3 + r*(E4 + r*E5)))) on |r| <= ln2/2 (minimax, relative error 6.4e-8).
    static final float E1 = 9.99999642e-1f;
    static final float E2 = 4.99991983e-1f;
    static final float E3 = 1.66675851e-1f;
    static final float E4 = 4.18960229e-2f;
    static final float E5 = 8.30100756e-3f;
    /** Smallest float whose exp is a normal float: -126*ln2 rounded up. */
    static final float EXP_MIN_ARG = -87.33654f;
    /** Largest float whose exp is finite. */
    static final float EXP_MAX_ARG = 88.72283f;

    /**
     * Below this sigmoid is under 1.19e-38 and is returned as 0; kept a little above -126*ln2 so
     * that rounding just above the threshold can never produce a denormal.
     */
    static final float SIGMOID_MIN_ARG = -87.33f;
    /** Above this sigmoid rounds to exactly 1; clamping here keeps exp(-x) in the normal range. */
    static final float SIGMOID_MAX_ARG = 20f;

    // tanh(x) ~ x*P(x^2)/Q(x^2) on [0, 9] (minimax of the relative error, 2.1e-8).
    /** End of the fit; tanh(9) = 1 - 3e-8, and R(9) computes to 1 or just above, clamped to 1. */
    static final float TANH_CLAMP = 9f;
    static final float P1 = 1.33839801e-1f;
    static final float P2 = 3.49899661e-3f;
    static final float P3 = 2.06612713e-5f;
    static final float P4 = 1.34198332e-8f;
    static final float Q1 = 4.67173010e-1f;
    static final float Q2 = 2.58902088e-2f;
    static final float Q3 = 3.29103903e-4f;
    static final float Q4 = 7.80473386e-7f;
    static final int SIGN_BIT = 0x80000000;

    private ScalarActivations() {}

    /** exp(x) with exactly the bits a vector lane of {@link VectorActivations#exp} gives. */
    public static float exp(float x) {
        if (x != x) {
            return x;
        }
        if (x < EXP_MIN_ARG) {
            return 0f;
        }
        if (x > EXP_MAX_ARG) {
            return Float.POSITIVE_INFINITY;
        }
        float k = Math.fma(x, LOG2E, SHIFTER);
        float nf = k - SHIFTER;
        float r = Math.fma(nf, -LN2_HI, x);
        r = Math.fma(nf, -LN2_LO, r);
        float p = Math.fma(r, E5, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, E1);
        p = Math.fma(p, r, 1f);
        return Float.intBitsToFloat(Float.floatToRawIntBits(p) + (Float.floatToRawIntBits(k) << 23));
    }

    /** sigmoid(x) with exactly the bits a vector lane of {@link VectorActivations#sigmoidOfSum} gives. */
    public static float sigmoid(float x) {
        if (x != x) {
            return x;
        }
        if (x < SIGMOID_MIN_ARG) {
            return 0f;
        }
        float c = x > SIGMOID_MAX_ARG ? SIGMOID_MAX_ARG : x;
        float k = Math.fma(c, -LOG2E, SHIFTER);
        float nf = k - SHIFTER;
        float t = Math.fma(nf, LN2_HI, c);
        t = Math.fma(nf, LN2_LO, t);
        float p = Math.fma(t, -E5, E4);
        p = Math.fma(p, t, -E3);
        p = Math.fma(p, t, E2);
        p = Math.fma(p, t, -E1);
        p = Math.fma(p, t, 1f);
        float e = Float.intBitsToFloat(Float.floatToRawIntBits(p) + (Float.floatToRawIntBits(k) << 23));
        return 1f / (e + 1f);
    }

    /** tanh(x) with exactly the bits a vector lane of {@link VectorActivations#tanhOfSum} gives. */
    public static float tanh(float x) {
        float abs = Math.abs(x);
        float c = abs > TANH_CLAMP ? TANH_CLAMP : abs;
        float s = c * c;
        float p = Math.fma(s, P4, P3);
        p = Math.fma(p, s, P2);
        p = Math.fma(p, s, P1);
        p = Math.fma(p, s, 1f);
        float q = Math.fma(s, Q4, Q3);
        q = Math.fma(q, s, Q2);
        q = Math.fma(q, s, Q1);
        q = Math.fma(q, s, 1f);
        float t = c * p / q;
        t = t > 1f ? 1f : t;
        t = abs < Float.MIN_NORMAL ? 0f : t;
        return Float.intBitsToFloat(Float.floatToRawIntBits(t) | (Float.floatToRawIntBits(x) & SIGN_BIT));
    }

    public static void exp(float[] x, int offX, float[] y, int offY, int n) {
        for (int i = 0; i < n; i++) {
            y[offY + i] = exp(x[offX + i]);
        }
    }

    public static void sigmoid(float[] x, int offX, float[] y, int offY, int n) {
        for (int i = 0; i < n; i++) {
            y[offY + i] = sigmoid(x[offX + i]);
        }
    }

    public static void tanh(float[] x, int offX, float[] y, int offY, int n) {
        for (int i = 0; i < n; i++) {
            y[offY + i] = tanh(x[offX + i]);
        }
    }
}
