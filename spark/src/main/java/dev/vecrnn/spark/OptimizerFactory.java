package dev.vecrnn.spark;

import dev.vecrnn.nn.Parameter;
import dev.vecrnn.train.Optimizer;
import java.io.Serializable;
import java.util.List;
import java.util.function.Function;

/**
 * Makes the optimizer over a model's parameters, as {@code Trainer.Builder.optimizer} takes it,
 * and serialisable, because local SGD's replicas on the executors make their own:
 * {@code ps -> new Adam(ps, 1e-3)}.
 */
@FunctionalInterface
public interface OptimizerFactory extends Function<List<Parameter>, Optimizer>, Serializable {}
