package dev.vecrnn.cli;

import dev.vecrnn.kernel.VectorSupport;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code vecrnn} command line. Every failure ends in one line on standard
 * error and an exit code ({@link Failures}); a command's options and the JVM's {@code vecrnn.*}
 * settings are checked before it does any work.
 */
@Command(name = "vecrnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Pure-Java RNN, LSTM and GRU engine on the JDK Vector API.",
        subcommands = {CompareCommand.class, InfoCommand.class, ParityCommand.Forward.class, ParityCommand.Backward.class, BenchCommand.class,
            ProfileCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:internal error (a bug; the message says where its report went)",
            "2:invalid option, setting or file", "3:not enough memory or threads"})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        List<String> argList = List.of(args);
        cl.setExecutionStrategy(Main::checkSettingsThenRun);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) ->
                Failures.report(ex, cmd.getCommandSpec().qualifiedName(), argList, cmd.getErr()));
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            // Errors (out of memory, a class whose initialiser rejected a setting) and failures of the
            // settings check pass picocli's handler: report them the same way
            int code = Failures.report(t, commandName(cl), argList, cl.getErr());
            cl.getErr().flush();
            return code;
        }
    }

    /**
     * Help and version requests need no kernels; any other command first makes the kernels check
     * their {@code vecrnn.*} settings (their class initialiser or first use throws for an invalid
     * one), so a bad setting fails before any work, and {@code info} included.
     */
    private static int checkSettingsThenRun(CommandLine.ParseResult parsed) {
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return help;
        }
        try {
            VectorSupport.describe();
        } catch (IllegalArgumentException e) {
            // thrown outside any command, so picocli's handler would print it with a trace
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            return Failures.reportSetting(e.getMessage(), leaf.commandSpec().qualifiedName(),
                    parsed.commandSpec().commandLine().getErr());
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** {@code "vecrnn bench rnn"}: the deepest command the arguments named, or {@code "vecrnn"}. */
    private static String commandName(CommandLine cl) {
        CommandLine.ParseResult p = cl.getParseResult();
        if (p == null) {
            return "vecrnn";
        }
        while (p.hasSubcommand()) {
            p = p.subcommand();
        }
        return p.commandSpec().qualifiedName();
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
