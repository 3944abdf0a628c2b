package dev.vecrnn.train;

/**
 * Training produced a NaN or infinite loss or gradient norm. The {@link Trainer} stops rather
 * than clamp: a non-finite value means the run has already gone wrong (learning rate too high,
 * exploding gradients, bad data), and carrying on would only hide where.
 *
 * <p>The message names the step (and chunk, under truncated BPTT) and the offending quantity.
 * The failing update is not applied: after a failure in a full-sequence step the parameters are
 * those after the previous step (under truncated BPTT, after the previous chunk).
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long step;

    TrainingDivergedException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** The 0-based index of the step that failed (also the number of steps completed before it). */
    public long step() {
        return step;
    }
}
