package dev.vecrnn.train;

import java.lang.management.ManagementFactory;

/** Bytes the current thread allocates while running a piece of code (tests of the no-allocation rule). */
public final class AllocationProbe {
    private AllocationProbe() {}

    /** Measured rounds before giving up on the JIT, unless {@link #PATIENCE_NANOS} has not passed yet. */
    private static final int MAX_ROUNDS = 20;
    /**
     * How long to keep measuring while rounds still allocate: rounds of fast code end long before
     * C2 has compiled it on a busy 2-core machine (a fresh CI JVM saw 75 KB per call of a vector
     * kernel after 20 rounds in 0.1 s), so the round count alone is not enough.
     */
    private static final long PATIENCE_NANOS = 15_000_000_000L;
    /** A round at or below this many bytes ends the search: the code is warm and allocation-free. */
    private static final long QUIET_BYTES = 256;

    /**
     * Runs {@code body} {@code warmups} times untimed, then measures the bytes allocated by
     * {@code runs} more runs; returns the smallest count over up to {@value #MAX_ROUNDS} such
     * rounds, or for up to {@link #PATIENCE_NANOS} if that is longer (fewer once a round is quiet).
     *
     * <p>Why the best of several rounds: Vector API code allocates a heap object per vector until
     * C2 has compiled it (interpreted, it boxes every vector), and C2 compiles in the background,
     * so on a loaded machine the first measured round can still run interpreted code. A real
     * allocation in the code under test shows in every round and still fails the caller.
     */
    public static long bytesAllocated(int warmups, int runs, Runnable body) {
        for (int i = 0; i < warmups; i++) {
            body.run();
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        for (int round = 0; best > QUIET_BYTES && (round < MAX_ROUNDS || System.nanoTime() < deadline); round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < runs; i++) {
                body.run();
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
        }
        return best;
    }
}
