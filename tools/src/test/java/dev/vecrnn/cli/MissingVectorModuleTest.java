package dev.vecrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} must fall back to the scalar
 * kernels with one warning that says what to add, and still compute: never crash.
 */
class MissingVectorModuleTest {

    @Test
    void fallsBackToScalarWithOneClearWarning() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.vecrnn.cli.Main", "info"));
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code; stderr: %s", err).isZero();
        assertThat(out).containsPattern("vector.kernels\\s+scalar");
        assertThat(err).contains("--add-modules jdk.incubator.vector");
        assertThat(err.split("--add-modules jdk.incubator.vector", -1)).hasSize(2);
    }
}
