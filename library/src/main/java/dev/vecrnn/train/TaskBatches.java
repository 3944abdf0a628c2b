package dev.vecrnn.train;

/** A {@link Task}'s stream as a {@link BatchSource}: see {@link Task#batches(int)}. */
final class TaskBatches implements BatchSource {
    private final Task task;
    private final Batch batch;

    TaskBatches(Task task, int batchSize) {
        if (task == null) {
            throw new IllegalArgumentException("task is null");
        }
        Args.positive("batchSize", batchSize);
        this.task = task;
        this.batch = task.newBatch(batchSize);
        batch.checkFits(task);
    }

    @Override
    public LossKind lossKind() {
        return task.lossKind();
    }

    @Override
    public int seqLen() {
        return task.seqLen();
    }

    @Override
    public int inputSize() {
        return task.inputSize();
    }

    @Override
    public int outputSize() {
        return task.outputSize();
    }

    @Override
    public int batchSize() {
        return batch.batchSize();
    }

    @Override
    public Batch batch(long index) {
        // seek every time: cheap, and right even if someone else drew from the task meanwhile
        task.seek(index);
        task.nextBatch(batch);
        return batch;
    }

    @Override
    public String identity() {
        return task.describe();
    }

    /** The task behind the stream. */
    Task task() {
        return task;
    }

    @Override
    public String toString() {
        return task.describe() + ", batches of " + batch.batchSize();
    }
}
