package dev.vecrnn.cli;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * How a step is timed, shared by {@code bench rnn}, {@code bench scaling} and
 * {@code bench compare-pytorch} (which hands the same settings to the Python timer): warm up for
 * at least {@link #warmupMs} and {@link #minWarmupIters} steps, then time at least {@link #reps}
 * steps and keep going until {@link #minMs} have passed (at most {@link #maxIters}). A window in
 * which other processes used more than {@link #maxForeign} cores, or whose IQR exceeded
 * {@link #maxIqr} of the median, is run again, up to {@link #tries} times in all; the cleanest
 * window is reported.
 */
final class TimingOptions {
    /**
     * 4 s: on a 2-core machine C2 needs about 2.7 s to compile an LSTM's training path (seen with
     * -XX:+PrintCompilation), and 2 s once let a round be timed half-compiled.
     */
    @Option(names = "--warmup-ms", description = "minimum warm-up time per try in ms (default: ${DEFAULT-VALUE})")
    long warmupMs = 4000;

    @Option(names = "--min-warmup-iters", description = "minimum warm-up steps (default: ${DEFAULT-VALUE})")
    int minWarmupIters = 3;

    @Option(names = "--reps", description = "minimum timed steps (default: ${DEFAULT-VALUE})")
    int reps = 10;

    @Option(names = "--min-ms", description = "minimum timed window in ms (default: ${DEFAULT-VALUE})")
    long minMs = 1000;

    @Option(names = "--max-iters", description = "maximum timed steps (default: ${DEFAULT-VALUE})")
    int maxIters = 2000;

    @Option(names = "--tries", description = "timed windows at most, if a window is noisy (default: ${DEFAULT-VALUE})")
    int tries = 3;

    @Option(names = "--max-foreign", description = "cores other processes may use during a clean window (default: ${DEFAULT-VALUE})")
    double maxForeign = 0.1;

    @Option(names = "--max-iqr", description = "largest IQR/median of a clean window (default: ${DEFAULT-VALUE})")
    double maxIqr = 0.15;

    void validate() {
        positive("--reps", reps);
        positive("--tries", tries);
        positive("--max-iters", maxIters);
        if (warmupMs < 0 || minMs < 0 || minWarmupIters < 0) {
            throw new IllegalArgumentException("--warmup-ms, --min-ms and --min-warmup-iters must be >= 0");
        }
        if (maxIters < reps) {
            throw new IllegalArgumentException("--max-iters (" + maxIters + ") must be >= --reps (" + reps + ")");
        }
        if (!(maxForeign >= 0) || !(maxIqr >= 0)) {
            throw new IllegalArgumentException("--max-foreign and --max-iqr must be >= 0");
        }
    }

    private static void positive(String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    /** The same settings as command-line arguments, for a child process (Java or Python). */
    List<String> toArgs() {
        return List.of("--warmup-ms", Long.toString(warmupMs), "--min-warmup-iters", Integer.toString(minWarmupIters),
                "--reps", Integer.toString(reps), "--min-ms", Long.toString(minMs),
                "--max-iters", Integer.toString(maxIters), "--tries", Integer.toString(tries),
                "--max-foreign", Double.toString(maxForeign), "--max-iqr", Double.toString(maxIqr));
    }
}
