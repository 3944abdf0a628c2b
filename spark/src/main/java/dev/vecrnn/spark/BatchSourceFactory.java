package dev.vecrnn.spark;

import dev.vecrnn.train.BatchSource;
import java.io.Serializable;

/**
 * Builds a training run's {@link BatchSource} wherever it is needed: once on the driver and once
 * in every executor JVM that holds a replica of the model. It is serialised and shipped to the
 * executors, so it must be a serialisable lambda or class whose captured values are
 * serialisable (numbers, strings, a {@code Broadcast} of the data), e.g.
 * {@code () -> new AddingTask(50, 7).batches(64)}.
 *
 * <p>Every call must build the same stream: batch {@code i} must be the same everywhere, which
 * the executors check through {@link BatchSource#identity()}.
 */
@FunctionalInterface
public interface BatchSourceFactory extends Serializable {
    /** A new source of the run's global batches (B sequences each). */
    BatchSource create();
}
