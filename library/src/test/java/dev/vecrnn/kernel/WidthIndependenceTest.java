package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The same training step gives the same bits at every vector width and on the scalar path
 * ({@code -Dvecrnn.vectorBits=0}): each width runs {@link WidthChild} in its own JVM, which prints
 * a CRC-32 of every output, input gradient and weight gradient of three layers plus the
 * activations and BLAS-1 results. Runs once, in the JVM without a width setting (the narrower
 * passes of scripts/test would repeat the same child JVMs).
 */
class WidthIndependenceTest {

    @Test
    void everyWidthAndTheScalarPathGiveTheSameBits() throws Exception {
        assumeTrue(System.getProperty(KernelSettings.VECTOR_BITS) == null, "runs in the default-width pass only");
        assumeTrue(VectorSupport.MODULE_PRESENT, "needs jdk.incubator.vector");
        Map<String, String> crcs = new LinkedHashMap<>();
        List<String> widths = new ArrayList<>(List.of("0", "128"));
        if (VectorSupport.preferredBits() >= 256) {
            widths.add("256");
        }
        if (VectorSupport.preferredBits() >= 512) {
            widths.add("512");
        }
        for (String bits : widths) {
            String line = runChild("-Dvecrnn.vectorBits=" + bits);
            String[] parts = line.split(" ");
            assertThat(parts[1]).as("the child ran at the width asked for").isEqualTo(bits);
            crcs.put(bits, parts[0]);
        }
        assertThat(crcs.values().stream().distinct().count()).as("CRC per width: %s", crcs).isEqualTo(1);
    }

    private static String runChild(String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.addAll(List.of(flags));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(WidthChild.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("child exit code; output: %s", out).isZero();
        return out;
    }
}
