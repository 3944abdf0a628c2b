package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Head + loss on a recurrent output {@code out[T, B, H]}: loss and {@code dOut} against a double
 * reference of the whole composition and central finite differences through it.
 */
class LossHeadTest {
    private static final double EPS = Math.ulp(1f);
    private static final int T = 4;
    private static final int B = 3;
    private static final int H = 6;

    private static void fill(SplittableRandom rng, float[] a, double scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
    }

    /** The whole head + loss in double, written out without the classes under test. */
    private static double lossRef(LossKind kind, double[] w, double[] b, double[] out, int o,
                                  float[] targets, int[] labels) {
        int first = kind.everyStep() ? 0 : T - 1;
        int rows = (T - first) * B;
        double total = 0;
        double[] y = new double[o];
        for (int r = 0; r < rows; r++) {
            int row = first * B + r;
            for (int j = 0; j < o; j++) {
                double s = b[j];
                for (int k = 0; k < H; k++) {
                    s += w[j * H + k] * out[row * H + k];
                }
                y[j] = s;
            }
            if (kind.classification()) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : y) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (double v : y) {
                    sum += Math.exp(v - max);
                }
                total += max + Math.log(sum) - y[labels[r]];
            } else {
                for (int j = 0; j < o; j++) {
                    double d = y[j] - targets[r * o + j];
                    total += d * d;
                }
            }
        }
        return kind.classification() ? total / rows : total / (rows * o);
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private void checkAgainstFiniteDifferences(LossKind kind, int o, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Dense dense = new Dense("head", H, o);
        fill(rng, dense.weight().value(), 1);
        fill(rng, dense.bias().value(), 1);
        LossHead head = new LossHead(dense, kind);
        float[] out = new float[T * B * H];
        fill(rng, out, 1);
        int rows = kind.scoredSteps(T) * B;
        float[] targets = new float[rows * o];
        fill(rng, targets, 2);
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = rng.nextInt(o);
        }
        float[] dOut = new float[T * B * H];
        java.util.Arrays.fill(dOut, Float.NaN);   // must be overwritten in full
        double loss = head.forwardBackward(T, B, out, targets, labels, dOut);

        double[] w = toDouble(dense.weight().value());
        double[] b = toDouble(dense.bias().value());
        double[] od = toDouble(out);
        double ref = lossRef(kind, w, b, od, o, targets, labels);
        // Dense forward (H+1 roundings of sums bounded by ~H) feeding a loss of order 1-10.
        assertThat(loss).isCloseTo(ref, within(64 * EPS * (H + 1) * H));
        assertThat(head.loss(T, B, out, targets, labels)).isEqualTo(loss);

        double step = 1e-5;
        double tol = 2e-5;   // float gradients of O(1) carry ~1e-6; FD truncation O(step^2) in double
        for (int i = 0; i < od.length; i++) {
            double saved = od[i];
            od[i] = saved + step;
            double up = lossRef(kind, w, b, od, o, targets, labels);
            od[i] = saved - step;
            double down = lossRef(kind, w, b, od, o, targets, labels);
            od[i] = saved;
            double fd = (up - down) / (2 * step);
            if (!kind.everyStep() && i < (T - 1) * B * H) {
                assertThat(dOut[i]).as("dOut[%d] at an unscored step", i).isZero();
                assertThat(fd).isZero();
            } else {
                assertThat((double) dOut[i]).as("dOut[%d]", i).isCloseTo(fd, within(tol));
            }
        }
        for (int i = 0; i < w.length; i++) {
            double saved = w[i];
            w[i] = saved + step;
            double up = lossRef(kind, w, b, od, o, targets, labels);
            w[i] = saved - step;
            double down = lossRef(kind, w, b, od, o, targets, labels);
            w[i] = saved;
            assertThat((double) dense.weight().grad()[i]).as("dW flat %d", i).isCloseTo((up - down) / (2 * step), within(tol));
        }
        for (int i = 0; i < b.length; i++) {
            double saved = b[i];
            b[i] = saved + step;
            double up = lossRef(kind, w, b, od, o, targets, labels);
            b[i] = saved - step;
            double down = lossRef(kind, w, b, od, o, targets, labels);
            b[i] = saved;
            assertThat((double) dense.bias().grad()[i]).as("db %d", i).isCloseTo((up - down) / (2 * step), within(tol));
        }
    }

    @Test
    void mseOnLastStep() {
        checkAgainstFiniteDifferences(LossKind.MSE_LAST, 2, 21);
    }

    @Test
    void mseOnEveryStep() {
        checkAgainstFiniteDifferences(LossKind.MSE_EVERY_STEP, 3, 22);
    }

    @Test
    void crossEntropyOnLastStep() {
        checkAgainstFiniteDifferences(LossKind.CE_LAST, 5, 23);
    }

    @Test
    void crossEntropyOnEveryStep() {
        checkAgainstFiniteDifferences(LossKind.CE_EVERY_STEP, 7, 24);
    }

    @Test
    void forwardReturnsOutputsOfScoredSteps() {
        SplittableRandom rng = new SplittableRandom(25);
        Dense dense = new Dense("head", H, 2);
        fill(rng, dense.weight().value(), 1);
        float[] out = new float[T * B * H];
        fill(rng, out, 1);
        float[] last = new LossHead(dense, LossKind.MSE_LAST).forward(T, B, out).clone();
        float[] all = new LossHead(dense, LossKind.MSE_EVERY_STEP).forward(T, B, out);
        for (int i = 0; i < B * 2; i++) {
            assertThat(last[i]).isEqualTo(all[(T - 1) * B * 2 + i]);
        }
    }

    @Test
    void rejectsMissingTargetsAndShortBuffers() {
        LossHead mse = new LossHead(new Dense("head", H, 1), LossKind.MSE_LAST);
        float[] out = new float[T * B * H];
        assertThatThrownBy(() -> mse.loss(T, B, out, null, null)).hasMessageContaining("targets is null");
        assertThatThrownBy(() -> mse.loss(T, B, out, new float[B - 1], null)).hasMessageContaining("targets too short");
        assertThatThrownBy(() -> mse.loss(T + 1, B, out, new float[B], null)).hasMessageContaining("out must hold");
        assertThatThrownBy(() -> mse.forwardBackward(T, B, out, new float[B], null, out))
                .hasMessageContaining("dOut must be a different array");
        LossHead ce = new LossHead(new Dense("head", H, 4), LossKind.CE_EVERY_STEP);
        assertThatThrownBy(() -> ce.loss(T, B, out, null, new int[T * B - 1])).hasMessageContaining("labels too short");
    }

    @Test
    void warmCallsAllocateNothing() {
        SplittableRandom rng = new SplittableRandom(26);
        int t = 50;
        int b = 16;
        int h = 32;
        int v = 72;
        Dense dense = new Dense("head", h, v);
        fill(rng, dense.weight().value(), 0.1);
        LossHead head = new LossHead(dense, LossKind.CE_EVERY_STEP);
        float[] out = new float[t * b * h];
        fill(rng, out, 1);
        int[] labels = new int[t * b];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(v);
        }
        float[] dOut = new float[t * b * h];
        long bytes = AllocationProbe.bytesAllocated(100, 100, () -> head.forwardBackward(t, b, out, null, labels, dOut));
        assertThat(bytes).isLessThan(1024);
    }

    @Test
    void targetsAndLabelsMayStartAtAnOffset() {
        // a chunk of a longer sequence reads its targets inside the whole sequence's arrays:
        // the same bits as with the chunk's targets copied to the front of their own arrays
        SplittableRandom rng = new SplittableRandom(31);
        float[] out = new float[T * B * H];
        fill(rng, out, 1);
        for (LossKind kind : new LossKind[] {LossKind.MSE_EVERY_STEP, LossKind.CE_EVERY_STEP}) {
            int o = 3;
            int rows = T * B;
            int skip = 2 * rows;
            float[] longTargets = new float[(skip + rows) * o];
            fill(rng, longTargets, 1);
            int[] longLabels = new int[skip + rows];
            for (int i = 0; i < longLabels.length; i++) {
                longLabels[i] = rng.nextInt(o);
            }
            float[] targets = java.util.Arrays.copyOfRange(longTargets, skip * o, (skip + rows) * o);
            int[] labels = java.util.Arrays.copyOfRange(longLabels, skip, skip + rows);
            Dense d1 = new Dense("head", H, o);
            d1.initialize(new SplittableRandom(5));
            Dense d2 = new Dense("head", H, o);
            d2.initialize(new SplittableRandom(5));
            float[] dOut1 = new float[out.length];
            float[] dOut2 = new float[out.length];
            double l1 = new LossHead(d1, kind).forwardBackward(T, B, out, targets, labels, dOut1);
            double l2 = new LossHead(d2, kind).forwardBackward(T, B, out, longTargets, skip * o, longLabels, skip, dOut2);
            assertThat(l2).as(kind.toString()).isEqualTo(l1);
            assertThat(dOut2).containsExactly(dOut1);
            assertThat(d2.weight().grad()).containsExactly(d1.weight().grad());
        }
    }
}
