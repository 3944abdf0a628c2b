package dev.vecrnn.kernel;

/**
 * Double-precision references for {@link Activations}, independent of the kernels' polynomials:
 * computed with {@code Math} in double and rounded once, so correctly rounded or within one ulp;
 * they saturate without producing denormals, like the kernels. The accuracy yardstick of the
 * tests, not a kernel ({@link ScalarActivations} is the scalar path, bitwise equal to the vector
 * one).
 */
public final class ReferenceActivations {
    private ReferenceActivations() {}

    /** exp(x); 0 below the float normal range instead of a denormal, NaN stays NaN. */
    public static float exp(float x) {
        float y = (float) Math.exp(x);
        return y < Float.MIN_NORMAL ? 0f : y;
    }

    /** 1/(1+exp(-x)); exactly 0 or 1 far out, never a denormal. */
    public static float sigmoid(float x) {
        float y = (float) (1.0 / (1.0 + Math.exp(-(double) x)));
        return y < Float.MIN_NORMAL ? 0f : y;
    }

    /** tanh(x); tiny |x| returns x itself unless x is denormal (then 0). */
    public static float tanh(float x) {
        float y = (float) Math.tanh(x);
        return Math.abs(y) < Float.MIN_NORMAL ? 0f * y : y;
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
