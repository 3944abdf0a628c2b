package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;

/**
 * How a layer's work splits over its thread team, and when splitting pays. Rows of the large
 * GEMMs split in granules of rows, the time loops by whole blocks of hidden units
 * ({@link PackedWeights#unitBlock}); no reduction is ever split, so results are bitwise the same
 * for any team size.
 */
final class TeamSplit {
    /** Rows of the row-split GEMMs per split granule. */
    static final int ROW_GRANULE = 8;
    /** Rows of the {@code D·G·H}-row weight-gradient GEMMs per split granule. */
    static final int GATE_ROW_GRANULE = 16;
    /**
     * Least work (flops) per timestep for which splitting the time loop over the team pays for
     * the barrier each step costs (about a microsecond even when every worker has a core).
     */
    private static final long MIN_FLOPS_PER_BARRIER = 200_000;
    /** Least work (flops) for which waking the team for one GEMM phase pays. */
    private static final long MIN_FLOPS_PER_RUN = 2_000_000;

    final ThreadTeam team;
    /** Thresholds of {@link #MIN_FLOPS_PER_BARRIER} / {@link #MIN_FLOPS_PER_RUN}; tests lower them. */
    private long minFlopsPerBarrier = MIN_FLOPS_PER_BARRIER;
    private long minFlopsPerRun = MIN_FLOPS_PER_RUN;

    TeamSplit(ThreadTeam team) {
        this.team = team;
    }

    /** Test hook: use the team for every phase, however small. */
    void alwaysParallel() {
        minFlopsPerBarrier = 0;
        minFlopsPerRun = 0;
    }

    /** Whether a time loop of B rows is worth splitting: more than one unit block and enough work per step. */
    boolean parallelLoop(LayerConf conf, int B, int unitBlock) {
        int blocks = (conf.hidden + unitBlock - 1) / unitBlock;
        return team.size() > 1 && blocks > 1
                && 2L * B * conf.dgh * conf.state >= minFlopsPerBarrier;
    }

    /** Whether a phase of {@code flops} is worth waking the team for. */
    boolean parallelRun(long flops) {
        return team.size() > 1 && flops >= minFlopsPerRun;
    }

    /** Runs {@code job} on the whole team, or alone on the calling thread as worker 0 of 1. */
    void run(ThreadTeam.Job job, boolean parallel) {
        if (parallel) {
            team.run(job);
        } else {
            job.run(0, 1);
        }
    }

    /** Waits for the other workers of a job, if it has any. */
    static void sync(ThreadTeam team, int workers) {
        if (workers > 1) {
            team.barrier();
        }
    }
}
