package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The losses against double-precision references written here independently, and their
 * gradients against central finite differences of those references.
 */
class LossesTest {
    private static final double EPS = Math.ulp(1f);   // float32 machine epsilon, 2^-23

    // ---- references in double ----

    private static double mseRef(double[] p, double[] t) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += (p[i] - t[i]) * (p[i] - t[i]);
        }
        return s / p.length;
    }

    /** Mean over rows of log(sum_j exp z_j) - z_label, summing the exponentials naively after a shift. */
    private static double ceRef(double[] z, int rows, int classes, int[] labels) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, z[r * classes + j]);
            }
            double s = 0;
            for (int j = 0; j < classes; j++) {
                s += Math.exp(z[r * classes + j] - max);
            }
            total += max + Math.log(s) - z[r * classes + labels[r]];
        }
        return total / rows;
    }

    private static double[] toDouble(float[] a, int off, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = a[off + i];
        }
        return d;
    }

    private static float[] randomFloats(SplittableRandom rng, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    // ---- MSE ----

    @Test
    void mseMatchesReferenceAndFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = 37;
        float[] pred = randomFloats(rng, n + 3, 2);
        float[] target = randomFloats(rng, n + 5, 2);
        float[] grad = new float[n + 1];
        double loss = Losses.mse(n, pred, 3, target, 5, grad, 1);

        double[] p = toDouble(pred, 3, n);
        double[] t = toDouble(target, 5, n);
        double ref = mseRef(p, t);
        // Each float difference is exact to half an ulp of |p - t| <= 4; squares summed in double.
        assertThat(loss).isCloseTo(ref, within(ref * 4 * EPS));
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            double saved = p[i];
            p[i] = saved + h;
            double up = mseRef(p, t);
            p[i] = saved - h;
            double down = mseRef(p, t);
            p[i] = saved;
            double fd = (up - down) / (2 * h);
            // The float gradient 2(p-t)/n carries ~2 roundings of |2(p-t)/n| <= 8/n; FD error ~1e-9.
            assertThat((double) grad[1 + i]).as("dPred[%d]", i).isCloseTo(fd, within(3 * EPS * 8.0 / n + 1e-8));
        }
    }

    @Test
    void mseInPlaceGivesTheSameGradient() {
        SplittableRandom rng = new SplittableRandom(2);
        float[] pred = randomFloats(rng, 20, 1);
        float[] target = randomFloats(rng, 20, 1);
        float[] grad = new float[20];
        double loss = Losses.mse(20, pred, 0, target, 0, grad, 0);
        float[] inPlace = pred.clone();
        assertThat(Losses.mse(20, inPlace, 0, target, 0, inPlace, 0)).isEqualTo(loss);
        assertThat(inPlace).containsExactly(grad);
    }

    @Test
    void mseRejectsBadArguments() {
        float[] a = new float[8];
        assertThatThrownBy(() -> Losses.mse(0, a, 0, a, 0, a, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n must be >= 1");
        assertThatThrownBy(() -> Losses.mse(8, a, 1, new float[8], 0, new float[8], 0))
                .hasMessageContaining("pred too short");
        float[] shared = new float[16];
        assertThatThrownBy(() -> Losses.mse(8, shared, 0, new float[8], 0, shared, 4))
                .hasMessageContaining("dPred partly overlaps pred");
    }

    // ---- softmax cross-entropy ----

    @Test
    void crossEntropyMatchesReferenceAndFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(3);
        int rows = 7;
        int classes = 13;
        int ldZ = 16;
        int ldD = 15;
        float[] logits = randomFloats(rng, 2 + (rows - 1) * ldZ + classes, 4);
        int[] labels = new int[rows + 1];
        for (int r = 0; r < rows; r++) {
            labels[1 + r] = rng.nextInt(classes);
        }
        float[] grad = new float[3 + (rows - 1) * ldD + classes];
        double loss = Losses.softmaxCrossEntropy(rows, classes, logits, 2, ldZ, labels, 1, grad, 3, ldD);

        double[] z = new double[rows * classes];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < classes; j++) {
                z[r * classes + j] = logits[2 + r * ldZ + j];
            }
        }
        int[] lab = java.util.Arrays.copyOfRange(labels, 1, 1 + rows);
        double ref = ceRef(z, rows, classes, lab);
        // Per row: shift rounding (|z - max| <= 8, half an ulp) and exp's relative error (<= 2 eps)
        // on terms summing to the row's partition function: a few eps times the logit scale.
        assertThat(loss).isCloseTo(ref, within(16 * EPS * 8));
        double h = 1e-6;
        for (int i = 0; i < z.length; i++) {
            double saved = z[i];
            z[i] = saved + h;
            double up = ceRef(z, rows, classes, lab);
            z[i] = saved - h;
            double down = ceRef(z, rows, classes, lab);
            z[i] = saved;
            double fd = (up - down) / (2 * h);
            int r = i / classes;
            int j = i % classes;
            // (p - onehot)/rows with p from float exps: relative error of p a few eps (shift,
            // exp, scale), |p - onehot| <= 1; the FD error is ~1e-9.
            assertThat((double) grad[3 + r * ldD + j]).as("dLogits[%d][%d]", r, j)
                    .isCloseTo(fd, within(8 * EPS * 8 / rows + 1e-8));
        }
    }

    @Test
    void crossEntropyInPlaceReplacesLogitsWithTheirGradient() {
        SplittableRandom rng = new SplittableRandom(4);
        int rows = 5;
        int classes = 10;
        float[] logits = randomFloats(rng, rows * classes, 3);
        int[] labels = {0, 9, 3, 3, 7};
        float[] grad = new float[rows * classes];
        double loss = Losses.softmaxCrossEntropy(rows, classes, logits, 0, classes, labels, 0, grad, 0, classes);
        float[] inPlace = logits.clone();
        double loss2 = Losses.softmaxCrossEntropy(rows, classes, inPlace, 0, classes, labels, 0, inPlace, 0, classes);
        assertThat(loss2).isEqualTo(loss);
        assertThat(inPlace).containsExactly(grad);
    }

    @Test
    void crossEntropyIsStableForHugeLogits() {
        // exp(1e4) overflows any float or double: only the shifted form gets these right.
        float[] logits = {10000f, 9999f, 9990f, -1e30f, -10000f, -10001f};
        int[] labels = {1, 2};
        float[] grad = new float[6];
        double loss = Losses.softmaxCrossEntropy(2, 3, logits, 0, 3, labels, 0, grad, 0, 3);
        double row0 = Math.log(1 + Math.exp(-1) + Math.exp(-10)) + 1;
        double row1 = Math.log(Math.exp(-1e30 + 1e4) + 1 + Math.exp(-1)) + 1;
        assertThat(loss).isCloseTo((row0 + row1) / 2, within(1e-6));
        for (float g : grad) {
            assertThat(Float.isFinite(g)).isTrue();
        }
        // Softmax gradient rows sum to zero.
        assertThat((double) grad[0] + grad[1] + grad[2]).isCloseTo(0, within(1e-7));
        assertThat((double) grad[3]).isZero();
    }

    @Test
    void uniformLogitsGiveLogOfClassCount() {
        int classes = 8;
        float[] logits = new float[2 * classes];
        int[] labels = {3, 6};
        float[] grad = new float[2 * classes];
        assertThat(Losses.softmaxCrossEntropy(2, classes, logits, 0, classes, labels, 0, grad, 0, classes))
                .isCloseTo(Math.log(8), within(1e-7));
        assertThat(grad[0]).isEqualTo(1f / 8 / 2);
        assertThat(grad[3]).isEqualTo((1f / 8 - 1f) / 2);
    }

    @Test
    void crossEntropyPropagatesNaN() {
        float[] logits = {0f, Float.NaN, 1f};
        float[] grad = new float[3];
        assertThat(Losses.softmaxCrossEntropy(1, 3, logits, 0, 3, new int[] {0}, 0, grad, 0, 3)).isNaN();
        float[] first = {Float.NaN, 0f, 1f};
        assertThat(Losses.softmaxCrossEntropy(1, 3, first, 0, 3, new int[] {2}, 0, grad, 0, 3)).isNaN();
        float[] inf = {Float.POSITIVE_INFINITY, 0f, 1f};
        assertThat(Losses.softmaxCrossEntropy(1, 3, inf, 0, 3, new int[] {0}, 0, grad, 0, 3)).isNaN();
    }

    @Test
    void crossEntropyRejectsBadArguments() {
        float[] z = new float[12];
        float[] g = new float[12];
        assertThatThrownBy(() -> Losses.softmaxCrossEntropy(3, 4, z, 0, 4, new int[] {0, 4, 1}, 0, g, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labels[1] must be in [0, 4), got 4");
        assertThatThrownBy(() -> Losses.softmaxCrossEntropy(3, 4, z, 0, 4, new int[] {0, -1, 1}, 0, g, 0, 4))
                .hasMessageContaining("got -1");
        assertThatThrownBy(() -> Losses.softmaxCrossEntropy(3, 4, z, 0, 3, new int[3], 0, g, 0, 4))
                .hasMessageContaining("leading dimension of logits");
        assertThatThrownBy(() -> Losses.softmaxCrossEntropy(3, 4, z, 1, 4, new int[3], 0, g, 0, 4))
                .hasMessageContaining("logits too short");
        assertThatThrownBy(() -> Losses.softmaxCrossEntropy(3, 4, z, 0, 4, new int[2], 0, g, 0, 4))
                .hasMessageContaining("labels too short");
        float[] shared = new float[20];
        assertThatThrownBy(() -> Losses.softmaxCrossEntropy(3, 4, shared, 0, 4, new int[3], 0, shared, 2, 4))
                .hasMessageContaining("dLogits partly overlaps logits");
    }

    @Test
    void lossesAllocateNothing() {
        SplittableRandom rng = new SplittableRandom(5);
        float[] logits = randomFloats(rng, 64 * 72, 3);
        int[] labels = new int[64];
        for (int i = 0; i < 64; i++) {
            labels[i] = rng.nextInt(72);
        }
        float[] grad = new float[64 * 72];
        float[] target = randomFloats(rng, 64 * 72, 1);
        long bytes = AllocationProbe.bytesAllocated(2_000, 2_000, () -> {
            Losses.softmaxCrossEntropy(64, 72, logits, 0, 72, labels, 0, grad, 0, 72);
            Losses.mse(64 * 72, logits, 0, target, 0, grad, 0);
        });
        assertThat(bytes).isLessThan(1024);
    }

    @Test
    void bitsAreNatsOverLnTwo() {
        assertThat(Losses.toBits(Math.log(8))).isCloseTo(3.0, within(1e-15));
    }
}
