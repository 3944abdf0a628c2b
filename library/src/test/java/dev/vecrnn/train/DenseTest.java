package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.nn.Parameter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The dense head against double loops written here, and its backward against central finite
 * differences of a scalar function of its output. Odd sizes, offsets and padded leading
 * dimensions so no path is only tested on the friendly shape.
 */
class DenseTest {
    private static final double EPS = Math.ulp(1f);
    private static final int ROWS = 11;
    private static final int H = 13;
    private static final int O = 5;

    private static void fill(SplittableRandom rng, float[] a, double scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
    }

    private static Dense randomDense(SplittableRandom rng) {
        Dense d = new Dense("head", H, O);
        fill(rng, d.weight().value(), 1);
        fill(rng, d.bias().value(), 1);
        return d;
    }

    /** y[r][o] = b[o] + sum_k W[o][k] h[r][k] in double, h read with offset and ld. */
    private static double[] forwardRef(double[] w, double[] b, double[] h, int offH, int ldH) {
        double[] y = new double[ROWS * O];
        for (int r = 0; r < ROWS; r++) {
            for (int o = 0; o < O; o++) {
                double s = b[o];
                for (int k = 0; k < H; k++) {
                    s += w[o * H + k] * h[offH + r * ldH + k];
                }
                y[r * O + o] = s;
            }
        }
        return y;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void namesAndShapesFollowPyTorchLinear() {
        Dense d = new Dense("head", H, O);
        assertThat(d.parameters()).extracting(Parameter::name).containsExactly("head.weight", "head.bias");
        assertThat(d.weight().shape()).containsExactly(O, H);
        assertThat(d.bias().shape()).containsExactly(O);
        assertThat(d.weight().value()).hasSize(O * H);
        assertThat(d.weight().grad()).hasSize(O * H);
    }

    @Test
    void forwardMatchesDoubleReference() {
        SplittableRandom rng = new SplittableRandom(11);
        Dense d = randomDense(rng);
        int offH = 3;
        int ldH = 17;
        int offY = 2;
        int ldY = 7;
        float[] h = new float[offH + (ROWS - 1) * ldH + H];
        fill(rng, h, 1);
        float[] y = new float[offY + (ROWS - 1) * ldY + O];
        java.util.Arrays.fill(y, Float.NaN);   // forward must overwrite, not accumulate
        d.forward(ROWS, h, offH, ldH, y, offY, ldY);
        double[] ref = forwardRef(toDouble(d.weight().value()), toDouble(d.bias().value()), toDouble(h), offH, ldH);
        for (int r = 0; r < ROWS; r++) {
            for (int o = 0; o < O; o++) {
                // H+1 float roundings, each at most eps/2 of a partial sum bounded by 1 + H.
                assertThat((double) y[offY + r * ldY + o]).as("y[%d][%d]", r, o)
                        .isCloseTo(ref[r * O + o], within((H + 1) * EPS * (1 + H)));
            }
        }
    }

    @Test
    void backwardMatchesReferenceAndAccumulates() {
        SplittableRandom rng = new SplittableRandom(12);
        Dense d = randomDense(rng);
        float[] h = new float[ROWS * H];
        fill(rng, h, 1);
        float[] dY = new float[1 + (ROWS - 1) * 6 + O];
        fill(rng, dY, 1);
        float[] dh = new float[ROWS * H + 4];
        java.util.Arrays.fill(dh, Float.NaN);   // dh is overwritten
        float[] gradW0 = new float[O * H];
        float[] gradB0 = new float[O];
        fill(rng, gradW0, 1);
        fill(rng, gradB0, 1);
        System.arraycopy(gradW0, 0, d.weight().grad(), 0, gradW0.length);
        System.arraycopy(gradB0, 0, d.bias().grad(), 0, gradB0.length);

        d.backward(ROWS, h, 0, H, dY, 1, 6, dh, 4, H);

        float[] w = d.weight().value();
        double tol = (ROWS + 2) * EPS * (ROWS + 2);
        for (int o = 0; o < O; o++) {
            double db = gradB0[o];
            for (int r = 0; r < ROWS; r++) {
                db += dY[1 + r * 6 + o];
            }
            assertThat((double) d.bias().grad()[o]).as("db[%d]", o).isCloseTo(db, within(tol));
            for (int k = 0; k < H; k++) {
                double dw = gradW0[o * H + k];
                for (int r = 0; r < ROWS; r++) {
                    dw += (double) dY[1 + r * 6 + o] * h[r * H + k];
                }
                assertThat((double) d.weight().grad()[o * H + k]).as("dW[%d][%d]", o, k).isCloseTo(dw, within(tol));
            }
        }
        for (int r = 0; r < ROWS; r++) {
            for (int k = 0; k < H; k++) {
                double s = 0;
                for (int o = 0; o < O; o++) {
                    s += (double) dY[1 + r * 6 + o] * w[o * H + k];
                }
                assertThat((double) dh[4 + r * H + k]).as("dh[%d][%d]", r, k).isCloseTo(s, within(O * EPS * O));
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        // L = sum_{r,o} c[r,o] y[r,o] for fixed random c, so dL/dy = c; differences in double.
        SplittableRandom rng = new SplittableRandom(13);
        Dense d = randomDense(rng);
        float[] h = new float[ROWS * H];
        fill(rng, h, 1);
        float[] c = new float[ROWS * O];
        fill(rng, c, 1);
        d.zeroGrad();
        float[] dh = new float[ROWS * H];
        d.backward(ROWS, h, 0, H, c, 0, O, dh, 0, H);

        double[] w = toDouble(d.weight().value());
        double[] b = toDouble(d.bias().value());
        double[] hd = toDouble(h);
        double[] cd = toDouble(c);
        double step = 1e-4;   // L is linear in each argument: the central difference is exact up to rounding
        double tol = 1e-7 + 2 * EPS * ROWS;
        for (int i = 0; i < w.length; i++) {
            double saved = w[i];
            w[i] = saved + step;
            double up = dot(cd, forwardRef(w, b, hd, 0, H));
            w[i] = saved - step;
            double down = dot(cd, forwardRef(w, b, hd, 0, H));
            w[i] = saved;
            assertThat((double) d.weight().grad()[i]).as("dW flat %d", i).isCloseTo((up - down) / (2 * step), within(tol));
        }
        for (int i = 0; i < b.length; i++) {
            double saved = b[i];
            b[i] = saved + step;
            double up = dot(cd, forwardRef(w, b, hd, 0, H));
            b[i] = saved - step;
            double down = dot(cd, forwardRef(w, b, hd, 0, H));
            b[i] = saved;
            assertThat((double) d.bias().grad()[i]).as("db %d", i).isCloseTo((up - down) / (2 * step), within(tol));
        }
        for (int i = 0; i < hd.length; i++) {
            double saved = hd[i];
            hd[i] = saved + step;
            double up = dot(cd, forwardRef(w, b, hd, 0, H));
            hd[i] = saved - step;
            double down = dot(cd, forwardRef(w, b, hd, 0, H));
            hd[i] = saved;
            assertThat((double) dh[i]).as("dh flat %d", i).isCloseTo((up - down) / (2 * step), within(tol));
        }
    }

    @Test
    void initializeDrawsWithinPyTorchBound() {
        Dense d = new Dense("head", 64, 10);
        d.initialize(java.util.random.RandomGenerator.of("L64X128MixRandom"));
        float bound = 1f / 8f;
        for (Parameter p : d.parameters()) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : p.value()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertThat(min).isGreaterThanOrEqualTo(-bound);
            assertThat(max).isLessThan(bound);
            if (p.size() > 100) {
                // 640 uniform draws cover most of the range.
                assertThat(max - min).isGreaterThan(1.8f * bound);
            }
        }
    }

    @Test
    void rejectsBadShapes() {
        Dense d = new Dense("head", H, O);
        assertThatThrownBy(() -> d.forward(2, new float[2 * H - 1], 0, H, new float[2 * O], 0, O))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("h too short");
        assertThatThrownBy(() -> d.forward(2, new float[2 * H], 0, H, new float[2 * O], 0, O - 1))
                .hasMessageContaining("leading dimension of y");
        float[] shared = new float[2 * H + 2 * O];
        assertThatThrownBy(() -> d.forward(2, shared, 0, H, shared, 1, O))
                .hasMessageContaining("overlaps");
        assertThatThrownBy(() -> new Dense("head", 0, 3)).hasMessageContaining("inputSize must be >= 1");
        assertThatThrownBy(() -> d.backward(2, new float[2 * H], 0, H, new float[2 * O], 0, O, new float[H], 0, H))
                .hasMessageContaining("dh too short");
    }

    @Test
    void forwardAndBackwardAllocateNothing() {
        SplittableRandom rng = new SplittableRandom(14);
        Dense d = new Dense("head", 128, 72);
        fill(rng, d.weight().value(), 0.1);
        float[] h = new float[64 * 128];
        fill(rng, h, 1);
        float[] y = new float[64 * 72];
        float[] dh = new float[64 * 128];
        long bytes = AllocationProbe.bytesAllocated(300, 300, () -> {
            d.forward(64, h, 0, 128, y, 0, 72);
            d.backward(64, h, 0, 128, y, 0, 72, dh, 0, 128);
        });
        assertThat(bytes).isLessThan(1024);
    }
}
