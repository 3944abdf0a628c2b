package dev.vecrnn.kernel;

/**
 * Element-wise exp, sigmoid and tanh over float arrays ({@code y[offY+i] = f(x[offX+i])},
 * {@code 0 <= i < n}; {@code x == y} with equal offsets is allowed). Dispatches to the vector
 * kernels or, on the scalar path, to {@link ScalarActivations}.
 */
public final class Activations {
    private Activations() {}

    public static void exp(float[] x, int offX, float[] y, int offY, int n) {
        check(x, offX, y, offY, n);
        ScalarActivations.exp(x, offX, y, offY, n);
    }

    public static void sigmoid(float[] x, int offX, float[] y, int offY, int n) {
        check(x, offX, y, offY, n);
        ScalarActivations.sigmoid(x, offX, y, offY, n);
    }

    public static void tanh(float[] x, int offX, float[] y, int offY, int n) {
        check(x, offX, y, offY, n);
        ScalarActivations.tanh(x, offX, y, offY, n);
    }

    private static void check(float[] x, int offX, float[] y, int offY, int n) {
        Check.nonNegative("n", n);
        Check.vector("x", x, offX, n);
        Check.vector("y", y, offY, n);
    }
}
