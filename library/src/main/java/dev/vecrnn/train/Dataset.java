package dev.vecrnn.train;

import java.util.Locale;

/**
 * Sequences and their targets held in memory: what {@link Model#fit} trains on, and, through
 * {@link #batches(int, long)}, a {@link BatchSource} for a {@link Trainer}.
 *
 * <pre>{@code
 * // 1000 sequences of 4 steps with 1 feature each, batch-first, and one target per sequence
 * Dataset data = Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, 1000, 4, x, y);
 * Dataset train = data.subset(0, 800), test = data.subset(800, 1000);
 * }</pre>
 *
 * <p>Shapes, for {@code count} sequences of {@code T} steps, {@code I} input features and
 * {@code O} outputs (in the given {@link Layout}; targets of the last step only have no time
 * axis):
 * <ul>
 * <li>inputs {@code x}: {@code [count, T, I]} batch-first or {@code [T, count, I]} time-major;
 * <li>{@link LossKind#MSE_LAST}: targets {@code [count, O]};
 *     {@link LossKind#MSE_EVERY_STEP}: targets {@code [count, T, O]} or {@code [T, count, O]};
 * <li>{@link LossKind#CE_LAST}: labels {@code [count]} in {@code [0, classes)};
 *     {@link LossKind#CE_EVERY_STEP}: labels {@code [count, T]} or {@code [T, count]}.
 * </ul>
 * {@code I} and {@code O} follow from the array lengths. The arrays are copied, so later changes
 * to them do not reach the data set; {@link #subset} views share that copy. Immutable and
 * thread-safe.
 */
public final class Dataset {
    private final LossKind kind;
    private final Layout layout;
    private final int seqLen;
    private final int inputSize;
    private final int outputSize;
    private final float[] x;        // [baseCount, T, I] in layout
    private final float[] targets;  // MSE kinds: [baseCount, O] or [baseCount, T, O] in layout; else null
    private final int[] labels;     // CE kinds: [baseCount] or [baseCount, T] in layout; else null
    private final int baseCount;    // sequences in the arrays
    private final int first;        // first sequence of this view
    private final int count;        // sequences in this view
    private volatile long fingerprint;
    private volatile boolean fingerprinted;

    private Dataset(LossKind kind, Layout layout, int seqLen, int inputSize, int outputSize, float[] x,
                    float[] targets, int[] labels, int baseCount, int first, int count) {
        this.kind = kind;
        this.layout = layout;
        this.seqLen = seqLen;
        this.inputSize = inputSize;
        this.outputSize = outputSize;
        this.x = x;
        this.targets = targets;
        this.labels = labels;
        this.baseCount = baseCount;
        this.first = first;
        this.count = count;
    }

    /**
     * A regression data set: inputs and float targets (an MSE kind).
     *
     * @param kind    {@link LossKind#MSE_LAST} (targets {@code [count, O]}) or
     *                {@link LossKind#MSE_EVERY_STEP} (targets per step, in {@code layout})
     * @param layout  how {@code x} (and per-step targets) are ordered
     * @param count   number of sequences, at least 1
     * @param seqLen  T, steps per sequence, at least 1
     * @param x       inputs, {@code count * T * I} finite floats
     * @param targets {@code count * O} (last step) or {@code count * T * O} (every step) finite floats
     * @throws IllegalArgumentException naming the array whose length does not divide, or the
     *     first non-finite value with its sequence, step and feature
     */
    public static Dataset of(LossKind kind, Layout layout, int count, int seqLen, float[] x, float[] targets) {
        checkHeader(kind, layout, count, seqLen);
        if (kind.classification()) {
            throw new IllegalArgumentException(kind + " scores class labels: use Dataset.ofLabels");
        }
        int inputSize = perStep("x", x, (long) count * seqLen);
        int steps = kind.scoredSteps(seqLen);
        int outputSize = perStep("targets", targets, (long) count * steps);
        checkFinite("x", x, layout, count, seqLen, inputSize);
        checkFinite("targets", targets, kind.everyStep() ? layout : Layout.BATCH_FIRST, count, steps, outputSize);
        return new Dataset(kind, layout, seqLen, inputSize, outputSize, x.clone(), targets.clone(), null,
                count, 0, count);
    }

