package dev.vecrnn.profile;

/**
 * Calls, time and flops per {@link Phase}, summed over every pass while installed with
 * {@link Profiling#install}. Additions happen once per layer and phase (never per timestep) and
 * are synchronized, so one instance may collect from several threads.
 */
public final class PhaseTotals {
    private final long[] calls = new long[Phase.ALL.length];
    private final long[] nanos = new long[Phase.ALL.length];
    private final long[] flops = new long[Phase.ALL.length];

    /** Adds one occurrence of {@code phase}. */
    public synchronized void add(Phase phase, long phaseNanos, long phaseFlops) {
        int i = phase.ordinal();
        calls[i]++;
        nanos[i] += phaseNanos;
        flops[i] += phaseFlops;
    }

    public synchronized long calls(Phase phase) {
        return calls[phase.ordinal()];
    }

    public synchronized long nanos(Phase phase) {
        return nanos[phase.ordinal()];
    }

    public synchronized long flops(Phase phase) {
        return flops[phase.ordinal()];
    }

    /** Sum of all phases' time. */
    public synchronized long totalNanos() {
        long s = 0;
        for (long v : nanos) {
            s += v;
        }
        return s;
    }

    /** Forgets everything collected so far (e.g. after warm-up). */
    public synchronized void reset() {
        java.util.Arrays.fill(calls, 0);
        java.util.Arrays.fill(nanos, 0);
        java.util.Arrays.fill(flops, 0);
    }
}
