package dev.vecrnn.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How many vector registers the JIT can give a kernel: the budget a micro-tile's accumulators,
 * operands and broadcasts must fit in, or every k step spills to the stack.
 *
 * <p>Java has no direct query, so it is derived from the JVM's effective flags: on x86-64,
 * HotSpot's {@code UseAVX} (read through {@link HotSpotDiagnosticMXBean}) is 3 when C2 emits
 * AVX-512 code, which has 32 registers ({@code zmm0-31}; at 128 and 256 bits the upper 16 need
 * AVX512VL, which every AVX-512 CPU but the Xeon Phi has); {@code UseAVX=2} or lower (AVX2, AVX,
 * SSE) means the 16 {@code ymm}/{@code xmm} registers, also when the CPU has more, which is how
 * {@code -XX:UseAVX=2} emulates an AVX2-only machine. aarch64 (NEON and SVE) and riscv64 (V) have
 * 32. {@code -Dvecrnn.vectorRegisters} overrides the detection.
 */
final class VectorRegisters {
    private VectorRegisters() {}

    /** A register count and the reason it was chosen. */
    record Count(int registers, String why) {}

    /** This JVM's count: the override if given, else from the flags of the running JVM. */
    static Count detect(Integer override, int vectorBits) {
        if (override != null) {
            return new Count(override, "-D" + KernelSettings.VECTOR_REGISTERS + "=" + override);
        }
        // AVX512VL only matters below 512 bits; do not read /proc/cpuinfo otherwise
        Boolean vl = vectorBits < 512 ? cpuHasAvx512vl() : null;
        return fromFlags(System.getProperty("os.arch", ""), vmOption("UseAVX"), vectorBits, vl);
    }

    /**
     * The count for an architecture ({@code os.arch}), HotSpot's {@code UseAVX} value (null when
     * the flag is unknown, e.g. not HotSpot or not x86), the kernels' vector width in bits and
     * whether the CPU reports AVX512VL (null when unknown: assumed yes).
     */
    static Count fromFlags(String arch, String useAvx, int vectorBits, Boolean avx512vl) {
        String a = arch.toLowerCase(Locale.ROOT);
        switch (a) {
            case "aarch64", "arm64" -> {
                return new Count(32, "aarch64: 32 NEON/SVE vector registers");
            }
            case "riscv64" -> {
                return new Count(32, "riscv64: 32 vector registers");
            }
            case "amd64", "x86_64" -> {
                return x86(useAvx, vectorBits, avx512vl);
            }
            case "x86", "i386", "i486", "i586", "i686" -> {
                return new Count(8, "32-bit x86: 8 xmm registers");
            }
            default -> {
                return new Count(16, "unknown architecture '" + arch + "': assumed 16 vector registers");
            }
        }
    }

    private static Count x86(String useAvx, int vectorBits, Boolean avx512vl) {
        Integer level = null;
        if (useAvx != null) {
            try {
                level = Integer.parseInt(useAvx.trim());
            } catch (NumberFormatException e) {
                level = null;
            }
        }
        if (level == null) {
            // No flag to read: 512-bit vectors imply AVX-512.
            return vectorBits >= 512
                    ? new Count(32, "UseAVX unreadable; 512-bit vectors imply AVX-512: 32 registers")
                    : new Count(16, "UseAVX unreadable; assumed AVX2: 16 registers");
        }
        if (level >= 3) {
            if (vectorBits < 512 && Boolean.FALSE.equals(avx512vl)) {
                return new Count(16, "UseAVX=" + level + " but no AVX512VL: 16 registers below 512 bits");
            }
            return new Count(32, "UseAVX=" + level + " (AVX-512): 32 vector registers");
        }
        return new Count(16, "UseAVX=" + level + (level == 2 ? " (AVX2)" : level == 1 ? " (AVX)" : " (SSE)")
                + ": 16 vector registers");
    }

    /** A HotSpot flag's value, or null if this JVM has no such flag or no diagnostic bean. */
    static String vmOption(String name) {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hs == null ? null : hs.getVMOption(name).getValue();
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError | SecurityException e) {
            return null;
        }
    }

    /** Whether /proc/cpuinfo lists avx512vl; null when it cannot be read. */
    private static Boolean cpuHasAvx512vl() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return (" " + line.substring(line.indexOf(':') + 1) + " ").contains(" avx512vl ");
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
