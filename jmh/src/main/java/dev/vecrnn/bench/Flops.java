package dev.vecrnn.bench;

import java.util.Map;

/**
 * Floating-point work of one benchmark operation, from its parameters, by the project's formulas
 * (DESIGN.md): GEMM {@code 2·m·n·k} (with {@code h} instead of n and k: the LSTM step product,
 * n = 4h, k = h); one recurrent layer forward {@code 2·T·B·G·H·(I+H)} with
 * G = 4 (LSTM), 3 (GRU), 1 (RNN); a training step 3× forward. Returns 0 when unknown.
 */
final class Flops {
    private Flops() {}

    static double of(String benchmark, Map<String, String> p) {
        if (benchmark.startsWith("GemmBench")) {
            if (p.containsKey("h")) {
                // the recurrent product of an LSTM step: h[m, H] x W_hh^T, n = 4H, k = H
                return 2.0 * num(p, "m") * 4 * num(p, "h") * num(p, "h");
            }
            return 2.0 * num(p, "m") * num(p, "n") * num(p, "k");
        }
        if (benchmark.startsWith("RnnBench") && p.containsKey("cell")) {
            double g = gates(p.get("cell"));
            double fwd = 2.0 * num(p, "T") * num(p, "B") * g * num(p, "H") * (num(p, "I") + num(p, "H"))
                    * (p.containsKey("L") ? num(p, "L") : 1);
            return "training".equals(p.get("mode")) ? 3 * fwd : fwd;
        }
        return 0;
    }

    static double gates(String cell) {
        return switch (cell.toLowerCase(java.util.Locale.ROOT)) {
            case "lstm" -> 4;
            case "gru" -> 3;
            default -> 1;
        };
    }

    private static double num(Map<String, String> p, String k) {
        String v = p.get(k);
        return v == null ? 0 : Double.parseDouble(v);
    }
}
