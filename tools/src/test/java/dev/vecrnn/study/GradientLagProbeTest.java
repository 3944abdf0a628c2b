package dev.vecrnn.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.train.Batch;
import dev.vecrnn.train.Task;
import dev.vecrnn.train.Dense;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The gradient-vs-lag probe against closed forms and a double-precision reference. */
class GradientLagProbeTest {
    private static final int T = 12;
    private static final int B = 3;

    /**
     * A relu RNN with {@code W_hh = a·I}, {@code W_ih = 0} and a positive bias has positive states,
     * so {@code ∂h_{t+1}/∂h_t = a·I} and {@code ∂ℓ/∂h_{T-1-k} = a^k ∂ℓ/∂h_{T-1}} exactly: the
     * profile must be {@code a^k} times its lag-0 value. Lag 0 comes from the head alone and
     * every other lag from a split forward/backward, so this also checks the two paths agree.
     * Float32: each lag is k multiplications by a plus one norm, relative error a few k·2^-24;
     * 1e-5 leaves a wide margin for k ≤ 11 and still catches an off-by-one lag (a factor a).
     */
    @Test
    void identityReluRnnGivesGeometricProfile() {
        for (double a : new double[] {0.8, 1.0, 1.25}) {
            try (ThreadTeam team = new ThreadTeam(1)) {
                int h = 5;
                RecurrentLayer layer = RecurrentLayer.builder(CellType.RNN_RELU, 2, h).threads(team).seed(3).build();
                Arrays.fill(layer.parameter("weight_ih_l0").value(), 0f);
                float[] whh = layer.parameter("weight_hh_l0").value();
                Arrays.fill(whh, 0f);
                for (int i = 0; i < h; i++) {
                    whh[i * h + i] = (float) a;
                }
                float[] bih = layer.parameter("bias_ih_l0").value();
                for (int i = 0; i < h; i++) {
                    bih[i] = 0.05f + 0.01f * i;
                }
                Arrays.fill(layer.parameter("bias_hh_l0").value(), 0f);
                Dense head = new Dense("head", h, 1);
                head.initialize(new SplittableRandom(4));
                int[] lags = GradientLagProbe.spacedLags(T, T);
                assertThat(lags).hasSize(T).startsWith(0).endsWith(T - 1);
                GradientLagProbe.Profile p = new GradientLagProbe(layer, head, new AddingTask(T, 9), B, lags).measure();
                assertThat(p.cNorms()).isNull();
                double g0 = p.hNorms()[0];
                assertThat(g0).isPositive();
                for (int i = 0; i < lags.length; i++) {
                    double expected = g0 * Math.pow(a, lags[i]);
                    assertThat(p.hNorms()[i]).as("a=%s lag %d", a, lags[i])
                            .isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(1e-3));
                }
            }
        }
    }

    /**
     * LSTM (the c path too) against central differences of a double-precision LSTM written here
     * from the PyTorch equations, on the same weights and batch. Differences with step 1e-5 in
     * double have error ~1e-10; the float32 BPTT over ≤ 11 steps of a 4-unit LSTM is good to
     * ~1e-6 relative, so 1e-4 is a loose but meaningful bound (a wrong lag or a missing gate
     * derivative changes the norms by far more).
     */
    @Test
    void lstmProfileMatchesDoublePrecisionFiniteDifferences() {
        int h = 4;
        try (ThreadTeam team = new ThreadTeam(1)) {
            RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, 2, h).threads(team).seed(11).build();
            // larger recurrent weights than the default so the profile is not trivially flat
            for (float[] w : new float[][] {layer.parameter("weight_hh_l0").value()}) {
                for (int i = 0; i < w.length; i++) {
                    w[i] *= 3f;
                }
            }
            Dense head = new Dense("head", h, 1);
            head.initialize(new SplittableRandom(12));
            int[] lags = {0, 1, 2, 5, 8, T - 1};
            GradientLagProbe.Profile p = new GradientLagProbe(layer, head, new AddingTask(T, 21), B, lags).measure();

            Task same = new AddingTask(T, 21);
            Batch batch = same.newBatch(B);
            same.nextBatch(batch);
            DoubleLstm ref = new DoubleLstm(layer, head, h);
            for (int li = 0; li < lags.length; li++) {
                int t = T - 1 - lags[li];
                double normSum = 0;
                double cSum = 0;
                for (int b = 0; b < B; b++) {
                    double[][] state = ref.run(batch.x(), b, 0, t + 1, new double[h], new double[h]);
                    double[] grad = new double[h];
                    double[] gradC = new double[h];
                    for (int j = 0; j < h; j++) {
                        grad[j] = ref.centralDifference(batch, b, t, state, j, false);
                        gradC[j] = ref.centralDifference(batch, b, t, state, j, true);
                    }
                    normSum += Math.sqrt(Arrays.stream(grad).map(v -> v * v).sum());
                    cSum += Math.sqrt(Arrays.stream(gradC).map(v -> v * v).sum());
                }
                double expectedH = normSum / B;
                double expectedC = lags[li] == 0 ? 0 : cSum / B;
                assertThat(p.hNorms()[li]).as("dh lag %d", lags[li])
                        .isCloseTo(expectedH, org.assertj.core.data.Offset.offset(1e-4 * expectedH + 1e-9));
                assertThat(p.cNorms()[li]).as("dc lag %d", lags[li])
                        .isCloseTo(expectedC, org.assertj.core.data.Offset.offset(1e-4 * expectedC + 1e-9));
            }
        }
    }

    @Test
    void rejectsLagsOutsideTheSequenceAndStackedLayers() {
        try (ThreadTeam team = new ThreadTeam(1)) {
            RecurrentLayer one = RecurrentLayer.builder(CellType.GRU, 2, 3).threads(team).seed(1).build();
            Dense head = new Dense("head", 3, 1);
            assertThatThrownBy(() -> new GradientLagProbe(one, head, new AddingTask(5, 1), 2, new int[] {0, 5}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lag 5 outside [0, 4]");
            RecurrentLayer two = RecurrentLayer.builder(CellType.GRU, 2, 3).numLayers(2).threads(team).seed(1).build();
            assertThatThrownBy(() -> new GradientLagProbe(two, head, new AddingTask(5, 1), 2, new int[] {0}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single-layer");
        }
        assertThat(GradientLagProbe.spacedLags(200, 16)).hasSize(16).startsWith(0).endsWith(199);
        assertThat(GradientLagProbe.spacedLags(3, 16)).containsExactly(0, 1, 2);
    }

    /** LSTM in double, PyTorch gate order i, f, g, o, on one sequence of a time-major batch. */
    private static final class DoubleLstm {
        private final double[] wih;
        private final double[] whh;
        private final double[] bias;
        private final double[] headW;
        private final double headB;
        private final int h;

        DoubleLstm(RecurrentLayer layer, Dense head, int h) {
            this.h = h;
            this.wih = toDouble(layer.parameter("weight_ih_l0").value());
            this.whh = toDouble(layer.parameter("weight_hh_l0").value());
            float[] bi = layer.parameter("bias_ih_l0").value();
            float[] bh = layer.parameter("bias_hh_l0").value();
            this.bias = new double[4 * h];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (double) bi[i] + bh[i];
            }
            this.headW = toDouble(head.weight().value());
            this.headB = head.bias().value()[0];
        }

        /** Runs steps {@code from..to-1} of sequence {@code b}; returns {h, c}. */
        double[][] run(float[] x, int b, int from, int to, double[] h0, double[] c0) {
            double[] hs = h0.clone();
            double[] cs = c0.clone();
            for (int t = from; t < to; t++) {
                double x0 = x[(t * B + b) * 2];
                double x1 = x[(t * B + b) * 2 + 1];
                double[] g = new double[4 * h];
                for (int r = 0; r < 4 * h; r++) {
                    double s = bias[r] + wih[r * 2] * x0 + wih[r * 2 + 1] * x1;
                    for (int k = 0; k < h; k++) {
                        s += whh[r * h + k] * hs[k];
                    }
                    g[r] = s;
                }
                double[] nh = new double[h];
                for (int u = 0; u < h; u++) {
                    double in = sigmoid(g[u]);
                    double f = sigmoid(g[h + u]);
                    double gg = Math.tanh(g[2 * h + u]);
                    double o = sigmoid(g[3 * h + u]);
                    cs[u] = f * cs[u] + in * gg;
                    nh[u] = o * Math.tanh(cs[u]);
                }
                hs = nh;
            }
            return new double[][] {hs, cs};
        }

        /** Sequence b's own squared error with the state at step t replaced by {@code state}. */
        double loss(Batch batch, int b, int t, double[] hState, double[] cState) {
            double[] hT = t + 1 < T ? run(batch.x(), b, t + 1, T, hState, cState)[0] : hState;
            double y = headB;
            for (int k = 0; k < h; k++) {
                y += headW[k] * hT[k];
            }
            double d = y - batch.targets()[b];
            return d * d;
        }

        double centralDifference(Batch batch, int b, int t, double[][] state, int j, boolean cell) {
            double eps = 1e-5;
            double[] hp = state[0].clone();
            double[] cp = state[1].clone();
            double[] hm = state[0].clone();
            double[] cm = state[1].clone();
            (cell ? cp : hp)[j] += eps;
            (cell ? cm : hm)[j] -= eps;
            return (loss(batch, b, t, hp, cp) - loss(batch, b, t, hm, cm)) / (2 * eps);
        }

        private static double sigmoid(double v) {
            return 1 / (1 + Math.exp(-v));
        }

        private static double[] toDouble(float[] a) {
            double[] d = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i];
            }
            return d;
        }
    }
}
