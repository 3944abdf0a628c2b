package dev.vecrnn.cli;

import dev.vecrnn.perf.BenchPaths;
import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.perf.Stats;
import dev.vecrnn.kernel.FmaPeak;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn bench peak}: this machine's FP32 FMA throughput at the selected vector width for
 * 1..N threads, the denominator of every "% of peak" figure (the JMH summary reads the file this
 * writes).
 */
@Command(name = "peak", mixinStandardHelpOptions = true,
        description = {"Measure this machine's FP32 FMA peak (GFLOP/s) for 1..N threads.",
            "Independent register-only FMA chains at the selected vector width (-Dvecrnn.vectorBits, default",
            "the widest); prints the median and spread of several repetitions and writes target/bench/peak.json,",
            "which scripts/bench reads for its '% peak' column."})
final class PeakCommand implements Callable<Integer> {
    /** Chains converge to addend / (1 - multiplier) = 1: no overflow, no denormals. */
    private static final float MULTIPLIER = 0.5f;
    private static final float ADDEND = 0.5f;

    /** Where the chains' results go, so the JIT must compute them. */
    static volatile float sink;

    @Option(names = "--threads-max", description = "largest thread count (default: available processors)")
    Integer threadsMax;

    @Option(names = "--reps", defaultValue = "7", description = "timed repetitions per thread count (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--rep-ms", defaultValue = "200", description = "approximate length of one repetition in ms (default: ${DEFAULT-VALUE})")
    int repMs;

    @Option(names = "--out", description = "JSON file to write (default: target/bench/peak.json of this build)")
    Path out;

    /** GFLOP/s of each repetition at one thread count. */
    record Sample(int threads, double[] gflops) {
        double median() {
            return Stats.median(gflops);
        }
    }

    @Override
    public Integer call() throws IOException {
        int n = threadsMax == null ? Runtime.getRuntime().availableProcessors() : threadsMax;
        if (n < 1) {
            throw new IllegalArgumentException("--threads-max must be >= 1, got " + n);
        }
        if (reps < 1) {
            throw new IllegalArgumentException("--reps must be >= 1, got " + reps);
        }
        if (repMs < 1) {
            throw new IllegalArgumentException("--rep-ms must be >= 1, got " + repMs);
        }
        Path file = out != null ? out : BenchPaths.peakFile();
        Map<String, String> machine = MachineInfo.collect();
        System.out.print(Reports.machineMarkdown(machine));
        int iterations = calibrate(repMs * 1_000_000L);
        System.out.printf(Locale.ROOT, "%nFP32 FMA peak, %s, %d independent FMA chains per thread, %d repetitions of ~%d ms%n",
                VectorSupport.describe(), FmaPeak.ACCUMULATORS, reps, repMs);
        System.out.println("| threads | median GFLOP/s | min | max | per thread |");
        System.out.println("|---:|---:|---:|---:|---:|");
        List<Sample> samples = new ArrayList<>();
        for (int t = 1; t <= n; t++) {
            Sample s = measure(t, iterations, reps);
            samples.add(s);
            System.out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s |%n", t, Reports.fmt(s.median()),
                    Reports.fmt(Stats.min(s.gflops())), Reports.fmt(Stats.max(s.gflops())), Reports.fmt(s.median() / t));
        }
        Reports.writeJson(file, toJson(samples, machine));
        System.out.println();
        System.out.println("wrote " + file);
        return 0;
    }

    /**
     * Iterations of one {@link FmaPeak#chains} call that take about {@code targetNanos} on one
     * thread. Warms up first with short calls until the rate has stopped improving for half a
     * second (at least one second, at most twenty): the loop runs interpreted, then as C1 code,
     * then as C2 code, each orders of magnitude apart, and only the last is the machine's peak.
     */
    static int calibrate(long targetNanos) {
        final int small = 1 << 12;
        long start = System.nanoTime();
        long lastGain = start;
        double best = 0; // iterations per nanosecond
        while (true) {
            long t0 = System.nanoTime();
            sink += FmaPeak.chains(small, MULTIPLIER, ADDEND);
            long now = System.nanoTime();
            double rate = small / (double) Math.max(now - t0, 1);
            if (rate > best * 1.05) {
                lastGain = now;
            }
            best = Math.max(best, rate);
            if ((now - start > 1_000_000_000L && now - lastGain > 500_000_000L) || now - start > 20_000_000_000L) {
                break;
            }
        }
        int iterations = clampIterations(best * targetNanos);
        long t0 = System.nanoTime();
        sink += FmaPeak.chains(iterations, MULTIPLIER, ADDEND);
        long dt = Math.max(System.nanoTime() - t0, 1);
        return clampIterations(iterations * (double) targetNanos / dt);
    }

    private static int clampIterations(double v) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE / 2, v));
    }

    /**
     * Every member of a team of {@code threads} runs {@code iterations} of the chains; one
     * repetition's GFLOP/s is the team's total flops over the wall time from start to the last
     * member's finish. One untimed round first.
     */
    static Sample measure(int threads, int iterations, int reps) {
        double flops = threads * FmaPeak.flops(iterations);
        float[] results = new float[threads];
        double[] g = new double[reps];
        try (ThreadTeam team = new ThreadTeam(threads)) {
            ThreadTeam.Job job = (w, n) -> results[w] += FmaPeak.chains(iterations, MULTIPLIER, ADDEND);
            team.run(job);
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                team.run(job);
                long dt = System.nanoTime() - t0;
                g[r] = flops / (dt * 1e-9) / 1e9;
            }
        }
        float s = 0;
        for (float v : results) {
            s += v;
        }
        sink += s;
        return new Sample(threads, g);
    }

    static Map<String, Object> toJson(List<Sample> samples, Map<String, String> machine) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("what", "FP32 FMA peak: independent register-only FMA chains, GFLOP/s = 2 flops per lane per FMA");
        j.put("date", Instant.now().toString());
        j.put("vector_bits", VectorSupport.BITS);
        j.put("float_lanes", VectorSupport.FLOAT_LANES);
        j.put("accumulators", FmaPeak.ACCUMULATORS);
        j.put("machine", machine);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Sample s : samples) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("threads", s.threads());
            r.put("gflops_median", s.median());
            r.put("gflops_min", Stats.min(s.gflops()));
            r.put("gflops_max", Stats.max(s.gflops()));
            r.put("gflops", Arrays.stream(s.gflops()).boxed().toList());
            rows.add(r);
        }
        j.put("results", rows);
        return j;
    }
}
