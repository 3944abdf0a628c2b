package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code vecrnn.*} kernel properties: every parser accepts exactly the documented values and
 * rejects anything else with one message naming the property, the value and what is allowed;
 * and in a JVM started with bad values, nothing fails at class initialisation, every kernel entry
 * point throws that {@link IllegalArgumentException} instead.
 */
class KernelSettingsTest {

    @Test
    void choicesAcceptOnlyTheListedValues() {
        assertThat(KernelSettings.parseChoice("vecrnn.vectorBits", " 256 ", KernelSettings.VECTOR_BITS_ALLOWED))
                .isEqualTo(256);
        assertThat(KernelSettings.parseChoice("vecrnn.vectorBits", "0", KernelSettings.VECTOR_BITS_ALLOWED)).isZero();
        for (String bad : new String[] {"77", "abc", "1024", "", "256.0", "-128"}) {
            assertThatThrownBy(() -> KernelSettings.parseChoice("vecrnn.vectorBits", bad,
                    KernelSettings.VECTOR_BITS_ALLOWED))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("vecrnn.vectorBits = '" + bad + "' is not valid: use one of 0, 128, 256 or 512");
        }
        assertThatThrownBy(() -> KernelSettings.parseChoice("vecrnn.vectorRegisters", "24",
                KernelSettings.VECTOR_REGISTERS_ALLOWED)).hasMessage(
                "vecrnn.vectorRegisters = '24' is not valid: use one of 16 or 32");
        assertThatThrownBy(() -> KernelSettings.parseChoice("vecrnn.peak.chains", "10",
                KernelSettings.PEAK_CHAINS_ALLOWED)).hasMessageContaining("8, 12, 16 or 24");
    }

    @Test
    void tilesMustBeAKernelThatExists() {
        assertThat(KernelSettings.parseTile("vecrnn.sgemm.tile", "6x2")).containsExactly(6, 2);
        assertThat(KernelSettings.parseTile("vecrnn.sgemm.tile", " 8X3 ")).containsExactly(8, 3);
        for (String bad : new String[] {"7x2", "6x5", "6", "x2", "6x", "axb", "12x4", "-6x2"}) {
            assertThatThrownBy(() -> KernelSettings.parseTile("vecrnn.sgemm.tile", bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("vecrnn.sgemm.tile = '" + bad + "' is not valid: use rows x vectors, one of ")
                    .hasMessageContaining("6x2").hasMessageContaining("8x3").hasMessageContaining("6x4");
        }
    }

    @Test
    void blockSizesAreWholeNumbersInRange() {
        assertThat(KernelSettings.parseRange("vecrnn.sgemm.kc", "256", 1, KernelSettings.KC_MAX)).isEqualTo(256);
        for (String bad : new String[] {"0", "-3", "9000", "2.5", "lots"}) {
            assertThatThrownBy(() -> KernelSettings.parseRange("vecrnn.sgemm.kc", bad, 1, KernelSettings.KC_MAX))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("vecrnn.sgemm.kc = '" + bad + "' is not valid: use a whole number from 1 to 8192");
        }
    }

    @Test
    void cacheSizesTakeLinuxStyleSuffixes() {
        assertThat(KernelSettings.parseBytes("p", "48K")).isEqualTo(48L << 10);
        assertThat(KernelSettings.parseBytes("p", "1M")).isEqualTo(1L << 20);
        assertThat(KernelSettings.parseBytes("p", "32768K")).isEqualTo(32L << 20);
        assertThat(KernelSettings.parseBytes("p", "2 MiB")).isEqualTo(2L << 20);
        assertThat(KernelSettings.parseBytes("p", "1g")).isEqualTo(1L << 30);
        assertThat(KernelSettings.parseBytes("p", "65536")).isEqualTo(65536);
        for (String bad : new String[] {"0", "12", "-1M", "lots", "5T", "K", "1.5M"}) {
            assertThatThrownBy(() -> KernelSettings.parseBytes("vecrnn.cache.l2", bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("vecrnn.cache.l2 = '" + bad + "' is not valid");
        }
    }

    @Test
    void parsingRecordsEveryBadPropertyAndKeepsTheGoodOnes() {
        Map<String, String> props = Map.of(
                "vecrnn.vectorBits", "77", "vecrnn.sgemm.tile", "6x2", "vecrnn.sgemm.kc", "abc",
                "vecrnn.cache.l1", "64K", "vecrnn.peak.chains", "12");
        KernelSettings s = KernelSettings.parse(props::get);
        assertThat(s.vectorBits).isNull();
        assertThat(s.kc).isNull();
        assertThat(s.tile).containsExactly(6, 2);
        assertThat(s.l1).isEqualTo(64L << 10);
        assertThat(s.peakChains).isEqualTo(12);
        assertThat(s.errors).hasSize(2);
        assertThat(s.failure()).hasMessage("vecrnn.vectorBits = '77' is not valid: use one of 0, 128, 256 or 512; "
                + "vecrnn.sgemm.kc = 'abc' is not valid: use a whole number from 1 to 8192");
        assertThat(KernelSettings.parse(name -> null).errors).isEmpty();
        assertThat(KernelSettings.parse(name -> " ").errors).as("blank counts as unset").isEmpty();
    }

    /** This JVM's settings are valid (scripts/test passes only good ones), so entry points work. */
    @Test
    void thisJvmsSettingsAreValid() {
        assertThat(KernelSettings.CURRENT.errors).isEmpty();
        KernelSettings.requireValid();
    }

    /**
     * A JVM with bad values: classes initialise, and the first kernel call (and {@code describe()})
     * throws the one-line IllegalArgumentException, every time.
     */
    @Test
    void aJvmWithBadValuesFailsAtFirstUseWithOneClearMessage() throws Exception {
        List<String> out = runChild("-Dvecrnn.vectorBits=77", "-Dvecrnn.sgemm.tile=7x2");
        String message = "vecrnn.vectorBits = '77' is not valid: use one of 0, 128, 256 or 512; "
                + "vecrnn.sgemm.tile = '7x2' is not valid: use rows x vectors, one of ";
        assertThat(out).hasSize(5);
        for (String line : out) {
            assertThat(line).startsWith("java.lang.IllegalArgumentException: " + message);
        }
        assertThat(runChild("-Dvecrnn.vectorBits=1024")).first().asString()
                .isEqualTo("java.lang.IllegalArgumentException: vecrnn.vectorBits = '1024' is not valid: "
                        + "use one of 0, 128, 256 or 512");
        assertThat(runChild("-Dvecrnn.vectorBits=256")).containsOnly("ok");
    }

    private static List<String> runChild(String... props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.addAll(List.of(props));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BadSettingsChild.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String stdout = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("child exit code; output: %s", stdout).isZero();
        return stdout.lines().toList();
    }
}
