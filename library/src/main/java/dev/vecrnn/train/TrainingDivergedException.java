package dev.vecrnn.train;

/**
 * Training diverged: a loss or gradient norm turned NaN or infinite, or grew beyond the
 * {@link DivergenceBound} relative to the start of the run. The {@link Trainer} (and
 * {@link Model#fit}) stops rather than clamp or carry on: such a value means the run has already
 * gone wrong (learning rate too high, exploding gradients, bad data), and carrying on would only
 * hide where.
 *
 * <p>The message names the step (and chunk, under truncated BPTT), the quantity and its value,
 * large numbers in scientific notation. The failing update is not applied: after a failure in a
 * full-sequence step the parameters are those after the previous step (under truncated BPTT,
 * after the previous chunk).
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The failing step. */
    private final long step;
    /** {@code "loss"} or {@code "gradient norm"}. */
    private final String quantity;
    /** The value that stopped the run. */
    private final double value;

    TrainingDivergedException(long step, String quantity, double value, String message) {
        super(message);
        this.step = step;
        this.quantity = quantity;
        this.value = value;
    }

    /** The 0-based index of the step that failed (also the number of steps completed before it). */
    public long step() {
        return step;
    }

    /** What diverged: {@code "loss"} or {@code "gradient norm"}. */
    public String quantity() {
        return quantity;
    }

    /** The value that stopped the run (NaN, infinite, or beyond the bound). */
    public double value() {
        return value;
    }
}
