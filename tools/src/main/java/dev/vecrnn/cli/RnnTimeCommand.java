package dev.vecrnn.cli;

import dev.vecrnn.perf.Timing;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.RnnWorkload;
import dev.vecrnn.perf.StepTimer;
import dev.vecrnn.perf.Stats;
import dev.vecrnn.perf.BenchMode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vecrnn.kernel.VectorSupport;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn bench rnn}: times one configuration in this JVM and prints one JSON line, the
 * building block of {@code bench scaling} and {@code bench compare-pytorch} (the Python timer
 * prints the same fields).
 */
@Command(name = "rnn", mixinStandardHelpOptions = true,
        description = {"Time one configuration in this JVM; print one JSON line.",
            "Fields: median/min/max ms per step, IQR/median, GFLOP/s, the vector width actually used and how",
            "much CPU other processes took during the timed window (foreign_cpu, in cores)."})
final class RnnTimeCommand implements Callable<Integer> {
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--shape", defaultValue = "50x64x512x512", description = "TxBxIxH (default: ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--mode", defaultValue = "training", description = "inference or training (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--threads", description = "worker threads (default: available processors)")
    Integer threads;

    @Option(names = "--seed", defaultValue = "1", description = "seed of weights and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    TimingOptions timing;

    @Override
    public Integer call() throws Exception {
        CellType c = CellType.parse(cell);
        RnnShape s = RnnShape.parse(shape);
        BenchMode m = BenchMode.parse(mode);
        int t = threads == null ? ThreadTeam.defaultThreads() : threads;
        if (t < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + t);
        }
        Timing tm = timing.toTiming();
        StepTimer.Window w;
        float checksum;
        try (RnnWorkload work = new RnnWorkload(c, s, m, t, seed)) {
            w = StepTimer.time(work::step, tm);
            checksum = work.checksum();
        }
        Map<String, Object> json = result("vecrnn", c, s, m, t, w);
        json.put("vector_bits", VectorSupport.BITS);
        json.put("checksum", checksum);
        System.out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
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
