package dev.vecrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vecrnn bench}: measurement commands (the JMH suite is {@code scripts/bench}). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure this machine: FMA peak, one configuration, width/thread scaling, PyTorch comparison.",
        subcommands = {PeakCommand.class, RnnTimeCommand.class, ScalingCommand.class, ComparePyTorchCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
