package dev.vecrnn.spark;

import java.io.Serializable;

/**
 * Everything the executors need to know about a distributed training run, shipped with every
 * Spark job of the run: which replicas to use ({@code runId}), how to build the model and the
 * data, how the global batch is shared, and, for local SGD, how the replicas train on their own.
 *
 * @param runId          names the run's replicas in each executor's cache
 * @param dataIdentity   the driver's {@code BatchSource.identity()}, which the executors' sources must have
 * @param batchSize      B, the driver's source's batch size
 * @param partitions     P, the partitions (tasks) of every job
 * @param threadsPerTask the thread team of each replica
 * @param local          local SGD's settings, or null for synchronous training
 */
record RunSpec(String runId, ModelSpec model, BatchSourceFactory data, String dataIdentity, int batchSize,
               int partitions, int threadsPerTask, LocalSgd local) implements Serializable {

    /**
     * How local SGD's replicas train between averagings: as a {@code Trainer} with these
     * settings (the schedule in {@code LearningRateSchedule}'s text form).
     */
    record LocalSgd(OptimizerFactory optimizer, String schedule, double clipNorm, double lossFactor,
                    double gradientNormFactor) implements Serializable {}
}
