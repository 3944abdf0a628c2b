package dev.vecrnn.spark;

import dev.vecrnn.train.TrainingDivergedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of vecrnn on Spark ({@code scripts/spark}, or {@code spark-submit --class
 * dev.vecrnn.spark.SparkMain}). A user's mistake (a bad option, a configuration that does not
 * fit, a file that cannot be read or written) and a diverged run end in one line on standard
 * error and exit code 2; anything else is a bug and keeps its stack trace (exit code 1).
 */
@Command(name = "vecrnn-spark", mixinStandardHelpOptions = true,
        description = "vecrnn on Apache Spark: data-parallel training and distributed sweeps.",
        subcommands = {TrainCommand.class, BenchCommand.class, CompareCommand.class, CompareResultsCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:internal error (a bug)", "2:invalid option or file, or training diverged",
            "3:compare-results: the studies differ (a run missing, or other numbers)"})
public final class SparkMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private SparkMain() {}

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with its failure handling, ready to execute. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            if (e instanceof IllegalArgumentException || e instanceof IOException
                    || e instanceof TrainingDivergedException) {
                cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
