package dev.vecrnn.bench;

import java.util.Locale;
import java.util.Map;

/**
 * Floating-point work of one benchmark operation, from its parameters, by the project's formulas
 * (DESIGN.md): GEMM {@code 2·m·n·k} (with {@code h} instead of n and k: the LSTM step product,
 * n = 4h, k = h); one recurrent layer forward {@code 2·T·B·G·H·(I+H)} with
 * G = 4 (LSTM), 3 (GRU), 1 (RNN), times the layer count {@code L}; a training step 3× forward.
 * Recurrent benchmarks give their size either as one {@code shape} parameter {@code TxBxIxH}
 * (JMH sweeps the cross product of parameters, so a shape must be one value) or as separate
 * {@code T}, {@code B}, {@code I}, {@code H} parameters (without {@code T}, one timestep: the
 * streaming benchmarks report time per step). Returns 0 when the work is unknown.
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
        boolean recurrent = benchmark.startsWith("Rnn") || benchmark.startsWith("Stream")
                || benchmark.startsWith("Denormal");
        if (recurrent && p.containsKey("cell")) {
            double t, b, i, h;
            if (p.containsKey("shape")) {
                int[] s = shape(p.get("shape"));
                t = s[0];
                b = s[1];
                i = s[2];
                h = s[3];
            } else {
                // no T: one timestep per operation (StreamBench: a step, or a full pass per step)
                t = p.containsKey("T") ? num(p, "T") : 1;
                b = num(p, "B");
                i = num(p, "I");
                h = num(p, "H");
            }
            double layers = p.containsKey("L") ? num(p, "L") : 1;
            double fwd = 2.0 * t * b * gates(p.get("cell")) * h * (i + h) * layers;
            return "training".equals(p.get("mode")) ? 3 * fwd : fwd;
        }
        return 0;
    }

    /**
     * Parses {@code TxBxIxH} into {@code {T, B, I, H}}.
     *
     * @throws IllegalArgumentException naming the expected form and the value given
     */
    static int[] shape(String text) {
        String[] parts = text == null ? new String[0] : text.trim().toLowerCase(Locale.ROOT).split("x", -1);
        if (parts.length == 4) {
            try {
                int[] v = new int[4];
                for (int k = 0; k < 4; k++) {
                    v[k] = Integer.parseInt(parts[k].trim());
                    if (v[k] < 1) {
                        throw new NumberFormatException();
                    }
                }
                return v;
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("shape must be TxBxIxH with positive integers (e.g. 50x64x512x512), got '"
                + text + "'");
    }

    static double gates(String cell) {
        return switch (cell.toLowerCase(Locale.ROOT)) {
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
