package dev.vecrnn.cli;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.perf.BenchMode;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.ScalingSweep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn bench scaling}: the options of {@link ScalingSweep}, which runs one
 * configuration at every vector width and thread count, each point in a child JVM running
 * {@code bench rnn}.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = {"GFLOP/s of one configuration by vector width and thread count.",
            "Scalar, 128-, 256- and 512-bit paths, 1..N threads, each point in a fresh child JVM; writes",
            "DIR/scaling.md, scaling.json and scaling.png."})
final class ScalingCommand implements Callable<Integer> {
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--shape", defaultValue = "50x64x512x512", description = "TxBxIxH (default: ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--mode", defaultValue = "training", description = "inference or training (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--threads-max", description = "largest thread count (default: available processors)")
    Integer threadsMax;

    @Option(names = "--widths", defaultValue = "0,128,256,512", split = ",",
            description = "vector widths in bits, 0 = scalar (default: ${DEFAULT-VALUE}); widths above what this CPU supports are skipped")
    List<Integer> widths;

    @Option(names = "--out", description = "output folder (default: target/bench/scaling-<cell>-<shape>-<mode>-<time>)")
    Path out;

    @Mixin
    TimingOptions timing;

    @Override
    public Integer call() throws IOException {
        ScalingSweep.Config config = new ScalingSweep.Config(CellType.parse(cell), RnnShape.parse(shape), BenchMode.parse(mode),
                threadsMax == null ? Runtime.getRuntime().availableProcessors() : threadsMax, widths, timing.toTiming(), out,
                RnnTimeCommand.LAUNCHER);
        ScalingSweep.run(config, System.out, System.err);
        return 0;
    }
}
