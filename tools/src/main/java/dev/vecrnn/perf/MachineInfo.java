package dev.vecrnn.perf;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Describes the machine and JVM a run happens on; benchmark and report output embeds it. */
public final class MachineInfo {
    private MachineInfo() {}

    /** Ordered key/value facts: JDK, vector width, CPU, threads, JIT flags. */
    public static Map<String, String> collect() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        m.put("java.home", System.getProperty("java.home"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("cpu", cpuModel());
        m.put("cpu.flags", cpuFlags());
        m.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("threads", Integer.toString(ThreadTeam.defaultThreads()));
        m.put("vector.module", VectorSupport.MODULE_PRESENT ? "jdk.incubator.vector readable" : "missing");
        m.put("vector.preferred", VectorSupport.MODULE_PRESENT ? VectorSupport.preferredBits() + "-bit" : "n/a");
        m.put("vector.kernels", VectorSupport.describe()
                + (VectorSupport.NOTE.isEmpty() ? "" : " (" + VectorSupport.NOTE + ")"));
        m.put("vector.intrinsified", intrinsified());
        m.put("jvm.flags", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        return m;
    }

    /**
     * Whether C2 will compile Vector API calls to SIMD instructions: it needs the vector
     * intrinsics enabled and a JIT that is not interpreter-only or C1-only.
     */
    private static String intrinsified() {
        if (!VectorSupport.MODULE_PRESENT) {
            return "no (module missing)";
        }
        if (!VectorSupport.ENABLED) {
            return "no (scalar path selected)";
        }
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        boolean yes = VectorSupport.probeIntrinsified();
        return String.format(Locale.ROOT, "%s (a hot vector loop %s; UseAVX=%s, MaxVectorSize=%s)",
                yes ? "yes" : "no", yes ? "allocates nothing" : "boxes vectors on the heap",
                option(hs, "UseAVX"), option(hs, "MaxVectorSize"));
    }

    private static String option(HotSpotDiagnosticMXBean hs, String name) {
        try {
            return hs.getVMOption(name).getValue();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String cpuModel() {
        for (String line : cpuinfo()) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    /** The SIMD flags that matter for these kernels. */
    private static String cpuFlags() {
        for (String line : cpuinfo()) {
            if (line.startsWith("flags")) {
                StringBuilder sb = new StringBuilder();
                for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                    if (f.equals("avx2") || f.equals("fma") || f.startsWith("avx512f") || f.equals("avx512_fp16")
                            || f.equals("avx512_bf16") || f.equals("avx512vl") || f.equals("amx_tile")) {
                        sb.append(sb.isEmpty() ? "" : " ").append(f);
                    }
                }
                return sb.toString();
            }
        }
        return "unknown";
    }

    private static List<String> cpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
