package dev.vecrnn.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The data cache sizes of one core, which decide the SGEMM blocking: L1d (per core), L2 (per core
 * on every current x86 and ARM server part) and L3 with the number of CPUs that share it. Read
 * from Linux's {@code /sys/devices/system/cpu/cpu0/cache/index*}{@code /{level,type,size,shared_cpu_list}};
 * where that is missing (another OS, a container hiding sysfs) the fallbacks are 32 KiB, 512 KiB
 * and 8 MiB shared by all available processors, small enough not to overrun any current server
 * core. {@code -Dvecrnn.cache.l1/l2/l3} override each size.
 *
 * @param l1        L1 data cache, bytes
 * @param l2        L2 cache, bytes
 * @param l3        L3 cache, bytes (the whole cache, not a share)
 * @param l3Sharing CPUs sharing the L3 (1 or more)
 * @param source    where the sizes came from, for {@link KernelContext#describe()}
 */
record CacheSizes(long l1, long l2, long l3, int l3Sharing, String source) {
    static final Path SYSFS = Path.of("/sys/devices/system/cpu/cpu0/cache");
    static final long FALLBACK_L1 = 32L << 10;
    static final long FALLBACK_L2 = 512L << 10;
    static final long FALLBACK_L3 = 8L << 20;

    /** L3 bytes per sharing CPU. */
    long l3PerCore() {
        return l3 / Math.max(1, l3Sharing);
    }

    /** This machine's sizes, with the overrides (null = not overridden) applied. */
    static CacheSizes detect(KernelSettings settings) {
        return read(SYSFS, Runtime.getRuntime().availableProcessors()).with(settings.l1, settings.l2, settings.l3);
    }

    /** These sizes with any non-null override replacing the detected value. */
    CacheSizes with(Long l1Override, Long l2Override, Long l3Override) {
        if (l1Override == null && l2Override == null && l3Override == null) {
            return this;
        }
        StringBuilder over = new StringBuilder();
        if (l1Override != null) {
            over.append("L1d");
        }
        if (l2Override != null) {
            over.append(over.isEmpty() ? "" : ", ").append("L2");
        }
        if (l3Override != null) {
            over.append(over.isEmpty() ? "" : ", ").append("L3");
        }
        return new CacheSizes(l1Override != null ? l1Override : l1, l2Override != null ? l2Override : l2,
                l3Override != null ? l3Override : l3, l3Sharing,
                source + "; " + over + " from -Dvecrnn.cache.*");
    }

    /**
     * Reads a sysfs cache directory ({@code index0}, {@code index1}, ... each with {@code level},
     * {@code type}, {@code size} and optionally {@code shared_cpu_list}); any level it cannot find
     * gets its fallback ({@code processors} CPUs sharing the fallback L3).
     */
    static CacheSizes read(Path dir, int processors) {
        long l1 = 0;
        long l2 = 0;
        long l3 = 0;
        int sharing = 0;
        try (DirectoryStream<Path> indices = Files.newDirectoryStream(dir, "index*")) {
            for (Path index : indices) {
                String type = text(index.resolve("type"));
                String level = text(index.resolve("level"));
                String size = text(index.resolve("size"));
                if (type == null || level == null || size == null || type.equalsIgnoreCase("Instruction")) {
                    continue;
                }
                long bytes;
                try {
                    bytes = KernelSettings.parseBytes("size", size);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                switch (level) {
                    case "1" -> l1 = Math.max(l1, bytes);
                    case "2" -> l2 = Math.max(l2, bytes);
                    case "3" -> {
                        l3 = Math.max(l3, bytes);
                        sharing = cpuCount(text(index.resolve("shared_cpu_list")));
                    }
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the fallbacks
        }
        StringBuilder missing = new StringBuilder();
        int found = 3;
        if (l1 == 0) {
            l1 = FALLBACK_L1;
            missing.append("L1d");
            found--;
        }
        if (l2 == 0) {
            l2 = FALLBACK_L2;
            missing.append(missing.isEmpty() ? "" : ", ").append("L2");
            found--;
        }
        if (l3 == 0) {
            l3 = FALLBACK_L3;
            sharing = processors;
            missing.append(missing.isEmpty() ? "" : ", ").append("L3");
            found--;
        }
        String source = found == 3 ? dir.toString()
                : found == 0 ? "fallback sizes (" + dir + " not readable)"
                : dir + " (fallback for " + missing + ")";
        return new CacheSizes(l1, l2, l3, Math.max(1, sharing), source);
    }

    /** Number of CPUs in a Linux CPU list such as "0-1" or "0-7,64-71"; 0 if unreadable. */
    static int cpuCount(String list) {
        if (list == null || list.isBlank()) {
            return 0;
        }
        int count = 0;
        try {
            for (String part : list.trim().split(",")) {
                int dash = part.indexOf('-');
                if (dash < 0) {
                    Integer.parseInt(part.trim());
                    count++;
                } else {
                    int from = Integer.parseInt(part.substring(0, dash).trim());
                    int to = Integer.parseInt(part.substring(dash + 1).trim());
                    if (to < from) {
                        return 0;
                    }
                    count += to - from + 1;
                }
            }
        } catch (NumberFormatException e) {
            return 0;
        }
        return count;
    }

    /** "48 KiB", "1 MiB", "1536 KiB". */
    static String format(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return String.format(Locale.ROOT, "%d B", bytes);
    }

    private static String text(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
