package dev.vecrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vecrnn.mem.InsufficientMemoryException;
import dev.vecrnn.mem.MemoryBudget;
import dev.vecrnn.perf.MemoryEstimate;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How each kind of failure is reported: one line, the right exit code, and a report file for a bug. */
class FailuresTest {
    @TempDir
    Path tmp;

    record Reported(int code, String line) {}

    private static Reported report(Throwable t) {
        StringWriter s = new StringWriter();
        int code = Failures.report(t, "vecrnn forward", List.of("forward", "--cell", "lstm"), new PrintWriter(s, true));
        String line = s.toString();
        assertThat(line).as("one line").endsWith(System.lineSeparator());
        line = line.substring(0, line.length() - System.lineSeparator().length());
        assertThat(line).as("one line, no trace").doesNotContain("\n").doesNotContain("\tat ").startsWith("vecrnn forward: ");
        return new Reported(code, line);
    }

    @Test
    void userErrorsKeepTheirMessageAndExitTwo() {
        assertThat(report(new IllegalArgumentException("--threads must be >= 1, got 0")))
                .isEqualTo(new Reported(2, "vecrnn forward: --threads must be >= 1, got 0"));
        assertThat(report(new IllegalArgumentException("bad header\nin w.safetensors")).line())
                .isEqualTo("vecrnn forward: bad header | in w.safetensors");
    }

    @Test
    void fileSystemErrorsKeepPathAndReason() {
        assertThat(report(new NoSuchFileException("in/x.safetensors")))
                .isEqualTo(new Reported(2, "vecrnn forward: in/x.safetensors: no such file or folder"));
        assertThat(report(new UncheckedIOException(new AccessDeniedException("out/o.safetensors"))))
                .isEqualTo(new Reported(2, "vecrnn forward: out/o.safetensors: permission denied"));
        assertThat(report(new IOException("w.safetensors: header length 9000000000 exceeds the file")).line())
                .isEqualTo("vecrnn forward: w.safetensors: header length 9000000000 exceeds the file");
    }

    @Test
    void memoryRefusedBeforeAllocatingIsItsOwnLineAndExitThree() {
        Throwable refused = catchThrowable(() -> MemoryBudget.heap().check(4 * Runtime.getRuntime().maxMemory(),
                "forward of a test layer"));
        assertThat(refused).isInstanceOf(InsufficientMemoryException.class);
        Reported r = report(new RuntimeException("wrapped", refused));
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.line()).isEqualTo("vecrnn forward: " + refused.getMessage());
    }

    @Test
    void outOfMemoryAnywayGivesTheLimitTheLastEstimateAndTheFlag() {
        MemoryEstimate.check(1 << 20, "forward of a tiny test layer");
        Reported r = report(new OutOfMemoryError("Java heap space"));
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.line()).startsWith("vecrnn forward: out of memory (Java heap space) with a heap limit of ")
                .contains("; forward of a tiny test layer was estimated at 1.0 MiB; raise the limit, e.g. to that plus the "
                        + "present limit: -Xmx")
                .containsPattern("\\(for the vecrnn scripts: VECRNN_JAVA_OPTS=-Xmx[0-9]+g\\)$");
        Matcher m = Pattern.compile("-Xmx([0-9]+)g").matcher(r.line());
        assertThat(m.find()).isTrue();
        assertThat(Long.parseLong(m.group(1)) << 30).isGreaterThan(Runtime.getRuntime().maxMemory());
    }

    @Test
    void threadsTheSystemRefusesAreOneLine() {
        // the JDK's message when pthread_create fails
        Reported r = report(new OutOfMemoryError("unable to create native thread: possibly out of memory or "
                + "process/resource limits reached"));
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.line()).startsWith("vecrnn forward: the operating system refused to start another thread ("
                + "unable to create native thread").contains("use fewer --threads");
    }

    @Test
    void aSettingRejectedWhileAClassLoadsIsAUserError() {
        String message = "vecrnn.vectorBits must be 0, 128, 256 or 512, got 77";
        Reported first = report(new ExceptionInInitializerError(new IllegalArgumentException(message)));
        assertThat(first.code()).isEqualTo(2);
        assertThat(first.line()).startsWith("vecrnn forward: " + message + " (a -D setting").contains("VECRNN_JAVA_OPTS");
        // later uses of the class: NoClassDefFoundError, naming the first failure only in a message
        NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class dev.vecrnn.kernel.VectorSupport");
        later.initCause(new ExceptionInInitializerError("Exception java.lang.IllegalArgumentException: " + message
                + " [in thread \"main\"]"));
        assertThat(report(later)).isEqualTo(first);
        // a plain IllegalArgumentException from a check at first use (no class initialiser involved)
        assertThat(report(new IllegalArgumentException(message)).code()).isEqualTo(2);
    }

    @Test
    void anythingElseIsABugWithItsTraceInAReportFile() throws IOException {
        String oldTmp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
        Reported r;
        try {
            r = report(new IllegalStateException("A is null", new NullPointerException("inner")));
            // an initialiser failing for another reason than a vecrnn setting is a bug too
            assertThat(report(new ExceptionInInitializerError(new IllegalArgumentException("capacity < 0"))).code())
                    .isEqualTo(1);
        } finally {
            System.setProperty("java.io.tmpdir", oldTmp);
        }
        assertThat(r.code()).isEqualTo(1);
        Matcher m = Pattern.compile("^vecrnn forward: internal error, a bug in vecrnn: IllegalStateException: A is null; "
                + "the full report is in (\\S+) \\(please attach it to a bug report\\)$").matcher(r.line());
        assertThat(m.matches()).as(r.line()).isTrue();
        Path file = Path.of(m.group(1));
        assertThat(file.getParent()).isEqualTo(tmp);
        assertThat(file.getFileName().toString()).matches("vecrnn-forward-error-[0-9]{8}-[0-9]{6}-.*\\.txt");
        String text = Files.readString(file);
        assertThat(text).startsWith("vecrnn forward --cell lstm\nversion: vecrnn ")
                .contains("java.lang.IllegalStateException: A is null")
                .contains("at dev.vecrnn.cli.FailuresTest.anythingElseIsABugWithItsTraceInAReportFile")
                .contains("Caused by: java.lang.NullPointerException: inner");
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.count()).isEqualTo(2);
        }
    }
}
