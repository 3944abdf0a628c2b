package dev.vecrnn.train;

import java.util.Locale;

/**
 * A {@link Dataset} as a {@link BatchSource}: see {@link Dataset#batches(int, long)}. Batch
 * {@code i} is batch {@code i % perEpoch} of epoch {@code i / perEpoch}; each epoch's order is a
 * Fisher-Yates shuffle of the identity driven by a SplitMix64 stream seeded from the seed and
 * the epoch, so it depends on nothing but those two numbers.
 */
final class DatasetBatches implements BatchSource {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final int perEpoch;
    private final int[] order;      // the current epoch's permutation; null in data order
    private long orderEpoch = -1;
    private final Batch full;       // B sequences
    private final Batch last;       // the epoch's remainder, or null when B divides the count

    DatasetBatches(Dataset data, int batchSize, long seed, boolean shuffle) {
        Args.positive("batchSize", batchSize);
        this.data = data;
        this.batchSize = Math.min(batchSize, data.count());
        this.seed = seed;
        this.shuffle = shuffle;
        this.perEpoch = (data.count() + this.batchSize - 1) / this.batchSize;
        this.order = shuffle ? new int[data.count()] : null;
        this.full = newBatch(this.batchSize);
        int remainder = data.count() % this.batchSize;
        this.last = remainder == 0 ? null : newBatch(remainder);
    }

    private Batch newBatch(int rows) {
        return new Batch(data.lossKind(), data.seqLen(), rows, data.inputSize(), data.outputSize());
    }

    /** Batches per epoch: {@code ceil(count / batchSize)}. */
    int perEpoch() {
        return perEpoch;
    }

    /** Sequences in batch {@code index}: the batch size, or the remainder for an epoch's last. */
    int rows(long index) {
        int j = (int) (index % perEpoch);
        return Math.min(batchSize, data.count() - j * batchSize);
    }

    @Override
    public Batch batch(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("batch index must be >= 0, got " + index);
        }
        long epoch = index / perEpoch;
        int j = (int) (index % perEpoch);
        if (shuffle && epoch != orderEpoch) {
            shuffle(epoch);
        }
        Batch b = rows(index) == batchSize ? full : last;
        data.fill(b, order, j * batchSize);
        return b;
    }

    private void shuffle(long epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        long state = mix64(seed ^ mix64(epoch + GOLDEN_GAMMA));
        for (int i = order.length - 1; i > 0; i--) {
            state += GOLDEN_GAMMA;
            // a uniform index in [0, i] from the top 32 bits (bias below 2^-32 * count)
            int j = (int) (((mix64(state) >>> 32) * (i + 1L)) >>> 32);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        orderEpoch = epoch;
    }

    // SplitMix64's finaliser (Steele, Lea & Flood 2014)
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public LossKind lossKind() {
        return data.lossKind();
    }

    @Override
    public int seqLen() {
        return data.seqLen();
    }

    @Override
    public int inputSize() {
        return data.inputSize();
    }

    @Override
    public int outputSize() {
        return data.outputSize();
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public String identity() {
        return data + (shuffle ? String.format(Locale.ROOT, ", shuffled with seed %d", seed) : ", in order");
    }

    @Override
    public String toString() {
        return identity() + ", batches of " + batchSize;
    }
}
