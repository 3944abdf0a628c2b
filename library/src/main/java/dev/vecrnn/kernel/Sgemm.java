package dev.vecrnn.kernel;

import dev.vecrnn.mem.ThreadTeam;

/**
 * Single-precision GEMM, {@code C = alpha*op(A)*op(B) + beta*C}, on flat row-major arrays with
 * offsets and leading dimensions (any sub-matrix of a flat array is a matrix):
 * {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, {@code C} is {@code m x n}.
 * {@code transA} means A is stored {@code k x m} (element {@code (i,p)} at {@code a[offA + p*lda + i]}),
 * otherwise {@code m x k} (at {@code a[offA + i*lda + p]}); likewise for B.
 *
 * <p>{@code beta == 0} ignores what C held (NaN included); {@code beta == 1} leaves C unscaled.
 * {@code alpha == 0} (or {@code k == 0}) reads neither A nor B.
 *
 * <p><b>Bitwise reproducible.</b> Every element of C is computed by one thread as
 * {@code c = (beta == 0 ? 0 : beta == 1 ? C : beta*C)}, then {@code c = fma(alpha*A[i][p], B[p][j], c)}
 * for p = 0..k-1 in order. The team variants split M or N, never K, and no blocking, tiling,
 * column range, packing or vector width changes that sequence, so results are bitwise identical
 * for any thread count, any split, packed or unpacked B, and the vector or scalar path.
 */
public final class Sgemm {
    private Sgemm() {}

    /** Below this many flops a team call runs on the caller: waking workers would cost more. */
    private static final long TEAM_MIN_FLOPS = 1L << 18;

