package dev.vecrnn.train;

/**
 * When a training run counts as diverged although its numbers are still finite: a loss more than
 * {@code lossFactor} times the run's reference loss, or a gradient norm (before clipping) more
 * than {@code gradientNormFactor} times the reference norm. The references are the first
 * positive loss and gradient norm of the run (normally its first update's), kept across
 * checkpoints, so a resumed run applies the same bound. {@link Trainer} and {@link Model#fit}
 * then stop with a {@link TrainingDivergedException} naming the step and the value, before the
 * update is applied. NaN and infinite values stop a run whatever the bound.
 *
 * <p>{@link #DEFAULT}: a loss {@value #DEFAULT_LOSS_FACTOR}× and a gradient norm
 * {@value #DEFAULT_GRADIENT_NORM_FACTOR}× their first values. Measured on this project's tasks
 * (adding problem at T = 50 and 100, noisy sine, copy; tanh RNN, IRNN, relu RNN, LSTM, GRU at the
 * study's learning rates and at 10× them; with and without clipping; 400 to 800 Adam steps of
 * 32 sequences, H = 64), the largest loss of any run was 19× its first, and the largest gradient
 * norm of a run that still learned was 3.1e5× its first (an LSTM on the noisy sine at 10× its
 * learning rate, clipped: the norm is taken before clipping). The gradient bound leaves that
 * run 300× headroom and stops the one run whose gradient norm grew 1.2e15-fold (an unclipped LSTM
 * at 10× its learning rate, stuck at the adding problem's baseline); the loss bound leaves 500×
 * headroom and stops {@code compare --lr 1e6}, whose loss went from 1.66 to 7.4e14 in one step.
 * Use {@link #OFF} to disable, or your own factors.
 *
 * @param lossFactor         more than 1 ({@code Double.POSITIVE_INFINITY}: no bound on the loss)
 * @param gradientNormFactor more than 1 ({@code Double.POSITIVE_INFINITY}: no bound on the norm)
 */
public record DivergenceBound(double lossFactor, double gradientNormFactor) {
    /** The default bound on the loss, relative to the first. */
    public static final double DEFAULT_LOSS_FACTOR = 1e4;
    /** The default bound on the gradient norm, relative to the first. */
    public static final double DEFAULT_GRADIENT_NORM_FACTOR = 1e8;
    /** {@value #DEFAULT_LOSS_FACTOR}× the first loss, {@value #DEFAULT_GRADIENT_NORM_FACTOR}× the first gradient norm. */
    public static final DivergenceBound DEFAULT = new DivergenceBound(DEFAULT_LOSS_FACTOR, DEFAULT_GRADIENT_NORM_FACTOR);
    /** Only NaN and infinite values stop a run. */
    public static final DivergenceBound OFF = new DivergenceBound(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);

    /** Checks both factors. */
    public DivergenceBound {
        if (!(lossFactor > 1)) {
            throw new IllegalArgumentException("loss factor must be > 1 (infinity: no bound), got " + lossFactor);
        }
        if (!(gradientNormFactor > 1)) {
            throw new IllegalArgumentException("gradient norm factor must be > 1 (infinity: no bound), got "
                    + gradientNormFactor);
        }
    }

    /** {@code lossFactor,gradientNormFactor}, as checkpoints record it. */
    @Override
    public String toString() {
        return lossFactor + "," + gradientNormFactor;
    }
}
