package dev.vecrnn.compare;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.List;
import java.util.Locale;

/**
 * {@code DjlRnnTime --check}: the timed workload gives the right numbers. For each cell, on a tiny
 * problem (T=2, B=2, I=2, H=3) with fixed weights written into the DJL parameters, compares the
 * forward output and dL/dx of loss = sum(out * R) with a double-precision reference written from
 * PyTorch's cell equations (gate order LSTM i,f,g,o; GRU r,z,n with b_hn inside r·(...)); dL/dx of
 * the reference by central differences. A mismatch means DJL ran a different computation than the
 * one timed for vecrnn (wrong op, gate order or bias placement).
 */
final class DjlSelfCheck {
    private DjlSelfCheck() {}

    private static final int T = 2;
    private static final int B = 2;
    private static final int I = 2;
    private static final int H = 3;

    /**
     * Float32 results of a handful of length-I+H dot products and saturating functions: errors are a
     * few ulps of O(1) values, ~1e-6; 1e-5 leaves room yet catches any wrong gate or bias (≥ 1e-2).
     */
    private static final double OUT_TOLERANCE = 1e-5;
    /** Backward in float32 plus the reference's finite-difference error (~h² = 1e-12): same reasoning. */
    private static final double GRAD_TOLERANCE = 2e-5;

    static int run() {
        Engine engine = Engine.getEngine("PyTorch");
        System.out.println("engine " + engine.getEngineName() + " " + engine.getVersion() + ", DJL "
                + Engine.getDjlVersion());
        int failures = 0;
        for (String cell : List.of("rnn_tanh", "rnn_relu", "lstm", "gru")) {
            failures += checkCell(engine, cell) ? 0 : 1;
        }
        System.out.println(failures == 0 ? "check passed" : "check FAILED for " + failures + " cell(s)");
        return failures == 0 ? 0 : 1;
    }

