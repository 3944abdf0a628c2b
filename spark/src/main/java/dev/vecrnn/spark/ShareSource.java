package dev.vecrnn.spark;

import dev.vecrnn.train.Batch;
import dev.vecrnn.train.BatchSource;
import dev.vecrnn.train.LossKind;
import java.util.HashMap;
import java.util.Map;

/**
 * One partition's share of a global {@link BatchSource}: batch {@code i} is partition
 * {@code p}'s slice of global batch {@code i}. The slices are those a
 * {@code Trainer} with {@code microBatches(P)} takes: P consecutive slices of {@code B/P} or
 * {@code B/P + 1} sequences, the larger first. Taking the same slices is what makes a
 * distributed step the single-process micro-batch step bit for bit.
 */
final class ShareSource implements BatchSource {
    private final BatchSource global;
    private final int partition;
    private final int partitions;
    private final Map<Integer, Batch> buffers = new HashMap<>(4);
    private int lastGlobalRows;

    ShareSource(BatchSource global, int partition, int partitions) {
        this.global = global;
        this.partition = partition;
        this.partitions = partitions;
    }

    /** Sequences of partition {@code p}'s slice of a batch of {@code rows}. */
    static int rows(int rows, int p, int partitions) {
        return rows / partitions + (p < rows % partitions ? 1 : 0);
    }

    /** The first sequence of partition {@code p}'s slice of a batch of {@code rows}. */
    static int firstRow(int rows, int p, int partitions) {
        return p * (rows / partitions) + Math.min(p, rows % partitions);
    }

    /**
     * This partition's slice of global batch {@code index}, in a buffer this source owns.
     *
     * @throws IllegalArgumentException if the slice is empty: the global batch holds fewer
     *     sequences than there are partitions
     */
    @Override
    public Batch batch(long index) {
        Batch all = global.batch(index);
        int b = all.batchSize();
        int rows = rows(b, partition, partitions);
        if (rows == 0) {
            throw new IllegalArgumentException("partition " + partition + " of " + partitions + " has no data in batch "
                    + index + " of " + global.identity() + ": that batch holds " + b + " sequences, fewer than "
                    + "the " + partitions + " partitions (a data set's last batch of an epoch holds the remainder; "
                    + "choose a batch size that divides the data set, or fewer partitions)");
        }
        Batch share = buffers.computeIfAbsent(rows, r -> new Batch(all.kind(), all.seqLen(), r, all.inputSize(),
                all.outputSize()));
        share.copyRowsFrom(all, firstRow(b, partition, partitions));
        lastGlobalRows = b;
        return share;
    }

    /** Sequences in the global batch of the last {@link #batch} call. */
    int lastGlobalRows() {
        return lastGlobalRows;
    }

    @Override
    public LossKind lossKind() {
        return global.lossKind();
    }

    @Override
    public int seqLen() {
        return global.seqLen();
    }

    @Override
    public int inputSize() {
        return global.inputSize();
    }

    @Override
    public int outputSize() {
        return global.outputSize();
    }

    @Override
    public int batchSize() {
        return rows(global.batchSize(), partition, partitions);
    }

    @Override
    public String identity() {
        return global.identity() + ", share " + partition + " of " + partitions;
    }

    @Override
    public String toString() {
        return identity();
    }
}
