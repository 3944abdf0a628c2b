package dev.vecrnn.perf;

/**
 * A plain {@link System#nanoTime} harness for one step function in a JVM of its own (the
 * commands start a fresh JVM per configuration, so JIT state never carries over). JMH is the
 * tool for the suite ({@code scripts/bench}); this harness exists so that one command can sweep
 * vector widths, which are fixed per JVM, and interleave runs with another framework.
 */
final class StepTimer {
    private StepTimer() {}

    /** One timed window: per-step times and how clean the window was. */
    record Window(double[] timesMs, int warmupIters, double foreignCores, int tries) {
        double medianMs() {
            return Stats.median(timesMs);
        }

        double iqrOverMedian() {
            return Stats.iqrOverMedian(timesMs);
        }

        boolean clean(Timing o) {
            return !(foreignCores > o.maxForeign()) && iqrOverMedian() <= o.maxIqr();
        }

        /** Cleaner first (no foreign load, then low noise), then faster. */
        boolean betterThan(Window other, Timing o) {
            boolean f1 = foreignCores > o.maxForeign();
            boolean f2 = other.foreignCores > o.maxForeign();
            if (f1 != f2) {
                return !f1;
            }
            boolean n1 = iqrOverMedian() > o.maxIqr();
            boolean n2 = other.iqrOverMedian() > o.maxIqr();
            if (n1 != n2) {
                return !n1;
            }
            return medianMs() < other.medianMs();
        }
    }

    /** Times {@code step}; {@link Window#tries} is the number of windows it took to get a clean one (or all tried). */
    static Window time(Runnable step, Timing o) {
        Window best = null;
        int attempts = 0;
        while (attempts < o.tries()) {
            Window w = once(step, o);
            attempts++;
            if (best == null || w.betterThan(best, o)) {
                best = w;
            }
            if (w.clean(o)) {
                break;
            }
        }
        return new Window(best.timesMs(), best.warmupIters(), best.foreignCores(), attempts);
    }

    private static Window once(Runnable step, Timing o) {
        long t0 = System.nanoTime();
        int warm = 0;
        // Warm-up is bounded by time, not count: the JIT needs time to compile whatever the size.
        while (warm < o.minWarmupIters() || System.nanoTime() - t0 < o.warmupMs() * 1_000_000L) {
            step.run();
            warm++;
        }
        double[] times = new double[o.maxIters()]; // allocated before timing: nothing allocates in the timed loop
        int n = 0;
        CpuMeter cpu = CpuMeter.start();
        long start = System.nanoTime();
        while (n < o.reps() || (System.nanoTime() - start < o.minMs() * 1_000_000L && n < o.maxIters())) {
            long a = System.nanoTime();
            step.run();
            times[n++] = (System.nanoTime() - a) * 1e-6;
        }
        double foreign = cpu.foreignCores();
        return new Window(java.util.Arrays.copyOf(times, n), warm, foreign, 1);
    }
}
