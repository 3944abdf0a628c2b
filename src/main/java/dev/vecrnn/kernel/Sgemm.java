package dev.vecrnn.kernel;

import dev.vecrnn.mem.ThreadTeam;

/**
 * Single-precision GEMM, {@code C = alpha*op(A)*op(B) + beta*C}, on flat row-major arrays with
 * offsets and leading dimensions (any sub-matrix of a flat array is a matrix):
 * {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, {@code C} is {@code m x n}.
 * {@code transA} means A is stored {@code k x m} (element {@code (i,p)} at {@code a[offA + p*lda + i]}),
 * otherwise {@code m x k} (at {@code a[offA + i*lda + p]}); likewise for B.
 *
 * <p>{@code beta == 0} ignores what C held (NaN included). {@code alpha == 0} reads neither A nor B.
 * The team variants split M or N over the team, never K, so every element of C is computed by one
 * thread in one fixed order: results are bitwise identical for any thread count.
 */
public final class Sgemm {
    private Sgemm() {}

    /** Single-threaded GEMM on the calling thread. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int offA, int lda, float[] b, int offB, int ldb,
                             float beta, float[] c, int offC, int ldc) {
        checkArgs(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, c, offC, ldc);
        ScalarSgemm.sgemm(transA, transB, m, 0, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    /** GEMM split over the members of {@code team}. */
    public static void sgemm(ThreadTeam team, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int offA, int lda, float[] b, int offB, int ldb,
                             float beta, float[] c, int offC, int ldc) {
        checkArgs(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, c, offC, ldc);
        team.run((w, ws) -> {
            int n0 = ThreadTeam.split(n, 16, w, ws);
            int n1 = ThreadTeam.split(n, 16, w + 1, ws);
            if (n0 < n1) {
                ScalarSgemm.sgemm(transA, transB, m, n0, n1, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            }
        });
    }

    /** Packs {@code op(B)} ({@code k x n}) into a new {@link PackedMatrix}. */
    public static PackedMatrix packB(boolean transB, int k, int n, float[] b, int offB, int ldb) {
        Check.nonNegative("k", k);
        Check.nonNegative("n", n);
        PackedMatrix p = new PackedMatrix(k, n, new float[Math.max(1, k * n)]);
        repackB(p, transB, k, n, b, offB, ldb);
        return p;
    }

    /** Packs {@code op(B)} into an existing packed matrix of the same {@code k x n}, allocating nothing. */
    public static void repackB(PackedMatrix into, boolean transB, int k, int n, float[] b, int offB, int ldb) {
        if (into.k != k || into.n != n) {
            throw new IllegalArgumentException("packed matrix is " + into.k + "x" + into.n + ", cannot hold "
                    + k + "x" + n);
        }
        if (transB) {
            Check.matrix("B", b, offB, n, k, ldb);
        } else {
            Check.matrix("B", b, offB, k, n, ldb);
        }
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                into.data[p * n + j] = transB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
            }
        }
    }

    /**
     * {@code C[:, n0:n1] = alpha*op(A)*B[:, n0:n1] + beta*C[:, n0:n1]} with a pre-packed B, on the
     * calling thread: the form a team job uses for its own slice of columns.
     */
    public static void sgemmPacked(boolean transA, int m, float alpha, float[] a, int offA, int lda,
                                   PackedMatrix b, int n0, int n1, float beta, float[] c, int offC, int ldc) {
        int k = b.k;
        checkPacked(transA, m, a, offA, lda, b, n0, n1, c, offC, ldc);
        ScalarSgemm.sgemm(transA, false, m, n0, n1, k, alpha, a, offA, lda, b.data, 0, b.n, beta, c, offC, ldc);
    }

    /** {@code C = alpha*op(A)*B + beta*C} with a pre-packed B, split over {@code team}. */
    public static void sgemmPacked(ThreadTeam team, boolean transA, int m, float alpha, float[] a, int offA, int lda,
                                   PackedMatrix b, float beta, float[] c, int offC, int ldc) {
        checkPacked(transA, m, a, offA, lda, b, 0, b.n, c, offC, ldc);
        int g = b.panelWidth();
        team.run((w, ws) -> {
            int n0 = ThreadTeam.split(b.n, g, w, ws);
            int n1 = ThreadTeam.split(b.n, g, w + 1, ws);
            if (n0 < n1) {
                sgemmPacked(transA, m, alpha, a, offA, lda, b, n0, n1, beta, c, offC, ldc);
            }
        });
    }

    private static void checkPacked(boolean transA, int m, float[] a, int offA, int lda, PackedMatrix b,
                                    int n0, int n1, float[] c, int offC, int ldc) {
        Check.nonNegative("m", m);
        if (n0 < 0 || n1 < n0 || n1 > b.n) {
            throw new IllegalArgumentException("column range [" + n0 + ", " + n1 + ") outside [0, " + b.n + "]");
        }
        int k = b.k;
        if (transA) {
            Check.matrix("A", a, offA, k, m, lda);
        } else {
            Check.matrix("A", a, offA, m, k, lda);
        }
        Check.matrix("C", c, offC, m, b.n, ldc);
        Check.noOverlap("C", c, offC, Check.span(m, b.n, ldc), "A", a, offA,
                transA ? Check.span(k, m, lda) : Check.span(m, k, lda));
    }

    static void checkArgs(boolean transA, boolean transB, int m, int n, int k, float alpha,
                          float[] a, int offA, int lda, float[] b, int offB, int ldb,
                          float[] c, int offC, int ldc) {
        Check.nonNegative("m", m);
        Check.nonNegative("n", n);
        Check.nonNegative("k", k);
        boolean readsAB = alpha != 0f && k > 0;
        if (readsAB) {
            if (transA) {
                Check.matrix("A", a, offA, k, m, lda);
            } else {
                Check.matrix("A", a, offA, m, k, lda);
            }
            if (transB) {
                Check.matrix("B", b, offB, n, k, ldb);
            } else {
                Check.matrix("B", b, offB, k, n, ldb);
            }
        }
        Check.matrix("C", c, offC, m, n, ldc);
        if (readsAB) {
            long spanC = Check.span(m, n, ldc);
            Check.noOverlap("C", c, offC, spanC, "A", a, offA, transA ? Check.span(k, m, lda) : Check.span(m, k, lda));
            Check.noOverlap("C", c, offC, spanC, "B", b, offB, transB ? Check.span(n, k, ldb) : Check.span(k, n, ldb));
        }
    }
}
