package dev.vecrnn.spark;

import dev.vecrnn.train.TrainingDivergedException;
import java.util.concurrent.Callable;

/**
 * Turns a failed Spark job back into the error that made it fail. Spark wraps a task's exception
 * in a {@code SparkException} ("Job aborted due to stage failure: ... most recent failure: ...")
 * after its retries, with the task's own exception, deserialised, as the cause: a clear error of
 * ours (an {@link IllegalArgumentException} naming the partition, a
 * {@link TrainingDivergedException} naming the step) is rethrown as it is, so that the caller
 * sees the same exception as in a local run.
 */
final class SparkFailures {
    private SparkFailures() {}

    /** Runs a Spark action and rethrows the error of ours a failed job carries. */
    static <T> T run(Callable<T> action) {
        try {
            return action.call();
        } catch (Exception e) {
            throw rethrown(e);
        }
    }

    /** The exception to throw for a failed job: ours from its causes, else {@code failure} itself (wrapped if checked). */
    static RuntimeException rethrown(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof IllegalArgumentException iae) {
                return iae;
            }
            if (c instanceof TrainingDivergedException d) {
                return d;
            }
        }
        if (failure instanceof RuntimeException re) {
            return re;
        }
        // Scala declares no checked exceptions; a SparkException surfaces here
        return new IllegalStateException("Spark job failed: " + failure.getMessage(), failure);
    }
}