    /** Single-threaded GEMM on the calling thread. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int offA, int lda, float[] b, int offB, int ldb,
                             float beta, float[] c, int offC, int ldc) {
        KernelSettings.requireValid();
        checkArgs(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, c, offC, ldc);
        kernel(transA, transB, m, 0, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    /**
     * GEMM split over the members of {@code team}: by columns in whole panels when there are
     * enough of them, otherwise by rows.
     */
    public static void sgemm(ThreadTeam team, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int offA, int lda, float[] b, int offB, int ldb,
                             float beta, float[] c, int offC, int ldc) {
        KernelSettings.requireValid();
        if (team == null) {
            throw new IllegalArgumentException("team is null");
        }
        checkArgs(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, c, offC, ldc);
        int ws = team.size();
        if (ws == 1 || 2L * m * n * k < TEAM_MIN_FLOPS) {
            kernel(transA, transB, m, 0, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return;
        }
        TeamJob job = TeamJob.acquire();
        job.set(transA, m, n, alpha, a, offA, lda, beta, c, offC, ldc);
        job.unpacked(transB, k, b, offB, ldb);
        job.byColumns = splitColumns(m, n, job.granule, ws);
        job.runOn(team);
    }

    /** Packs {@code op(B)} ({@code k x n}) into a new {@link PackedMatrix}. */
    public static PackedMatrix packB(boolean transB, int k, int n, float[] b, int offB, int ldb) {
        KernelSettings.requireValid();
        Check.nonNegative("k", k);
        Check.nonNegative("n", n);
        checkB(transB, k, n, b, offB, ldb);
        PackedMatrix p;
        if (VectorSupport.ENABLED) {
            p = VectorSgemm.newPacked(VectorSgemm.DEFAULT, k, n);
        } else {
            if ((long) k * n > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("B too large to pack: " + k + "x" + n);
            }
            p = new PackedMatrix(k, n, 1, 0, n, new float[k * n]);
        }
        repackB(p, transB, k, n, b, offB, ldb);
        return p;
    }

    /** Packs {@code op(B)} into an existing packed matrix of the same {@code k x n}, allocating nothing. */
    public static void repackB(PackedMatrix into, boolean transB, int k, int n, float[] b, int offB, int ldb) {
        KernelSettings.requireValid();
        if (into == null) {
            throw new IllegalArgumentException("into is null");
        }
        if (into.k != k || into.n != n) {
            throw new IllegalArgumentException("into: packed matrix is " + into.k + "x" + into.n + ", cannot hold "
                    + k + "x" + n);
        }
        checkB(transB, k, n, b, offB, ldb);
        if (VectorSupport.ENABLED) {
            VectorSgemm.pack(into, transB, b, offB, ldb);
            return;
        }
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                into.data[p * n + j] = transB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
            }
        }
    }

    /**
     * {@code C[:, n0:n1] = alpha*op(A)*B[:, n0:n1] + beta*C[:, n0:n1]} with a pre-packed B, on the
     * calling thread: the form a team job uses for its own slice of columns. C must have all
     * {@code b.cols()} columns; only columns {@code [n0,n1)} are read or written. Allocates
     * nothing once the calling thread has done a product of this size. Range boundaries at
     * multiples of {@link PackedMatrix#panelWidth()} are the fast path; any others give the
     * same bits.
     */
    public static void sgemmPacked(boolean transA, int m, float alpha, float[] a, int offA, int lda,
                                   PackedMatrix b, int n0, int n1, float beta, float[] c, int offC, int ldc) {
        KernelSettings.requireValid();
        checkPacked(transA, m, alpha, a, offA, lda, b, n0, n1, c, offC, ldc);
        packedKernel(transA, m, alpha, a, offA, lda, b, n0, n1, beta, c, offC, ldc);
    }

    /** {@code C = alpha*op(A)*B + beta*C} with a pre-packed B, split over {@code team}. */
    public static void sgemmPacked(ThreadTeam team, boolean transA, int m, float alpha, float[] a, int offA, int lda,
                                   PackedMatrix b, float beta, float[] c, int offC, int ldc) {
        KernelSettings.requireValid();
        if (team == null) {
            throw new IllegalArgumentException("team is null");
        }
        checkPacked(transA, m, alpha, a, offA, lda, b, 0, b == null ? 0 : b.n, c, offC, ldc);
        int n = b.n;
        int ws = team.size();
        if (ws == 1 || 2L * m * n * b.k < TEAM_MIN_FLOPS) {
            packedKernel(transA, m, alpha, a, offA, lda, b, 0, n, beta, c, offC, ldc);
            return;
        }
        TeamJob job = TeamJob.acquire();
        job.set(transA, m, n, alpha, a, offA, lda, beta, c, offC, ldc);
        job.packed(b);
        job.byColumns = splitColumns(m, n, job.granule, ws);
        job.runOn(team);
    }

    /**
     * The work of one team call, written into a reusable object instead of a capturing lambda so
     * that a warm call allocates nothing. Each calling thread has one (a thread blocks in
     * {@link ThreadTeam#run} until its job is done, so it never needs two at once); a call made
     * while the thread's job is still running (from inside another team's job) gets a fresh one.
     * {@link ThreadTeam#run} publishes the fields to the workers (it writes a volatile after them).
     */
    private static final class TeamJob implements ThreadTeam.Job {
        private static final ThreadLocal<TeamJob> PER_THREAD = ThreadLocal.withInitial(TeamJob::new);

        private boolean busy;
        boolean byColumns;
        /** Column split granule: the packed panel width, or the unpacked kernel's. */
        int granule;
        private boolean transA;
        private boolean transB;
        private int m;
        private int n;
        private int k;
        private float alpha;
        private float beta;
        private float[] a;
        private int offA;
        private int lda;
        /** Null for an unpacked B. */
        private PackedMatrix packedB;
        private float[] b;
        private int offB;
        private int ldb;
        private float[] c;
        private int offC;
        private int ldc;

        static TeamJob acquire() {
            TeamJob job = PER_THREAD.get();
            return job.busy ? new TeamJob() : job;
        }

        void set(boolean transA, int m, int n, float alpha, float[] a, int offA, int lda,
                 float beta, float[] c, int offC, int ldc) {
            this.transA = transA;
            this.m = m;
            this.n = n;
            this.alpha = alpha;
            this.a = a;
            this.offA = offA;
            this.lda = lda;
            this.beta = beta;
            this.c = c;
            this.offC = offC;
            this.ldc = ldc;
        }

        void unpacked(boolean transB, int k, float[] b, int offB, int ldb) {
            this.packedB = null;
            this.transB = transB;
            this.k = k;
            this.b = b;
            this.offB = offB;
            this.ldb = ldb;
            this.granule = columnGranule();
        }

        void packed(PackedMatrix b) {
            this.packedB = b;
            this.k = b.k;
            this.b = null;
            this.granule = b.panelWidth();
        }

        void runOn(ThreadTeam team) {
            busy = true;
            try {
                team.run(this);
            } finally {
                busy = false;
                // do not keep the caller's arrays alive until this thread's next product
                a = null;
                b = null;
                c = null;
                packedB = null;
            }
        }

        @Override
        public void run(int w, int workers) {
            if (byColumns) {
                int n0 = ThreadTeam.split(n, granule, w, workers);
                int n1 = ThreadTeam.split(n, granule, w + 1, workers);
                if (n0 < n1) {
                    product(m, n0, n1, offA, offC);
                }
            } else {
                int m0 = ThreadTeam.split(m, ROW_GRANULE, w, workers);
                int m1 = ThreadTeam.split(m, ROW_GRANULE, w + 1, workers);
                if (m0 < m1) {
                    product(m1 - m0, 0, n, transA ? offA + m0 : offA + m0 * lda, offC + m0 * ldc);
                }
            }
        }

        /** Rows {@code [0, rows)} from offsets {@code offA0, offC0}, columns {@code [n0, n1)}. */
        private void product(int rows, int n0, int n1, int offA0, int offC0) {
            if (packedB != null) {
                packedKernel(transA, rows, alpha, a, offA0, lda, packedB, n0, n1, beta, c, offC0, ldc);
            } else {
                kernel(transA, transB, rows, n0, n1, k, alpha, a, offA0, lda, b, offB, ldb, beta, c, offC0, ldc);
            }
        }
    }

    /** Rows per team share when splitting by rows: a multiple of every tile height ({@link SgemmTiles}). */
    private static final int ROW_GRANULE = 24;

    /** Column split granule: the vector kernel's panel width, or 16 on the scalar path. */
    private static int columnGranule() {
        return VectorSupport.ENABLED ? VectorSgemm.DEFAULT.nr() : 16;
    }

    /** Split by columns unless there are too few column panels to go round and rows would do better. */
    private static boolean splitColumns(int m, int n, int granule, int workers) {
        long colUnits = ((long) n + granule - 1) / granule;
        long rowUnits = ((long) m + ROW_GRANULE - 1) / ROW_GRANULE;
        return colUnits >= 2L * workers || colUnits >= rowUnits;
    }

    private static void kernel(boolean transA, boolean transB, int m, int n0, int n1, int k, float alpha,
                               float[] a, int offA, int lda, float[] b, int offB, int ldb,
                               float beta, float[] c, int offC, int ldc) {
        if (VectorSupport.ENABLED) {
            VectorSgemm.sgemm(VectorSgemm.DEFAULT, transA, transB, m, n0, n1, k, alpha, a, offA, lda, b, offB, ldb,
                    beta, c, offC, ldc);
        } else {
            ScalarSgemm.sgemm(transA, transB, m, n0, n1, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        }
    }

    private static void packedKernel(boolean transA, int m, float alpha, float[] a, int offA, int lda,
                                     PackedMatrix b, int n0, int n1, float beta, float[] c, int offC, int ldc) {
        if (VectorSupport.ENABLED) {
            VectorSgemm.sgemmPacked(VectorSgemm.DEFAULT, transA, m, alpha, a, offA, lda, b, n0, n1, beta, c, offC, ldc);
        } else {
            ScalarSgemm.sgemm(transA, false, m, n0, n1, b.k, alpha, a, offA, lda, b.data, 0, b.n,
                    beta, c, offC, ldc);
        }
    }

    private static void checkB(boolean transB, int k, int n, float[] b, int offB, int ldb) {
        if (transB) {
            Check.matrix("B", b, offB, n, k, ldb);
        } else {
            Check.matrix("B", b, offB, k, n, ldb);
        }
    }

    private static void checkPacked(boolean transA, int m, float alpha, float[] a, int offA, int lda, PackedMatrix b,
                                    int n0, int n1, float[] c, int offC, int ldc) {
        Check.nonNegative("m", m);
        if (b == null) {
            throw new IllegalArgumentException("B (packed) is null");
        }
        if (n0 < 0 || n1 < n0 || n1 > b.n) {
            throw new IllegalArgumentException("column range [n0, n1) = [" + n0 + ", " + n1 + ") outside [0, "
                    + b.n + "] (the packed B's columns)");
        }
        int k = b.k;
        boolean readsA = alpha != 0f && k > 0;
        if (readsA) {
            if (transA) {
                Check.matrix("A", a, offA, k, m, lda);
            } else {
                Check.matrix("A", a, offA, m, k, lda);
            }
        }
        Check.matrix("C", c, offC, m, b.n, ldc);
        if (readsA) {
            Check.noOverlap("C", c, offC, Check.span(m, b.n, ldc), "A", a, offA,
                    transA ? Check.span(k, m, lda) : Check.span(m, k, lda));
        }
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
            checkB(transB, k, n, b, offB, ldb);
        }
        Check.matrix("C", c, offC, m, n, ldc);
        if (readsAB) {
            long spanC = Check.span(m, n, ldc);
            Check.noOverlap("C", c, offC, spanC, "A", a, offA, transA ? Check.span(k, m, lda) : Check.span(m, k, lda));
            Check.noOverlap("C", c, offC, spanC, "B", b, offB, transB ? Check.span(n, k, ldb) : Check.span(k, n, ldb));
        }
    }
}
