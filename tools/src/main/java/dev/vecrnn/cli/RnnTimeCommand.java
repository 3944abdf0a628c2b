package dev.vecrnn.cli;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.perf.BenchMode;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.RnnTiming;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn bench rnn}: the options of {@link RnnTiming}, which times one configuration in
 * this JVM and prints one JSON line (the building block of {@code bench scaling} and
 * {@code bench compare-pytorch}, which start this command in child JVMs).
 */
@Command(name = "rnn", mixinStandardHelpOptions = true,
        description = {"Time one configuration in this JVM; print one JSON line.",
            "Fields: median/min/max ms per step, IQR/median, GFLOP/s, the vector width actually used and how",
            "much CPU other processes took during the timed window (foreign_cpu, in cores)."})
final class RnnTimeCommand implements Callable<Integer> {
    /** How a child JVM starts this command: {@code Main bench rnn}. */
    static final RnnTiming.Launcher LAUNCHER = new RnnTiming.Launcher(Main.class, List.of("bench", "rnn"));

    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--shape", defaultValue = "50x64x512x512", description = "TxBxIxH (default: ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--mode", defaultValue = "training", description = "inference or training (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--threads", description = "worker threads (default: available processors)")
    Integer threads;

    @Option(names = "--seed", defaultValue = "1", description = "seed of weights and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    TimingOptions timing;

    @Override
    public Integer call() {
        RnnTiming.Request request = new RnnTiming.Request(CellType.parse(cell), RnnShape.parse(shape), BenchMode.parse(mode),
                threads == null ? ThreadTeam.defaultThreads() : threads, seed, timing.toTiming());
        System.out.println(RnnTiming.measure(request));
        return 0;
    }
}
