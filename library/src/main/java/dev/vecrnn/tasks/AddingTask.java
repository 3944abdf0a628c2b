package dev.vecrnn.tasks;

import dev.vecrnn.train.Batch;
import dev.vecrnn.train.LossKind;
import java.util.Arrays;

/**
 * The adding problem (Hochreiter &amp; Schmidhuber 1997, in the form of Le et al. 2015): two
 * input channels per step, a value uniform in {@code [0, 1)} and a marker that is 1 at exactly two
 * steps, one uniform in {@code [0, T/2)} and one uniform in {@code [T/2, T)} (integer division),
 * and 0 elsewhere. The target, predicted at the last step, is the sum of the two marked values.
 * Loss: MSE on the last step ({@link LossKind#MSE_LAST}, one output).
 *
 * <p>The first marker can be up to {@code T-1} steps before the prediction, so solving the task
 * needs memory over the whole sequence.
 *
 * <p><b>Baseline 1/6.</b> The target is {@code Y = U1 + U2} with {@code U1, U2} independent and
 * uniform on {@code [0, 1)}, so {@code E[Y] = 1} and {@code Var[Y] = 2 * Var[U] = 2 * 1/12 = 1/6}.
 * A predictor that ignores the inputs does best with the constant {@code E[Y] = 1}, whose MSE is
 * {@code E[(Y - 1)^2] = Var[Y] = 1/6 ≈ 0.1667}.
 *
 * <p><b>Success 0.01.</b> That is 6 % of the baseline: the network explains 94 % of the target's
 * variance. It also rules out half solutions: remembering only the second (more recent) marked
 * value and predicting {@code U2 + 1/2} leaves {@code Var[U1] = 1/12 ≈ 0.083}, eight times the
 * threshold, so only a network that holds the first value across the sequence gets below it.
 */
public final class AddingTask extends SeededTask {
    /** MSE of always predicting 1 (see the class description). */
    public static final double BASELINE_MSE = 1.0 / 6.0;
    /** MSE at or below which the task counts as solved (see the class description). */
    public static final double SUCCESS_MSE = 0.01;

    private final int seqLen;

    /** A stream of adding problems of {@code seqLen >= 2} steps, seeded with {@code seed}. */
    public AddingTask(int seqLen, long seed) {
        super(seed);
        if (seqLen < 2) {
            throw new IllegalArgumentException("seqLen must be >= 2 (one marker in each half), got " + seqLen);
        }
        this.seqLen = seqLen;
    }

    @Override
    public String name() {
        return "adding";
    }

    @Override
    public String describe() {
        return "adding problem, T=" + seqLen + " (seed " + seed() + ")";
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public int inputSize() {
        return 2;
    }

    @Override
    public int outputSize() {
        return 1;
    }

    @Override
    public LossKind lossKind() {
        return LossKind.MSE_LAST;
    }

    @Override
    void fill(Batch batch, SplitMix64 rng) {
        int b = batch.batchSize();
        float[] x = batch.x();
        float[] target = batch.targets();
        Arrays.fill(x, 0f);
        for (int t = 0; t < seqLen; t++) {
            for (int s = 0; s < b; s++) {
                x[(t * b + s) * 2] = rng.nextFloat();
            }
        }
        int half = seqLen / 2;
        for (int s = 0; s < b; s++) {
            int first = rng.nextInt(half);
            int second = half + rng.nextInt(seqLen - half);
            x[(first * b + s) * 2 + 1] = 1f;
            x[(second * b + s) * 2 + 1] = 1f;
            target[s] = x[(first * b + s) * 2] + x[(second * b + s) * 2];
        }
    }

    @Override
    public double baseline() {
        return BASELINE_MSE;
    }

    @Override
    public String baselineDescription() {
        return "always predict 1 (the mean of the sum), MSE = 1/6";
    }

    @Override
    public double successThreshold() {
        return SUCCESS_MSE;
    }
}
