package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * BLAS-1 kernels against double-precision (or exact) references at sizes that exercise every
 * tail, with offsets, through the facade, the vector class and the scalar twin.
 */
class Blas1Test {
    static final int[] SIZES = {0, 1, 2, 15, 16, 17, 31, 33, 127, 1021};
    static final int[][] OFFSETS = {{0, 0}, {3, 5}, {7, 1}};

    enum Impl { FACADE, VECTOR, SCALAR }

    static void assumeAvailable(Impl impl) {
        assumeTrue(impl != Impl.VECTOR || VectorSupport.ENABLED, "vector path disabled in this JVM");
    }

    static void axpy(Impl impl, int n, float alpha, float[] x, int offX, float[] y, int offY) {
        switch (impl) {
            case FACADE -> Blas1.axpy(n, alpha, x, offX, y, offY);
            case VECTOR -> VectorBlas1.axpy(n, alpha, x, offX, y, offY);
            case SCALAR -> ScalarBlas1.axpy(n, alpha, x, offX, y, offY);
        }
    }

    static void scale(Impl impl, int n, float alpha, float[] x, int offX) {
        switch (impl) {
            case FACADE -> Blas1.scale(n, alpha, x, offX);
            case VECTOR -> VectorBlas1.scale(n, alpha, x, offX);
            case SCALAR -> ScalarBlas1.scale(n, alpha, x, offX);
        }
    }

    static double sumSquares(Impl impl, int n, float[] x, int offX) {
        return switch (impl) {
            case FACADE -> Blas1.sumSquares(n, x, offX);
            case VECTOR -> VectorBlas1.sumSquares(n, x, offX);
            case SCALAR -> ScalarBlas1.sumSquares(n, x, offX);
        };
    }

    static void columnSums(Impl impl, int rows, int cols, float[] a, int offA, int lda, float[] y, int offY) {
        switch (impl) {
            case FACADE -> Blas1.columnSums(rows, cols, a, offA, lda, y, offY);
            case VECTOR -> VectorBlas1.columnSums(rows, cols, a, offA, lda, y, offY);
            case SCALAR -> ScalarBlas1.columnSums(rows, cols, a, offA, lda, y, offY);
        }
    }

