package dev.vecrnn.kernel;

/**
 * Element-wise exp, sigmoid and tanh over float arrays ({@code y[offY+i] = f(x[offX+i])},
 * {@code 0 <= i < n}; in place, {@code x == y} with equal offsets, is allowed, a partial overlap is
 * rejected). Dispatches to the vector kernels ({@link VectorActivations}, which documents the
 * algorithms and their measured error) or, on the scalar path, to {@link ScalarActivations}.
 *
 * <p>On both paths: exp has a relative error of at most 4 ulp where the result is a normal float;
 * sigmoid and tanh have an absolute error of at most 5e-7; no result is denormal (values below
 * {@code Float.MIN_NORMAL} come out as 0); NaN stays NaN; the infinities and -0 map to their exact
 * limits.
 */
public final class Activations {
    private Activations() {}

    /** {@code y = exp(x)}; 0 below the normal range, +Inf above {@code 88.72283}. */
    public static void exp(float[] x, int offX, float[] y, int offY, int n) {
        check(x, offX, y, offY, n);
        if (VectorSupport.ENABLED) {
            VectorActivations.exp(x, offX, y, offY, n);
        } else {
            ScalarActivations.exp(x, offX, y, offY, n);
        }
    }

    /** {@code y = 1/(1+exp(-x))}; exactly 0 or 1 far out. */
    public static void sigmoid(float[] x, int offX, float[] y, int offY, int n) {
        check(x, offX, y, offY, n);
        if (VectorSupport.ENABLED) {
            VectorActivations.sigmoid(x, offX, y, offY, n);
        } else {
            ScalarActivations.sigmoid(x, offX, y, offY, n);
        }
    }

    /** {@code y = tanh(x)}; exactly -1 or 1 far out. */
    public static void tanh(float[] x, int offX, float[] y, int offY, int n) {
        check(x, offX, y, offY, n);
        if (VectorSupport.ENABLED) {
            VectorActivations.tanh(x, offX, y, offY, n);
        } else {
            ScalarActivations.tanh(x, offX, y, offY, n);
        }
    }

    private static void check(float[] x, int offX, float[] y, int offY, int n) {
        KernelSettings.requireValid();
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        Check.vector("y", y, offY, n);
        if (offX != offY) {
            // A shifted overlap would make the result depend on the vector width.
            Check.noOverlap("y", y, offY, n, "x", x, offX, n);
        }
    }
}
