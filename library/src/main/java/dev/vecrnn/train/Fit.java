package dev.vecrnn.train;

import dev.vecrnn.nn.Parameter;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How {@link Model#fit} trains, in the manner of Keras' {@code fit}: {@code epochs} passes over
 * the data in shuffled mini-batches, an optional validation set, early stopping and a per-epoch
 * callback.
 *
 * <pre>{@code
 * model.fit(train, Fit.epochs(30).batchSize(32).learningRate(0.01).seed(1)
 *         .validationSplit(0.1).patience(5).onEpoch(System.out::println));
 * }</pre>
 *
 * <p>Defaults: batches of 32, Adam at learning rate {@code 1e-3}, no clipping, no validation, no
 * early stopping, whole batches (1 micro-batch), {@link DivergenceBound#DEFAULT}, and a random
 * shuffling seed (recorded in the {@link FitHistory}, so any run can be repeated). A mutable
 * builder; {@link Model#fit} reads it once, at the start.
 */
public final class Fit {
    private final int epochs;
    private int batchSize = 32;
    private double learningRate = Adam.DEFAULT_LR;
    private Function<List<Parameter>, Optimizer> optimizer;
    private double clipNorm;
    private Long seed;
    private double validationSplit;
    private Dataset validationData;
    private int patience;
    private boolean restoreBest = true;
    private int microBatches = 1;
    private DivergenceBound divergence = DivergenceBound.DEFAULT;
    private Consumer<FitHistory.Epoch> onEpoch;

    private Fit(int epochs) {
        Args.positive("epochs", epochs);
        this.epochs = epochs;
    }

    /** Options for {@code epochs} passes over the training data (at least 1), every other setting at its default. */
    public static Fit epochs(int epochs) {
        return new Fit(epochs);
    }

    /** Sequences per mini-batch (default 32); an epoch's last batch holds the remainder. */
    public Fit batchSize(int batchSize) {
        Args.positive("batchSize", batchSize);
        this.batchSize = batchSize;
        return this;
    }

    /** Adam's learning rate (default {@code 1e-3}); ignored when an {@link #optimizer} is given. */
    public Fit learningRate(double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + learningRate);
        }
        this.learningRate = learningRate;
        return this;
    }

    /** Another optimizer, made from the model's parameters, e.g. {@code ps -> new Sgd(ps, 0.1, 0.9)}. */
    public Fit optimizer(Function<List<Parameter>, Optimizer> factory) {
        if (factory == null) {
            throw new IllegalArgumentException("optimizer factory is null");
        }
        this.optimizer = factory;
        return this;
    }

    /** Clip gradients to this global norm (default 0, off); see {@link GradientClipping}. */
    public Fit clipNorm(double maxNorm) {
        if (!(maxNorm >= 0) || !Double.isFinite(maxNorm)) {
            throw new IllegalArgumentException("clip norm must be finite and >= 0 (0 = off), got " + maxNorm);
        }
        this.clipNorm = maxNorm;
        return this;
    }

    /** The seed of the shuffles (one per epoch, see {@link Dataset#batches}); default random. */
    public Fit seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * Hold out the last {@code fraction} of the training data (in its given order, before any
     * shuffling, as Keras does) to validate on after every epoch; default 0 (none). Must leave at
     * least one sequence on each side. Ignored when {@link #validationData} is given.
     */
    public Fit validationSplit(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation split must be in [0, 1), got " + fraction);
        }
        this.validationSplit = fraction;
        return this;
    }

    /** Validate on this data after every epoch (default: none, or the {@link #validationSplit}). */
    public Fit validationData(Dataset data) {
        if (data == null) {
            throw new IllegalArgumentException("validation data is null");
        }
        this.validationData = data;
        return this;
    }

    /**
     * Early stopping: stop once the monitored loss (validation loss, or the training loss without
     * validation) has not improved for {@code epochs} epochs in a row; 0 (the default) trains all
     * epochs.
     */
    public Fit patience(int epochs) {
        if (epochs < 0) {
            throw new IllegalArgumentException("patience must be >= 0 (0 = no early stopping), got " + epochs);
        }
        this.patience = epochs;
        return this;
    }

    /**
     * With early stopping, whether the model ends with the weights of its best epoch (default
     * true) rather than its last.
     */
    public Fit restoreBestWeights(boolean restore) {
        this.restoreBest = restore;
        return this;
    }

    /** Accumulate each batch's gradient over {@code p} micro-batches (default 1); see {@link Trainer.Builder#microBatches}. */
    public Fit microBatches(int p) {
        Args.positive("microBatches", p);
        this.microBatches = p;
        return this;
    }

    /** When a finite loss or gradient norm counts as diverged (default {@link DivergenceBound#DEFAULT}). */
    public Fit divergence(DivergenceBound bound) {
        if (bound == null) {
            throw new IllegalArgumentException("divergence bound is null");
        }
        this.divergence = bound;
        return this;
    }

    /** Called after every epoch with its numbers, e.g. {@code System.out::println} for a progress line. */
    public Fit onEpoch(Consumer<FitHistory.Epoch> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("epoch listener is null");
        }
        this.onEpoch = listener;
        return this;
    }

    int epochs() {
        return epochs;
    }

    int batchSize() {
        return batchSize;
    }

    Function<List<Parameter>, Optimizer> optimizerFactory() {
        double lr = learningRate;
        return optimizer != null ? optimizer : ps -> new Adam(ps, lr);
    }

    double clipNorm() {
        return clipNorm;
    }

    Long seed() {
        return seed;
    }

    double validationSplit() {
        return validationSplit;
    }

    Dataset validationData() {
        return validationData;
    }

    int patience() {
        return patience;
    }

    boolean restoreBest() {
        return restoreBest;
    }

    int microBatches() {
        return microBatches;
    }

    DivergenceBound divergence() {
        return divergence;
    }

    Consumer<FitHistory.Epoch> onEpoch() {
        return onEpoch;
    }
}
