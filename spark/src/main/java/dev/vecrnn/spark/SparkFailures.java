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
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof IllegalArgumentException iae) {
                    throw iae;
                }
                if (c instanceof TrainingDivergedException d) {
                    throw d;
                }
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            // Scala declares no checked exceptions; a SparkException surfaces here
            throw new IllegalStateException("Spark job failed: " + e.getMessage(), e);
        }
    }
}
