package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The statistical and structural property each initialisation promises. Statistical checks use
 * thousands of draws and bounds several standard errors wide, so a correct scheme passes for any
 * seed while a wrong bound or scale (off by a factor like sqrt(2) or G) fails clearly.
 */
class InitTest {
    /** One thread, no workers: the layers here only hold weights (and the shared team would outlive the class). */
    private static final ThreadTeam TEAM = new ThreadTeam(1);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static RecurrentLayer layer(CellType cell, int in, int hidden, int layers) {
        return RecurrentLayer.builder(cell, in, hidden).numLayers(layers).seed(99).threads(TEAM).build();
    }

    private static double[] moments(float[] a, int off, int n) {
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            sum += a[off + i];
            sq += (double) a[off + i] * a[off + i];
        }
        return new double[] {sum / n, sq / n};
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void pytorchDefaultIsUniformInOneOverRootH() {
        RecurrentLayer l = layer(CellType.GRU, 5, 64, 2);
        Init.pytorchDefault(l, new SplittableRandom(1));
        double bound = 1 / Math.sqrt(64);
        for (Parameter p : l.parameters()) {
            assertThat((double) maxAbs(p.value())).as(p.name()).isLessThanOrEqualTo(bound);
        }
        // variance of U(-b, b) is b^2/3; 3*64*64 = 12288 draws give a standard error of ~1 % of it
        float[] w = l.parameter("weight_hh_l1").value();
        double[] m = moments(w, 0, w.length);
        assertThat(m[1]).isCloseTo(bound * bound / 3, within(0.05 * bound * bound / 3));
        assertThat((double) maxAbs(w)).isGreaterThan(0.99 * bound);
    }

    @Test
    void xavierUsesTheFanOfOneGateBlock() {
        int in = 24;
        int h = 40;
        RecurrentLayer l = layer(CellType.LSTM, in, h, 1);
        Init.xavierUniform(l, new SplittableRandom(2));
        double boundIh = Math.sqrt(6.0 / (in + h));
        double boundHh = Math.sqrt(6.0 / (h + h));
        float[] wih = l.parameter("weight_ih_l0").value();
        float[] whh = l.parameter("weight_hh_l0").value();
        assertThat((double) maxAbs(wih)).isLessThanOrEqualTo(boundIh).isGreaterThan(0.98 * boundIh);
        assertThat((double) maxAbs(whh)).isLessThanOrEqualTo(boundHh).isGreaterThan(0.98 * boundHh);
        // every gate block has the Glorot variance 2 / (fan_in + fan_out)
        for (int g = 0; g < 4; g++) {
            double[] m = moments(whh, g * h * h, h * h);
            assertThat(m[1]).as("gate " + g).isCloseTo(2.0 / (h + h), within(0.1 * 2.0 / (h + h)));
        }
        assertThat(l.parameter("bias_ih_l0").value()).containsOnly(0f);
        assertThat(l.parameter("bias_hh_l0").value()).containsOnly(0f);
    }

