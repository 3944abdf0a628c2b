package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the machine context derives from its inputs: the register count from the JVM's flags, the
 * cache sizes from a sysfs tree, the SGEMM tile and blocks from both, each override, and the
 * lines {@code vecrnn info} prints.
 */
class KernelContextTest {
    private static final KernelSettings NONE = KernelSettings.parse(name -> null);
    private static final CacheSizes ZEN5 = new CacheSizes(48L << 10, 1L << 20, 32L << 20, 2, "test");

    @Test
    void registersFollowTheJvmsFlags() {
        assertThat(VectorRegisters.fromFlags("amd64", "3", 512, null).registers()).isEqualTo(32);
        assertThat(VectorRegisters.fromFlags("amd64", "3", 128, true).registers()).as("MaxVectorSize=16").isEqualTo(32);
        assertThat(VectorRegisters.fromFlags("amd64", "3", 256, false).registers()).as("no AVX512VL").isEqualTo(16);
        assertThat(VectorRegisters.fromFlags("amd64", "2", 256, true).registers()).as("UseAVX=2").isEqualTo(16);
        assertThat(VectorRegisters.fromFlags("amd64", "1", 128, null).registers()).isEqualTo(16);
        assertThat(VectorRegisters.fromFlags("x86_64", "0", 128, null).registers()).isEqualTo(16);
        assertThat(VectorRegisters.fromFlags("amd64", null, 512, null).registers()).as("no flag, 512 bits").isEqualTo(32);
        assertThat(VectorRegisters.fromFlags("amd64", null, 256, null).registers()).as("no flag").isEqualTo(16);
        assertThat(VectorRegisters.fromFlags("amd64", "junk", 256, null).registers()).isEqualTo(16);
        assertThat(VectorRegisters.fromFlags("aarch64", null, 128, null).registers()).isEqualTo(32);
        assertThat(VectorRegisters.fromFlags("riscv64", null, 128, null).registers()).isEqualTo(32);
        assertThat(VectorRegisters.fromFlags("x86", null, 128, null).registers()).isEqualTo(8);
        assertThat(VectorRegisters.fromFlags("s390x", null, 128, null).why()).contains("unknown architecture 's390x'");
        assertThat(VectorRegisters.detect(16, 512)).isEqualTo(new VectorRegisters.Count(16, "-Dvecrnn.vectorRegisters=16"));
    }

    @Test
    void thisJvmsRegisterCountMatchesItsUseAvxFlag() {
        String useAvx = VectorRegisters.vmOption("UseAVX");
        if (System.getProperty(KernelSettings.VECTOR_REGISTERS) != null || useAvx == null) {
            return;
        }
        int expected = Integer.parseInt(useAvx) >= 3 ? 32 : 16;
        if (expected == 32 && VectorSupport.BITS < 512 && KernelContext.current().vectorRegisters() == 16) {
            return; // an AVX-512 CPU without AVX512VL
        }
        assertThat(KernelContext.current().vectorRegisters()).isEqualTo(expected);
    }

    @Test
    void cacheSizesComeFromSysfsWithFallbacks(@TempDir Path dir) throws IOException {
        index(dir, 0, "1", "Data", "48K", "0");
        index(dir, 1, "1", "Instruction", "32K", "0");
        index(dir, 2, "2", "Unified", "1024K", "0");
        index(dir, 3, "3", "Unified", "32768K", "0-1");
        CacheSizes c = CacheSizes.read(dir, 64);
        assertThat(c).isEqualTo(new CacheSizes(48L << 10, 1L << 20, 32L << 20, 2, dir.toString()));
        assertThat(c.l3PerCore()).isEqualTo(16L << 20);

        Path noL3 = Files.createDirectory(dir.resolve("noL3"));
        index(noL3, 0, "1", "Data", "32K", "0");
        index(noL3, 1, "2", "Unified", "512K", "0");
        CacheSizes partial = CacheSizes.read(noL3, 4);
        assertThat(partial.l3()).isEqualTo(CacheSizes.FALLBACK_L3);
        assertThat(partial.l3Sharing()).isEqualTo(4);
        assertThat(partial.source()).contains("fallback for L3");

        CacheSizes none = CacheSizes.read(dir.resolve("missing"), 2);
        assertThat(none.l1()).isEqualTo(CacheSizes.FALLBACK_L1);
        assertThat(none.l2()).isEqualTo(CacheSizes.FALLBACK_L2);
        assertThat(none.source()).startsWith("fallback sizes");

        CacheSizes over = c.with(64L << 10, null, 8L << 20);
        assertThat(over.l1()).isEqualTo(64L << 10);
        assertThat(over.l2()).isEqualTo(1L << 20);
        assertThat(over.l3()).isEqualTo(8L << 20);
        assertThat(over.source()).contains("L1d, L3 from -Dvecrnn.cache.*");

        assertThat(CacheSizes.cpuCount("0-7,64-71")).isEqualTo(16);
        assertThat(CacheSizes.cpuCount("3")).isEqualTo(1);
        assertThat(CacheSizes.cpuCount("x")).isZero();
        assertThat(CacheSizes.format(1536L << 10)).isEqualTo("1536 KiB");
        assertThat(CacheSizes.format(32L << 20)).isEqualTo("32 MiB");
    }

