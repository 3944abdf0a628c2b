package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.ForwardResult;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Init#chrono}: where the values go (one bias vector, the other's block zero), their
 * distribution ({@code exp(b)} uniform on {@code [1, maxLag - 1]}), and what they are for: with
 * long memory times the layer's own forward pass keeps its state, within a bound computed here
 * from the weights, while the opposite sign forgets it at once.
 */
class ChronoInitTest {
    private static final ThreadTeam TEAM = new ThreadTeam(1);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static RecurrentLayer layer(CellType cell, int in, int hidden, int layers, boolean bidirectional) {
        RecurrentLayer l = RecurrentLayer.builder(cell, in, hidden).numLayers(layers).bidirectional(bidirectional)
                .seed(5).threads(TEAM).build();
        Init.pytorchDefault(l, new SplittableRandom(3));
        return l;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    @Test
    void lstmForgetBiasIsLogUniformAndInputBiasItsNegativeInOneVector() {
        int h = 24;
        RecurrentLayer l = layer(CellType.LSTM, 3, h, 2, true);
        RecurrentLayer before = layer(CellType.LSTM, 3, h, 2, true);
        double maxLag = 100;
        Init.chrono(l, maxLag, new SplittableRandom(8));
        for (String k : new String[] {"0", "0_reverse", "1", "1_reverse"}) {
            float[] bih = l.parameter("bias_ih_l" + k).value();
            float[] bhh = l.parameter("bias_hh_l" + k).value();
            float[] bih0 = before.parameter("bias_ih_l" + k).value();
            float[] bhh0 = before.parameter("bias_hh_l" + k).value();
            for (int u = 0; u < h; u++) {
                float f = bih[h + u];
                assertThat((double) f).as("b_f " + k + "[" + u + "]").isBetween(0.0, Math.log(maxLag - 1) + 1e-6);
                assertThat(bih[u]).as("b_i = -b_f").isEqualTo(-f);
                assertThat(bhh[u]).as("bias_hh input block").isZero();
                assertThat(bhh[h + u]).as("bias_hh forget block").isZero();
            }
            // the g and o blocks (rows 2H..4H-1) keep the scheme's values in both vectors
            assertThat(Arrays.copyOfRange(bih, 2 * h, 4 * h)).isEqualTo(Arrays.copyOfRange(bih0, 2 * h, 4 * h));
            assertThat(Arrays.copyOfRange(bhh, 2 * h, 4 * h)).isEqualTo(Arrays.copyOfRange(bhh0, 2 * h, 4 * h));
            assertThat(l.parameter("weight_hh_l" + k).value()).isEqualTo(before.parameter("weight_hh_l" + k).value());
            assertThat(l.parameter("weight_ih_l" + k).value()).isEqualTo(before.parameter("weight_ih_l" + k).value());
        }
        // the four layer-directions drew different values
        assertThat(l.parameter("bias_ih_l0").value()[h]).isNotEqualTo(l.parameter("bias_ih_l0_reverse").value()[h]);
    }

    @Test
    void memoryTimesAreUniformOnOneToMaxLagMinusOne() {
        // Kolmogorov-Smirnov against U(1, maxLag - 1): with n = 4096 the 0.1 % critical value is
        // 1.95 / sqrt(n) = 0.030; a log of the wrong base, a missing exp or a range of [0, maxLag]
        // moves the distance far beyond it
        int h = 4096;
        double maxLag = 200;
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU}) {
            RecurrentLayer l = layer(cell, 1, h, 1, false);
            Init.chrono(l, maxLag, new SplittableRandom(13));
            float[] b = l.parameter("bias_ih_l0").value();
            double[] u = new double[h];
            for (int i = 0; i < h; i++) {
                u[i] = Math.exp(b[h + i]);
            }
            Arrays.sort(u);
            double d = 0;
            for (int i = 0; i < h; i++) {
                double cdf = (u[i] - 1) / (maxLag - 2);
                d = Math.max(d, Math.max(Math.abs((i + 1.0) / h - cdf), Math.abs(cdf - (double) i / h)));
            }
            assertThat(d).as(cell + " KS distance").isLessThan(1.95 / Math.sqrt(h));
        }
    }

    @Test
    void gruUpdateGateGetsAPositiveBiasInOneVectorAndNothingElseChanges() {
        int h = 16;
        RecurrentLayer l = layer(CellType.GRU, 4, h, 1, false);
        RecurrentLayer before = layer(CellType.GRU, 4, h, 1, false);
        Init.chrono(l, 50, new SplittableRandom(21));
        float[] bih = l.parameter("bias_ih_l0").value();
        float[] bhh = l.parameter("bias_hh_l0").value();
        float[] bih0 = before.parameter("bias_ih_l0").value();
        float[] bhh0 = before.parameter("bias_hh_l0").value();
        for (int u = 0; u < h; u++) {
            assertThat((double) bih[h + u]).as("b_z").isBetween(0.0, Math.log(49) + 1e-6);
            assertThat(bhh[h + u]).isZero();
            // r (rows 0..H-1) and n (rows 2H..3H-1) untouched in both vectors
            assertThat(bih[u]).isEqualTo(bih0[u]);
            assertThat(bhh[u]).isEqualTo(bhh0[u]);
            assertThat(bih[2 * h + u]).isEqualTo(bih0[2 * h + u]);
            assertThat(bhh[2 * h + u]).isEqualTo(bhh0[2 * h + u]);
        }
    }

    /** Inputs uniform in [-1, 1] {@code [T, B, I]} and an initial state uniform in [-0.9, 0.9]. */
    private static float[][] data(int t, int b, int in, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[t * b * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        float[] s0 = new float[b * h];
        for (int i = 0; i < s0.length; i++) {
            s0[i] = (float) r.nextDouble(-0.9, 0.9);
        }
        return new float[][] {x, s0};
    }

    /**
     * For unit {@code u}, a bound on |gate pre-activation minus the gate's bias in bias_ih| over
     * any input in [-1, 1] and any state in [-1, 1]: the row sums of |W| plus |bias_hh|.
     */
    private static double preActivationSpread(RecurrentLayer l, int row) {
        int in = l.inputSize();
        int h = l.hiddenSize();
        float[] wih = l.parameter("weight_ih_l0").value();
        float[] whh = l.parameter("weight_hh_l0").value();
        double s = Math.abs(l.parameter("bias_hh_l0").value()[row]);
        for (int j = 0; j < in; j++) {
            s += Math.abs(wih[row * in + j]);
        }
        for (int j = 0; j < h; j++) {
            s += Math.abs(whh[row * h + j]);
        }
        return s;
    }

    @Test
    void longChronoMemoryMakesTheGruStatePersistInItsForwardPass() {
        // PyTorch's GRU: h' = (1 - z) * n + z * h, so per step |h' - h| = (1 - z) |n - h| <= 2 (1 - z),
        // and 1 - z = sigmoid(-(b_z + rest)) <= sigmoid(-(b_z - spread)). With memory times up to
        // 1e12 the bound after T steps is tiny; the same biases with the opposite sign (what the
        // paper's GRU convention would give here) make the unit copy n and forget h0 at once.
        int in = 2;
        int h = 16;
        int t = 100;
        int b = 4;
        RecurrentLayer l = layer(CellType.GRU, in, h, 1, false);
        Init.chrono(l, 1e12, new SplittableRandom(34));
        float[][] d = data(t, b, in, h, 55);
        float[] hT = l.infer(d[0], t, b, d[1], null).hN().clone();
        float[] bih = l.parameter("bias_ih_l0").value();
        double worst = 0;
        for (int u = 0; u < h; u++) {
            double bz = bih[h + u];
            double bound = t * 2 * sigmoid(-(bz - preActivationSpread(l, h + u))) + 1e-6;
            worst = Math.max(worst, bound);
            for (int s = 0; s < b; s++) {
                assertThat((double) Math.abs(hT[s * h + u] - d[1][s * h + u])).as("unit %d, sequence %d", u, s)
                        .isLessThanOrEqualTo(bound);
            }
        }
        assertThat(worst).as("the bound must be tight enough to mean something").isLessThan(1e-3);

        for (int u = 0; u < h; u++) {
            bih[h + u] = -bih[h + u];
        }
        float[] forgotten = l.infer(d[0], t, b, d[1], null).hN();
        double moved = 0;
        for (int i = 0; i < forgotten.length; i++) {
            moved += Math.abs(forgotten[i] - d[1][i]);
        }
        assertThat(moved / forgotten.length).as("mean |h_T - h_0| with the sign flipped").isGreaterThan(0.2);
    }

    @Test
    void longChronoMemoryMakesTheLstmCellPersistInItsForwardPass() {
        // c' = f * c + i * g with |g| <= 1: |c' - c| <= (1 - f) |c| + i, where
        // 1 - f <= sigmoid(-(b_f - spread_f)) and i <= sigmoid(-b_f + spread_i)
        int in = 3;
        int h = 12;
        int t = 80;
        int b = 3;
        RecurrentLayer l = layer(CellType.LSTM, in, h, 1, false);
        Init.chrono(l, 1e12, new SplittableRandom(89));
        float[][] d = data(t, b, in, h, 144);
        float[] c0 = d[1].clone();
        float[] h0 = new float[b * h];
        ForwardResult r = l.infer(d[0], t, b, h0, c0);
        float[] cT = r.cN();
        float[] bih = l.parameter("bias_ih_l0").value();
        for (int u = 0; u < h; u++) {
            double bf = bih[h + u];
            // |c| stays below |c0| + t * i, which is below 1 + a tiny amount here
            double perStep = 1.0 * sigmoid(-(bf - preActivationSpread(l, h + u)))
                    + sigmoid(-bf + preActivationSpread(l, u));
            double bound = t * 1.01 * perStep + 1e-6;
            assertThat(bound).isLessThan(1e-3);
            for (int s = 0; s < b; s++) {
                assertThat((double) Math.abs(cT[s * h + u] - c0[s * h + u])).as("unit %d, sequence %d", u, s)
                        .isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void rejectsOtherCellsAndBadLags() {
        RecurrentLayer rnn = layer(CellType.RNN_TANH, 2, 4, 1, false);
        assertThatThrownBy(() -> Init.chrono(rnn, 50, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lstm or a gru, got rnn_tanh");
        RecurrentLayer lstm = layer(CellType.LSTM, 2, 4, 1, false);
        for (double bad : new double[] {2, 1, 0, -5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Init.chrono(lstm, bad, new SplittableRandom(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLag");
        }
        assertThatThrownBy(() -> Init.chrono(lstm, 50, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sameSeedSameBiases() {
        RecurrentLayer a = layer(CellType.GRU, 2, 8, 2, false);
        RecurrentLayer b = layer(CellType.GRU, 2, 8, 2, false);
        Init.chrono(a, 300, new SplittableRandom(4));
        Init.chrono(b, 300, new SplittableRandom(4));
        assertThat(a.parameter("bias_ih_l1").value()).isEqualTo(b.parameter("bias_ih_l1").value());
    }
}
