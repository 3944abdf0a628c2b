package dev.vecrnn.kernel;

/** Argument checks shared by the kernels; each message names the offending argument. */
final class Check {
    private Check() {}

    static void nonNegative(String name, int v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
    }

    /**
     * Checks that a row-major matrix of {@code rows x cols} with leading dimension {@code ld}
     * starting at {@code off} fits in {@code a}.
     */
    static void matrix(String name, float[] a, int off, int rows, int cols, int ld) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (off < 0) {
            throw new IllegalArgumentException(name + " offset must be >= 0, got " + off);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        if (ld < cols) {
            throw new IllegalArgumentException("leading dimension of " + name + " must be >= " + cols
                    + " (its column count), got " + ld);
        }
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (last > a.length) {
            throw new IllegalArgumentException(name + " too short: a " + rows + "x" + cols + " matrix with ld "
                    + ld + " at offset " + off + " needs " + last + " floats, array has " + a.length);
        }
    }

    static void vector(String name, float[] a, int off, int n) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (off < 0) {
            throw new IllegalArgumentException(name + " offset must be >= 0, got " + off);
        }
        if ((long) off + n > a.length) {
            throw new IllegalArgumentException(name + " too short: needs " + ((long) off + n)
                    + " floats from offset " + off + ", array has " + a.length);
        }
    }

    /** Rejects an output region that overlaps an input region of the same array. */
    static void noOverlap(String out, float[] c, int offC, long spanC, String in, float[] a, int offA, long spanA) {
        if (c == a && spanC > 0 && spanA > 0 && offC < offA + spanA && offA < offC + spanC) {
            throw new IllegalArgumentException(out + " overlaps " + in + " (same array, ranges ["
                    + offC + ", " + (offC + spanC) + ") and [" + offA + ", " + (offA + spanA) + "))");
        }
    }

    static long span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }
}
