package dev.vecrnn.train;

import java.lang.management.ManagementFactory;

/** Bytes the current thread allocates while running a piece of code (tests of the no-allocation rule). */
public final class AllocationProbe {
    private AllocationProbe() {}

    /** How long to keep measuring while the JIT has not yet compiled the code under test. */
    private static final long PATIENCE_NANOS = 30_000_000_000L;

    /**
     * Runs {@code body} {@code warmups} times, then measures the bytes allocated by {@code runs}
     * more runs. Until C2 has compiled the Vector API code it runs interpreted and boxes every
     * vector, so on a slow or loaded machine the first measurements see JIT warm-up, not the
     * code's steady state: measurement rounds repeat (for up to 30 s) until one allocates
     * nothing, and the smallest round is returned.
     */
    public static long bytesAllocated(int warmups, int runs, Runnable body) {
        for (int i = 0; i < warmups; i++) {
            body.run();
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        long best = Long.MAX_VALUE;
        do {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < runs; i++) {
                body.run();
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
        } while (best > 0 && System.nanoTime() < deadline);
        return best;
    }
}
