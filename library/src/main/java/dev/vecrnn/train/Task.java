package dev.vecrnn.train;

/**
 * A generated sequence task: an endless, reproducible stream of batches plus the numbers that say
 * whether a network learned it (a baseline and a success threshold, for studies and reports). It
 * lives here so that training does not depend on the task generators ({@code dev.vecrnn.tasks},
 * one layer up). A {@link Trainer} takes its batches through {@link #batches(int)}; data of your
 * own needs none of this interface: see {@link Dataset} or implement {@link BatchSource}.
 *
 * <p>A task is seeded at construction; the same seed gives the same batches (and batch sizes)
 * in the same order. Batch {@code i} of the stream is a pure function of the seed, {@code i} and
 * the batch size (each batch draws from a generator reseeded from the seed and {@code i}), so
 * {@link #seek} jumps to any batch at no cost: a training run resumed from a checkpoint needs
 * only the batch index to continue with exactly the data it would have seen. After
 * construction, {@link #nextBatch} allocates nothing. A task is not thread-safe: give each
 * thread its own (with its own seed).
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

    /**
     * This task's stream as a {@link BatchSource} of batches of {@code batchSize} sequences:
     * batch {@code i} is batch {@code i} of the task. Its {@link BatchSource#identity() identity},
     * which a checkpoint records, is {@link #describe()}: every task of {@code dev.vecrnn.tasks}
     * names all its parameters and its seed there, as the identity must.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    default BatchSource batches(int batchSize) {
        return new TaskBatches(this, batchSize);
    }

    /**
     * Overwrites {@code batch} (inputs and targets) with batch number {@link #position()} of the
     * stream and advances the position by one.
     */
    void nextBatch(Batch batch);

    /** The index of the batch the next {@link #nextBatch} writes: batches drawn since index 0. */
    long position();

    /**
     * Makes batch {@code index} the next one {@link #nextBatch} writes.
     *
     * @throws IllegalArgumentException if {@code index} is negative
     */
    void seek(long index);

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
