package dev.vecrnn.train;

import dev.vecrnn.kernel.Blas1;
import java.util.Arrays;

/**
 * The end of a recurrent network: a {@link Dense} head on the scored time steps of the
 * recurrent output {@code out[T, B, H]} (time-major, {@code (t*B + b)*H + h}) followed by the
 * loss its {@link LossKind} names. It turns {@code out} and the targets into the loss, the
 * head's parameter gradients and {@code dOut[T, B, H]}, the gradient the recurrent layers
 * backpropagate.
 *
 * <p>Scored rows are {@code rows = scoredSteps(T) * B} contiguous rows of {@code out} starting at
 * row {@code firstScoredStep(T) * B}. Targets: for MSE kinds, floats {@code [rows, O]}; for
 * cross-entropy kinds, class labels {@code [rows]} with {@code O} classes.
 *
 * <p>Holds two buffers of {@code rows * O} floats (outputs and their gradient), grown on the
 * first call of a larger shape and reused afterwards; not thread-safe.
 */
public final class LossHead {
    private final Dense dense;
    private final LossKind kind;
    private float[] outputs = new float[0];   // head outputs (predictions or logits) [rows, O]
    private float[] dOutputs = new float[0];  // dLoss/dOutputs [rows, O]

    /** A head that scores {@code dense}'s outputs by {@code kind}'s loss. */
    public LossHead(Dense dense, LossKind kind) {
        if (dense == null || kind == null) {
            throw new IllegalArgumentException("dense and kind must be non-null, got " + dense + ", " + kind);
        }
        this.dense = dense;
        this.kind = kind;
    }

    /** The dense layer. */
    public Dense dense() {
        return dense;
    }

    /** The loss and the scored steps. */
    public LossKind kind() {
        return kind;
    }

    /**
     * Applies the head to the scored steps of {@code out[T, B, H]} and returns the buffer that
     * holds the outputs, {@code [rows, O]} row-major in its first {@code rows*O} floats (valid until
     * the next call on this object). For the char model these are the logits to sample from.
     */
    public float[] forward(int seqLen, int batch, float[] out) {
        int rows = scoredRows(seqLen, batch);
        checkOut("out", out, seqLen, batch);
        ensureCapacity(rows);
        int h = dense.inputSize();
        dense.forward(rows, out, kind.firstScoredStep(seqLen) * batch * h, h, outputs, 0, dense.outputSize());
        return outputs;
    }

    /**
     * The loss of the network whose recurrent output is {@code out[T, B, H]}, without touching any
     * gradient: for evaluation.
     *
     * @param targets float targets {@code [rows, O]} for MSE kinds (else ignored, may be null)
     * @param labels  class labels {@code [rows]} for cross-entropy kinds (else ignored, may be null)
     */
    public double loss(int seqLen, int batch, float[] out, float[] targets, int[] labels) {
        forward(seqLen, batch, out);
        return lossOfOutputs(scoredRows(seqLen, batch), targets, 0, labels, 0);
    }

    /**
     * Forward and backward in one: returns the loss, accumulates the head's weight and bias
     * gradients, and writes {@code dOut[T, B, H]} (overwritten in full: zero at unscored steps).
     */
    public double forwardBackward(int seqLen, int batch, float[] out, float[] targets, int[] labels,
                                  float[] dOut) {
        return forwardBackward(seqLen, batch, out, targets, 0, labels, 0, dOut);
    }

    /**
     * {@link #forwardBackward(int, int, float[], float[], int[], float[])} with the targets
     * starting at {@code targetsOffset} (floats) and the labels at {@code labelsOffset}: for a
     * chunk of a longer sequence (truncated BPTT), whose targets sit inside the whole sequence's.
     */
    public double forwardBackward(int seqLen, int batch, float[] out, float[] targets, int targetsOffset,
                                  int[] labels, int labelsOffset, float[] dOut) {
        return forwardBackward(seqLen, batch, out, targets, targetsOffset, labels, labelsOffset, dOut, 1f);
    }

    /**
     * {@link #forwardBackward(int, int, float[], float[], int, int[], int, float[])} for the
     * gradient of {@code gradientScale} times the loss: the head's gradients and {@code dOut} are
     * scaled (the returned loss is not). Micro-batch {@code p} of a batch of {@code B} sequences
     * uses {@code B_p / B}, so that the micro-batches' gradients sum to the gradient of the whole
     * batch's mean loss. A scale of exactly 1 costs nothing and changes no bit.
     */
    public double forwardBackward(int seqLen, int batch, float[] out, float[] targets, int targetsOffset,
                                  int[] labels, int labelsOffset, float[] dOut, float gradientScale) {
        if (!(gradientScale >= 0) || !Float.isFinite(gradientScale)) {
            throw new IllegalArgumentException("gradient scale must be finite and >= 0, got " + gradientScale);
        }
        checkOut("dOut", dOut, seqLen, batch);
        if (dOut == out) {
            throw new IllegalArgumentException("dOut must be a different array from out");
        }
        forward(seqLen, batch, out);
        int rows = scoredRows(seqLen, batch);
        double loss = lossOfOutputs(rows, targets, targetsOffset, labels, labelsOffset);
        if (gradientScale != 1f) {
            Blas1.scale(rows * dense.outputSize(), gradientScale, dOutputs, 0);
        }
        int h = dense.inputSize();
        int first = kind.firstScoredStep(seqLen) * batch * h;
        Arrays.fill(dOut, 0, first, 0f);
        dense.backward(rows, out, first, h, dOutputs, 0, dense.outputSize(), dOut, first, h);
        return loss;
    }

    private double lossOfOutputs(int rows, float[] targets, int targetsOffset, int[] labels, int labelsOffset) {
        int o = dense.outputSize();
        if (kind.classification()) {
            Args.ints("labels", labels, labelsOffset, rows);
            return Losses.softmaxCrossEntropy(rows, o, outputs, 0, o, labels, labelsOffset, dOutputs, 0, o);
        }
        Args.floats("targets", targets, targetsOffset, (long) rows * o);
        return Losses.mse(rows * o, outputs, 0, targets, targetsOffset, dOutputs, 0);
    }

    private int scoredRows(int seqLen, int batch) {
        Args.positive("seqLen", seqLen);
        Args.positive("batch", batch);
        long rows = (long) kind.scoredSteps(seqLen) * batch;
        if (rows * Math.max(dense.inputSize(), dense.outputSize()) > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("seqLen " + seqLen + " x batch " + batch + " too large for one array");
        }
        return (int) rows;
    }

    private void checkOut(String name, float[] a, int seqLen, int batch) {
        long need = (long) seqLen * batch * dense.inputSize();
        if (a == null || a.length < need) {
            throw new IllegalArgumentException(name + " must hold [T=" + seqLen + ", B=" + batch + ", H="
                    + dense.inputSize() + "] = " + need + " floats, got " + (a == null ? "null" : a.length));
        }
    }

    private void ensureCapacity(int rows) {
        int need = rows * dense.outputSize();
        if (outputs.length < need) {
            outputs = new float[need];
            dOutputs = new float[need];
        }
    }
}
