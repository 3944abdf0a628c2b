package dev.vecrnn.train;

/**
 * What a {@link Trainer} trains on: a reproducible, indexable stream of batches. Batch
 * {@code i} is a pure function of {@code i} (and of the source's own settings, such as a seed),
 * so a run resumed from a checkpoint at step {@code s} continues with exactly the batches the
 * uninterrupted run would have seen.
 *
 * <p>Two kinds come with the library: {@link Task#batches(int)} for generated tasks (an endless
 * stream), and {@link Dataset#batches(int, long)} for data in memory (shuffled epochs). Any other
 * data needs only these seven methods; nothing about baselines or reports.
 */
public interface BatchSource {
    /** The loss and the scored time steps the targets are for. */
    LossKind lossKind();

    /** T: time steps of every sequence. */
    int seqLen();

    /** I: input features per step. */
    int inputSize();

    /** O: regression outputs per scored position, or the number of classes. */
    int outputSize();

    /** The most sequences a batch holds; single batches may hold fewer (an epoch's last one). */
    int batchSize();

    /**
     * Batch {@code index} (0-based) in a buffer the source owns and overwrites on the next call:
     * inputs {@code [T, B, I]} time-major and the targets or labels, as {@link Batch} describes.
     * After the first calls (one per batch size) allocates nothing.
     *
     * @throws IllegalArgumentException if {@code index} is negative
     */
    Batch batch(long index);

    /**
     * What a checkpoint records about the stream, and what a resumed run must match: two sources
     * with the same identity (and {@link #batchSize()}) must give the same batch for every index.
     * So it names everything that decides the batches: for a generated task its parameters and
     * seed, for a data set a fingerprint of the data and the shuffling seed. One line.
     */
    String identity();
}
