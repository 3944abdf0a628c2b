package dev.vecrnn.cli;

import dev.vecrnn.perf.BenchPaths;
import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.perf.RnnWorkload;
import dev.vecrnn.perf.BenchMode;
import dev.vecrnn.perf.PhaseBreakdown;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.profile.PhaseTotals;
import dev.vecrnn.profile.Profiling;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.ParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn profile}: runs one configuration warm and prints where a step's time goes, phase
 * by phase (see {@link dev.vecrnn.profile.Phase}), with GFLOP/s and share of the machine's FMA
 * peak, the bytes a warm step allocates, and optionally a JFR recording of the same steps.
 *
 * <p>The phase times come from the in-process collector the layers feed (the same probes that
 * emit the JFR events), so no recording is needed for the table, and the table does not depend
 * on parsing one.
 */
@Command(name = "profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Phase breakdown of one configuration: time share, GFLOP/s and %% of FMA peak per phase,",
            "bytes allocated per step, and optionally a JFR recording (vecrnn.* events) for JDK Mission Control.",
            "Times are wall-clock on this machine; flops are exact formulas (see the Profiling section of README.md)."})
final class ProfileCommand implements Callable<Integer> {
    /** Fewest measured steps, however short --seconds is. */
    static final int MIN_STEPS = 3;
    /** Steps of the allocation window. */
    static final int ALLOCATION_STEPS = 3;
    /** A warm step allocates at most this much on the calling thread (JVM-internal noise). */
    static final long QUIET_BYTES = 64;

    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--T", defaultValue = "50", description = "timesteps (default: ${DEFAULT-VALUE})")
    int T;

    @Option(names = "--B", defaultValue = "64", description = "batch (default: ${DEFAULT-VALUE})")
    int B;

    @Option(names = "--I", defaultValue = "512", description = "input size (default: ${DEFAULT-VALUE})")
    int I;

    @Option(names = "--H", defaultValue = "512", description = "hidden size (default: ${DEFAULT-VALUE})")
    int H;

    @Option(names = "--layers", defaultValue = "1", description = "stacked layers (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--train", description = "profile a training step (forward, backward, Adam update) instead of inference")
    boolean train;

    @Option(names = "--threads", description = "worker threads (default: available processors)")
    Integer threads;

    @Option(names = "--jfr", description = "also record the measured steps with JDK Flight Recorder into this .jfr file")
    Path jfr;