    /** Deterministic, distinct, sign-mixed values of magnitude up to ~scale. */
    private static float[] values(int n, int salt, double scale) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (scale * Math.sin(0.7 * k + 1.3 * salt + 0.5));
        }
        return v;
    }

    private static boolean checkCell(Engine engine, String cell) {
        int g = DjlRnnTime.gates(cell);
        float[] wih = values(g * H * I, 1, 0.6);
        float[] whh = values(g * H * H, 2, 0.5);
        float[] bih = values(g * H, 3, 0.3);
        float[] bhh = values(g * H, 4, 0.2);
        float[] x = values(T * B * I, 5, 1.0);
        float[] r = values(T * B * H, 6, 1.0);
        try (NDManager m = NDManager.newBaseManager()) {
            RecurrentBlock layer = DjlRnnTime.block(cell, H);
            layer.initialize(m, DataType.FLOAT32, new Shape(T, B, I));
            int set = 0;
            for (Pair<String, Parameter> p : layer.getParameters()) {
                String name = p.getKey();
                float[] v = name.contains("i2h") && name.endsWith("WEIGHT") ? wih
                        : name.contains("h2h") && name.endsWith("WEIGHT") ? whh
                        : name.contains("i2h") && name.endsWith("BIAS") ? bih
                        : name.contains("h2h") && name.endsWith("BIAS") ? bhh : null;
                if (v == null || p.getValue().getArray().size() != v.length) {
                    System.out.println(cell + ": unexpected parameter " + name + " " + p.getValue().getArray().getShape());
                    return false;
                }
                p.getValue().getArray().set(v);
                set++;
            }
            if (set != 4) {
                System.out.println(cell + ": expected 4 parameters, found " + set);
                return false;
            }
            NDArray xa = m.create(x, new Shape(T, B, I));
            NDArray ra = m.create(r, new Shape(T, B, H));
            xa.setRequiresGradient(true);
            float[] out;
            float[] dx;
            String op;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray o = layer.forward(new ParameterStore(m, false), new NDList(xa), true).head();
                out = o.toFloatArray();
                op = ai.djl.pytorch.jni.JniUtils.getGradientFunctionNames((ai.djl.pytorch.engine.PtNDArray) o);
                gc.backward(o.mul(ra).sum());
                dx = xa.getGradient().toFloatArray();
            }
            double[] ref = reference(cell, toDouble(wih), toDouble(whh), toDouble(bih), toDouble(bhh), toDouble(x));
            double[] refDx = referenceInputGradient(cell, toDouble(wih), toDouble(whh), toDouble(bih), toDouble(bhh),
                    toDouble(x), toDouble(r));
            double outErr = maxAbsDiff(out, ref);
            double dxErr = maxAbsDiff(dx, refDx);
            boolean ok = out.length == ref.length && dx.length == refDx.length
                    && outErr <= OUT_TOLERANCE && dxErr <= GRAD_TOLERANCE;
            System.out.printf(Locale.ROOT, "%-8s %s  max |out - ref| = %.2e, max |dL/dx - ref| = %.2e  (autograd: %s)%n",
                    cell, ok ? "ok    " : "FAILED", outErr, dxErr, op);
            return ok;
        }
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static double maxAbsDiff(float[] a, double[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            m = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(m, d);
        }
        return m;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** out[t][b][j] of one layer from zero states, PyTorch's equations in double. */
    static double[] reference(String cell, double[] wih, double[] whh, double[] bih, double[] bhh, double[] x) {
        int g = DjlRnnTime.gates(cell);
        double[] out = new double[T * B * H];
        for (int b = 0; b < B; b++) {
            double[] h = new double[H];
            double[] c = new double[H];
            for (int t = 0; t < T; t++) {
                // gi = W_ih x + b_ih and gh = W_hh h + b_hh, kept apart for GRU's n gate.
                double[] gi = new double[g * H];
                double[] gh = new double[g * H];
                for (int row = 0; row < g * H; row++) {
                    double si = bih[row];
                    for (int i = 0; i < I; i++) {
                        si += wih[row * I + i] * x[(t * B + b) * I + i];
                    }
                    double sh = bhh[row];
                    for (int k = 0; k < H; k++) {
                        sh += whh[row * H + k] * h[k];
                    }
                    gi[row] = si;
                    gh[row] = sh;
                }
                double[] hn = new double[H];
                for (int j = 0; j < H; j++) {
                    switch (cell) {
                        case "rnn_tanh" -> hn[j] = Math.tanh(gi[j] + gh[j]);
                        case "rnn_relu" -> hn[j] = Math.max(0, gi[j] + gh[j]);
                        case "lstm" -> {
                            double in = sigmoid(gi[j] + gh[j]);
                            double f = sigmoid(gi[H + j] + gh[H + j]);
                            double cand = Math.tanh(gi[2 * H + j] + gh[2 * H + j]);
                            double o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
                            c[j] = f * c[j] + in * cand;
                            hn[j] = o * Math.tanh(c[j]);
                        }
                        case "gru" -> {
                            double rg = sigmoid(gi[j] + gh[j]);
                            double z = sigmoid(gi[H + j] + gh[H + j]);
                            double n = Math.tanh(gi[2 * H + j] + rg * gh[2 * H + j]);
                            hn[j] = (1 - z) * n + z * h[j];
                        }
                        default -> throw new IllegalArgumentException(cell);
                    }
                }
                h = hn;
                System.arraycopy(h, 0, out, (t * B + b) * H, H);
            }
        }
        return out;
    }

    /** d sum(out * R) / dx of the reference by central differences (smooth here: relu pre-activations stay away from 0). */
    static double[] referenceInputGradient(String cell, double[] wih, double[] whh, double[] bih, double[] bhh,
                                           double[] x, double[] r) {
        double step = 1e-6;
        double[] grad = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            double[] xp = x.clone();
            double[] xm = x.clone();
            xp[k] += step;
            xm[k] -= step;
            grad[k] = (loss(reference(cell, wih, whh, bih, bhh, xp), r) - loss(reference(cell, wih, whh, bih, bhh, xm), r))
                    / (2 * step);
        }
        return grad;
    }

    private static double loss(double[] out, double[] r) {
        double s = 0;
        for (int i = 0; i < out.length; i++) {
            s += out[i] * r[i];
        }
        return s;
    }
}