    @Test
    void orthogonalGivesOrthogonalGateBlocks() {
        int h = 48;
        RecurrentLayer l = layer(CellType.GRU, 6, h, 2);
        Init.orthogonal(l, new SplittableRandom(3));
        for (int k = 0; k < 2; k++) {
            float[] w = l.parameter("weight_hh_l" + k).value();
            for (int g = 0; g < 3; g++) {
                // ||W^T W - I||_max: only float rounding of an exactly orthogonal double matrix
                double worst = 0;
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < h; j++) {
                        double dot = 0;
                        for (int r = 0; r < h; r++) {
                            dot += (double) w[g * h * h + r * h + i] * w[g * h * h + r * h + j];
                        }
                        worst = Math.max(worst, Math.abs(dot - (i == j ? 1 : 0)));
                    }
                }
                assertThat(worst).as("layer " + k + " gate " + g).isLessThan(1e-6);
            }
            // blocks differ from each other
            assertThat(w[0]).isNotEqualTo(w[h * h]);
            assertThat(l.parameter("bias_hh_l" + k).value()).containsOnly(0f);
        }
        double boundIh = Math.sqrt(6.0 / (6 + h));
        assertThat((double) maxAbs(l.parameter("weight_ih_l0").value())).isLessThanOrEqualTo(boundIh);
    }

    @Test
    void orthogonalMatricesAreHaarDistributedNotSignBiased() {
        // Under the Haar measure E[Q_ii] = 0. QR without PyTorch's sign correction gives a
        // positive-biased diagonal (E[Q_11] about 0.8 for n = 4 with Householder); Gram-Schmidt
        // without normalising would break the norm check. 2000 draws: mean diagonal has a
        // standard error of about 0.5 / sqrt(2000 * 4) ~ 0.006.
        SplittableRandom rng = new SplittableRandom(4);
        int n = 4;
        float[] q = new float[n * n];
        double diagSum = 0;
        int draws = 2000;
        for (int d = 0; d < draws; d++) {
            Init.orthogonalMatrix(n, rng, q, 0, n);
            for (int i = 0; i < n; i++) {
                diagSum += q[i * n + i];
            }
        }
        assertThat(diagSum / (draws * n)).isCloseTo(0, within(0.03));
    }

    @Test
    void orthogonalMatrixHonoursOffsetAndLeadingDimension() {
        float[] dst = new float[2 + 3 * 5];
        java.util.Arrays.fill(dst, 7f);
        Init.orthogonalMatrix(3, new SplittableRandom(5), dst, 2, 5);
        assertThat(dst[0]).isEqualTo(7f);
        assertThat(dst[1]).isEqualTo(7f);
        for (int r = 0; r < 3; r++) {
            assertThat(dst[2 + r * 5 + 3]).isEqualTo(7f);
            assertThat(dst[2 + r * 5 + 4]).isEqualTo(7f);
            double norm = 0;
            for (int c = 0; c < 3; c++) {
                norm += (double) dst[2 + r * 5 + c] * dst[2 + r * 5 + c];
            }
            assertThat(norm).isCloseTo(1, within(1e-6));
        }
    }

    @Test
    void identityIsIrnn() {
        int h = 30;
        RecurrentLayer l = layer(CellType.RNN_RELU, 200, h, 1);
        Init.identity(l, 1.0, new SplittableRandom(6));
        float[] whh = l.parameter("weight_hh_l0").value();
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < h; j++) {
                assertThat(whh[i * h + j]).isEqualTo(i == j ? 1f : 0f);
            }
        }
        // input weights N(0, 0.001^2): 6000 draws, standard error of the variance ~2 %
        float[] wih = l.parameter("weight_ih_l0").value();
        double[] m = moments(wih, 0, wih.length);
        assertThat(Math.sqrt(m[1])).isCloseTo(0.001, within(0.0001));
        assertThat(m[0]).isCloseTo(0, within(5e-5));
        assertThat(l.parameter("bias_ih_l0").value()).containsOnly(0f);
        assertThat(l.parameter("bias_hh_l0").value()).containsOnly(0f);

        RecurrentLayer lstm = layer(CellType.LSTM, 3, 4, 1);
        Init.identity(lstm, 0.5, new SplittableRandom(7));
        float[] w = lstm.parameter("weight_hh_l0").value();
        for (int g = 0; g < 4; g++) {
            assertThat(w[g * 16 + 5]).isEqualTo(0.5f);   // (1, 1) of gate block g
            assertThat(w[g * 16 + 6]).isEqualTo(0f);
        }
    }

    @Test
    void forgetGateBiasSetsTheTotalForgetBias() {
        int h = 8;
        RecurrentLayer l = layer(CellType.LSTM, 3, h, 2);
        float[] before = l.parameter("bias_ih_l1").value().clone();
        Init.forgetGateBias(l, 1.0);
        for (int k = 0; k < 2; k++) {
            float[] bih = l.parameter("bias_ih_l" + k).value();
            float[] bhh = l.parameter("bias_hh_l" + k).value();
            for (int j = h; j < 2 * h; j++) {
                assertThat(bih[j] + bhh[j]).isEqualTo(1f);
            }
        }
        // other gates untouched
        float[] after = l.parameter("bias_ih_l1").value();
        for (int j = 0; j < h; j++) {
            assertThat(after[j]).isEqualTo(before[j]);
            assertThat(after[2 * h + j]).isEqualTo(before[2 * h + j]);
        }
        assertThatThrownBy(() -> Init.forgetGateBias(layer(CellType.GRU, 3, 4, 1), 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lstm");
    }

    @Test
    void sameSeedSameWeights() {
        for (Init.Scheme s : Init.Scheme.values()) {
            RecurrentLayer a = layer(CellType.LSTM, 3, 16, 1);
            RecurrentLayer b = layer(CellType.LSTM, 3, 16, 1);
            Init.apply(s, a, new SplittableRandom(11));
            Init.apply(s, b, new SplittableRandom(11));
            for (int i = 0; i < a.parameters().size(); i++) {
                assertThat(a.parameters().get(i).value()).as(s + " " + a.parameters().get(i).name())
                        .containsExactly(b.parameters().get(i).value());
            }
        }
    }

    @Test
    void schemesParse() {
        assertThat(Init.Scheme.parse("Orthogonal")).isEqualTo(Init.Scheme.ORTHOGONAL);
        assertThat(Init.Scheme.parse("irnn")).isEqualTo(Init.Scheme.IDENTITY);
        assertThat(Init.Scheme.parse("pytorch")).isEqualTo(Init.Scheme.PYTORCH);
        assertThatThrownBy(() -> Init.Scheme.parse("he")).hasMessageContaining("xavier");
    }
}
