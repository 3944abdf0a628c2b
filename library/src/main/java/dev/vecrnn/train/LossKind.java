package dev.vecrnn.train;

/**
 * Which loss a task is scored with, and at which time steps of the recurrent output
 * {@code out[T, B, H]} the head is applied.
 *
 * <p>Regression kinds compare the head's outputs with float targets by mean squared error;
 * classification kinds treat the head's outputs as logits and compare them with integer class
 * labels by softmax cross-entropy. "Last" kinds use only step {@code T-1} ({@code B} positions),
 * "every step" kinds use all {@code T*B} positions, time-major.
 */
public enum LossKind {
    /** MSE on the last step: targets {@code [B, O]}. */
    MSE_LAST(false, false),
    /** MSE on every step: targets {@code [T, B, O]}. */
    MSE_EVERY_STEP(false, true),
    /** Softmax cross-entropy on the last step: labels {@code [B]}. */
    CE_LAST(true, false),
    /** Softmax cross-entropy on every step: labels {@code [T, B]}. */
    CE_EVERY_STEP(true, true);

    private final boolean classification;
    private final boolean everyStep;

    LossKind(boolean classification, boolean everyStep) {
        this.classification = classification;
        this.everyStep = everyStep;
    }

    /** True for cross-entropy over class labels, false for MSE over float targets. */
    public boolean classification() {
        return classification;
    }

    /** True if every time step is scored, false if only the last one is. */
    public boolean everyStep() {
        return everyStep;
    }

    /** Number of scored time steps out of {@code seqLen}: {@code seqLen} or 1. */
    public int scoredSteps(int seqLen) {
        return everyStep ? seqLen : 1;
    }

    /**
     * The first scored time step: 0 for every-step kinds, {@code seqLen-1} otherwise. The scored
     * steps are contiguous, so the scored rows of {@code out[T, B, H]} start at row
     * {@code firstScoredStep(T)*B}.
     */
    public int firstScoredStep(int seqLen) {
        return everyStep ? 0 : seqLen - 1;
    }
}