    /**
     * A classification data set: inputs and class labels (a cross-entropy kind).
     *
     * @param kind    {@link LossKind#CE_LAST} (labels {@code [count]}) or
     *                {@link LossKind#CE_EVERY_STEP} (labels per step, in {@code layout})
     * @param classes O, the number of classes; every label is in {@code [0, classes)}
     * @throws IllegalArgumentException naming the array whose length does not fit, the first
     *     non-finite input or the first label out of range
     */
    public static Dataset ofLabels(LossKind kind, Layout layout, int count, int seqLen, float[] x, int[] labels,
                                   int classes) {
        checkHeader(kind, layout, count, seqLen);
        if (!kind.classification()) {
            throw new IllegalArgumentException(kind + " scores float targets: use Dataset.of");
        }
        Args.positive("classes", classes);
        int inputSize = perStep("x", x, (long) count * seqLen);
        long expected = (long) count * kind.scoredSteps(seqLen);
        if (labels == null || labels.length != expected) {
            throw new IllegalArgumentException("labels must hold " + expected + " class indices (" + count
                    + " sequences" + (kind.everyStep() ? " x " + seqLen + " steps" : "") + "), got "
                    + (labels == null ? "null" : labels.length));
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("labels[" + i + "] must be in [0, " + classes + "), got " + labels[i]);
            }
        }
        checkFinite("x", x, layout, count, seqLen, inputSize);
        return new Dataset(kind, layout, seqLen, inputSize, classes, x.clone(), null, labels.clone(),
                count, 0, count);
    }

    private static void checkHeader(LossKind kind, Layout layout, int count, int seqLen) {
        if (kind == null || layout == null) {
            throw new IllegalArgumentException("loss kind and layout must be non-null, got " + kind + ", " + layout);
        }
        Args.positive("count", count);
        Args.positive("seqLen", seqLen);
    }

    /** The features per step that {@code a} holds for {@code positions} positions. */
    private static int perStep(String name, float[] a, long positions) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (a.length == 0 || a.length % positions != 0) {
            throw new IllegalArgumentException(name + " has " + a.length + " floats, which is not a positive multiple of "
                    + positions + " (its sequences x scored steps)");
        }
        return (int) (a.length / positions);
    }

    private static void checkFinite(String name, float[] a, Layout layout, int count, int steps, int features) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                int f = i % features;
                int position = i / features;
                int n = layout == Layout.BATCH_FIRST ? position / steps : position % count;
                int t = layout == Layout.BATCH_FIRST ? position % steps : position / count;
                throw new IllegalArgumentException(name + "[" + i + "] is " + a[i] + " (sequence " + n + ", step " + t
                        + ", feature " + f + "); data must be finite");
            }
        }
    }

    /**
     * Sequences {@code from .. to-1} as a data set of their own (a view: nothing is copied).
     *
     * @throws IllegalArgumentException unless {@code 0 <= from < to <= count()}
     */
    public Dataset subset(int from, int to) {
        if (from < 0 || to > count || from >= to) {
            throw new IllegalArgumentException("subset [" + from + ", " + to + ") must be a non-empty range within [0, "
                    + count + ")");
        }
        return new Dataset(kind, layout, seqLen, inputSize, outputSize, x, targets, labels, baseCount, first + from,
                to - from);
    }

    /**
     * This data set as a stream of batches of {@code batchSize} sequences for a {@link Trainer}:
     * epoch after epoch, each a fresh shuffle (a pure function of {@code seed} and the epoch)
     * in which every sequence appears once; an epoch's last batch holds the remainder when
     * {@code batchSize} does not divide {@link #count()}. There are
     * {@code ceil(count / batchSize)} batches per epoch.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    public BatchSource batches(int batchSize, long seed) {
        return new DatasetBatches(this, batchSize, seed, true);
    }

    /** Batches in the data set's order, for evaluation (same rules as {@link #batches}). */
    DatasetBatches inOrder(int batchSize) {
        return new DatasetBatches(this, batchSize, 0, false);
    }

    /** Number of sequences. */
    public int count() {
        return count;
    }

    /** T: steps per sequence. */
    public int seqLen() {
        return seqLen;
    }

    /** I: input features per step. */
    public int inputSize() {
        return inputSize;
    }

    /** O: outputs per scored position, or the number of classes. */
    public int outputSize() {
        return outputSize;
    }

    /** The loss kind the targets are for. */
    public LossKind lossKind() {
        return kind;
    }

    /** The layout the arrays were given in. */
    public Layout layout() {
        return layout;
    }

    /**
     * Writes sequences {@code index[from .. from + batch.batchSize())} of this view (or
     * {@code from ..} in order when {@code index} is null) into {@code batch}, time-major.
     */
    void fill(Batch batch, int[] index, int from) {
        int rows = batch.batchSize();
        layout.gather(x, first, baseCount, seqLen, inputSize, index, from, rows, batch.x());
        int steps = kind.scoredSteps(seqLen);
        // targets of the last step have no time axis: one row per sequence, whatever the layout
        Layout targetLayout = kind.everyStep() ? layout : Layout.BATCH_FIRST;
        if (kind.classification()) {
            targetLayout.gather(labels, first, baseCount, steps, index, from, rows, batch.labels());
        } else {
            targetLayout.gather(targets, first, baseCount, steps, outputSize, index, from, rows, batch.targets());
        }
    }

    /** A 64-bit hash of the view's sizes, kind and values in sequence order, computed once. */
    long fingerprint() {
        if (!fingerprinted) {
            long h = 0xcbf29ce484222325L;
            h = mix(h, kind.ordinal());
            h = mix(h, count);
            h = mix(h, seqLen);
            h = mix(h, inputSize);
            h = mix(h, outputSize);
            int steps = kind.scoredSteps(seqLen);
            Layout targetLayout = kind.everyStep() ? layout : Layout.BATCH_FIRST;
            for (int n = first; n < first + count; n++) {
                for (int t = 0; t < seqLen; t++) {
                    int off = layout.offset(n, t, baseCount, seqLen, inputSize);
                    for (int i = 0; i < inputSize; i++) {
                        h = mix(h, Float.floatToIntBits(x[off + i]));
                    }
                }
                for (int t = 0; t < steps; t++) {
                    if (kind.classification()) {
                        h = mix(h, labels[targetLayout.offset(n, t, baseCount, steps, 1)]);
                    } else {
                        int off = targetLayout.offset(n, t, baseCount, steps, outputSize);
                        for (int o = 0; o < outputSize; o++) {
                            h = mix(h, Float.floatToIntBits(targets[off + o]));
                        }
                    }
                }
            }
            fingerprint = h;
            fingerprinted = true;
        }
        return fingerprint;
    }

    // FNV-1a over 32-bit words: order-sensitive, and fast enough for a once-per-run pass
    private static long mix(long h, int v) {
        return (h ^ (v & 0xffffffffL)) * 0x100000001b3L;
    }

    /** One line: sizes, kind and fingerprint; what a checkpoint records about the data. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "data set of %d sequences (T=%d, I=%d, O=%d, %s), fingerprint %016x",
                count, seqLen, inputSize, outputSize, kind.name().toLowerCase(Locale.ROOT), fingerprint());
    }
}