    static float[] random(Random rnd, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian()));
        }
        return a;
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void axpyIsOneRoundingOfTheExactResult(Impl impl) {
        assumeAvailable(impl);
        Random rnd = new Random(1);
        for (int n : SIZES) {
            for (int[] off : OFFSETS) {
                for (float alpha : new float[] {0f, 1f, -0.37f, 3.1e5f}) {
                    float[] x = random(rnd, n + off[0] + 2);
                    float[] y = random(rnd, n + off[1] + 2);
                    float[] y0 = y.clone();
                    axpy(impl, n, alpha, x, off[0], y, off[1]);
                    for (int i = 0; i < y.length; i++) {
                        int k = i - off[1];
                        if (k < 0 || k >= n) {
                            assertThat(y[i]).as("outside the range, n=%d i=%d", n, i).isEqualTo(y0[i]);
                            continue;
                        }
                        // alpha*x is exact in double; the sum rounded once to float is what fma gives
                        // (a double-rounding difference would be a tie within 2^-29 ulp: never here).
                        double exact = (double) alpha * x[off[0] + k] + y0[i];
                        assertThat(Math.abs(y[i] - exact)).as("n=%d alpha=%s i=%d", n, alpha, k)
                                .isLessThanOrEqualTo(0.5 * Math.ulp((float) exact));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void axpyInPlaceDoublesTheVector(Impl impl) {
        assumeAvailable(impl);
        float[] x = random(new Random(2), 40);
        float[] want = x.clone();
        for (int i = 0; i < want.length; i++) {
            want[i] = 3 * want[i];
        }
        axpy(impl, 37, 2f, x, 3, x, 3);
        for (int i = 3; i < 40; i++) {
            assertThat(x[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(Math.ulp(want[i])));
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void scaleIsOneRounding(Impl impl) {
        assumeAvailable(impl);
        Random rnd = new Random(3);
        for (int n : SIZES) {
            for (int[] off : OFFSETS) {
                float alpha = (float) rnd.nextGaussian();
                float[] x = random(rnd, n + off[0] + 3);
                float[] x0 = x.clone();
                scale(impl, n, alpha, x, off[0]);
                for (int i = 0; i < x.length; i++) {
                    int k = i - off[0];
                    float want = k < 0 || k >= n ? x0[i] : (float) ((double) alpha * x0[i]);
                    assertThat(x[i]).as("n=%d i=%d", n, i).isEqualTo(want);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void sumSquaresAgainstTheExactSum(Impl impl) {
        assumeAvailable(impl);
        Random rnd = new Random(4);
        int[] sizes = Arrays.copyOf(SIZES, SIZES.length + 1);
        sizes[SIZES.length] = 100_003;
        for (int n : sizes) {
            for (int[] off : OFFSETS) {
                float[] x = random(rnd, n + off[0] + 1);
                x[x.length - 1] = 1e30f; // outside the range: must not be read
                double want = compensatedSumOfSquares(x, off[0], n);
                double got = sumSquares(impl, n, x, off[0]);
                // Documented bound (n/(4L) + 2L + 3) * 2^-53 with L <= 16; the scalar twin's is n * 2^-53.
                double bound = (n + 40) * Math.ulp(1.0) / 2 * want;
                assertThat(Math.abs(got - want)).as("n=%d", n).isLessThanOrEqualTo(bound);
                assertThat(sumSquares(impl, n, x, off[0])).as("deterministic").isEqualTo(got);
            }
        }
    }

    /**
     * Reference: squares of floats are exact in double and Neumaier's compensated sum keeps the
     * rounding error of the additions to about 2^-106 relative, far below the bound under test.
     */
    static double compensatedSumOfSquares(float[] x, int off, int n) {
        double sum = 0;
        double carry = 0;
        for (int i = 0; i < n; i++) {
            double v = (double) x[off + i] * x[off + i];
            double t = sum + v;
            carry += Math.abs(sum) >= v ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }
        return sum + carry;
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void sumSquaresOfHugeFloatsDoesNotOverflow(Impl impl) {
        assumeAvailable(impl);
        float[] x = new float[1021];
        Arrays.fill(x, Float.MAX_VALUE);
        double want = 1021.0 * Float.MAX_VALUE * (double) Float.MAX_VALUE;
        assertThat(sumSquares(impl, x.length, x, 0)).isCloseTo(want, org.assertj.core.data.Percentage.withPercentage(1e-12));
        Arrays.fill(x, Float.MIN_VALUE);
        assertThat(sumSquares(impl, x.length, x, 0)).isCloseTo(1021.0 * Float.MIN_VALUE * (double) Float.MIN_VALUE,
                org.assertj.core.data.Percentage.withPercentage(1e-12));
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void columnSumsAddTheRowsInOrder(Impl impl) {
        assumeAvailable(impl);
        Random rnd = new Random(5);
        for (int rows : new int[] {0, 1, 3, 4, 5, 9, 64}) {
            for (int cols : SIZES) {
                int lda = cols + 3;
                int offA = 2;
                int offY = 1;
                float[] a = random(rnd, offA + rows * lda + 1);
                float[] y = random(rnd, offY + cols + 2);
                float[] y0 = y.clone();
                columnSums(impl, rows, cols, a, offA, lda, y, offY);
                for (int i = 0; i < y.length; i++) {
                    int j = i - offY;
                    if (j < 0 || j >= cols) {
                        assertThat(y[i]).isEqualTo(y0[i]);
                        continue;
                    }
                    // Contract: y[j] += A[0][j], then A[1][j], ... in float, in that order.
                    float seq = y0[i];
                    double exact = y0[i];
                    double magnitude = Math.abs(y0[i]);
                    for (int r = 0; r < rows; r++) {
                        float v = a[offA + r * lda + j];
                        seq += v;
                        exact += v;
                        magnitude += Math.abs(v);
                    }
                    assertThat(y[i]).as("rows=%d cols=%d j=%d", rows, cols, j).isEqualTo(seq);
                    assertThat(Math.abs(y[i] - exact)).isLessThanOrEqualTo(rows * Math.ulp(1f) / 2 * magnitude);
                }
            }
        }
    }

    @Test
    void facadeRejectsBadArgumentsNamingThem() {
        float[] a = new float[10];
        assertThatThrownBy(() -> Blas1.axpy(-1, 1f, a, 0, a, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n must be >= 0, got -1");
        assertThatThrownBy(() -> Blas1.axpy(3, 1f, null, 0, a, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x is null");
        assertThatThrownBy(() -> Blas1.axpy(3, 1f, a, 0, new float[2], 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("y too short");
        assertThatThrownBy(() -> Blas1.axpy(3, 1f, a, -2, new float[5], 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x offset must be >= 0, got -2");
        assertThatThrownBy(() -> Blas1.axpy(5, 1f, a, 0, a, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("y overlaps x");
        assertThatThrownBy(() -> Blas1.scale(11, 1f, a, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x too short");
        assertThatThrownBy(() -> Blas1.scale(-3, 1f, a, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n must be >= 0");
        assertThatThrownBy(() -> Blas1.sumSquares(1, null, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x is null");
        assertThatThrownBy(() -> Blas1.sumSquares(4, a, 7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x too short");
        assertThatThrownBy(() -> Blas1.columnSums(-1, 2, a, 0, 2, a, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rows must be >= 0");
        assertThatThrownBy(() -> Blas1.columnSums(2, -2, a, 0, 2, a, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cols must be >= 0");
        assertThatThrownBy(() -> Blas1.columnSums(2, 3, a, 0, 2, new float[3], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leading dimension of A must be >= 3");
        assertThatThrownBy(() -> Blas1.columnSums(3, 3, a, 0, 4, new float[3], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A too short");
        assertThatThrownBy(() -> Blas1.columnSums(2, 3, a, 0, 3, new float[2], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y too short");
        assertThatThrownBy(() -> Blas1.columnSums(2, 3, a, 0, 3, a, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y overlaps A");
        // Disjoint parts of one array are fine.
        Blas1.axpy(5, 1f, a, 0, a, 5);
        Blas1.columnSums(2, 3, a, 0, 3, a, 6);
    }

    /** The vector kernels and the scalar twins give the same bits, short calls and long ones. */
    @Test
    void vectorKernelsEqualTheScalarTwinsBitwise() {
        assumeAvailable(Impl.VECTOR);
        Random rnd = new Random(9);
        for (int n : new int[] {1, 15, 17, 33, 1021, Blas1.VECTOR_MIN_ELEMENTS + 13}) {
            float[] x = random(rnd, n + 3);
            float[] y = random(rnd, n + 5);
            float[] yv = y.clone();
            float[] ys = y.clone();
            VectorBlas1.axpy(n, -0.37f, x, 3, yv, 5);
            ScalarBlas1.axpy(n, -0.37f, x, 3, ys, 5);
            assertThat(yv).as("axpy n=%d", n).isEqualTo(ys);
            VectorBlas1.scale(n, 1.7f, yv, 1);
            ScalarBlas1.scale(n, 1.7f, ys, 1);
            assertThat(yv).as("scale n=%d", n).isEqualTo(ys);
            assertThat(Double.doubleToRawLongBits(VectorBlas1.sumSquares(n, x, 2)))
                    .as("sumSquares n=%d", n).isEqualTo(Double.doubleToRawLongBits(ScalarBlas1.sumSquares(n, x, 2)));
            int cols = Math.max(1, n / 7);
            float[] a = random(rnd, 7 * (cols + 2) + 1);
            float[] sv = random(rnd, cols);
            float[] ss = sv.clone();
            VectorBlas1.columnSums(7, cols, a, 1, cols + 2, sv, 0);
            ScalarBlas1.columnSums(7, cols, a, 1, cols + 2, ss, 0);
            assertThat(sv).as("columnSums cols=%d", cols).isEqualTo(ss);
        }
    }

    /**
     * Short calls (the bias gradients, a few per training step) run plain loops on every path, so
     * they allocate nothing even before the JIT has compiled anything: the very first calls of
     * this test are measured, with no warm-up.
     */
    @Test
    void shortCallsAllocateNothingEvenBeforeTheJitCompilesThem() {
        int n = 1021;
        float[] x = random(new Random(10), n);
        float[] y = random(new Random(11), n);
        float[] a = random(new Random(12), 4 * 300);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        mx.getCurrentThreadAllocatedBytes();
        double sink = 0;
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20; i++) {
            Blas1.axpy(n, 0.5f, x, 0, y, 0);
            Blas1.scale(n, 0.999f, y, 0);
            sink += Blas1.sumSquares(n, x, 0);
            Blas1.columnSums(4, 300, a, 0, 300, y, 0);
        }
        long bytes = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(bytes).as("bytes allocated by the first 20 rounds of short BLAS-1 calls").isZero();
        assertThat(sink).isPositive();
    }

    @Test
    void vectorKernelsDoNotAllocateOnceCompiled() {
        int n = 1021;
        float[] x = random(new Random(6), n + 2);
        float[] y = random(new Random(7), n + 2);
        float[] a = random(new Random(8), 9 * 130);
        double[] sink = new double[1];
        double bytes = ActivationsTest.bytesPerCall(() -> {
            Blas1.axpy(n, 0.5f, x, 1, y, 2);
            Blas1.scale(n, 0.999f, y, 0);
            sink[0] += Blas1.sumSquares(n, x, 2);
            Blas1.columnSums(9, 127, a, 1, 130, y, 3);
        });
        assertThat(bytes).as("bytes per call of axpy+scale+sumSquares+columnSums").isLessThan(1.0);
        // long calls: the Vector API kernels themselves
        int big = Blas1.VECTOR_MIN_ELEMENTS + 5;
        float[] bx = random(new Random(13), big + 2);
        float[] by = random(new Random(14), big + 2);
        float[] ba = random(new Random(15), 9 * (big / 8 + 3));
        Runnable longCalls = () -> {
            Blas1.axpy(big, 0.5f, bx, 1, by, 2);
            Blas1.scale(big, 0.999f, by, 0);
            sink[0] += Blas1.sumSquares(big, bx, 2);
            Blas1.columnSums(9, big / 8, ba, 1, big / 8 + 3, by, 3);
        };
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Until C2 has compiled the kernels they box every vector, and a round of these long calls
        // takes seconds interpreted: warm up one round at a time until one allocates nothing (at
        // most 15 s), then measure ten.
        long deadline = System.nanoTime() + 15_000_000_000L;
        long round = Long.MAX_VALUE;
        while (round > 0 && System.nanoTime() < deadline) {
            long before = mx.getCurrentThreadAllocatedBytes();
            longCalls.run();
            round = mx.getCurrentThreadAllocatedBytes() - before;
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10; i++) {
            longCalls.run();
        }
        long longBytes = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(longBytes).as("bytes allocated by 10 rounds of the long vector calls").isZero();
        assertThat(sink[0]).isPositive();
    }
}
