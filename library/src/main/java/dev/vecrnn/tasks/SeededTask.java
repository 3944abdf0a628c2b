package dev.vecrnn.tasks;

import dev.vecrnn.train.Batch;
import dev.vecrnn.train.Task;

/**
 * The stream mechanics every task shares: the seed, the batch position, {@link #seek}, and the
 * per-batch reseeding that makes batch {@code i} a pure function of the seed and {@code i} (see
 * {@link Task}). A task only says how to fill one batch from a freshly seeded generator.
 */
abstract class SeededTask implements Task {
    private final long seed;
    private final SplitMix64 rng = new SplitMix64(0);
    private long position;

    SeededTask(long seed) {
        this.seed = seed;
    }

    /** The seed the stream was created with (for {@link #describe()}). */
    final long seed() {
        return seed;
    }

    @Override
    public final long position() {
        return position;
    }

    @Override
    public final void seek(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("batch index must be >= 0, got " + index);
        }
        position = index;
    }

    @Override
    public final void nextBatch(Batch batch) {
        batch.checkFits(this);
        rng.reseed(SplitMix64.batchSeed(seed, position++));
        fill(batch, rng);
    }

    /**
     * Overwrites the inputs and targets of {@code batch} (already checked to fit this task) with
     * values drawn from {@code rng}, which was just reseeded for this batch; must allocate nothing.
     */
    abstract void fill(Batch batch, SplitMix64 rng);
}
