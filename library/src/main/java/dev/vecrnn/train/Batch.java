package dev.vecrnn.train;

/**
 * The buffers of one batch, allocated once and refilled by a {@link BatchSource} (or
 * {@link Task#nextBatch}): inputs {@code x[T, B, I]} (time-major, {@code (t*B + b)*I + i}) and
 * either float targets (MSE kinds) or class labels (cross-entropy kinds) for the
 * {@code rows = scoredSteps(T) * B} scored positions, time-major as well.
 */
public final class Batch {
    private final LossKind kind;
    private final int seqLen;
    private final int batchSize;
    private final int inputSize;
    private final int outputSize;
    private final float[] x;        // inputs [T, B, I]
    private final float[] targets;  // MSE kinds: [rows, O]; else empty
    private final int[] labels;     // cross-entropy kinds: [rows]; else empty

    /**
     * Zeroed buffers for {@code batchSize} sequences of {@code seqLen} steps.
     *
     * @throws IllegalArgumentException for a null kind, a size below 1, or more elements than a
     *     Java array holds
     */
    public Batch(LossKind kind, int seqLen, int batchSize, int inputSize, int outputSize) {
        if (kind == null) {
            throw new IllegalArgumentException("kind is null");
        }
        positive("seqLen", seqLen);
        positive("batchSize", batchSize);
        positive("inputSize", inputSize);
        positive("outputSize", outputSize);
        long xLength = (long) seqLen * batchSize * inputSize;
        long rows = (long) kind.scoredSteps(seqLen) * batchSize;
        long targetLength = kind.classification() ? 0 : rows * outputSize;
        if (xLength > Integer.MAX_VALUE - 16 || targetLength > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("batch of T=" + seqLen + ", B=" + batchSize + ", I=" + inputSize
                    + ", O=" + outputSize + " does not fit in Java arrays");
        }
        this.kind = kind;
        this.seqLen = seqLen;
        this.batchSize = batchSize;
        this.inputSize = inputSize;
        this.outputSize = outputSize;
        this.x = new float[(int) xLength];
        this.targets = new float[(int) targetLength];
        this.labels = new int[kind.classification() ? (int) rows : 0];
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    /** The loss kind the targets are for. */
    public LossKind kind() {
        return kind;
    }

    /** T. */
    public int seqLen() {
        return seqLen;
    }

    /** B. */
    public int batchSize() {
        return batchSize;
    }

    /** I. */
    public int inputSize() {
        return inputSize;
    }

    /** O: regression outputs per position, or number of classes. */
    public int outputSize() {
        return outputSize;
    }

    /** Number of scored positions: {@code B} for "last" kinds, {@code T*B} for "every step" kinds. */
    public int scoredRows() {
        return kind.scoredSteps(seqLen) * batchSize;
    }

    /** Inputs {@code [T, B, I]}. */
    public float[] x() {
        return x;
    }

    /** Float targets {@code [scoredRows, O]} for MSE kinds; empty for cross-entropy kinds. */
    public float[] targets() {
        return targets;
    }

    /** Class labels {@code [scoredRows]} for cross-entropy kinds; empty for MSE kinds. */
    public int[] labels() {
        return labels;
    }

    /**
     * Overwrites this batch with sequences {@code firstRow .. firstRow + batchSize() - 1} of
     * {@code source}: a micro-batch of a larger batch (inputs, and the targets or labels of the
     * same sequences). Allocates nothing.
     *
     * @throws IllegalArgumentException unless {@code source} has this batch's kind, T, I and O
     *     and those rows
     */
    public void copyRowsFrom(Batch source, int firstRow) {
        if (source == null || source.kind != kind || source.seqLen != seqLen || source.inputSize != inputSize
                || source.outputSize != outputSize) {
            throw new IllegalArgumentException("cannot copy rows of " + (source == null ? "null"
                    : describe(source.kind, source.seqLen, source.inputSize, source.outputSize)) + " into a batch of "
                    + describe(kind, seqLen, inputSize, outputSize));
        }
        if (firstRow < 0 || firstRow + batchSize > source.batchSize) {
            throw new IllegalArgumentException("rows " + firstRow + ".." + (firstRow + batchSize - 1)
                    + " are not all in a batch of " + source.batchSize);
        }
        int srcB = source.batchSize;
        for (int t = 0; t < seqLen; t++) {
            System.arraycopy(source.x, (t * srcB + firstRow) * inputSize, x, t * batchSize * inputSize,
                    batchSize * inputSize);
        }
        int steps = kind.scoredSteps(seqLen);
        for (int t = 0; t < steps; t++) {
            if (kind.classification()) {
                System.arraycopy(source.labels, t * srcB + firstRow, labels, t * batchSize, batchSize);
            } else {
                System.arraycopy(source.targets, (t * srcB + firstRow) * outputSize, targets,
                        t * batchSize * outputSize, batchSize * outputSize);
            }
        }
    }

    /** Throws unless this batch has the loss kind and sizes {@code task} produces. */
    public void checkFits(Task task) {
        if (kind != task.lossKind() || seqLen != task.seqLen() || inputSize != task.inputSize()
                || outputSize != task.outputSize()) {
            throw new IllegalArgumentException("batch is " + describe(kind, seqLen, inputSize, outputSize)
                    + " but task " + task.name() + " needs "
                    + describe(task.lossKind(), task.seqLen(), task.inputSize(), task.outputSize()));
        }
    }

    private static String describe(LossKind kind, int seqLen, int inputSize, int outputSize) {
        return kind + " T=" + seqLen + " I=" + inputSize + " O=" + outputSize;
    }
}