    @Option(names = "--seconds", defaultValue = "5", description = "measured time in seconds (default: ${DEFAULT-VALUE}; at least "
            + MIN_STEPS + " steps)")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", description = {"warm-up time in seconds (default: ${DEFAULT-VALUE}); goes on while steps still get",
                "faster (no 5 %% gain for half as long) or still allocate, up to ten times as long"})
    double warmupSeconds;

    @Option(names = "--peak-gflops", description = {"FMA peak for the '%% peak' column (default: from target/bench/peak.json",
        "if `bench peak` wrote one at this vector width and thread count, else measured now, ~2 s)"})
    Double peakGflops;

    @Option(names = "--warmup-steps", defaultValue = "10", description = "fewest warm-up steps (default: ${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--seed", defaultValue = "1", description = "seed of weights and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws IOException {
        CellType c = CellType.parse(cell);
        positive("--T", T);
        positive("--B", B);
        positive("--I", I);
        positive("--H", H);
        positive("--layers", layers);
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("--warmup-steps must be >= 0, got " + warmupSteps);
        }
        int t = threads == null ? ThreadTeam.defaultThreads() : threads;
        positive("--threads", t);
        if (!(seconds > 0) || !Double.isFinite(seconds)) {
            throw new IllegalArgumentException("--seconds must be > 0, got " + seconds);
        }
        if (!(warmupSeconds >= 0) || !Double.isFinite(warmupSeconds)) {
            throw new IllegalArgumentException("--warmup-seconds must be >= 0, got " + warmupSeconds);
        }
        if (peakGflops != null && (!(peakGflops > 0) || !Double.isFinite(peakGflops))) {
            throw new IllegalArgumentException("--peak-gflops must be > 0, got " + peakGflops);
        }
        if (jfr != null && Files.isDirectory(jfr)) {
            throw new IllegalArgumentException("--jfr must name a file, got the directory " + jfr);
        }
        RnnShape shape = new RnnShape(T, B, I, H);
        BenchMode mode = train ? BenchMode.TRAINING : BenchMode.INFERENCE;

        System.out.printf(Locale.ROOT, "# vecrnn profile: %s, T=%d B=%d I=%d H=%d, %d layer%s, %s, %d thread%s, %s%n%n",
                c.cliName(), T, B, I, H, layers, layers == 1 ? "" : "s",
                train ? "training step (forward + backward + Adam update)" : "inference pass",
                t, t == 1 ? "" : "s", VectorSupport.describe());
        System.out.print(Reports.machineMarkdown(MachineInfo.collect()));
        double peak;
        String peakNote;
        if (peakGflops != null) {
            peak = peakGflops;
            peakNote = "given by --peak-gflops";
        } else {
            Double saved = savedPeak(BenchPaths.peakFile(), t);
            if (saved != null) {
                peak = saved;
                peakNote = BenchPaths.peakFile() + ", " + t + " thread" + (t == 1 ? "" : "s");
            } else {
                peak = measurePeak(t);
                peakNote = "measured now with " + t + " thread" + (t == 1 ? "" : "s")
                        + ", noisy; `bench peak` once for a careful figure";
            }
        }
        System.out.printf(Locale.ROOT, "- FMA peak: %s GFLOP/s (%s)%n%n", Reports.fmt(peak), peakNote);

        Result r;
        try (RnnWorkload work = new RnnWorkload(c, shape, mode, t, seed, layers, true)) {
            r = profile(work, train, (long) (warmupSeconds * 1e9), warmupSteps, (long) (seconds * 1e9), peak, jfr);
            System.out.printf(Locale.ROOT, "warm-up %d steps; measured %d steps in %s s, %s ms per step (checksum %s)%n%n",
                    r.warmupSteps(), r.breakdown().steps(), Reports.fmt(r.breakdown().totalNanos() * 1e-9),
                    Reports.fmt(r.breakdown().totalNanos() * 1e-6 / r.breakdown().steps()), work.checksum());
        }
        System.out.print(r.breakdown().table());
        System.out.println();
        System.out.println("Phases are timed on the calling thread (worker 0); in-loop GEMM/pointwise by the worker owning");
        System.out.println("unit 0, with the rest of the loop's wall time under 'step barrier + loop overhead'.");
        System.out.printf(Locale.ROOT, "%nallocated per step: %d bytes (calling thread + %d team worker%s; fewest of up to 3"
                + " windows of %d warm steps, timing on, no recording)%n", r.bytesPerStep(), t - 1, t == 2 ? "" : "s",
                ALLOCATION_STEPS);
        if (jfr != null) {
            System.out.println("wrote " + jfr + " (JDK Mission Control: Event Browser, category vecrnn;"
                    + " or: jfr print --events 'vecrnn.*' " + jfr + ")");
        }
        return 0;
    }

    private static void positive(String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    /**
     * The median GFLOP/s for {@code threads} threads from a {@code bench peak} file, if there is
     * one measured at the vector width in use; null otherwise (or if it is unreadable).
     */
    static Double savedPeak(Path file, int threads) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            var root = Reports.JSON.readTree(file.toFile());
            if (root.path("vector_bits").asInt(-1) != VectorSupport.BITS) {
                return null;
            }
            for (var row : root.path("results")) {
                if (row.path("threads").asInt() == threads && row.path("gflops_median").asDouble() > 0) {
                    return row.path("gflops_median").asDouble();
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** A quick FMA peak with {@code threads} threads: ~1 s of JIT warm-up, then three 100 ms repetitions. */
    static double measurePeak(int threads) {
        int iterations = PeakCommand.calibrate(100_000_000L);
        return PeakCommand.measure(threads, iterations, 3).median();
    }

    /** What {@link #profile} measured. */
    record Result(PhaseBreakdown breakdown, int warmupSteps, long bytesPerStep) {}

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
                    dumpAtomically(recording, jfr);
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
    static Recording startRecording() throws IOException {
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

    /** Dumps into a temporary file next to {@code file}, then renames it: never a half-written .jfr. */
    static void dumpAtomically(Recording r, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            r.dump(tmp);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
