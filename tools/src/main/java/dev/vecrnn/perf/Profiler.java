package dev.vecrnn.perf;

import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.profile.PhaseTotals;
import dev.vecrnn.profile.Profiling;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Locale;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * {@code vecrnn profile}: runs one configuration warm and reports where a step's time goes,
 * phase by phase (see {@link dev.vecrnn.profile.Phase}), with GFLOP/s and share of the machine's
 * FMA peak, the bytes a warm step allocates, and optionally a JFR recording of the same steps.
 *
 * <p>The phase times come from the in-process collector the layers feed (the same probes that
 * emit the JFR events), so no recording is needed for the table, and the table does not depend
 * on parsing one.
 */
public final class Profiler {
    private Profiler() {}

    /** Fewest measured steps, however short the measuring time is. */
    public static final int MIN_STEPS = 3;
    /** Steps of the allocation window. */
    static final int ALLOCATION_STEPS = 3;
    /** A warm step allocates at most this much on the calling thread (JVM-internal noise). */
    static final long QUIET_BYTES = 64;

    /**
     * What to profile.
     *
     * @param layers        stacked layers
     * @param training      a training step (forward, backward, Adam update) instead of an inference pass
     * @param jfr           a .jfr file to record the measured steps into, or null
     * @param seconds       measuring time (at least {@link #MIN_STEPS} steps)
     * @param warmupSeconds least warm-up time (it goes on while steps still get faster or allocate,
     *                      up to ten times as long)
     * @param warmupSteps   fewest warm-up steps
     * @param peakGflops    the FMA peak for "% peak", or null to read the peak file or measure it
     * @param seed          seed of weights and inputs
     */
    public record Config(CellType cell, RnnShape shape, int layers, boolean training, int threads, Path jfr,
                         double seconds, double warmupSeconds, int warmupSteps, Double peakGflops, long seed) {
        /**
         * Checks every setting, naming the command-line option of a bad one.
         *
         * @throws IllegalArgumentException naming the option, the rule and the value
         */
        public Config {
            Checks.positive("--layers", layers);
            Checks.nonNegative("--warmup-steps", warmupSteps);
            Checks.positive("--threads", threads);
            Checks.positive("--seconds", seconds);
            Checks.nonNegative("--warmup-seconds", warmupSeconds);
            if (peakGflops != null) {
                Checks.positive("--peak-gflops", peakGflops);
            }
            if (jfr != null && Files.isDirectory(jfr)) {
                throw new IllegalArgumentException("--jfr must name a file, got the directory " + jfr);
            }
        }
    }

    /** What {@link #profile} measured. */
    record Result(PhaseBreakdown breakdown, int warmupSteps, long bytesPerStep) {}

    /** Profiles {@code config} and prints the report to {@code out}; writes the .jfr file if asked. */
    public static void run(Config config, PrintStream out) throws IOException {
        RnnShape s = config.shape();
        int layers = config.layers();
        int t = config.threads();
        out.printf(Locale.ROOT, "# vecrnn profile: %s, T=%d B=%d I=%d H=%d, %d layer%s, %s, %d thread%s, %s%n%n",
                config.cell().cliName(), s.T(), s.B(), s.I(), s.H(), layers, layers == 1 ? "" : "s",
                config.training() ? "training step (forward + backward + Adam update)" : "inference pass",
                t, t == 1 ? "" : "s", VectorSupport.describe());
        out.print(Reports.machineMarkdown(MachineInfo.collect()));
        double peak;
        String peakNote;
        if (config.peakGflops() != null) {
            peak = config.peakGflops();
            peakNote = "given by --peak-gflops";
        } else {
            Double saved = Peak.saved(BenchPaths.peakFile(), t);
            if (saved != null) {
                peak = saved;
                peakNote = BenchPaths.peakFile() + ", " + t + " thread" + (t == 1 ? "" : "s");
            } else {
                peak = Peak.quick(t);
                peakNote = "measured now with " + t + " thread" + (t == 1 ? "" : "s")
                        + ", noisy; `bench peak` once for a careful figure";
            }
        }
        out.printf(Locale.ROOT, "- FMA peak: %s GFLOP/s (%s)%n%n", Reports.fmt(peak), peakNote);

        BenchMode mode = config.training() ? BenchMode.TRAINING : BenchMode.INFERENCE;
        Result r;
        try (RnnWorkload work = new RnnWorkload(new RnnWorkload.Config(config.cell(), s, mode, t, config.seed(), layers, true))) {
            r = profile(work, config.training(), (long) (config.warmupSeconds() * 1e9), config.warmupSteps(),
                    (long) (config.seconds() * 1e9), peak, config.jfr());
            out.printf(Locale.ROOT, "warm-up %d steps; measured %d steps in %s s, %s ms per step (checksum %s)%n%n",
                    r.warmupSteps(), r.breakdown().steps(), Reports.fmt(r.breakdown().totalNanos() * 1e-9),
                    Reports.fmt(r.breakdown().totalNanos() * 1e-6 / r.breakdown().steps()), work.checksum());
        }
        out.print(r.breakdown().table());
        out.println();
        out.println("Phases are timed on the calling thread (worker 0); in-loop GEMM/pointwise by the worker owning");
        out.println("unit 0, with the rest of the loop's wall time under 'step barrier + loop overhead'.");
        out.printf(Locale.ROOT, "%nallocated per step: %d bytes (calling thread + %d team worker%s; fewest of up to 3"
                + " windows of %d warm steps, timing on, no recording)%n", r.bytesPerStep(), t - 1, t == 2 ? "" : "s",
                ALLOCATION_STEPS);
        if (config.jfr() != null) {
            out.println("wrote " + config.jfr() + " (JDK Mission Control: Event Browser, category vecrnn;"
                    + " or: jfr print --events 'vecrnn.*' " + config.jfr() + ")");
        }
    }

