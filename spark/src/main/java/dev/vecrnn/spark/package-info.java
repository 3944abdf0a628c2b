/**
 * vecrnn on Apache Spark: data-parallel training of a {@link dev.vecrnn.train.Model} over the
 * partitions of a Spark job ({@link dev.vecrnn.spark.DistributedTrainer}: synchronous, bit for
 * bit the single-process run that accumulates the same micro-batches, or local SGD that averages
 * the replicas every K steps), and sweeps of many independent training runs, one run per Spark
 * task. Spark is a provided dependency: a cluster brings its own.
 */
package dev.vecrnn.spark;
