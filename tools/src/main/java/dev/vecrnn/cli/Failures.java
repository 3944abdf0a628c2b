package dev.vecrnn.cli;

import dev.vecrnn.mem.InsufficientMemoryException;
import dev.vecrnn.perf.Checks;
import dev.vecrnn.perf.MemoryEstimate;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * How the command line reports a failure: always one line on standard error,
 * {@code "vecrnn <command>: <what went wrong>"}, never a stack trace for a user's mistake, and an
 * exit code that says which kind of failure it was.
 *
 * <ul>
 *   <li>{@link #USER_ERROR} (2): a bad option, setting or file ({@link IllegalArgumentException},
 *   an {@link IOException} keeping its path and reason, a {@code -Dvecrnn.*} property a class
 *   rejected while loading);</li>
 *   <li>{@link #NO_RESOURCES} (3): not enough memory, found before allocating
 *   ({@link InsufficientMemoryException}) or not ({@link OutOfMemoryError}: the line gives the
 *   heap limit, the last estimate the command checked and the {@code -Xmx} flag to raise it), or
 *   no more threads from the operating system;</li>
 *   <li>{@link #INTERNAL_ERROR} (1): anything else is a bug in vecrnn: one line, and the full
 *   report (command line, versions, stack trace) in a file in the system's temporary folder,
 *   {@code vecrnn-<command>-error-<time>-<random>.txt}, whose path the line gives so it can be
 *   attached to a bug report.</li>
 * </ul>
 */
final class Failures {
    private Failures() {}

    /** Exit code of an internal error (a bug). */
    static final int INTERNAL_ERROR = 1;
    /** Exit code of a bad option, setting or file. */
    static final int USER_ERROR = 2;
    /** Exit code when memory or threads ran out. */
    static final int NO_RESOURCES = 3;

    private static final String THREADS_FAILED = "unable to create native thread";

    /**
     * Prints the line for {@code failure} of {@code command} to {@code err} and returns the exit
     * code.
     *
     * @param command the command's full name, e.g. {@code "vecrnn bench rnn"}
     * @param args    the command line, for the report file of an internal error
     */
    static int report(Throwable failure, String command, List<String> args, PrintWriter err) {
        String prefix = command + ": ";
        InsufficientMemoryException memory = find(failure, InsufficientMemoryException.class);
        if (memory != null) {
            err.println(prefix + oneLine(memory.getMessage()));
            return NO_RESOURCES;
        }
        OutOfMemoryError oom = find(failure, OutOfMemoryError.class);
        if (oom != null) {
            String m = oom.getMessage() == null ? "" : oom.getMessage();
            err.println(prefix + (m.contains(THREADS_FAILED) ? threadsLine(m) : heapLine(m, MemoryEstimate.last())));
            return NO_RESOURCES;
        }
        String setting = rejectedSetting(failure);
        if (setting != null) {
            return reportSetting(setting, command, err);
        }
        if (failure instanceof IllegalArgumentException) {
            err.println(prefix + oneLine(failure.getMessage()));
            return USER_ERROR;
        }
        IOException io = failure instanceof UncheckedIOException u ? u.getCause() : failure instanceof IOException i ? i : null;
        if (io != null) {
            err.println(prefix + oneLine(Checks.reason(io)));
            return USER_ERROR;
        }
        err.println(prefix + internalLine(failure, command, args));
        return INTERNAL_ERROR;
    }

    /** Reports a rejected {@code -Dvecrnn.*} setting: one line saying where such settings come from. */
    static int reportSetting(String message, String command, PrintWriter err) {
        err.println(command + ": " + oneLine(message) + " (a -D setting of the JVM; for the vecrnn scripts it comes from "
                + "VECRNN_JAVA_OPTS)");
        err.flush();
        return USER_ERROR;
    }

    /** The first throwable of type {@code type} in the cause chain of {@code t}, or null. */
    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /**
     * The message of an {@link IllegalArgumentException} that made a class fail to load (a static
     * initialiser that read an invalid system property, such as {@code vecrnn.vectorBits}, which the
     * message names), or null. The first use of such a class throws {@link ExceptionInInitializerError} with the
     * exception as its cause; later uses {@link NoClassDefFoundError}, whose cause names it only
     * in its message.
     */
    static String rejectedSetting(Throwable t) {
        Throwable e = t instanceof NoClassDefFoundError && t.getCause() instanceof ExceptionInInitializerError i ? i : t;
        if (!(e instanceof ExceptionInInitializerError)) {
            return null;
        }
        String message;
        if (e.getCause() instanceof IllegalArgumentException iae) {
            message = iae.getMessage();
        } else {
            String m = e.getMessage();
            String marker = IllegalArgumentException.class.getName() + ": ";
            int at = m == null ? -1 : m.indexOf(marker);
            if (at < 0) {
                return null;
            }
            message = m.substring(at + marker.length());
            int thread = message.lastIndexOf(" [in thread ");
            message = thread >= 0 ? message.substring(0, thread) : message;
        }
        // only a rejected vecrnn.* property is the user's to fix; anything else failing there is a bug
        return message != null && message.contains("vecrnn.") ? message : null;
    }

    private static String threadsLine(String message) {
        return "the operating system refused to start another thread (" + message + "); use fewer --threads or "
                + "--jobs, stop other programs, or raise the limit on processes (ulimit -u) or on memory";
    }

    private static String heapLine(String message, MemoryEstimate.Checked estimate) {
        long limit = Runtime.getRuntime().maxMemory();
        // without an estimate, twice the present limit is only a first step; with one, room for it on top
        long wanted = estimate == null ? 2 * limit : Math.max(2 * limit, estimate.bytes() + limit);
        String flag = "-Xmx" + ((wanted + (1L << 30) - 1) >> 30) + "g";
        return "out of memory (" + (message.isBlank() ? "Java heap" : message) + ") with a heap limit of "
                + MemoryEstimate.size(limit)
                + (estimate == null ? "; raise the limit, e.g. to twice as much: " + flag
                        : "; " + estimate.what() + " was estimated at " + MemoryEstimate.size(estimate.bytes())
                        + "; raise the limit, e.g. to that plus the present limit: " + flag)
                + " (for the vecrnn scripts: VECRNN_JAVA_OPTS=" + flag + ")";
    }

    private static String internalLine(Throwable failure, String command, List<String> args) {
        String what = failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + oneLine(failure.getMessage()));
        StringWriter trace = new StringWriter();
        try (PrintWriter w = new PrintWriter(trace)) {
            w.println("vecrnn " + String.join(" ", args));
            w.println("version: " + new Main.Version().getVersion()[0] + "; Java " + Runtime.version() + " ("
                    + System.getProperty("java.vendor") + "); " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "; " + Runtime.getRuntime().availableProcessors() + " processors");
            w.println();
            failure.printStackTrace(w);
        }
        try {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path file = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")),
                    command.replaceAll("[^A-Za-z0-9]+", "-") + "-error-" + stamp + "-", ".txt");
            Files.writeString(file, trace.toString(), StandardCharsets.UTF_8);
            return "internal error, a bug in vecrnn: " + what + "; the full report is in " + file
                    + " (please attach it to a bug report)";
        } catch (IOException | RuntimeException e) {
            // no report file: the trace is all there is, so print it rather than lose it
            return "internal error, a bug in vecrnn: " + what + "; could not write a report file ("
                    + e.getMessage() + "), so here is the trace:" + System.lineSeparator() + trace;
        }
    }

    /** {@code s} on one line (messages quoting a file's content may hold line breaks). */
    private static String oneLine(String s) {
        return s == null ? "(no message)" : s.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