    /**
     * Warms {@code work} up for {@code warmupNanos} and {@code warmupSteps} (timing on, so the probes are compiled too),
     * measures the bytes a step allocates over {@link #ALLOCATION_STEPS} steps on the calling thread
     * and the team's workers, then times steps for {@code measureNanos} (at least
     * {@link #MIN_STEPS}) with the phase collector installed, and a JFR recording if {@code jfr}
     * is not null.
     */
    static Result profile(RnnWorkload work, boolean training, long warmupNanos, int warmupSteps, long measureNanos,
                          double peak, Path jfr) throws IOException {
        PhaseTotals totals = new PhaseTotals();
        PhaseTotals previous = Profiling.install(totals);
        try {
            int warm = warmUp(work, warmupNanos, warmupSteps);
            long bytes = bytesPerStep(work);

            Recording recording = jfr == null ? null : startRecording();
            int steps = 0;
            long total = 0;
            try {
                if (recording != null) {
                    // creating events takes branches the JIT compiled as never taken: warm up again
                    warm += warmUp(work, warmupNanos / 2, Math.min(3, warmupSteps));
                }
                totals.reset();
                long m0 = System.nanoTime();
                while (steps < MIN_STEPS || System.nanoTime() - m0 < measureNanos) {
                    long a = System.nanoTime();
                    work.step();
                    total += System.nanoTime() - a;
                    steps++;
                }
                if (recording != null) {
                    recording.stop();
                    Reports.write(jfr, recording::dump);
                }
            } finally {
                if (recording != null) {
                    recording.close();
                }
            }
            return new Result(PhaseBreakdown.of(totals, training, steps, total, peak), warm, bytes);
        } finally {
            Profiling.install(previous);
        }
    }

    /**
     * Runs steps for at least {@code warmupNanos}, and on until no step has been 5 % faster than
     * the best so far for half that long and the last step allocated (almost) nothing on the
     * calling thread; at most ten times that long. The kernels run interpreted, then C1-, then
     * C2-compiled, orders of magnitude apart (and uncompiled Vector API code boxes every vector),
     * and a fixed warm-up is too short on a busy machine. Returns the steps run.
     */
    static int warmUp(RnnWorkload work, long warmupNanos, int minSteps) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long w0 = System.nanoTime();
        long best = Long.MAX_VALUE;
        long lastGain = w0;
        int warm = 0;
        while (true) {
            long bytes = mx.getCurrentThreadAllocatedBytes();
            long a = System.nanoTime();
            work.step();
            long now = System.nanoTime();
            bytes = mx.getCurrentThreadAllocatedBytes() - bytes;
            warm++;
            if (now - a < best - best / 20) {
                lastGain = now;
            }
            best = Math.min(best, now - a);
            long elapsed = now - w0;
            boolean settled = elapsed >= warmupNanos && now - lastGain >= warmupNanos / 2 && bytes <= QUIET_BYTES;
            if (warm >= Math.max(2, minSteps) && (settled || elapsed >= 10 * warmupNanos)) {
                return warm;
            }
        }
    }

    /**
     * Bytes allocated per step by the calling thread and the workload's team threads: the fewest
     * over up to three windows of {@link #ALLOCATION_STEPS} steps (a window in which the JIT was
     * still replacing interpreted code shows its boxed vectors; a real leak shows in every one).
     */
    static long bytesPerStep(RnnWorkload work) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3 && best > 16; i++) {
            best = Math.min(best, bytesPerStepOnce(work));
        }
        return best;
    }

    private static long bytesPerStepOnce(RnnWorkload work) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String prefix = work.team().name() + "-";
        long[] ids = Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th == Thread.currentThread() || th.getName().startsWith(prefix))
                .mapToLong(Thread::threadId).toArray();
        long before = sum(mx.getThreadAllocatedBytes(ids));
        for (int i = 0; i < ALLOCATION_STEPS; i++) {
            work.step();
        }
        return (sum(mx.getThreadAllocatedBytes(ids)) - before) / ALLOCATION_STEPS;
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += Math.max(v, 0);
        }
        return s;
    }

    /** JFR's "default" settings (low overhead: GC, CPU, allocation samples) plus every vecrnn event. */
    private static Recording startRecording() throws IOException {
        Recording r;
        try {
            r = new Recording(Configuration.getConfiguration("default"));
        } catch (ParseException e) {
            throw new IOException("JFR's default configuration is unreadable: " + e.getMessage(), e);
        }
        r.setName("vecrnn profile");
        r.setToDisk(true);
        Profiling.enableAll(r);
        r.start();
        return r;
    }
}