    private static void index(Path dir, int i, String level, String type, String size, String cpus) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
        Files.writeString(d.resolve("shared_cpu_list"), cpus + "\n");
    }

    @Test
    void tilesFitTheRegisterBudget() {
        // AVX-512, 16 floats: 8x2 (12x2 for multiples of 12), blocks from a Zen 5 core's caches
        SgemmPlan zmm = SgemmPlan.choose(32, 16, ZEN5, NONE).plan();
        assertThat(zmm).isEqualTo(new SgemmPlan(8, 2, 12, 16, 256, 504, 4096, 128 * 1024, 256 * 1024));
        // AVX2 (16 registers): 4x2 = 8 accumulators + 2 B + all 4 broadcasts live = 14, whatever M
        SgemmPlan ymm = SgemmPlan.choose(16, 8, ZEN5, NONE).plan();
        assertThat(ymm.rows()).isEqualTo(4);
        assertThat(ymm.vectors()).isEqualTo(2);
        assertThat(ymm.altRows()).isZero();
        assertThat(ymm.mainTileRows(32)).isEqualTo(4);
        assertThat(SgemmPlan.registersNeeded(4, 2)).isEqualTo(11);
        assertThat(SgemmPlan.registersWithLiveBroadcasts(4, 2)).isEqualTo(14);
        assertThat(SgemmPlan.registersWithLiveBroadcasts(5, 2)).as("5x2 may spill").isGreaterThan(16);
        assertThat(ymm.kc()).isEqualTo(512);
        assertThat(ymm.mc() % 4).isZero();
        // 128 bits with 32 registers: 4 vectors per panel, 24 accumulators
        SgemmPlan xmm = SgemmPlan.choose(32, 4, ZEN5, NONE).plan();
        assertThat(xmm.rows()).isEqualTo(6);
        assertThat(xmm.vectors()).isEqualTo(4);
        assertThat(SgemmPlan.registersNeeded(6, 4)).isLessThanOrEqualTo(32);
        assertThat(xmm.nc() % xmm.nr()).isZero();
        // every default fits its budget
        for (int regs : new int[] {16, 32}) {
            for (int lanes : new int[] {4, 8, 16}) {
                SgemmPlan p = SgemmPlan.choose(regs, lanes, ZEN5, NONE).plan();
                assertThat(SgemmPlan.registersNeeded(p.rows(), p.vectors())).as("%d registers, %d lanes", regs, lanes)
                        .isLessThanOrEqualTo(regs);
                assertThat(p.kc()).isBetween(SgemmPlan.KC_MIN, SgemmPlan.KC_MAX);
                assertThat(4L * p.kc() * p.nr()).as("B panel block in L1").isLessThanOrEqualTo(ZEN5.l1());
                assertThat(4L * p.mc() * p.kc()).as("packed A block in L2").isLessThanOrEqualTo(ZEN5.l2());
            }
        }
    }

    @Test
    void propertiesOverrideEachChoice() {
        Map<String, String> props = Map.of("vecrnn.sgemm.tile", "4x3", "vecrnn.sgemm.kc", "100",
                "vecrnn.sgemm.mc", "50", "vecrnn.sgemm.nc", "1000");
        SgemmPlan.Choice c = SgemmPlan.choose(32, 16, ZEN5, KernelSettings.parse(props::get));
        assertThat(c.plan()).isEqualTo(new SgemmPlan(4, 3, 0, 16, 100, 50, 960, 128 * 1024, 256 * 1024));
        assertThat(c.nc()).contains("rounded to a multiple of 48");
        SgemmPlan.Choice spill = SgemmPlan.choose(16, 8,
                ZEN5, KernelSettings.parse(n -> n.equals("vecrnn.sgemm.tile") ? "12x2" : null));
        assertThat(spill.tile()).contains("27 of 16 registers").contains("spills");
    }

    @Test
    void describesEveryDecisionWithItsReason() {
        KernelContext ctx = KernelContext.of(new VectorRegisters.Count(16, "UseAVX=2 (AVX2): 16 vector registers"),
                ZEN5, 8, NONE);
        Map<String, String> d = ctx.describe();
        assertThat(d.keySet()).containsExactly("kernel.path", "kernel.registers", "kernel.caches", "sgemm.tile",
                "sgemm.kc", "sgemm.mc", "sgemm.nc", "sgemm.small-m", "peak.chains");
        assertThat(d.get("kernel.registers")).isEqualTo("16 (UseAVX=2 (AVX2): 16 vector registers)");
        assertThat(d.get("kernel.caches")).isEqualTo("L1d 48 KiB, L2 1 MiB, L3 32 MiB shared by 2 CPUs (test)");
        assertThat(d.get("sgemm.tile")).startsWith("4x2 (4 rows x 16 columns of C): 8 accumulators + 2 B vectors"
                + " + 1 broadcast = 11 of 16 registers; the tallest");
        SgemmPlan.Choice tight = SgemmPlan.choose(16, 8, ZEN5,
                KernelSettings.parse(n -> n.equals("vecrnn.sgemm.tile") ? "5x2" : null));
        assertThat(tight.tile()).contains("13 of 16 registers (too tight: with all 5 broadcasts live C2 may spill)");
        assertThat(d.get("sgemm.kc")).startsWith("512 (32 KiB B panel block");
        assertThat(d.get("peak.chains")).startsWith("12 independent FMA chains");
        assertThat(KernelContext.current().describe()).containsKey("peak.chains");
        Map<String, String> scalar = KernelContext.of(new VectorRegisters.Count(32, "t"), ZEN5, 1, NONE).describe();
        assertThat(scalar.get("kernel.path")).startsWith("scalar");
        assertThat(scalar).doesNotContainKey("sgemm.tile");
    }
}
