package dev.vecrnn.cli;

import dev.vecrnn.perf.Timing;
import picocli.CommandLine.Option;

/**
 * The timing options of {@code bench rnn}, {@code bench scaling} and {@code bench compare-pytorch}:
 * the command-line face of {@link Timing} (whose defaults these are).
 */
final class TimingOptions {
    @Option(names = "--warmup-ms", description = "minimum warm-up time per try in ms (default: ${DEFAULT-VALUE})")
    long warmupMs = Timing.DEFAULT.warmupMs();

    @Option(names = "--min-warmup-iters", description = "minimum warm-up steps (default: ${DEFAULT-VALUE})")
    int minWarmupIters = Timing.DEFAULT.minWarmupIters();

    @Option(names = "--reps", description = "minimum timed steps (default: ${DEFAULT-VALUE})")
    int reps = Timing.DEFAULT.reps();

    @Option(names = "--min-ms", description = "minimum timed window in ms (default: ${DEFAULT-VALUE})")
    long minMs = Timing.DEFAULT.minMs();

    @Option(names = "--max-iters", description = "maximum timed steps (default: ${DEFAULT-VALUE})")
    int maxIters = Timing.DEFAULT.maxIters();

    @Option(names = "--tries", description = "timed windows at most, if a window is noisy (default: ${DEFAULT-VALUE})")
    int tries = Timing.DEFAULT.tries();

    @Option(names = "--max-foreign", description = "cores other processes may use during a clean window (default: ${DEFAULT-VALUE})")
    double maxForeign = Timing.DEFAULT.maxForeign();

    @Option(names = "--max-iqr", description = "largest IQR/median of a clean window (default: ${DEFAULT-VALUE})")
    double maxIqr = Timing.DEFAULT.maxIqr();

    /**
     * The validated settings.
     *
     * @throws IllegalArgumentException naming a bad option
     */
    Timing toTiming() {
        return new Timing(warmupMs, minWarmupIters, reps, minMs, maxIters, tries, maxForeign, maxIqr);
    }
}
