package dev.vecrnn.perf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vecrnn.kernel.FmaPeak;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * This machine's FP32 FMA throughput at the selected vector width for 1..N threads
 * ({@code bench peak}): the denominator of every "% of peak" figure. It writes
 * {@link BenchPaths#peakFile()}, which the JMH summary and {@code vecrnn profile} read.
 */
public final class Peak {
    private Peak() {}

    /** Chains converge to addend / (1 - multiplier) = 1: no overflow, no denormals. */
    private static final float MULTIPLIER = 0.5f;
    private static final float ADDEND = 0.5f;

    /** Where the chains' results go, so the JIT must compute them. */
    static volatile float sink;

    /**
     * What to measure.
     *
     * @param threadsMax largest thread count (every count from 1 is measured)
     * @param reps       timed repetitions per thread count
     * @param repMs      approximate length of one repetition
     * @param out        the JSON file to write
     */
    public record Config(int threadsMax, int reps, int repMs, Path out) {
        /**
         * Checks the counts, naming the command-line option of a bad one.
         *
         * @throws IllegalArgumentException naming the option, the rule and the value
         */
        public Config {
            Checks.positive("--threads-max", threadsMax);
            Checks.positive("--reps", reps);
            Checks.positive("--rep-ms", repMs);
        }
    }

    /** GFLOP/s of each repetition at one thread count. */
    record Sample(int threads, double[] gflops) {
        double median() {
            return Stats.median(gflops);
        }
    }

    /**
     * Measures every thread count of {@code config}, printing the machine and a table row per
     * count to {@code out} as it goes, and writes the JSON file.
     */
    public static void run(Config config, PrintStream out) throws IOException {
        Map<String, String> machine = MachineInfo.collect();
        out.print(Reports.machineMarkdown(machine));
        int iterations = calibrate(config.repMs() * 1_000_000L);
        out.printf(Locale.ROOT, "%nFP32 FMA peak, %s, %d independent FMA chains per thread, %d repetitions of ~%d ms%n",
                VectorSupport.describe(), FmaPeak.ACCUMULATORS, config.reps(), config.repMs());
        out.println("| threads | median GFLOP/s | min | max | per thread |");
        out.println("|---:|---:|---:|---:|---:|");
        List<Sample> samples = new ArrayList<>();
        for (int t = 1; t <= config.threadsMax(); t++) {
            Sample s = measure(t, iterations, config.reps());
            samples.add(s);
            out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s |%n", t, Reports.fmt(s.median()),
                    Reports.fmt(Stats.min(s.gflops())), Reports.fmt(Stats.max(s.gflops())), Reports.fmt(s.median() / t));
        }
        Reports.writeJson(config.out(), toJson(samples, machine));
        out.println();
        out.println("wrote " + config.out());
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

    /** A quick FMA peak with {@code threads} threads: ~1 s of JIT warm-up, then three 100 ms repetitions. */
    static double quick(int threads) {
        int iterations = calibrate(100_000_000L);
        return measure(threads, iterations, 3).median();
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

    /**
     * A peak file as {@link #run} writes it.
     *
     * @param gflopsByThreads median GFLOP/s by thread count, in thread order
     * @param vectorBits      the width it was measured at (0 = scalar; -1 if the file does not say)
     * @param date            when it was measured, an ISO-8601 instant ("" if the file does not say)
     */
    public record Measured(Map<Integer, Double> gflopsByThreads, int vectorBits, String date) {
        /** Copies the map, keeping its order. */
        public Measured {
            gflopsByThreads = Collections.unmodifiableMap(new TreeMap<>(gflopsByThreads));
        }
    }

    /**
     * Reads a peak file (the one reader of the format; the JMH summary uses it too).
     *
     * @throws IOException if the file cannot be read or is not JSON
     */
    public static Measured read(Path file) throws IOException {
        JsonNode root = Reports.JSON.readTree(file.toFile());
        Map<Integer, Double> byThreads = new TreeMap<>();
        for (JsonNode row : root.path("results")) {
            byThreads.put(row.path("threads").asInt(), row.path("gflops_median").asDouble());
        }
        return new Measured(byThreads, root.path("vector_bits").asInt(-1), root.path("date").asText(""));
    }

    /**
     * The median GFLOP/s for {@code threads} threads from a peak file, if there is one measured
     * at the vector width in use; null otherwise (or if it is unreadable).
     */
    static Double saved(Path file, int threads) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Measured m = read(file);
            Double g = m.gflopsByThreads().get(threads);
            return m.vectorBits() == VectorSupport.BITS && g != null && g > 0 ? g : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
