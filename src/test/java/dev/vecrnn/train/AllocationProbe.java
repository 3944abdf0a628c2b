package dev.vecrnn.train;

import java.lang.management.ManagementFactory;

/** Bytes the current thread allocates while running a piece of code (tests of the no-allocation rule). */
public final class AllocationProbe {
    private AllocationProbe() {}

    /** Most measured rounds before giving up on the JIT. */
    private static final int MAX_ROUNDS = 20;
    /** A round at or below this many bytes ends the search: the code is warm and allocation-free. */
    private static final long QUIET_BYTES = 256;

    /**
     * Runs {@code body} {@code warmups} times untimed, then measures the bytes allocated by
     * {@code runs} more runs; returns the smallest count over up to {@value #MAX_ROUNDS} such
     * rounds (fewer once a round is quiet).
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
        for (int round = 0; round < MAX_ROUNDS && best > QUIET_BYTES; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < runs; i++) {
                body.run();
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
        }
        return best;
    }
}
