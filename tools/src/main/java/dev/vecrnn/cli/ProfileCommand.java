package dev.vecrnn.cli;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.perf.Checks;
import dev.vecrnn.perf.Profiler;
import dev.vecrnn.perf.RnnShape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn profile}: the options of {@link Profiler}, which runs one configuration warm and
 * prints where a step's time goes, phase by phase, the bytes a warm step allocates and optionally
 * a JFR recording of the same steps.
 */
@Command(name = "profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Phase breakdown of one configuration: time share, GFLOP/s and %% of FMA peak per phase,",
            "bytes allocated per step, and optionally a JFR recording (vecrnn.* events) for JDK Mission Control.",
            "Times are wall-clock on this machine; flops are exact formulas (see the Profiling section of README.md)."})
final class ProfileCommand implements Callable<Integer> {
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--T", defaultValue = "50", description = "timesteps (default: ${DEFAULT-VALUE})")
    int T;

    @Option(names = "--B", defaultValue = "64", description = "batch (default: ${DEFAULT-VALUE})")
    int B;

    @Option(names = "--I", defaultValue = "512", description = "input size (default: ${DEFAULT-VALUE})")
    int I;

    @Option(names = "--H", defaultValue = "512", description = "hidden size (default: ${DEFAULT-VALUE})")
    int H;

    @Option(names = "--layers", defaultValue = "1", description = "stacked layers (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--train", description = "profile a training step (forward, backward, Adam update) instead of inference")
    boolean train;

    @Option(names = "--threads", description = "worker threads (default: available processors)")
    Integer threads;

    @Option(names = "--jfr", description = "also record the measured steps with JDK Flight Recorder into this .jfr file")
    Path jfr;

    @Option(names = "--seconds", defaultValue = "5", description = "measured time in seconds (default: ${DEFAULT-VALUE}; at least "
            + Profiler.MIN_STEPS + " steps)")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", description = {"warm-up time in seconds (default: ${DEFAULT-VALUE}); goes on while steps still get",
                "faster (no 5 %% gain for half as long) or still allocate, up to ten times as long"})
    double warmupSeconds;

    @Option(names = "--peak-gflops", description = {"FMA peak for the '%% peak' column (default: from target/bench/peak.json",
        "if `bench peak` wrote one at this vector width and thread count, else measured now, ~2 s)"})
    Double peakGflops;

    @Option(names = "--warmup-steps", defaultValue = "10", description = "fewest warm-up steps (default: ${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--seed", defaultValue = "1", description = "seed of weights and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws IOException {
        CellType c = CellType.parse(cell);
        RnnShape shape = new RnnShape(Checks.positive("--T", T), Checks.positive("--B", B), Checks.positive("--I", I),
                Checks.positive("--H", H));
        Profiler.run(new Profiler.Config(c, shape, layers, train, threads == null ? ThreadTeam.defaultThreads() : threads, jfr,
                seconds, warmupSeconds, warmupSteps, peakGflops, seed), System.out);
        return 0;
    }
}
