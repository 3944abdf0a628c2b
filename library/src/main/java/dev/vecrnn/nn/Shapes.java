package dev.vecrnn.nn;

/** Argument checks of the passes' tensors; each message is built only on failure (no allocation per pass). */
final class Shapes {
    private Shapes() {}

    /** Rejects {@code a} unless it holds exactly {@code d0*d1*d2} floats. */
    static void checkLength(String name, float[] a, String dims, int d0, int d1, int d2) {
        long expected = (long) d0 * d1 * d2;
        if (a == null || a.length != expected) {
            throw new IllegalArgumentException(name + ": expected shape " + dims + " = [" + d0 + ", " + d1 + ", "
                    + d2 + "] (" + expected + " floats), got " + (a == null ? "null" : a.length + " floats"));
        }
    }

    /** Like {@link #checkLength} for a tensor that may be null (zeros). */
    static void checkOptional(String name, float[] a, String dims, int d0, int d1, int d2) {
        if (a != null && a.length != (long) d0 * d1 * d2) {
            throw new IllegalArgumentException(name + ": expected shape " + dims + " = [" + d0 + ", " + d1 + ", "
                    + d2 + "] (" + (long) d0 * d1 * d2 + " floats) or null, got " + a.length + " floats");
        }
    }

    /** {@code current} if it holds exactly {@code length} floats, else a new array: a result buffer reused while its shape stays. */
    static float[] exact(float[] current, int length) {
        return current != null && current.length == length ? current : new float[length];
    }
}
