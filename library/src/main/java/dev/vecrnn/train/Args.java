package dev.vecrnn.train;

/** Argument checks for this package's public entry points; each message names the argument. */
final class Args {
    private Args() {}

    static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    static void floats(String name, float[] a, int off, long length) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (off < 0 || off + length > a.length) {
            throw new IllegalArgumentException(name + " too short: needs " + length + " floats from offset " + off
                    + ", array has " + a.length);
        }
    }

    static void ints(String name, int[] a, int off, long length) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (off < 0 || off + length > a.length) {
            throw new IllegalArgumentException(name + " too short: needs " + length + " ints from offset " + off
                    + ", array has " + a.length);
        }
    }

    /** Checks that a {@code rows x cols} matrix with leading dimension {@code ld} at {@code off} fits in {@code a}. */
    static void matrix(String name, float[] a, int off, int rows, int cols, int ld) {
        if (ld < cols) {
            throw new IllegalArgumentException("leading dimension of " + name + " must be >= " + cols
                    + " (its column count), got " + ld);
        }
        floats(name, a, off, span(rows, cols, ld));
    }

    static long span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }

    /**
     * Rejects an output region that partly overlaps an input region of the same array; the exact
     * same region (same offset and leading dimension) is allowed, for in-place use.
     */
    static void disjointOrSame(String out, float[] c, int offC, int ldc, long spanC,
                               String in, float[] a, int offA, int lda, long spanA) {
        if (c != a || (offC == offA && ldc == lda)) {
            return;
        }
        if (offC < offA + spanA && offA < offC + spanC) {
            throw new IllegalArgumentException(out + " partly overlaps " + in + " (same array, ranges ["
                    + offC + ", " + (offC + spanC) + ") and [" + offA + ", " + (offA + spanA) + "))");
        }
    }
}
