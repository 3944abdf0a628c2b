package dev.vecrnn.spark;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.train.BatchSource;
import dev.vecrnn.train.Model;

/**
 * An executor's copy of a run's model and data for one partition: built once per executor JVM
 * and partition (see {@link Replicas}), then reused by every job of the run, so that the layer's
 * workspace and packed buffers are carved once. It holds no training state of its own: every
 * task first overwrites its weights with the driver's.
 */
final class Replica implements AutoCloseable {
    final ThreadTeam team;
    final Model model;
    /** The run's global batches, built here by the run's factory. */
    final BatchSource global;
    /** This partition's share of every global batch. */
    final ShareSource share;

    Replica(RunSpec spec, int partition) {
        this.team = new ThreadTeam(spec.threadsPerTask());
        try {
            this.global = spec.data().create();
            spec.model().checkSource(global, spec.dataIdentity(), spec.batchSize(),
                    "partition " + partition + " of " + spec.partitions());
            this.model = spec.model().build(team);
            this.share = new ShareSource(global, partition, spec.partitions());
        } catch (RuntimeException | Error e) {
            team.close();
            throw e;
        }
    }

    @Override
    public void close() {
        team.close();
    }
}
