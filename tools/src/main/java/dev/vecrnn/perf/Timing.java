package dev.vecrnn.perf;

import java.util.List;

/**
 * How a step is timed, shared by {@code bench rnn}, {@code bench scaling} and
 * {@code bench compare-pytorch} (which hands the same settings to the PyTorch timer): warm up for
 * at least {@code warmupMs} and {@code minWarmupIters} steps, then time at least {@code reps}
 * steps and keep going until {@code minMs} have passed (at most {@code maxIters}). A window in
 * which other processes used more than {@code maxForeign} cores, or whose IQR exceeded
 * {@code maxIqr} of the median, is run again, up to {@code tries} times in all; the cleanest
 * window is reported.
 */
public record Timing(long warmupMs, int minWarmupIters, int reps, long minMs, int maxIters, int tries,
                     double maxForeign, double maxIqr) {

    /**
     * The defaults. Warm-up 4 s: on a 2-core machine C2 needs about 2.7 s to compile an LSTM's
     * training path (seen with -XX:+PrintCompilation), and 2 s once let a round be timed
     * half-compiled.
     */
    public static final Timing DEFAULT = new Timing(4000, 3, 10, 1000, 2000, 3, 0.1, 0.15);

    /**
     * Checks every setting, naming the command-line option of a bad one.
     *
     * @throws IllegalArgumentException naming the option, the rule and the value
     */
    public Timing {
        Checks.nonNegative("--warmup-ms", warmupMs);
        Checks.nonNegative("--min-warmup-iters", minWarmupIters);
        Checks.positive("--reps", reps);
        Checks.nonNegative("--min-ms", minMs);
        Checks.positive("--max-iters", maxIters);
        Checks.positive("--tries", tries);
        Checks.limit("--max-foreign", maxForeign);
        Checks.limit("--max-iqr", maxIqr);
        if (maxIters < reps) {
            throw new IllegalArgumentException("--max-iters (" + maxIters + ") must be >= --reps (" + reps + ")");
        }
    }

    /** The same settings as command-line arguments, for a child process (Java or Python). */
    public List<String> toArgs() {
        return List.of("--warmup-ms", Long.toString(warmupMs), "--min-warmup-iters", Integer.toString(minWarmupIters),
                "--reps", Integer.toString(reps), "--min-ms", Long.toString(minMs),
                "--max-iters", Integer.toString(maxIters), "--tries", Integer.toString(tries),
                "--max-foreign", Double.toString(maxForeign), "--max-iqr", Double.toString(maxIqr));
    }
}
