package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SGEMM against a double-precision triple loop written here, for the facade (vector or scalar
 * path, whichever this JVM runs) and for {@link ScalarSgemm} directly, plus the bitwise
 * reproducibility promises: any thread count, any column split, packed or not, vector or scalar.
 */
class SgemmTest {

    private static final int[] SIZES = {0, 1, 2, 15, 16, 17, 31, 33, 127};
    private static final float[] ALPHAS = {0f, 1f, -0.5f};
    private static final float[] BETAS = {0f, 1f, 2f};

    /** One GEMM problem: shapes, storage (offsets, leading dimensions), scalars and data. */
    static final class Problem {
        final boolean transA;
        final boolean transB;
        final int m;
        final int n;
        final int k;
        final float alpha;
        final float beta;
        final int offA;
        final int lda;
        final int offB;
        final int ldb;
        final int offC;
        final int ldc;
        final float[] a;
        final float[] b;
        final float[] c0;

        Problem(long seed, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                boolean nanInC) {
            Random r = new Random(seed);
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            int aRows = transA ? k : m;
            int aCols = transA ? m : k;
            int bRows = transB ? n : k;
            int bCols = transB ? k : n;
            offA = r.nextInt(6);
            lda = aCols + r.nextInt(4);
            offB = r.nextInt(6);
            ldb = bCols + r.nextInt(4);
            offC = r.nextInt(6);
            ldc = n + r.nextInt(4);
            a = random(r, offA + aRows * lda + r.nextInt(3));
            b = random(r, offB + bRows * ldb + r.nextInt(3));
            c0 = random(r, offC + m * ldc + r.nextInt(3));
            if (nanInC) {
                Arrays.fill(c0, Float.NaN);
            }
        }

        float a(int i, int p) {
            return transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
        }

        float b(int p, int j) {
            return transB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
        }

        /** Runs the facade's single-threaded sgemm on a copy of C. */
        float[] sgemm() {
            float[] c = c0.clone();
            Sgemm.sgemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return c;
        }

        float[] scalar() {
            float[] c = c0.clone();
            ScalarSgemm.sgemm(transA, transB, m, 0, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return c;
        }

        float[] team(ThreadTeam team) {
            float[] c = c0.clone();
            Sgemm.sgemm(team, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return c;
        }

        PackedMatrix pack() {
            return Sgemm.packB(transB, k, n, b, offB, ldb);
        }

        /** sgemmPacked over column ranges split at {@code cuts} (any order, clamped to n). */
        float[] packed(PackedMatrix p, int... cuts) {
            float[] c = c0.clone();
            int from = 0;
            for (int cut : Arrays.stream(cuts).map(x -> Math.min(x, n)).sorted().toArray()) {
                Sgemm.sgemmPacked(transA, m, alpha, a, offA, lda, p, from, cut, beta, c, offC, ldc);
                from = cut;
            }
            Sgemm.sgemmPacked(transA, m, alpha, a, offA, lda, p, from, n, beta, c, offC, ldc);
            return c;
        }

        float[] packedTeam(ThreadTeam team, PackedMatrix p) {
            float[] c = c0.clone();
            Sgemm.sgemmPacked(team, transA, m, alpha, a, offA, lda, p, beta, c, offC, ldc);
            return c;
        }

        /**
         * Checks every element of C against the double-precision result, and that nothing outside
         * the m x n window moved. The bound: alpha*a rounds once, each of the k fused steps rounds
         * once, beta*c once, so the float result is within about (k+2) units of roundoff of the sum
         * of the absolute values of the terms; ulp(1) = 2 units gives a factor 2 of slack.
         */
        void assertMatchesReference(float[] c, String what) {
            double u = Math.ulp(1f);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    double mag = 0;
                    if (alpha != 0f) {
                        for (int p = 0; p < k; p++) {
                            double t = (double) a(i, p) * b(p, j);
                            sum += t;
                            mag += Math.abs(t);
                        }
                    }
                    double old = c0[offC + i * ldc + j];
                    double expected = alpha * sum + (beta == 0f ? 0 : beta * old);
                    double tol = (k + 3) * u * (Math.abs(alpha) * mag + (beta == 0f ? 0 : Math.abs(beta * old)))
                            + Float.MIN_NORMAL;
                    float got = c[offC + i * ldc + j];
                    if (!(Math.abs(got - expected) <= tol)) {
                        throw new AssertionError(String.format(
                                "%s: %s C[%d][%d] = %s, expected %s (tolerance %.3g)", what, this, i, j, got,
                                expected, tol));
                    }
                }
            }
            for (int idx = 0; idx < c.length; idx++) {
                int rel = idx - offC;
                boolean inside = rel >= 0 && rel / Math.max(ldc, 1) < m && rel % Math.max(ldc, 1) < n && ldc > 0;
                if (!inside && Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(c0[idx])) {
                    throw new AssertionError(what + ": " + this + " wrote C outside the matrix at index " + idx);
                }
            }
        }

