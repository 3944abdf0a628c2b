package dev.vecrnn.kernel;

import static jdk.incubator.vector.VectorOperators.F2D;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API BLAS-1 kernels ({@link Lanes#F} species) behind {@link Blas1}; arguments are validated
 * there. All four give results bitwise identical to {@link ScalarBlas1}: the same operations per
 * element in the same order (for sumSquares, the same 16 partial sums).
 */
final class VectorBlas1 {
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int N = F.length();
    /** Half-width floats, widened into a full-width double vector with the same lane count. */
    private static final VectorSpecies<Float> F_HALF =
            FloatVector.SPECIES_64.withShape(VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Double> D =
            DoubleVector.SPECIES_64.withShape(F.vectorShape());
    private static final int H = F_HALF.length();

    private VectorBlas1() {}

    /** {@code y += alpha*x}, one fused multiply-add per element as in the scalar twin. */
    static void axpy(int n, float alpha, float[] x, int offX, float[] y, int offY) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += N) {
            FloatVector.fromArray(F, x, offX + i).fma(a, FloatVector.fromArray(F, y, offY + i)).intoArray(y, offY + i);
        }
        for (; i < n; i++) {
            y[offY + i] = Math.fma(alpha, x[offX + i], y[offY + i]);
        }
    }

    static void scale(int n, float alpha, float[] x, int offX) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += N) {
            FloatVector.fromArray(F, x, offX + i).mul(alpha).intoArray(x, offX + i);
        }
        for (; i < n; i++) {
            x[offX + i] *= alpha;
        }
    }

    /**
     * {@code sum x[i]^2} in double, bitwise equal to {@link ScalarBlas1#sumSquares} at every width:
     * each block of 16 floats is widened into {@code 16/L} double vectors of L lanes (2, 4 or 8) that
     * accumulate with one fused multiply-add (exact square, one rounding), so lane l of accumulator
     * a holds partial sum {@code a*L + l}; the sixteen are then added in order, lane by lane (not
     * with {@code reduceLanes}, whose order is unspecified), then the tail. Deterministic for given
     * data and n, and the same at every width. All terms are non-negative and every path adds at
     * most {@code n/16 + 16 + 15} of them, so the relative error is below
     * {@code (n/16 + 31) * 2^-53}; it cannot overflow (a float squared is at most 1.2e77).
     */
    static double sumSquares(int n, float[] x, int offX) {
        final int accumulators = ScalarBlas1.PARTIAL_SUMS / H; // 2, 4 or 8, a constant: the ifs fold away
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = s0;
        DoubleVector s2 = s0;
        DoubleVector s3 = s0;
        DoubleVector s4 = s0;
        DoubleVector s5 = s0;
        DoubleVector s6 = s0;
        DoubleVector s7 = s0;
        int i = 0;
        for (; i + ScalarBlas1.PARTIAL_SUMS <= n; i += ScalarBlas1.PARTIAL_SUMS) {
            int o = offX + i;
            DoubleVector v0 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o).convertShape(F2D, D, 0);
            DoubleVector v1 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o + H).convertShape(F2D, D, 0);
            s0 = v0.fma(v0, s0);
            s1 = v1.fma(v1, s1);
            if (accumulators > 2) {
                DoubleVector v2 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o + 2 * H).convertShape(F2D, D, 0);
                DoubleVector v3 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o + 3 * H).convertShape(F2D, D, 0);
                s2 = v2.fma(v2, s2);
                s3 = v3.fma(v3, s3);
            }
            if (accumulators > 4) {
                DoubleVector v4 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o + 4 * H).convertShape(F2D, D, 0);
                DoubleVector v5 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o + 5 * H).convertShape(F2D, D, 0);
                DoubleVector v6 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o + 6 * H).convertShape(F2D, D, 0);
                DoubleVector v7 = (DoubleVector) FloatVector.fromArray(F_HALF, x, o + 7 * H).convertShape(F2D, D, 0);
                s4 = v4.fma(v4, s4);
                s5 = v5.fma(v5, s5);
                s6 = v6.fma(v6, s6);
                s7 = v7.fma(v7, s7);
            }
        }
        // partial sums 0..15 in order: accumulator by accumulator, lane by lane (H is a constant,
        // so C2 unrolls these loops and every lane index is constant)
        double s = 0;
        for (int k = 0; k < H; k++) {
            s += s0.lane(k);
        }
        for (int k = 0; k < H; k++) {
            s += s1.lane(k);
        }
        if (accumulators > 2) {
            for (int k = 0; k < H; k++) {
                s += s2.lane(k);
            }
            for (int k = 0; k < H; k++) {
                s += s3.lane(k);
            }
        }
        if (accumulators > 4) {
            for (int k = 0; k < H; k++) {
                s += s4.lane(k);
            }
            for (int k = 0; k < H; k++) {
                s += s5.lane(k);
            }
            for (int k = 0; k < H; k++) {
                s += s6.lane(k);
            }
            for (int k = 0; k < H; k++) {
                s += s7.lane(k);
            }
        }
        for (; i < n; i++) {
            double v = x[offX + i];
            s += v * v;
        }
        return s;
    }

    /**
     * {@code y[j] += sum_i A[i][j]}, vectorised across j. Each y[j] receives the rows in order
     * 0, 1, 2, ..., exactly as in the scalar twin (so the result is bitwise the same), but four
     * rows are added while y's vector stays in a register, so y is loaded and stored once per four
     * rows while A streams through row by row.
     */
    static void columnSums(int rows, int cols, float[] a, int offA, int lda, float[] y, int offY) {
        int vecCols = F.loopBound(cols);
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            int r0 = offA + i * lda;
            int r1 = r0 + lda;
            int r2 = r1 + lda;
            int r3 = r2 + lda;
            int j = 0;
            for (; j < vecCols; j += N) {
                FloatVector.fromArray(F, y, offY + j)
                        .add(FloatVector.fromArray(F, a, r0 + j))
                        .add(FloatVector.fromArray(F, a, r1 + j))
                        .add(FloatVector.fromArray(F, a, r2 + j))
                        .add(FloatVector.fromArray(F, a, r3 + j))
                        .intoArray(y, offY + j);
            }
            for (; j < cols; j++) {
                y[offY + j] = y[offY + j] + a[r0 + j] + a[r1 + j] + a[r2 + j] + a[r3 + j];
            }
        }
        for (; i < rows; i++) {
            int r0 = offA + i * lda;
            int j = 0;
            for (; j < vecCols; j += N) {
                FloatVector.fromArray(F, y, offY + j).add(FloatVector.fromArray(F, a, r0 + j)).intoArray(y, offY + j);
            }
            for (; j < cols; j++) {
                y[offY + j] += a[r0 + j];
            }
        }
    }
}
