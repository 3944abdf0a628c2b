package dev.vecrnn.perf;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU other processes used while we timed something: machine-wide busy time from
 * {@code /proc/stat} (steal included) minus this process's own CPU time, per second of wall
 * time. On a shared machine a timing taken while another process ran is not a measurement of
 * our code; the timers retry such windows.
 */
final class CpuMeter {
    /** Linux's USER_HZ, the unit of /proc/stat, is 100 on every mainstream architecture. */
    private static final double JIFFY_SECONDS = 0.01;

    private final double busy0;
    private final double own0;
    private final long wall0;

    private CpuMeter() {
        busy0 = machineBusySeconds();
        own0 = ownCpuSeconds();
        wall0 = System.nanoTime();
    }

    static CpuMeter start() {
        return new CpuMeter();
    }

    /** Average number of cores other processes kept busy since {@link #start}, or NaN if unknown. */
    double foreignCores() {
        double wall = (System.nanoTime() - wall0) * 1e-9;
        double busy = machineBusySeconds() - busy0;
        double own = ownCpuSeconds() - own0;
        if (Double.isNaN(busy) || Double.isNaN(own) || wall <= 0) {
            return Double.NaN;
        }
        return Math.max(0, busy - own) / wall;
    }

    private static double machineBusySeconds() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
            String[] f = first.trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal ...
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])
                    + Long.parseLong(f[6]) + Long.parseLong(f[7]) + (f.length > 8 ? Long.parseLong(f[8]) : 0);
            return busy * JIFFY_SECONDS;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double ownCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns * 1e-9;
        }
        return Double.NaN;
    }
}
