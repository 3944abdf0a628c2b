package dev.vecrnn.cli;

import dev.vecrnn.perf.BenchPaths;
import dev.vecrnn.perf.Peak;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vecrnn bench peak}: the options of {@link Peak}. */
@Command(name = "peak", mixinStandardHelpOptions = true,
        description = {"Measure this machine's FP32 FMA peak (GFLOP/s) for 1..N threads.",
            "Independent register-only FMA chains at the selected vector width (-Dvecrnn.vectorBits, default",
            "the widest); prints the median and spread of several repetitions and writes target/bench/peak.json,",
            "which scripts/bench reads for its '% peak' column."})
final class PeakCommand implements Callable<Integer> {
    @Option(names = "--threads-max", description = "largest thread count (default: available processors)")
    Integer threadsMax;

    @Option(names = "--reps", defaultValue = "7", description = "timed repetitions per thread count (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--rep-ms", defaultValue = "200", description = "approximate length of one repetition in ms (default: ${DEFAULT-VALUE})")
    int repMs;

    @Option(names = "--out", description = "JSON file to write (default: target/bench/peak.json of this build)")
    Path out;

    @Override
    public Integer call() throws IOException {
        int n = threadsMax == null ? Runtime.getRuntime().availableProcessors() : threadsMax;
        Peak.run(new Peak.Config(n, reps, repMs, out != null ? out : BenchPaths.peakFile()), System.out);
        return 0;
    }
}
