package dev.vecrnn.perf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.nn.CellType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One configuration timed in one process, the building block of {@code bench scaling} and
 * {@code bench compare-pytorch}. Both frameworks' timers speak the same protocol: they take the
 * options of {@link Request#toArgs} and print one JSON line with the fields of {@link #result}
 * (vecrnn's adds {@code vector_bits} and {@code checksum}); see {@code scripts/lib/torch_rnn_time.py}.
 */
public final class RnnTiming {
    private RnnTiming() {}

    /**
     * One configuration and how to time it.
     *
     * @param seed seed of the weights and inputs
     */
    public record Request(CellType cell, RnnShape shape, BenchMode mode, int threads, long seed, Timing timing) {
        /**
         * A request for at least one thread.
         *
         * @throws IllegalArgumentException {@code "--threads must be >= 1, got …"}
         */
        public Request {
            Checks.positive("--threads", threads);
        }

        /** The timer options of this request, as both timers take them. */
        public List<String> toArgs() {
            List<String> args = new ArrayList<>(List.of("--cell", cell.cliName(), "--shape", shape.toString(),
                    "--mode", mode.label, "--threads", Integer.toString(threads), "--seed", Long.toString(seed)));
            args.addAll(timing.toArgs());
            return args;
        }
    }

    /**
     * How a child JVM starts vecrnn's timer: the main class and the arguments before the timer
     * options (for the command line, its main class and {@code bench rnn}).
     */
    public record Launcher(Class<?> main, List<String> leadingArgs) {
        /** Copies the arguments. */
        public Launcher {
            leadingArgs = List.copyOf(leadingArgs);
        }
    }

    /**
     * Times {@code request} in this JVM and returns its JSON line: the fields of {@link #result}
     * plus the vector width the kernels ran at and the checksum of the results.
     */
    public static String measure(Request request) {
        StepTimer.Window w;
        float checksum;
        try (RnnWorkload work = new RnnWorkload(RnnWorkload.Config.single(request.cell(), request.shape(), request.mode(),
                request.threads(), request.seed()))) {
            w = StepTimer.time(work::step, request.timing());
            checksum = work.checksum();
        }
        Map<String, Object> json = result("vecrnn", request.cell(), request.shape(), request.mode(), request.threads(), w);
        json.put("vector_bits", VectorSupport.BITS);
        json.put("checksum", checksum);
        try {
            return new ObjectMapper().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of numbers and strings did not serialise", e);
        }
    }

    /**
     * Times {@code request} in a child JVM started by {@code launcher} at {@code vectorBits}
     * (null: the JVM's default width) and returns its JSON line.
     *
     * @throws IOException naming {@code what} if the child fails or prints no JSON line
     */
    static JsonNode inChildJvm(Launcher launcher, Integer vectorBits, Request request, String what) throws IOException {
        List<String> args = new ArrayList<>(launcher.leadingArgs());
        args.addAll(request.toArgs());
        return ChildProcess.jsonResult(
                ChildProcess.run(ChildProcess.javaCommand(launcher.main(), vectorBits, args), Map.of(), List.of()), what);
    }

    /** The fields both timers print (see scripts/lib/torch_rnn_time.py). */
    static Map<String, Object> result(String framework, CellType c, RnnShape s, BenchMode m, int threads,
                                      StepTimer.Window w) {
        double flops = s.flops(c, m);
        double median = w.medianMs();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("framework", framework);
        j.put("version", Runtime.version().toString());
        j.put("cell", c.cliName());
        j.put("shape", s.toString());
        j.put("T", s.T());
        j.put("B", s.B());
        j.put("I", s.I());
        j.put("H", s.H());
        j.put("mode", m.label);
        j.put("threads", threads);
        j.put("flops", flops);
        j.put("warmup_iters", w.warmupIters());
        j.put("iters", w.timesMs().length);
        j.put("median_ms", median);
        j.put("min_ms", Stats.min(w.timesMs()));
        j.put("max_ms", Stats.max(w.timesMs()));
        j.put("iqr_over_median", w.iqrOverMedian());
        j.put("foreign_cpu", Double.isNaN(w.foreignCores()) ? null : w.foreignCores());
        j.put("tries", w.tries());
        j.put("gflops", flops / (median * 1e-3) / 1e9);
        j.put("times_ms", Arrays.stream(w.timesMs()).boxed().toList());
        return j;
    }
}
