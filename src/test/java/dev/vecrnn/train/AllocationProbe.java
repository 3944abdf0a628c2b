package dev.vecrnn.train;

import java.lang.management.ManagementFactory;

/** Bytes the current thread allocates while running a piece of code (tests of the no-allocation rule). */
public final class AllocationProbe {
    private AllocationProbe() {}

    /** Runs {@code body} {@code warmups} times untimed, then returns the bytes allocated by {@code runs} more runs. */
    public static long bytesAllocated(int warmups, int runs, Runnable body) {
        for (int i = 0; i < warmups; i++) {
            body.run();
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < runs; i++) {
            body.run();
        }
        return mx.getCurrentThreadAllocatedBytes() - before;
    }
}
