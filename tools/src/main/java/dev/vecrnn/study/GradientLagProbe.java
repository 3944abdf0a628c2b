package dev.vecrnn.study;

import dev.vecrnn.nn.BackwardResult;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.ForwardResult;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Batch;
import dev.vecrnn.train.Task;
import dev.vecrnn.train.Dense;
import dev.vecrnn.train.LossHead;
import dev.vecrnn.train.LossKind;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * Measures how the gradient of the loss reaches back through time: the norm of
 * {@code ∂ℓ/∂h_t} as a function of the lag {@code k = T-1-t}, the number of steps between the
 * hidden state {@code h_t} and the scored last step. A vanishing gradient decays geometrically
 * with the lag (a straight line falling on a log axis); an exploding one grows.
 *
 * <p>{@link RecurrentLayer#backward} returns only the gradient of the initial state, so
 * {@code ∂ℓ/∂h_t} is taken by splitting the sequence at {@code t}: an inference pass over steps
 * {@code 0..t} gives {@code h_t} (and {@code c_t} for an LSTM) as its final state; a training pass
 * over steps {@code t+1..T-1} starts from that state, the loss is scored at its last step, and
 * backward returns {@code dh0 = ∂ℓ/∂h_t} (and {@code dc0 = ∂ℓ/∂c_t}). For lag 0 the gradient
 * is the head's gradient at {@code h_{T-1}} directly.
 *
 * <p>{@code ℓ} is the loss of the last step only (for tasks scored at every step, too), so the
 * lag is exactly the distance to the loss. Norms are per sequence: the head averages its loss
 * over the batch, so each sequence's gradient is scaled back by {@code B} before its Euclidean
 * norm is taken; the result is the mean over the batch of those norms.
 *
 * <p>The probe draws one batch at construction and reuses it, so profiles taken at
 * initialisation and after training see the same sequences. It adds into the layer's and the
 * head's parameter gradients (which a trainer clears at the start of each step) and overwrites
 * the layer's saved training state: call it between training steps, not inside one. Single-layer
 * networks only.
 */
public final class GradientLagProbe {
    private final RecurrentLayer layer;
    private final LossHead lastStepHead;
    private final int seqLen;
    private final int batchSize;
    private final int inputSize;
    private final int hidden;
    private final Batch batch;
    private final int targetsOffset;
    private final int labelsOffset;
    private final int[] lags;

    /** A profile: for each lag, the mean per-sequence norm of {@code ∂ℓ/∂h} and of {@code ∂ℓ/∂c}. */
    public record Profile(int[] lags, double[] hNorms, double[] cNorms) {}

    /**
     * @param layer     a single-layer network
     * @param head      its output layer (shared, not copied: the probe sees the current weights)
     * @param task      the data; one batch of {@code batchSize} is drawn from its current position
     * @param batchSize sequences to average over
     * @param lags      the lags to measure, each in {@code [0, T-1]}
     */
    GradientLagProbe(RecurrentLayer layer, Dense head, Task task, int batchSize, int[] lags) {
        if (layer.numLayers() != 1) {
            throw new IllegalArgumentException("gradient-vs-lag probe needs a single-layer network, got "
                    + layer.numLayers() + " layers");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("probe batch size must be >= 1, got " + batchSize);
        }
        this.layer = layer;
        this.seqLen = task.seqLen();
        this.batchSize = batchSize;
        this.inputSize = task.inputSize();
        this.hidden = layer.hiddenSize();
        LossKind kind = task.lossKind();
        this.lastStepHead = new LossHead(head, kind.classification() ? LossKind.CE_LAST : LossKind.MSE_LAST);
        this.batch = task.newBatch(batchSize);
        task.nextBatch(batch);
        int lastRow = kind.firstScoredStep(seqLen) == 0 ? (seqLen - 1) * batchSize : 0;
        this.targetsOffset = kind.classification() ? 0 : lastRow * task.outputSize();
        this.labelsOffset = kind.classification() ? lastRow : 0;
        for (int k : lags) {
            if (k < 0 || k >= seqLen) {
                throw new IllegalArgumentException("lag " + k + " outside [0, " + (seqLen - 1) + "]");
            }
        }
        this.lags = lags.clone();
    }

    /**
     * About {@code count} lags from 0 to {@code seqLen - 1}, evenly spaced and always including
     * both ends: enough to see a geometric decay without a pass per step.
     */
    public static int[] spacedLags(int seqLen, int count) {
        if (seqLen < 1 || count < 1) {
            throw new IllegalArgumentException("need seqLen >= 1 and count >= 1, got " + seqLen + ", " + count);
        }
        TreeSet<Integer> s = new TreeSet<>();
        s.add(0);
        s.add(seqLen - 1);
        for (int i = 1; i < count - 1; i++) {
            s.add((int) Math.round((double) i * (seqLen - 1) / (count - 1)));
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The profile at the layer's and head's current weights. */
    public Profile measure() {
        double[] hNorms = new double[lags.length];
        double[] cNorms = layer.cell() == CellType.LSTM ? new double[lags.length] : null;
        float[] x = batch.x();
        int stepFloats = batchSize * inputSize;
        int states = batchSize * hidden;
        boolean lstm = layer.cell() == CellType.LSTM;
        for (int i = 0; i < lags.length; i++) {
            int lag = lags[i];
            int t = seqLen - 1 - lag;
            float[] prefix = Arrays.copyOfRange(x, 0, (t + 1) * stepFloats);
            ForwardResult pre = layer.infer(prefix, t + 1, batchSize, null, null);
            float[] h = Arrays.copyOf(pre.hN(), states);
            float[] c = lstm ? Arrays.copyOf(pre.cN(), states) : null;
            if (lag == 0) {
                float[] dh = new float[states];
                lastStepHead.forwardBackward(1, batchSize, h, batch.targets(), targetsOffset, batch.labels(),
                        labelsOffset, dh);
                hNorms[i] = meanRowNorm(dh);
                if (lstm) {
                    // c_{T-1} reaches the loss only through h_{T-1}, which is held fixed here
                    cNorms[i] = 0;
                }
                continue;
            }
            float[] suffix = Arrays.copyOfRange(x, (t + 1) * stepFloats, seqLen * stepFloats);
            ForwardResult fr = layer.forward(suffix, lag, batchSize, h, c);
            float[] dOut = new float[lag * states];
            lastStepHead.forwardBackward(lag, batchSize, fr.out(), batch.targets(), targetsOffset, batch.labels(),
                    labelsOffset, dOut);
            BackwardResult br = layer.backward(dOut, null, null);
            hNorms[i] = meanRowNorm(br.dh0());
            if (lstm) {
                cNorms[i] = meanRowNorm(br.dc0());
            }
        }
        return new Profile(lags.clone(), hNorms, cNorms);
    }

    /** Mean over the batch of the Euclidean norm of each sequence's row, times B (see the class notes). */
    private double meanRowNorm(float[] g) {
        double sum = 0;
        for (int b = 0; b < batchSize; b++) {
            double sq = 0;
            for (int j = 0; j < hidden; j++) {
                double v = g[b * hidden + j];
                sq += v * v;
            }
            sum += Math.sqrt(sq);
        }
        return sum;  // (sum / B) * B: mean of norms of the per-sequence gradients
    }
}
