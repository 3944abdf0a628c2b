package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Model#fit}: it is a {@link Trainer} over {@link Dataset#batches} epoch by epoch (the
 * same losses bit for bit), it learns, it validates on the last fraction, it stops early and
 * restores the best weights, and it is reproducible from its seeds.
 */
class FitTest {
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    /** Windows of 4 values of a noisy sine and the value after each: the README's task, smaller. */
    static Dataset sineWindows(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] series = new float[n + 4];
        for (int t = 0; t < series.length; t++) {
            series[t] = (float) (Math.sin(0.3 * t) + 0.1 * r.nextGaussian());
        }
        float[] x = new float[n * 4];
        float[] y = new float[n];
        for (int s = 0; s < n; s++) {
            System.arraycopy(series, s, x, s * 4, 4);
            y[s] = series[s + 4];
        }
        return Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, n, 4, x, y);
    }

    private static Model lstm(long seed) {
        return Model.builder(CellType.LSTM, 1, 12).seed(seed).threads(TEAM).build();
    }

    @Test
    void fitIsATrainerOverShuffledEpochs() {
        Dataset data = sineWindows(70, 1);
        Model a = lstm(3);
        List<FitHistory.Epoch> seen = new ArrayList<>();
        FitHistory h = a.fit(data, Fit.epochs(3).batchSize(16).learningRate(0.01).seed(5).onEpoch(seen::add));
        assertThat(h.epochs()).hasSize(3).isEqualTo(seen);
        assertThat(h.seed()).isEqualTo(5);
        assertThat(h.last().steps()).isEqualTo(15);   // ceil(70 / 16) = 5 batches per epoch

        Model b = lstm(3);
        Trainer t = Trainer.builder(b, data.batches(16, 5)).optimizer(ps -> new Adam(ps, 0.01)).build();
        for (int e = 0; e < 3; e++) {
            double sum = 0;
            for (int j = 0; j < 5; j++) {
                sum += t.step() * (j < 4 ? 16 : 6);
            }
            assertThat(h.epochs().get(e).loss()).as("epoch " + e).isEqualTo(sum / 70);
        }
        for (int i = 0; i < a.parameters().size(); i++) {
            assertThat(a.parameters().get(i).value()).containsExactly(b.parameters().get(i).value());
        }
        assertThat(h.epochs().get(0).validationLoss()).isNaN();
        assertThat(h.epochs().get(2).toString()).startsWith("epoch 3/3: loss ");
    }

    /**
     * Next value of a noisy sine (period 21 steps, noise 0.1) from the previous four: repeating
     * the last value scores about 2·0.01 + (1 - cos 0.3) ≈ 0.065, predicting 0 about 0.51.
     * Measured with 12 cells, 400 training windows and 30 epochs: 0.0258 on the held-out windows
     * against 0.0630 for repeating the last value (data and model seeds 2 and 3: 0.0178 against
     * 0.0646, 0.0284 against 0.0709). The bound is 0.6 times repeating the last value.
     */
    @Test
    void fitLearnsTheNoisySineBetterThanRepeatingTheLastValue() {
        Dataset all = sineWindows(600, 1);
        Dataset train = all.subset(0, 500);
        Dataset test = all.subset(500, 600);
        Model m = lstm(1);
        FitHistory h = m.fit(train, Fit.epochs(30).batchSize(32).learningRate(0.01).seed(2).validationSplit(0.2));
        double repeat = 0;
        float[] windows = new float[100 * 4];
        float[] targets = new float[100];
        Batch b = test.inOrder(100).batch(0);
        for (int s = 0; s < 100; s++) {
            targets[s] = b.targets()[s];
            for (int t = 0; t < 4; t++) {
                windows[s * 4 + t] = b.x()[t * 100 + s];
            }
            double d = windows[s * 4 + 3] - targets[s];
            repeat += d * d / 100;
        }
        double mse = m.evaluate(test);
        float[] p = m.predict(windows, 100, Layout.BATCH_FIRST);
        double byHand = 0;
        for (int s = 0; s < 100; s++) {
            byHand += (double) (p[s] - targets[s]) * (p[s] - targets[s]) / 100;
        }
        assertThat(mse).isCloseTo(byHand, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(repeat).isBetween(0.04, 0.09);
        assertThat(mse).isLessThan(0.6 * repeat);
        assertThat(h.epochs().get(0).validationLoss()).isGreaterThan(h.best().validationLoss());
    }

    @Test
    void validationSplitHoldsOutTheLastFraction() {
        Dataset data = sineWindows(50, 2);
        List<FitHistory.Epoch> epochs = new ArrayList<>();
        Model m = lstm(4);
        m.fit(data, Fit.epochs(1).batchSize(8).seed(1).validationSplit(0.2).onEpoch(epochs::add));
        // the last 10 windows, evaluated by the fitted model
        assertThat(epochs.get(0).validationLoss()).isEqualTo(m.evaluate(data.subset(40, 50)));
        assertThat(epochs.get(0).steps()).isEqualTo(5);   // 40 windows in batches of 8
        assertThatThrownBy(() -> lstm(4).fit(sineWindows(1, 1), Fit.epochs(1).validationSplit(0.5)))
                .hasMessageContaining("leaves 0 to train on and 1 to validate on; each needs at least one");
    }

    /**
     * Validation data whose targets are the negated training targets gets worse as training
     * improves, so the best epoch is the first: training stops after {@code patience} more and
     * the weights go back to those after epoch 1.
     */
    @Test
    void earlyStoppingStopsAndRestoresTheBestWeights() {
        Dataset train = sineWindows(64, 3);
        Batch all = train.inOrder(64).batch(0);
        float[] x = new float[64 * 4];
        float[] negated = new float[64];
        for (int s = 0; s < 64; s++) {
            for (int t = 0; t < 4; t++) {
                x[s * 4 + t] = all.x()[t * 64 + s];
            }
            negated[s] = -all.targets()[s];
        }
        Dataset adverse = Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, 64, 4, x, negated);
        Model m = lstm(5);
        List<float[]> afterFirst = new ArrayList<>();
        FitHistory h = m.fit(train, Fit.epochs(20).batchSize(16).learningRate(0.02).seed(1).validationData(adverse)
                .patience(2).onEpoch(e -> {
                    if (e.epoch() == 1) {
                        m.parameters().forEach(p -> afterFirst.add(p.value().clone()));
                    }
                }));
        assertThat(h.bestEpoch()).isEqualTo(1);
        assertThat(h.epochs()).hasSize(3);
        assertThat(h.stoppedEarly()).isTrue();
        assertThat(h.restoredBest()).isTrue();
        assertThat(h.epochs().get(1).validationLoss()).isGreaterThan(h.epochs().get(0).validationLoss());
        for (int i = 0; i < afterFirst.size(); i++) {
            assertThat(m.parameters().get(i).value()).containsExactly(afterFirst.get(i));
        }
        // without restoring, the last epoch's weights stay
        Model keep = lstm(5);
        FitHistory k = keep.fit(train, Fit.epochs(20).batchSize(16).learningRate(0.02).seed(1).validationData(adverse)
                .patience(2).restoreBestWeights(false));
        assertThat(k.restoredBest()).isFalse();
        assertThat(keep.parameters().get(0).value()).isNotEqualTo(afterFirst.get(0));
    }

    @Test
    void fitRefusesDataOfAnotherShape() {
        Model m = Model.builder(CellType.GRU, 2, 4).seed(1).threads(TEAM).build();
        assertThatThrownBy(() -> m.fit(sineWindows(10, 1), Fit.epochs(1)))
                .hasMessageContaining("training data has 1 input features").hasMessageContaining("input size 2");
        assertThatThrownBy(() -> Fit.epochs(0)).hasMessageContaining("epochs must be >= 1");
        assertThatThrownBy(() -> Fit.epochs(1).validationSplit(1.0)).hasMessageContaining("[0, 1)");
    }

    /** A learning rate of 10^6 blows the loss up in one step; fit stops there with the step and the value. */
    @Test
    void aDivergingFitStopsNamingTheStep() {
        Model m = lstm(6);
        assertThatThrownBy(() -> m.fit(sineWindows(64, 1), Fit.epochs(2).batchSize(64).seed(1)
                .optimizer(ps -> new Sgd(ps, 1e6))))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageMatching("(?s)training diverged at step 1: loss \\d\\.\\d{3}e\\+\\d\\d is more than "
                        + "1\\.000e\\+04 times the run's first loss .*");
        for (var p : m.parameters()) {
            for (float v : p.value()) {
                assertThat(v).as(p.name()).isFinite();
            }
        }
    }
}
