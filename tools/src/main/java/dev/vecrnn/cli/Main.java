package dev.vecrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code vecrnn} command line. */
@Command(name = "vecrnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Pure-Java RNN, LSTM and GRU engine on the JDK Vector API.",
        subcommands = {CompareCommand.class, InfoCommand.class, ParityCommand.Forward.class, ParityCommand.Backward.class, BenchCommand.class,
            ProfileCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                    || ex instanceof java.io.UncheckedIOException) {
                cmd.getErr().println("vecrnn " + cmd.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"vecrnn " + (v == null ? "(development build)" : v)};
        }
    }
}
