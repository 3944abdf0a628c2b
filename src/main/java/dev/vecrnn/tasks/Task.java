package dev.vecrnn.tasks;

import dev.vecrnn.train.LossKind;

/**
 * A synthetic sequence task: an endless, reproducible stream of batches plus the numbers that
 * say whether a network learned it.
 *
 * <p>A task is seeded at construction; the same seed gives the same batches (and batch sizes)
 * in the same order. After construction, {@link #nextBatch} allocates nothing. A task is not
 * thread-safe: give each thread its own (with its own seed).
 */
public interface Task {
    /** Short identifier, e.g. {@code adding}. */
    String name();

    /** One line with the task and its parameters, for reports. */
    String describe();

    /** T: time steps fed to the network. */
    int seqLen();

    /** I: input features per step. */
    int inputSize();

    /** O: regression outputs per scored position, or the number of classes. */
    int outputSize();

    /** The loss and the scored time steps. */
    LossKind lossKind();

    /** A batch of {@code batchSize} sequences shaped for this task. */
    default Batch newBatch(int batchSize) {
        return new Batch(lossKind(), seqLen(), batchSize, inputSize(), outputSize());
    }

    /** Overwrites {@code batch} (inputs and targets) with the next sequences of the stream. */
    void nextBatch(Batch batch);

    /**
     * The loss (in the task's loss, nats for cross-entropy) of the trivial predictor named by
     * {@link #baselineDescription()}: a network at or above it has learned nothing the task is
     * about.
     */
    double baseline();

    /** What predictor {@link #baseline()} is the loss of. */
    String baselineDescription();

    /** The loss at or below which the task counts as solved; each task justifies its value. */
    double successThreshold();
}
