package dev.vecrnn.kernel;

import static jdk.incubator.vector.VectorOperators.F2D;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API BLAS-1 kernels ({@link Lanes#F} species) behind {@link Blas1}; arguments are validated
 * there. axpy, scale and columnSums give results bitwise identical to {@link ScalarBlas1} (same
 * operations per element, same order); sumSquares differs from it only in the order of its
 * double-precision additions.
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
     * {@code sum x[i]^2} in double: each float is widened, squared exactly and added to one of four
     * double vector accumulators (four, so that consecutive FMAs do not wait on each other). The
     * lanes are then added one by one in lane order, not with {@code reduceLanes}, whose
     * floating-point order is unspecified and may differ between compiled and interpreted code.
     * So the result is a deterministic function of the data, n and the vector width. With L double
     * lanes all terms are non-negative and every path adds at most {@code n/(4L) + 2L + 3} of them,
     * so the relative error is below {@code (n/(4L) + 2L + 3) * 2^-53}; it cannot overflow (a float
     * squared is at most 1.2e77).
     */
    static double sumSquares(int n, float[] x, int offX) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = DoubleVector.zero(D);
        DoubleVector s2 = DoubleVector.zero(D);
        DoubleVector s3 = DoubleVector.zero(D);
        int i = 0;
        for (int bound = n - 4 * H; i <= bound; i += 4 * H) {
            DoubleVector v0 = (DoubleVector) FloatVector.fromArray(F_HALF, x, offX + i).convertShape(F2D, D, 0);
            DoubleVector v1 = (DoubleVector) FloatVector.fromArray(F_HALF, x, offX + i + H).convertShape(F2D, D, 0);
            DoubleVector v2 = (DoubleVector) FloatVector.fromArray(F_HALF, x, offX + i + 2 * H).convertShape(F2D, D, 0);
            DoubleVector v3 = (DoubleVector) FloatVector.fromArray(F_HALF, x, offX + i + 3 * H).convertShape(F2D, D, 0);
            s0 = v0.fma(v0, s0);
            s1 = v1.fma(v1, s1);
            s2 = v2.fma(v2, s2);
            s3 = v3.fma(v3, s3);
        }
        for (int bound = n - H; i <= bound; i += H) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(F_HALF, x, offX + i).convertShape(F2D, D, 0);
            s0 = v.fma(v, s0);
        }
        DoubleVector all = s0.add(s1).add(s2.add(s3));
        double s = 0;
        for (int k = 0; k < H; k++) {
            s += all.lane(k);
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
