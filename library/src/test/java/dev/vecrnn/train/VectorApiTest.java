package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.kernel.VectorSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The public query a user asserts on: it reports what the kernels use, and in a JVM started
 * without {@code jdk.incubator.vector} it says so and names the flag for Surefire and exec.
 */
class VectorApiTest {

    /** Run in a child JVM: prints what {@link VectorApi} says there. */
    public static void main(String[] args) {
        System.out.println("enabled=" + VectorApi.enabled());
        System.out.println("readable=" + VectorApi.moduleReadable());
        System.out.println("bits=" + VectorApi.bits());
        System.out.println("status=" + VectorApi.status());
        try {
            VectorApi.requireEnabled();
            System.out.println("require=ok");
        } catch (IllegalStateException e) {
            System.out.println("require=" + e.getMessage());
        }
    }

    @Test
    void reportsWhatTheKernelsUseHere() {
        assertThat(VectorApi.enabled()).isEqualTo(VectorSupport.ENABLED);
        assertThat(VectorApi.moduleReadable()).isTrue();   // the test JVMs get the flag
        assertThat(VectorApi.bits()).isEqualTo(VectorSupport.BITS);
        if (VectorApi.enabled()) {
            assertThat(VectorApi.status()).startsWith("vector kernels, " + VectorApi.bits() + "-bit");
            VectorApi.requireEnabled();
        } else {
            assertThat(VectorApi.status()).contains("-Dvecrnn.vectorBits=0");
        }
    }

    @Test
    void withoutTheModuleItSaysWhereTheFlagGoes() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                VectorApiTest.class.getName()));
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("stderr: %s", err).isZero();
        assertThat(out).contains("enabled=false", "readable=false", "bits=0");
        String status = out.lines().filter(l -> l.startsWith("status=")).findFirst().orElseThrow();
        assertThat(status).contains("scalar kernels", "--add-modules jdk.incubator.vector",
                "<argLine>--add-modules=jdk.incubator.vector</argLine>", "mvn exec:java",
                "MAVEN_OPTS=--add-modules=jdk.incubator.vector", ".mvn/jvm.config", "exec:exec");
        assertThat(out).contains("require=" + status.substring("status=".length()));
        // the one warning on stderr says the same
        assertThat(err).contains("WARNING: vecrnn: " + status.substring("status=".length()));
    }
}
