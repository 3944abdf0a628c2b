package dev.vecrnn.bench;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.perf.BenchMode;
import dev.vecrnn.perf.RnnShape;
import java.util.Map;

/**
 * Floating-point work of one benchmark operation, from its parameters, by the project's one count
 * ({@link CellType#stackForwardFlops}): a recurrent stack's forward {@code 2·T·B·G·H·(I+H)} per
 * layer (later layers of an {@code L}-layer stack read H, not I), a training step 3× forward
 * ({@link BenchMode#stepFlops}); GEMM {@code 2·m·n·k} (with {@code h} instead of n and k: the LSTM
 * step product, n = 4h, k = h). Recurrent benchmarks give their size either as one {@code shape}
 * parameter {@code TxBxIxH} (JMH sweeps the cross product of parameters, so a shape must be one
 * value) or as separate {@code T}, {@code B}, {@code I}, {@code H} parameters (without {@code T},
 * one timestep: the streaming benchmarks report time per step). Returns 0 when the work is unknown.
 */
final class Flops {
    private Flops() {}

    static double of(String benchmark, Map<String, String> p) {
        if (benchmark.startsWith("GemmBench")) {
            if (p.containsKey("h")) {
                // the recurrent product of an LSTM step: h[m, H] x W_hh^T, n = 4H, k = H
                return 2.0 * num(p, "m") * CellType.LSTM.gates() * num(p, "h") * num(p, "h");
            }
            return 2.0 * num(p, "m") * num(p, "n") * num(p, "k");
        }
        boolean recurrent = benchmark.startsWith("Rnn") || benchmark.startsWith("Stream")
                || benchmark.startsWith("Denormal");
        if (recurrent && p.containsKey("cell")) {
            long t, b, i, h;
            if (p.containsKey("shape")) {
                RnnShape s = RnnShape.parse(p.get("shape"));
                t = s.T();
                b = s.B();
                i = s.I();
                h = s.H();
            } else {
                // no T: one timestep per operation (StreamBench: a step, or a full pass per step)
                t = p.containsKey("T") ? num(p, "T") : 1;
                b = num(p, "B");
                i = num(p, "I");
                h = num(p, "H");
            }
            int layers = p.containsKey("L") ? (int) num(p, "L") : 1;
            long forward = CellType.parse(p.get("cell")).stackForwardFlops(t, b, i, h, layers, 1, 0);
            return "training".equals(p.get("mode")) ? BenchMode.TRAINING.stepFlops(forward) : forward;
        }
        return 0;
    }

    private static long num(Map<String, String> p, String k) {
        String v = p.get(k);
        return v == null ? 0 : Long.parseLong(v.trim());
    }
}
