package dev.vecrnn.kernel;

import dev.vecrnn.mem.ThreadTeam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * Matrix-vector kernels at awkward sizes (empty, one, prime, panel and vector boundaries ± 1):
 * the packed form bitwise against {@link Sgemm#sgemmPacked} with one row and against its scalar
 * twin, both forms against a double-precision loop written here.
 */
class MatVecTest {
    private static final int[] KS = {0, 1, 3, 16, 17, 255, 256, 257, 601};
    private static final int[] NS = {1, 5, 15, 16, 17, 31, 33, 63, 100, 127, 128, 129, 257, 1021};
    private static final float[][] ALPHA_BETA = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {0f, 1f}, {0f, 0f}, {2f, -1f}};

    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        for (int k : KS) {
            for (int n : NS) {
                out.add(Arguments.of(k, n));
            }
        }
        return out.stream();
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /**
     * Error bound of a float dot product of length k accumulated with fma, then scaled and added
     * to beta*y: each of the k+2 roundings is at most one ulp-half of a partial result, so
     * {@code (k+2)·eps·(|alpha|·Σ|w·x| + |beta·y|)} bounds the error (eps = 2^-24 plus slack 2x).
     */
    private static double bound(int k, double absSum) {
        return 2.0 * (k + 2) * Math.ulp(1f) / 2 * absSum + 1e-30;
    }

    /**
     * A column range gives, in its columns, the bits of the whole product, and leaves every other
     * column as it was: ranges that start and end inside panels, on panel boundaries, empty, and
     * the split a thread team uses.
     */
    @ParameterizedTest(name = "k={0} n={1}")
    @MethodSource("shapes")
    void columnRangeEqualsWholeProductInRangeOnly(int k, int n) {
        Random r = new Random(17L * k + n);
        float[] w = random(r, n * k);
        float[] x = random(r, k);
        PackedMatrix b = Sgemm.packB(true, k, n, w, 0, k);
        int pw = b.panelWidth();
        int[][] ranges = {{0, n}, {0, 0}, {n, n}, {n / 2, n}, {0, (n + 1) / 2}, {n / 3, 2 * n / 3},
                {Math.min(1, n), n}, {Math.min(pw, n), n}, {Math.min(pw + 1, n), Math.min(3 * pw + 5, n)},
                {ThreadTeam.split(n, pw, 1, 2), n}};
        for (float beta : new float[] {0f, 1f, -0.5f}) {
            float[] y0 = random(r, n + 6);
            float[] whole = y0.clone();
            MatVec.packed(1.5f, x, 0, b, beta, whole, 3);
            for (int[] range : ranges) {
                int n0 = range[0];
                int n1 = range[1];
                float[] y = y0.clone();
                MatVec.packed(1.5f, x, 0, b, n0, n1, beta, y, 3);
                float[] expected = y0.clone();
                System.arraycopy(whole, 3 + n0, expected, 3 + n0, n1 - n0);
                assertThat(y).as("columns [%d, %d) of %d, beta %s", n0, n1, n, beta).isEqualTo(expected);
                if (k > 0) {
                    float[] scalar = y0.clone();
                    ScalarMatVec.packed(1.5f, x, 0, b, n0, n1, beta, scalar, 3);
                    assertThat(scalar).as("scalar columns [%d, %d)", n0, n1).isEqualTo(expected);
                }
            }
        }
        assertThatThrownBy(() -> MatVec.packed(1f, x, 0, b, 0, n + 1, 0f, new float[n], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("column range");
        assertThatThrownBy(() -> MatVec.packed(1f, x, 0, b, Math.min(1, n), 0, 0f, new float[n], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("column range");
    }

    @ParameterizedTest(name = "k={0} n={1}")
    @MethodSource("shapes")
    void packedEqualsSgemmBitwiseAndReference(int k, int n) {
        Random r = new Random(31L * k + n);
        int ldw = k + 3;
        float[] w = random(r, n * ldw + 2); // W [n, k] row-major, ld k+3, so B = Wᵀ is a transposed operand
        int offX = 5;
        float[] x = random(r, offX + k);
        PackedMatrix b = Sgemm.packB(true, k, n, w, 0, ldw);
        for (float[] ab : ALPHA_BETA) {
            float alpha = ab[0];
            float beta = ab[1];
            int offY = 3;
            float[] y0 = random(r, offY + n + 4);
            if (beta == 0f) {
                Arrays.fill(y0, offY, offY + n, Float.NaN); // must be ignored
            }
            float[] viaGemm = y0.clone();
            Sgemm.sgemmPacked(false, 1, alpha, x, offX, k, b, 0, n, beta, viaGemm, offY, n);
            float[] y = y0.clone();
            MatVec.packed(alpha, x, offX, b, beta, y, offY);
            assertThat(y).as("MatVec.packed vs sgemmPacked, alpha %s beta %s", alpha, beta).isEqualTo(viaGemm);
            float[] scalar = y0.clone();
            if (alpha != 0f && k > 0) {
                ScalarMatVec.packed(alpha, x, offX, b, 0, n, beta, scalar, offY);
                assertThat(scalar).as("ScalarMatVec.packed").isEqualTo(viaGemm);
            }
            for (int j = 0; j < n; j++) {
                double acc = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) w[j * ldw + p] * x[offX + p];
                    acc += t;
                    abs += Math.abs(t);
                }
                double yb = beta == 0f ? 0 : (double) beta * y0[offY + j];
                double expected = alpha * acc + yb;
                double err = Math.abs(y[offY + j] - expected);
                assertThat(err).as("y[%d] alpha %s beta %s", j, alpha, beta)
                        .isLessThanOrEqualTo(bound(k, Math.abs(alpha) * abs + Math.abs(yb)));
            }
            // outside [offY, offY+n) untouched
            assertThat(Arrays.copyOfRange(y, 0, offY)).isEqualTo(Arrays.copyOfRange(y0, 0, offY));
            assertThat(Arrays.copyOfRange(y, offY + n, y.length)).isEqualTo(Arrays.copyOfRange(y0, offY + n, y0.length));
        }
    }

    @ParameterizedTest(name = "k={0} n={1}")
    @MethodSource("shapes")
    void rowMajorMatchesReference(int k, int n) {
        Random r = new Random(17L * k + n);
        int ldw = k + 2;
        int offW = 7;
        float[] w = random(r, offW + n * ldw);
        int offX = 1;
        float[] x = random(r, offX + k + 3);
        for (float[] ab : ALPHA_BETA) {
            float alpha = ab[0];
            float beta = ab[1];
            int offY = 2;
            float[] y0 = random(r, offY + n + 1);
            if (beta == 0f) {
                Arrays.fill(y0, offY, offY + n, Float.NaN);
            }
            float[] y = y0.clone();
            MatVec.rowMajor(n, k, alpha, w, offW, ldw, x, offX, beta, y, offY);
            // the twin is only called where the facade reads W (else the facade only scales y)
            float[] scalar = y.clone();
            if (alpha != 0f && k > 0) {
                scalar = y0.clone();
                ScalarMatVec.rowMajor(n, k, alpha, w, offW, ldw, x, offX, beta, scalar, offY);
            }
            for (int i = 0; i < n; i++) {
                double acc = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) w[offW + i * ldw + p] * x[offX + p];
                    acc += t;
                    abs += Math.abs(t);
                }
                double yb = beta == 0f ? 0 : (double) beta * y0[offY + i];
                double expected = alpha * acc + yb;
                double tol = bound(k, Math.abs(alpha) * abs + Math.abs(yb));
                assertThat(Math.abs(y[offY + i] - expected)).as("y[%d] alpha %s beta %s", i, alpha, beta)
                        .isLessThanOrEqualTo(tol);
                assertThat(Math.abs(scalar[offY + i] - expected)).as("scalar y[%d]", i).isLessThanOrEqualTo(tol);
            }
            assertThat(y[0]).isEqualTo(y0[0]);
            assertThat(y[offY + n]).isEqualTo(y0[offY + n]);
        }
    }

    @Test
    void nanAndInfinityPropagate() {
        int k = 40;
        int n = 70;
        Random r = new Random(3);
        float[] w = random(r, n * k);
        float[] x = random(r, k);
        x[11] = Float.NaN;
        PackedMatrix b = Sgemm.packB(true, k, n, w, 0, k);
        float[] y = new float[n];
        MatVec.packed(1f, x, 0, b, 0f, y, 0);
        for (float v : y) {
            assertThat(v).isNaN();
        }
        MatVec.rowMajor(n, k, 1f, w, 0, k, x, 0, 0f, y, 0);
        for (float v : y) {
            assertThat(v).isNaN();
        }
    }

    @Test
    void warmCallsAllocateNothing() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Random r = new Random(5);
        int k = 100;
        int n = 333;
        float[] w = random(r, n * k);
        float[] x = random(r, k);
        float[] y = new float[n];
        PackedMatrix b = Sgemm.packB(true, k, n, w, 0, k);
        long perBatch = Long.MAX_VALUE;
        long deadline = System.nanoTime() + 15_000_000_000L;
        // until C2 has compiled the kernels the Vector API boxes; wait for that
        while (perBatch > 0 && System.nanoTime() < deadline) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200; i++) {
                MatVec.packed(1f, x, 0, b, 1f, y, 0);
                MatVec.rowMajor(n, k, 1f, w, 0, k, x, 0, 0f, y, 0);
            }
            perBatch = mx.getCurrentThreadAllocatedBytes() - before;
        }
        assertThat(perBatch).as("bytes allocated by 400 warm calls").isLessThanOrEqualTo(256);
    }

    @Test
    void rejectsBadArgumentsNamingThem() {
        float[] w = new float[12];
        PackedMatrix b = Sgemm.packB(true, 3, 4, w, 0, 3); // W [4, 3], B = Wᵀ 3 x 4
        assertThatThrownBy(() -> MatVec.packed(1f, new float[3], 0, null, 0f, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B");
        assertThatThrownBy(() -> MatVec.packed(1f, new float[2], 0, b, 0f, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x too short");
        assertThatThrownBy(() -> MatVec.packed(1f, new float[3], 0, b, 0f, new float[4], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y too short");
        float[] shared = new float[8];
        assertThatThrownBy(() -> MatVec.packed(1f, shared, 0, b, 0f, shared, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps");
        assertThatThrownBy(() -> MatVec.rowMajor(4, 3, 1f, w, 1, 3, new float[3], 0, 0f, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("W too short");
        assertThatThrownBy(() -> MatVec.rowMajor(4, 3, 1f, w, 0, 2, new float[3], 0, 0f, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leading dimension of W");
        assertThatThrownBy(() -> MatVec.rowMajor(-1, 3, 1f, w, 0, 3, new float[3], 0, 0f, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n must be >= 0");
    }
}
