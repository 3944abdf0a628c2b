package dev.vecrnn.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Runs a measurement in a process of its own (a JVM with a chosen vector width, or Python) and
 * reads the one JSON line it prints. The vector width is a {@code static final} decided when the
 * kernels load, so each width needs its own JVM.
 */
final class ChildProcess {
    private ChildProcess() {}

    record Outcome(int exitCode, String stdout, String stderr) {}

    /**
     * The command line of a child JVM running {@code main} with {@code mainArgs}: this JVM's
     * java binary, class or module path and flags (minus any vector-width, thread-count, agent or
     * debugger settings), the Vector API module, and {@code -Dvecrnn.vectorBits=vectorBits} when
     * {@code vectorBits} is not null.
     */
    static List<String> javaCommand(Class<?> main, Integer vectorBits, List<String> mainArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        boolean haveVector = false;
        List<String> inherited = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < inherited.size(); i++) {
            String a = inherited.get(i);
            if (a.startsWith("-Dvecrnn.vectorBits=") || a.startsWith("-Dvecrnn.threads=") || a.startsWith("-agentlib")
                    || a.startsWith("-javaagent") || a.startsWith("-Xrunjdwp") || a.startsWith("-Djava.class.path=")
                    || a.startsWith("-Dsun.java.command=")) {
                continue;
            }
            haveVector |= a.contains("jdk.incubator.vector");
            cmd.add(a);
        }
        if (!haveVector) {
            cmd.add("--add-modules=jdk.incubator.vector");
        }
        if (vectorBits != null) {
            cmd.add("-D" + dev.vecrnn.kernel.VectorSupport.BITS_PROPERTY + "=" + vectorBits);
        }
        String modulePath = System.getProperty("jdk.module.path");
        String classPath = System.getProperty("java.class.path");
        if (modulePath != null && !modulePath.isEmpty() && main.getModule().isNamed()) {
            cmd.add("--module-path");
            cmd.add(modulePath);
            if (classPath != null && !classPath.isEmpty()) {
                cmd.add("-cp");
                cmd.add(classPath);
            }
            cmd.add("-m");
            cmd.add(main.getModule().getName() + "/" + main.getName());
        } else {
            cmd.add("-cp");
            cmd.add(classPath);
            cmd.add(main.getName());
        }
        cmd.addAll(mainArgs);
        return cmd;
    }

    /** Runs {@code command} with the environment changed as given; stdout and stderr are captured. */
    static Outcome run(List<String> command, Map<String, String> setEnv, Collection<String> unsetEnv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeAll(unsetEnv);
        pb.environment().putAll(setEnv);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = Thread.ofPlatform().daemon().start(() -> copy(p.getErrorStream(), err));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int code = p.waitFor();
            errReader.join();
            return new Outcome(code, out, err.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + command.getFirst(), e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The last line of stdout that is a JSON object; on a non-zero exit or no such line, an
     * IOException naming {@code what} with the end of stderr (minus the incubator-module banner).
     */
    static JsonNode jsonResult(Outcome o, String what) throws IOException {
        String json = null;
        for (String line : o.stdout().split("\n")) {
            if (line.startsWith("{")) {
                json = line;
            }
        }
        if (o.exitCode() != 0 || json == null) {
            StringBuilder msg = new StringBuilder(what).append(" failed (exit code ").append(o.exitCode()).append(")");
            String err = stderrTail(o.stderr());
            if (!err.isEmpty()) {
                msg.append(": ").append(err);
            }
            throw new IOException(msg.toString());
        }
        return new ObjectMapper().readTree(json);
    }

    /** The last few meaningful lines of a child's stderr, on one line. */
    static String stderrTail(String stderr) {
        List<String> lines = new ArrayList<>();
        for (String l : stderr.split("\n")) {
            if (!l.isBlank() && !l.contains("Using incubator modules")) {
                lines.add(l.trim());
            }
        }
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 6), lines.size()));
    }
}
