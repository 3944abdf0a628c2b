package dev.vecrnn.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent, deliberately plain double-precision implementation of the forward pass of a
 * PyTorch-style RNN/LSTM/GRU stack (uni- or bidirectional, full or variable-length sequences,
 * optional fixed dropout masks, LSTM projections {@code h = W_hr·(o ⊙ tanh c)}): per sequence, per timestep, per unit, dot products written
 * out, PyTorch's formulas verbatim. Gradients are taken from it by central finite differences
 * ({@link #numericGradient}); in double, with step 1e-5, their error (~1e-10 truncation plus ~1e-11
 * rounding, relative to the loss scale) is far below float32 rounding, so they serve as the
 * exact gradient for the float implementation.
 */
final class ReferenceRnn {
    final CellType cell;
    final int inputSize;
    final int hiddenSize;
    /** Size of h: the projection size P, or H without projections. */
    final int stateSize;
    final int numLayers;
    final int directions;
    final boolean identity;
    /** Parameters by PyTorch name, in double. */
    final Map<String, double[]> params = new LinkedHashMap<>();

    ReferenceRnn(RecurrentLayer layer, boolean identity) {
        this.cell = layer.cell();
        this.inputSize = layer.inputSize();
        this.hiddenSize = layer.hiddenSize();
        this.stateSize = layer.stateSize();
        this.numLayers = layer.numLayers();
        this.directions = layer.numDirections();
        this.identity = identity;
        for (Parameter p : layer.parameters()) {
            params.put(p.name(), toDouble(p.value()));
        }
    }

    /** Outputs {@code [T,B,D*H]}, final h {@code [D*L,B,H]} and final c (LSTM) of one forward pass. */
    record Output(double[] out, double[] hN, double[] cN) {}

    Output forward(double[] x, int T, int B, double[] h0, double[] c0) {
        return forward(x, T, B, null, h0, c0, null);
    }

    /**
     * PyTorch's semantics spelled out per sequence: sequence b runs {@code lengths[b]} steps (all
     * T when null), forward in time and, for a bidirectional stack, backward in time from its own
     * last step; outputs past its end are zero; the final state is the state after its last step
     * (the reverse direction's after step 0). {@code masks[k]} ({@code [T,B,D*H]}), when given,
     * multiplies layer k's output before layer k+1 reads it (dropout with a fixed mask).
     */
    Output forward(double[] x, int T, int B, int[] lengths, double[] h0, double[] c0, float[][] masks) {
        int H = hiddenSize;
        int S = stateSize;
        int L = numLayers;
        int D = directions;
        int DH = D * S;
        double[] hN = new double[D * L * B * S];
        double[] cN = cell == CellType.LSTM ? new double[D * L * B * H] : null;
        double[] in = x;
        int inSize = inputSize;
        for (int k = 0; k < L; k++) {
            double[] out = new double[T * B * DH];
            for (int d = 0; d < D; d++) {
                String suffix = k + (d == 1 ? "_reverse" : "");
                double[] wih = params.get("weight_ih_l" + suffix);
                double[] whh = params.get("weight_hh_l" + suffix);
                double[] bih = params.get("bias_ih_l" + suffix);
                double[] bhh = params.get("bias_hh_l" + suffix);
                double[] whr = params.get("weight_hr_l" + suffix);
                int slot = k * D + d;
                for (int b = 0; b < B; b++) {
                    int len = lengths == null ? T : lengths[b];
                    double[] h = new double[S];
                    double[] c = new double[H];
                    for (int u = 0; u < S; u++) {
                        h[u] = h0 == null ? 0 : h0[(slot * B + b) * S + u];
                    }
                    for (int u = 0; u < H; u++) {
                        c[u] = c0 == null ? 0 : c0[(slot * B + b) * H + u];
                    }
                    for (int s = 0; s < len; s++) {
                        int t = d == 0 ? s : len - 1 - s;
                        double[] hNew = new double[H];
                        double[] cNew = new double[H];
                        step(wih, whh, bih, bhh, in, (t * B + b) * inSize, inSize, h, c, hNew, cNew);
                        if (whr != null) {
                            double[] projected = new double[S];
                            for (int p = 0; p < S; p++) {
                                projected[p] = dot(whr, p, H, hNew, 0);
                            }
                            hNew = projected;
                        }
                        h = hNew;
                        c = cNew;
                        System.arraycopy(h, 0, out, (t * B + b) * DH + d * S, S);
                    }
                    System.arraycopy(h, 0, hN, (slot * B + b) * S, S);
                    if (cN != null) {
                        System.arraycopy(c, 0, cN, (slot * B + b) * H, H);
                    }
                }
            }
            if (masks != null && k < L - 1) {
                for (int e = 0; e < out.length; e++) {
                    out[e] *= masks[k][e];
                }
            }
            in = out;
            inSize = DH;
        }
        return new Output(in, hN, cN);
    }

    /**
     * One cell step of one sequence: {@code hNew}, {@code cNew} from input row {@code in[xo..]}
     * and {@code h}, {@code c}; with projections {@code hNew} is the unprojected {@code o ⊙ tanh c}.
     */
    private void step(double[] wih, double[] whh, double[] bih, double[] bhh, double[] in, int xo, int inSize,
                      double[] h, double[] c, double[] hNew, double[] cNew) {
        int H = hiddenSize;
        int S = stateSize;
        for (int u = 0; u < H; u++) {
            switch (cell) {
                case RNN_TANH, RNN_RELU -> {
                    double p = dot(wih, u, inSize, in, xo) + bih[u] + dot(whh, u, H, h, 0) + bhh[u];
                    hNew[u] = cell == CellType.RNN_TANH ? tanh(p) : relu(p);
                }
                case LSTM -> {
                    double[] g = new double[4];
                    for (int q = 0; q < 4; q++) {
                        int row = q * H + u;
                        g[q] = dot(wih, row, inSize, in, xo) + bih[row] + dot(whh, row, S, h, 0) + bhh[row];
                    }
                    double i = sigmoid(g[0]);
                    double f = sigmoid(g[1]);
                    double gg = tanh(g[2]);
                    double o = sigmoid(g[3]);
                    cNew[u] = f * c[u] + i * gg;
                    hNew[u] = o * tanh(cNew[u]);
                }
                case GRU -> {
                    int rr = u;
                    int zr = H + u;
                    int nr = 2 * H + u;
                    double r = sigmoid(dot(wih, rr, inSize, in, xo) + bih[rr] + dot(whh, rr, H, h, 0) + bhh[rr]);
                    double z = sigmoid(dot(wih, zr, inSize, in, xo) + bih[zr] + dot(whh, zr, H, h, 0) + bhh[zr]);
                    double n = tanh(dot(wih, nr, inSize, in, xo) + bih[nr]
                            + r * (dot(whh, nr, H, h, 0) + bhh[nr]));
                    hNew[u] = (1 - z) * n + z * h[u];
                }
            }
        }
    }

    /** {@code Σ out·dout + Σ hN·dhN + Σ cN·dcN}; null weights count as zero. */
    double loss(double[] x, int T, int B, double[] h0, double[] c0, double[] dout, double[] dhN, double[] dcN) {
        return loss(x, T, B, null, h0, c0, null, dout, dhN, dcN);
    }

    /** The loss of {@link #forward(double[], int, int, int[], double[], double[], float[][])}. */
    double loss(double[] x, int T, int B, int[] lengths, double[] h0, double[] c0, float[][] masks,
                double[] dout, double[] dhN, double[] dcN) {
        Output o = forward(x, T, B, lengths, h0, c0, masks);
        return dotAll(o.out, dout) + dotAll(o.hN, dhN) + (o.cN == null ? 0 : dotAll(o.cN, dcN));
    }

    /** Central difference of {@code loss} with respect to every element of {@code target} (perturbed in place). */
    double[] numericGradient(double[] target, Loss loss) {
        double[] g = new double[target.length];
        for (int i = 0; i < target.length; i++) {
            double v = target[i];
            double step = 1e-5 * Math.max(1.0, Math.abs(v));
            target[i] = v + step;
            double up = loss.value();
            target[i] = v - step;
            double down = loss.value();
            target[i] = v;
            g[i] = (up - down) / (2 * step);
        }
        return g;
    }

    /** Central differences at the given indices of {@code target} only. */
    double[] numericGradientAt(double[] target, int[] indices, Loss loss) {
        double[] g = new double[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            double v = target[i];
            double step = 1e-5 * Math.max(1.0, Math.abs(v));
            target[i] = v + step;
            double up = loss.value();
            target[i] = v - step;
            double down = loss.value();
            target[i] = v;
            g[k] = (up - down) / (2 * step);
        }
        return g;
    }

    @FunctionalInterface
    interface Loss {
        double value();
    }

    private double sigmoid(double x) {
        return identity ? x : 1 / (1 + Math.exp(-x));
    }

    private double tanh(double x) {
        return identity ? x : Math.tanh(x);
    }

    private double relu(double x) {
        return identity ? x : Math.max(x, 0);
    }

    private static double dot(double[] w, int row, int n, double[] v, int off) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += w[row * n + i] * v[off + i];
        }
        return s;
    }

    private static double dotAll(double[] a, double[] b) {
        if (a == null || b == null) {
            return 0;
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double[] toDouble(float[] a) {
        if (a == null) {
            return null;
        }
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