        @Override
        public String toString() {
            return String.format("[transA=%b transB=%b m=%d n=%d k=%d alpha=%s beta=%s offA=%d lda=%d offB=%d ldb=%d"
                            + " offC=%d ldc=%d]", transA, transB, m, n, k, alpha, beta, offA, lda, offB, ldb, offC, ldc);
        }
    }

    private static float[] random(Random r, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = r.nextFloat() * 2f - 1f;
        }
        return x;
    }

    static Stream<Arguments> transposes() {
        return Stream.of(Arguments.of(false, false), Arguments.of(false, true), Arguments.of(true, false),
                Arguments.of(true, true));
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void everySmallShapeMatchesReference(boolean transA, boolean transB) {
        int idx = 0;
        for (int m : SIZES) {
            for (int n : SIZES) {
                for (int k : SIZES) {
                    // all nine (alpha, beta) pairs come round as the shapes change
                    float alpha = ALPHAS[idx % 3];
                    float beta = BETAS[idx / 3 % 3];
                    Problem p = new Problem(idx * 31L + (transA ? 7 : 0) + (transB ? 13 : 0), transA, transB,
                            m, n, k, alpha, beta, false);
                    p.assertMatchesReference(p.sgemm(), "sgemm");
                    p.assertMatchesReference(p.scalar(), "ScalarSgemm");
                    idx++;
                }
            }
        }
    }

    /** Shapes that reach the row-block, column-block and multi-k-block paths of the vector kernel. */
    static Stream<Arguments> largerShapes() {
        List<Arguments> list = new ArrayList<>();
        int[][] shapes = {
                {1021, 33, 17}, {17, 1021, 33}, {3, 5, 1021}, {1, 1021, 300}, {400, 2100, 5}, {64, 40, 3000},
                {130, 97, 600}, {2, 4099, 9}, {36, 50, 20}, {12, 70, 300},
        };
        int seed = 0;
        for (int[] s : shapes) {
            list.add(Arguments.of(s[0], s[1], s[2], seed % 2 == 1, seed / 2 % 2 == 1, ALPHAS[1 + seed % 2],
                    BETAS[seed % 3]));
            seed++;
        }
        return list.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} alpha={5} beta={6}")
    @MethodSource("largerShapes")
    void largerShapesMatchReference(int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
        Problem p = new Problem(m * 7L + n * 13L + k, transA, transB, m, n, k, alpha, beta, false);
        float[] c = p.sgemm();
        p.assertMatchesReference(c, "sgemm");
        assertBitwiseEqual(p.scalar(), c, "scalar twin vs facade " + p);
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void betaZeroIgnoresNanInC(boolean transA, boolean transB) {
        for (int[] s : new int[][] {{1, 1, 1}, {17, 33, 15}, {33, 70, 31}, {1, 200, 16}, {5, 3, 0}}) {
            for (float alpha : ALPHAS) {
                Problem p = new Problem(s[0] + s[1] + s[2], transA, transB, s[0], s[1], s[2], alpha, 0f, true);
                float[] c = p.sgemm();
                p.assertMatchesReference(c, "sgemm, NaN in C, beta 0");
                p.assertMatchesReference(p.scalar(), "ScalarSgemm, NaN in C, beta 0");
                PackedMatrix pm = p.pack();
                p.assertMatchesReference(p.packed(pm), "sgemmPacked, NaN in C, beta 0");
            }
        }
    }

    @Test
    void alphaZeroReadsNeitherAnorB() {
        float[] c = {1f, 2f, 3f, 4f};
        // null A and B: reading either would throw
        Sgemm.sgemm(false, false, 2, 2, 3, 0f, null, 0, 3, null, 0, 2, 2f, c, 0, 2);
        assertThat(c).containsExactly(2f, 4f, 6f, 8f);
        Sgemm.sgemm(true, true, 2, 2, 3, 0f, new float[0], 0, 0, new float[0], 0, 0, 0f, c, 0, 2);
        assertThat(c).containsExactly(0f, 0f, 0f, 0f);
        float[] nan = {Float.NaN, 1f};
        // alpha 0 with NaN in A: A is not read, so the NaN cannot reach C
        Sgemm.sgemm(false, false, 1, 1, 2, 0f, nan, 0, 2, new float[] {1f, 1f}, 0, 1, 1f, c, 0, 2);
        assertThat(c[0]).isEqualTo(0f);
    }

    @Test
    void betaOneLeavesCUnscaledAndAccumulates() {
        float[] a = {1f, 2f};
        float[] b = {3f, 4f};
        float[] c = {0.1f};
        Sgemm.sgemm(false, false, 1, 1, 2, 1f, a, 0, 2, b, 0, 1, 1f, c, 0, 1);
        assertThat(c[0]).isEqualTo(Math.fma(2f, 4f, Math.fma(1f, 3f, 0.1f)));
    }

    // ------------------------------------------------------------------ reproducibility

    static Stream<Arguments> determinismShapes() {
        return Stream.of(
                Arguments.of(33, 200, 70, false, false), // column split, row tail, partial last panel
                Arguments.of(32, 1024, 256, false, true), // the RNN step shape (B = W_hh, transposed)
                Arguments.of(1, 777, 300, true, false), // batch 1: matrix-vector path
                Arguments.of(500, 20, 40, true, true), // few columns: row split
                Arguments.of(450, 300, 530, false, false)); // row blocks and k blocks
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("determinismShapes")
    void bitwiseIdenticalForAnyThreadCountSplitPackingAndPath(int m, int n, int k, boolean transA, boolean transB) {
        for (float beta : new float[] {0f, 2f}) {
            Problem p = new Problem(m + n + k, transA, transB, m, n, k, -0.5f, beta, false);
            float[] single = p.sgemm();
            p.assertMatchesReference(single, "sgemm");
            assertBitwiseEqual(p.scalar(), single, "ScalarSgemm vs sgemm " + p);
            PackedMatrix pm = p.pack();
            assertThat(pm.rows()).isEqualTo(k);
            assertThat(pm.cols()).isEqualTo(n);
            assertBitwiseEqual(p.packed(pm), single, "sgemmPacked vs sgemm " + p);
            int w = pm.panelWidth();
            // column ranges cut at panel boundaries and at arbitrary columns
            assertBitwiseEqual(p.packed(pm, w, 3 * w), single, "panel-aligned ranges " + p);
            assertBitwiseEqual(p.packed(pm, 7, w + 5, 2 * w + 1), single, "unaligned ranges " + p);
            for (int threads : new int[] {1, 2, 3}) {
                try (ThreadTeam team = new ThreadTeam(threads)) {
                    assertBitwiseEqual(p.team(team), single, threads + " threads, sgemm " + p);
                    assertBitwiseEqual(p.packedTeam(team, pm), single, threads + " threads, sgemmPacked " + p);
                }
            }
        }
    }

    @Test
    void repackReplacesContentsInPlace() {
        Problem first = new Problem(1, false, true, 9, 70, 40, 1f, 0f, false);
        Problem second = new Problem(2, false, false, 9, 70, 40, 1f, 0f, false);
        PackedMatrix pm = first.pack();
        float[] data = pm.data;
        Sgemm.repackB(pm, second.transB, second.k, second.n, second.b, second.offB, second.ldb);
        assertThat(pm.data).isSameAs(data);
        assertBitwiseEqual(second.packed(pm), second.sgemm(), "repacked");
    }

    @Test
    void vectorWidthIsTheOneVectorSupportChose() {
        if (VectorSupport.ENABLED) {
            assertThat(Lanes.F.vectorBitSize()).isEqualTo(VectorSupport.BITS);
            assertThat(Lanes.N).isEqualTo(VectorSupport.FLOAT_LANES);
        }
    }

    // ------------------------------------------------------------------ allocation

    @Test
    void warmPackedProductAllocatesNothing() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Problem rnn = new Problem(5, false, true, 32, 256, 64, 1f, 0f, false); // h[32,64] x W_hh^T
        Problem vec = new Problem(6, true, false, 1, 300, 64, 1f, 1f, false); // batch 1, partial panel
        PackedMatrix pr = rnn.pack();
        PackedMatrix pv = vec.pack();
        float[] cr = rnn.c0.clone();
        float[] cv = vec.c0.clone();
        int w = pr.panelWidth();
        Runnable calls = () -> {
            Sgemm.sgemmPacked(false, 32, 1f, rnn.a, rnn.offA, rnn.lda, pr, 0, 2 * w, 0f, cr, rnn.offC, rnn.ldc);
            Sgemm.sgemmPacked(false, 32, 1f, rnn.a, rnn.offA, rnn.lda, pr, 2 * w, 256, 0f, cr, rnn.offC, rnn.ldc);
            Sgemm.sgemmPacked(false, 17, 1f, rnn.a, rnn.offA, rnn.lda, pr, 3, 101, 2f, cr, rnn.offC, rnn.ldc);
            Sgemm.sgemmPacked(true, 1, 1f, vec.a, vec.offA, vec.lda, pv, 0, 300, 1f, cv, vec.offC, vec.ldc);
        };
        mx.getCurrentThreadAllocatedBytes();
        long perBatch = Long.MAX_VALUE;
        long deadline = System.nanoTime() + 15_000_000_000L;
        // Until the JIT has compiled the kernels, the Vector API boxes vectors; wait for that.
        while (perBatch > 0 && System.nanoTime() < deadline) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200; i++) {
                calls.run();
            }
            perBatch = mx.getCurrentThreadAllocatedBytes() - before;
        }
        // 200 batches of four calls: a few bytes in all is noise, a per-call allocation is not
        assertThat(perBatch).as("bytes allocated by 800 warm sgemmPacked calls").isLessThanOrEqualTo(256);
    }

    /**
     * The team variants, split by columns and by rows, packed and unpacked: once warm, a call
     * allocates nothing on the calling thread or on the team's workers (an earlier version
     * allocated a capturing lambda per call).
     */
    @Test
    void warmTeamProductsAllocateNothing() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Problem wide = new Problem(7, false, true, 32, 256, 64, 1f, 0f, false);  // many column panels
        Problem tall = new Problem(8, true, false, 200, 16, 64, 1f, 1f, false);  // one panel: by rows
        PackedMatrix pw = wide.pack();
        PackedMatrix pt = tall.pack();
        float[] cw = wide.c0.clone();
        float[] ct = tall.c0.clone();
        try (ThreadTeam team = new ThreadTeam(2)) {
            Runnable calls = () -> {
                Sgemm.sgemm(team, wide.transA, wide.transB, wide.m, wide.n, wide.k, 1f, wide.a, wide.offA, wide.lda,
                        wide.b, wide.offB, wide.ldb, 0f, cw, wide.offC, wide.ldc);
                Sgemm.sgemmPacked(team, wide.transA, wide.m, 1f, wide.a, wide.offA, wide.lda, pw, 0f, cw, wide.offC,
                        wide.ldc);
                Sgemm.sgemm(team, tall.transA, tall.transB, tall.m, tall.n, tall.k, 1f, tall.a, tall.offA, tall.lda,
                        tall.b, tall.offB, tall.ldb, 1f, ct, tall.offC, tall.ldc);
                Sgemm.sgemmPacked(team, tall.transA, tall.m, 1f, tall.a, tall.offA, tall.lda, pt, 1f, ct, tall.offC,
                        tall.ldc);
            };
            calls.run();  // starts the workers' threads-local state too
            long[] ids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t == Thread.currentThread() || t.getName().startsWith(team.name() + "-"))
                    .mapToLong(Thread::threadId).toArray();
            assertThat(ids).as("caller and one worker").hasSize(2);
            long perBatch = Long.MAX_VALUE;
            long deadline = System.nanoTime() + 15_000_000_000L;
            // Until the JIT has compiled the kernels, the Vector API boxes vectors; wait for that.
            while (perBatch > 0 && System.nanoTime() < deadline) {
                long before = sum(mx.getThreadAllocatedBytes(ids));
                for (int i = 0; i < 100; i++) {
                    calls.run();
                }
                perBatch = sum(mx.getThreadAllocatedBytes(ids)) - before;
            }
            // 100 batches of four calls: a few bytes in all is noise, a lambda per call (16+ bytes) is not
            assertThat(perBatch).as("bytes allocated by 400 warm team calls, caller and worker").isLessThanOrEqualTo(256);
        }
        assertBitwiseEqual(cw, wide.sgemm(), "team results still right");
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    // ------------------------------------------------------------------ argument checks

    @Test
    void rejectsBadArgumentsNamingThem() {
        float[] a = new float[12];
        float[] b = new float[12];
        float[] c = new float[12];
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, -1, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m must be >= 0");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, -2, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n must be >= 0");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, 3, -4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k must be >= 0");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, 3, 4, 1f, a, 1, 4, b, 0, 3, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A too short");
        assertThatThrownBy(() -> Sgemm.sgemm(false, true, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leading dimension of B");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, new float[8], 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C too short");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, null, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C is null");
        float[] shared = new float[40];
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, 3, 4, 1f, shared, 0, 4, b, 0, 3, 0f, shared, 10, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C overlaps A");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, 3, 4, 1f, a, 0, 4, shared, 0, 3, 0f, shared, 5, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C overlaps B");
        try (ThreadTeam team = new ThreadTeam(2)) {
            assertThatThrownBy(() -> Sgemm.sgemm(team, false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leading dimension of C");
        }

        PackedMatrix p = Sgemm.packB(false, 4, 3, b, 0, 3);
        assertThatThrownBy(() -> Sgemm.packB(false, 4, 3, b, 4, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B too short");
        assertThatThrownBy(() -> Sgemm.repackB(p, false, 3, 4, b, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("into").hasMessageContaining("4x3");
        assertThatThrownBy(() -> Sgemm.sgemmPacked(false, 3, 1f, a, 0, 4, p, 0, 4, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("column range");
        assertThatThrownBy(() -> Sgemm.sgemmPacked(false, 3, 1f, a, 0, 4, p, 2, 1, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("column range");
        assertThatThrownBy(() -> Sgemm.sgemmPacked(false, 4, 1f, a, 0, 4, p, 0, 3, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A too short");
        assertThatThrownBy(() -> Sgemm.sgemmPacked(false, 3, 1f, a, 0, 4, null, 0, 3, 0f, c, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B (packed) is null");
        assertThatThrownBy(() -> Sgemm.sgemmPacked(false, 3, 1f, shared, 0, 4, p, 0, 3, 0f, shared, 4, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C overlaps A");
    }

    private static void assertBitwiseEqual(float[] actual, float[] expected, String what) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError(what + ": differs at index " + i + ": " + actual[i] + " vs " + expected[i]);
            }
        }
    }
}
