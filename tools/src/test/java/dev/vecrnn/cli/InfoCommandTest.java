package dev.vecrnn.cli;

import dev.vecrnn.perf.MachineInfo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.kernel.VectorSupport;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InfoCommandTest {

    @Test
    void describesTheVectorPathThisJvmRuns() {
        Map<String, String> info = MachineInfo.collect();
        assertThat(info).containsKeys("jdk", "cpu", "threads", "vector.kernels", "vector.intrinsified");
        assertThat(info.get("jdk")).contains(Integer.toString(Runtime.version().feature()));
        if (VectorSupport.ENABLED) {
            assertThat(info.get("vector.kernels")).startsWith(VectorSupport.BITS + "-bit");
            // Tests run with C2 available, so a hot vector loop must compile to SIMD code.
            assertThat(info.get("vector.intrinsified")).startsWith("yes");
        } else {
            assertThat(info.get("vector.kernels")).startsWith("scalar");
        }
    }

    @Test
    void helpListsTheInfoCommandAndExitsZero() {
        var out = new java.io.ByteArrayOutputStream();
        var old = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.execute("--help");
        } finally {
            System.setOut(old);
        }
        assertThat(code).isZero();
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("info");
    }
}
