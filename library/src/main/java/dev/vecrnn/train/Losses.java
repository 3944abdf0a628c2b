package dev.vecrnn.train;

import dev.vecrnn.kernel.Activations;
import dev.vecrnn.kernel.Blas1;

/**
 * Losses that turn a head's outputs into a scalar and its gradient: mean squared error and
 * softmax cross-entropy. Each returns the loss (accumulated in double) and writes
 * {@code dLoss/dOutput} into a caller-provided buffer, allocating nothing.
 *
 * <p>Both are means (over elements for MSE, over positions for cross-entropy), like PyTorch's
 * default {@code reduction='mean'}, so losses and gradients do not grow with batch size or
 * sequence length.
 */
public final class Losses {
    private Losses() {}

    /** Natural log of 2: divide a loss in nats by it to get bits. */
    public static final double LN2 = Math.log(2.0);

    /** A cross-entropy in nats expressed in bits. */
    public static double toBits(double nats) {
        return nats / LN2;
    }

    /**
     * Mean squared error {@code L = (1/n) sum_i (pred_i - target_i)^2} over {@code n} contiguous
     * elements, and {@code dPred_i = 2 (pred_i - target_i) / n}.
     *
     * <p>{@code dPred} may be the very region of {@code pred} or {@code target} (in place), but must
     * not partly overlap either.
     *
     * @return the loss, accumulated in double
     */
    public static double mse(int n, float[] pred, int offPred, float[] target, int offTarget,
                             float[] dPred, int offDPred) {
        Args.positive("n", n);
        Args.floats("pred", pred, offPred, n);
        Args.floats("target", target, offTarget, n);
        Args.floats("dPred", dPred, offDPred, n);
        Args.disjointOrSame("dPred", dPred, offDPred, n, n, "target", target, offTarget, n, n);
        Args.disjointOrSame("dPred", dPred, offDPred, n, n, "pred", pred, offPred, n, n);
        double sum = 0;
        float gradScale = (float) (2.0 / n);
        for (int i = 0; i < n; i++) {
            float diff = pred[offPred + i] - target[offTarget + i];
            sum += (double) diff * diff;
            dPred[offDPred + i] = gradScale * diff;
        }
        return sum / n;
    }

    /**
     * Softmax cross-entropy over {@code classes} logits per row, averaged over {@code rows}
     * positions: {@code L = (1/rows) sum_r [logsumexp(z_r) - z_r[label_r]]}, with
     * {@code dz_r = (softmax(z_r) - onehot(label_r)) / rows}.
     *
     * <p>Numerically stable: each row is shifted by its maximum before exponentiating, so no
     * finite logits overflow, and the softmax for the gradient reuses the same exponentials.
     * A NaN or infinite logit makes the loss NaN (it is never clamped).
     *
     * <p>{@code dLogits} may be the very region of {@code logits} (same array, offset and leading
     * dimension): the logits are then replaced by their gradient.
     *
     * @param logits  {@code [rows, classes]} with leading dimension {@code ldLogits}
     * @param labels  {@code rows} class indices in {@code [0, classes)} starting at {@code offLabels}
     * @param dLogits {@code [rows, classes]} with leading dimension {@code ldDLogits}, overwritten
     * @return the mean loss in nats, accumulated in double
     */
    public static double softmaxCrossEntropy(int rows, int classes, float[] logits, int offLogits, int ldLogits,
                                             int[] labels, int offLabels,
                                             float[] dLogits, int offDLogits, int ldDLogits) {
        Args.positive("rows", rows);
        Args.positive("classes", classes);
        Args.matrix("logits", logits, offLogits, rows, classes, ldLogits);
        Args.ints("labels", labels, offLabels, rows);
        Args.matrix("dLogits", dLogits, offDLogits, rows, classes, ldDLogits);
        Args.disjointOrSame("dLogits", dLogits, offDLogits, ldDLogits, Args.span(rows, classes, ldDLogits),
                "logits", logits, offLogits, ldLogits, Args.span(rows, classes, ldLogits));
        double total = 0;
        double invRows = 1.0 / rows;
        for (int r = 0; r < rows; r++) {
            int label = labels[offLabels + r];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("labels[" + (offLabels + r) + "] must be in [0, " + classes
                        + "), got " + label);
            }
            int rowZ = offLogits + r * ldLogits;
            int rowD = offDLogits + r * ldDLogits;
            float max = logits[rowZ];
            for (int j = 1; j < classes; j++) {
                float z = logits[rowZ + j];
                max = z > max ? z : max;
            }
            // Read before a possible in-place overwrite of the row; the same rounded shift the
            // exponential sees, so the loss is exactly -log of the softmax the gradient uses.
            float shiftedLabelLogit = logits[rowZ + label] - max;
            for (int j = 0; j < classes; j++) {
                dLogits[rowD + j] = logits[rowZ + j] - max;
            }
            Activations.exp(dLogits, rowD, dLogits, rowD, classes);
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += dLogits[rowD + j];
            }
            total += Math.log(sum) - shiftedLabelLogit;
            Blas1.scale(classes, (float) (invRows / sum), dLogits, rowD);
            dLogits[rowD + label] -= (float) invRows;
        }
        return total * invRows;
    }
}
