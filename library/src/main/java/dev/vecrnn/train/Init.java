package dev.vecrnn.train;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Initialisation strategies for the parameters of a {@link RecurrentLayer} (every layer of the
 * stack). Each draws from the given generator in a fixed order (parameters in PyTorch's order,
 * each row-major), so a seed fixes the result.
 *
 * <p>Gate-aware schemes work per gate block: the {@code [G*H, in]} weights of a cell are G
 * independent {@code [H, in]} maps (one per gate: i, f, g, o for LSTM; r, z, n for GRU), so
 * fan-in/fan-out and orthogonality are those of one block, not of the stacked matrix. PyTorch's
 * {@code xavier_uniform_} and {@code orthogonal_} applied to the whole {@code weight_hh} would see
 * a {@code [4H, H]} matrix instead; per block is what Keras and most LSTM papers mean.
 *
 * <p>An LSTM with projections ({@link RecurrentLayer#projSize()} P &gt; 0) has {@code [H, P]}
 * gate blocks in {@code weight_hh} and a {@code [P, H]} {@code weight_hr}; every scheme covers
 * both (rectangular blocks: semi-orthogonal, a rectangular identity), drawing for
 * {@code weight_hr} after the biases of its layer and direction, PyTorch's parameter order.
 */
public final class Init {
    private Init() {}

    /** The schemes {@link #apply} knows, for configuration and the command line. */
    public enum Scheme {
        /** {@link #pytorchDefault}. */
        PYTORCH("pytorch"),
        /** {@link #xavierUniform}. */
        XAVIER("xavier"),
        /** {@link #orthogonal}. */
        ORTHOGONAL("orthogonal"),
        /** {@link #identity} with scale 1 (IRNN). */
        IDENTITY("identity");

        private final String cliName;

        Scheme(String cliName) {
            this.cliName = cliName;
        }

        /** The lower-case name used on the command line and in reports, e.g. {@code orthogonal}. */
        public String cliName() {
            return cliName;
        }

        /**
         * The scheme named {@code name} (its {@link #cliName()} or enum name, any case; also
         * {@code "irnn"} for {@link #IDENTITY}).
         *
         * @throws IllegalArgumentException naming the valid names
         */
        public static Scheme parse(String name) {
            if (name != null) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (n.equals("irnn")) {
                    return IDENTITY;
                }
                for (Scheme s : values()) {
                    if (s.cliName.equals(n) || s.name().toLowerCase(Locale.ROOT).equals(n)) {
                        return s;
                    }
                }
            }
            throw new IllegalArgumentException("unknown initialisation '" + name
                    + "'; valid: pytorch, xavier, orthogonal, identity (or irnn)");
        }
    }

    /** Standard deviation of the input weights under {@link #identity}, as in Le et al. 2015. */
    public static final double IRNN_INPUT_STD = 0.001;

    /** Applies {@code scheme} to every parameter of {@code layer}. */
    public static void apply(Scheme scheme, RecurrentLayer layer, RandomGenerator rng) {
        if (scheme == null) {
            throw new IllegalArgumentException("initialisation scheme is null");
        }
        switch (scheme) {
            case PYTORCH -> pytorchDefault(layer, rng);
            case XAVIER -> xavierUniform(layer, rng);
            case ORTHOGONAL -> orthogonal(layer, rng);
            case IDENTITY -> identity(layer, 1.0, rng);
        }
    }

    /**
     * PyTorch's default for {@code nn.RNN/LSTM/GRU}: every weight and bias independently uniform
     * in {@code [-1/sqrt(H), 1/sqrt(H)]} (also {@code weight_hr} with projections).
     */
    public static void pytorchDefault(RecurrentLayer layer, RandomGenerator rng) {
        check(layer, rng);
        double bound = 1.0 / Math.sqrt(layer.hiddenSize());
        for (Parameter p : layer.parameters()) {
            uniform(p.value(), 0, p.size(), bound, rng);
        }
    }

    /**
     * Glorot &amp; Bengio 2010 per gate block: each {@code [H, in]} block of {@code weight_ih} and
     * {@code weight_hh} uniform in {@code ±sqrt(6 / (in + H))}, which keeps the variance of
     * activations and of gradients about constant through the block; biases zero.
     */
    public static void xavierUniform(RecurrentLayer layer, RandomGenerator rng) {
        check(layer, rng);
        for (String k : layerSuffixes(layer)) {
            xavierBlocks(layer, layer.parameter("weight_ih_l" + k), rng);
            xavierBlocks(layer, layer.parameter("weight_hh_l" + k), rng);
            zero(layer.parameter("bias_ih_l" + k));
            zero(layer.parameter("bias_hh_l" + k));
            if (layer.projSize() > 0) {
                // one [P, H] map: fan-in H, fan-out P
                Parameter whr = layer.parameter("weight_hr_l" + k);
                uniform(whr.value(), 0, whr.size(), Math.sqrt(6.0 / (layer.hiddenSize() + layer.projSize())), rng);
            }
        }
    }

    /**
     * Saxe et al. 2014 (Keras' LSTM default): each {@code [H, H]} gate block of
     * {@code weight_hh} a random orthogonal matrix (see {@link #orthogonalMatrix}), so the
     * linear part of the recurrence preserves norms and neither explodes nor vanishes at the
     * start; {@code weight_ih} Xavier uniform per gate block; biases zero.
     */
    public static void orthogonal(RecurrentLayer layer, RandomGenerator rng) {
        check(layer, rng);
        int h = layer.hiddenSize();
        int p = layer.projSize();
        for (String k : layerSuffixes(layer)) {
            xavierBlocks(layer, layer.parameter("weight_ih_l" + k), rng);
            float[] whh = layer.parameter("weight_hh_l" + k).value();
            for (int g = 0; g < layer.cell().gates(); g++) {
                if (p == 0) {
                    orthogonalMatrix(h, rng, whh, g * h * h, h);
                } else {
                    // [H, P]: the first P columns of an H x H orthogonal matrix (orthonormal columns)
                    float[] q = new float[h * h];
                    orthogonalMatrix(h, rng, q, 0, h);
                    for (int r = 0; r < h; r++) {
                        System.arraycopy(q, r * h, whh, g * h * p + r * p, p);
                    }
                }
            }
            zero(layer.parameter("bias_ih_l" + k));
            zero(layer.parameter("bias_hh_l" + k));
            if (p > 0) {
                // [P, H]: the first P rows of an H x H orthogonal matrix (orthonormal rows)
                float[] q = new float[h * h];
                orthogonalMatrix(h, rng, q, 0, h);
                System.arraycopy(q, 0, layer.parameter("weight_hr_l" + k).value(), 0, p * h);
            }
        }
    }

    /**
     * IRNN (Le, Jaitly &amp; Hinton 2015, for {@link CellType#RNN_RELU}): each gate block of
     * {@code weight_hh} is {@code scale} times the identity, biases zero, and {@code weight_ih}
     * Gaussian with standard deviation {@link #IRNN_INPUT_STD}. With relu units the hidden state
     * is then copied forward unchanged until learning says otherwise, so gradients neither decay
     * nor blow up over long spans at the start. Applies to any cell, block by block, but was
     * designed for relu RNNs.
     *
     * @param scale the identity's factor, finite (1 in the paper; slightly below 1 is more stable
     *     on long sequences)
     */
    public static void identity(RecurrentLayer layer, double scale, RandomGenerator rng) {
        check(layer, rng);
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("identity scale must be finite, got " + scale);
        }
        int h = layer.hiddenSize();
        int s = layer.stateSize(); // columns of weight_hh: P with projections, else H
        for (String k : layerSuffixes(layer)) {
            float[] wih = layer.parameter("weight_ih_l" + k).value();
            for (int i = 0; i < wih.length; i++) {
                wih[i] = (float) (IRNN_INPUT_STD * rng.nextGaussian());
            }
            float[] whh = layer.parameter("weight_hh_l" + k).value();
            Arrays.fill(whh, 0f);
            for (int g = 0; g < layer.cell().gates(); g++) {
                for (int i = 0; i < s; i++) {
                    whh[g * h * s + i * s + i] = (float) scale;
                }
            }
            zero(layer.parameter("bias_ih_l" + k));
            zero(layer.parameter("bias_hh_l" + k));
            if (layer.projSize() > 0) {
                // [P, H]: h keeps the first P units of o ⊙ tanh(c)
                float[] whr = layer.parameter("weight_hr_l" + k).value();
                Arrays.fill(whr, 0f);
                for (int i = 0; i < s; i++) {
                    whr[i * h + i] = 1f;
                }
            }
        }
    }

    /**
     * Sets the LSTM forget-gate bias of every layer to {@code value} (Gers et al. 2000;
     * Jozefowicz et al. 2015 recommend 1): with the forget gate starting near
     * {@code sigmoid(1) ≈ 0.73} instead of 0.5 the cell keeps its content longer, so long-range
     * gradients survive the first updates.
     *
     * <p>Semantics: PyTorch has two bias vectors that enter the gates only as their sum
     * {@code b_ih + b_hh}. This sets the forget block (rows {@code H..2H-1}) of {@code bias_ih} to
     * {@code value} and that of {@code bias_hh} to 0, so the total forget bias is exactly
     * {@code value} whatever the biases were before. (Setting both chunks to {@code value}, a
     * common PyTorch idiom, would give {@code 2 * value}.) Other gates' biases are untouched, so
     * call this after an initialisation scheme.
     *
     * @throws IllegalArgumentException if the layer is not an LSTM or {@code value} is not finite
     */
    public static void forgetGateBias(RecurrentLayer layer, double value) {
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        if (layer.cell() != CellType.LSTM) {
            throw new IllegalArgumentException("a forget-gate bias needs an lstm, got " + layer.cell().cliName());
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("forget-gate bias must be finite, got " + value);
        }
        int h = layer.hiddenSize();
        for (String k : layerSuffixes(layer)) {
            Arrays.fill(layer.parameter("bias_ih_l" + k).value(), h, 2 * h, (float) value);
            Arrays.fill(layer.parameter("bias_hh_l" + k).value(), h, 2 * h, 0f);
        }
    }

    /**
     * Chrono initialisation (Tallec &amp; Ollivier 2018, "Can recurrent neural networks warp
     * time?") of the gate biases of an LSTM or GRU, for dependencies up to about {@code maxLag}
     * steps: each unit gets a characteristic memory time drawn uniformly from
     * {@code [1, maxLag - 1]}, so the units together cover every time scale the task may need
     * instead of all forgetting within a few steps.
     *
     * <ul>
     *   <li>LSTM: forget-gate bias {@code b_f = log(u)} with {@code u ~ U(1, maxLag - 1)}, one
     *       draw per unit, and input-gate bias {@code b_i = -b_f}. A unit with {@code b_f = log u}
     *       keeps its cell content for about {@code u} steps at the start.</li>
     *   <li>GRU: update-gate bias {@code b_z = +log(u)}. The sign follows PyTorch's convention
     *       {@code h' = (1 - z) * n + z * h}, in which {@code z} is the share of the old state
     *       that is kept (the paper writes the GRU with the roles of {@code z} and {@code 1 - z}
     *       swapped, hence its minus sign). There is no separate input gate: {@code 1 - z}
     *       already admits the new content.</li>
     * </ul>
     *
     * <p>Like {@link #forgetGateBias}, the values are written into {@code bias_ih} and the same
     * gate blocks of {@code bias_hh} are set to 0 (the two vectors enter the gates only as their
     * sum), so the total bias is exactly the chrono value. Other biases and all weights are left
     * as they are: call this after an initialisation scheme. Draws one value per unit from
     * {@code rng}, per layer and direction in parameter order.
     *
     * @param maxLag the longest dependency the network should be able to keep at the start,
     *     in steps (usually the sequence length); finite and {@code > 2}
     * @throws IllegalArgumentException if the layer is neither an LSTM nor a GRU, or
     *     {@code maxLag} is out of range
     */
    public static void chrono(RecurrentLayer layer, double maxLag, RandomGenerator rng) {
        check(layer, rng);
        if (layer.cell() != CellType.LSTM && layer.cell() != CellType.GRU) {
            throw new IllegalArgumentException("chrono initialisation needs an lstm or a gru, got "
                    + layer.cell().cliName());
        }
        if (!(maxLag > 2) || !Double.isFinite(maxLag)) {
            throw new IllegalArgumentException("chrono maxLag must be finite and > 2 (memory times are drawn from "
                    + "U(1, maxLag - 1)), got " + maxLag);
        }
        int h = layer.hiddenSize();
        boolean lstm = layer.cell() == CellType.LSTM;
        for (String k : layerSuffixes(layer)) {
            float[] bih = layer.parameter("bias_ih_l" + k).value();
            float[] bhh = layer.parameter("bias_hh_l" + k).value();
            // LSTM gates i, f, g, o: f is rows H..2H-1, i rows 0..H-1; GRU gates r, z, n: z is rows H..2H-1
            for (int u = 0; u < h; u++) {
                double memory = Math.log(rng.nextDouble(1.0, maxLag - 1));
                bih[h + u] = (float) memory;
                bhh[h + u] = 0f;
                if (lstm) {
                    bih[u] = (float) -memory;
                    bhh[u] = 0f;
                }
            }
        }
    }

    /**
     * Writes a random {@code n x n} orthogonal matrix into {@code dst} (row-major at {@code off},
     * leading dimension {@code ld}), as PyTorch's {@code orthogonal_}: the Q of the QR
     * factorisation of a matrix of independent standard Gaussians, with the signs fixed so that
     * R has a positive diagonal. That sign rule makes Q unique and its distribution uniform over
     * the orthogonal group (Haar); without it, QR routines bias the signs.
     *
     * <p>Computed in double by modified Gram-Schmidt on the columns, run twice per column
     * ("twice is enough", Giraud et al. 2005) so Q is orthogonal to working precision even for
     * ill-conditioned draws. Gram-Schmidt yields the positive-diagonal R directly: each
     * {@code R_jj} is a norm, so no sign correction is left to do.
     */
    public static void orthogonalMatrix(int n, RandomGenerator rng, float[] dst, int off, int ld) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        Args.matrix("dst", dst, off, n, n, ld);
        // q[j] is column j, contiguous so the dot products walk memory in order
        double[][] q = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                q[c][r] = rng.nextGaussian();
            }
        }
        for (int j = 0; j < n; j++) {
            double[] v = q[j];
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < j; i++) {
                    double[] qi = q[i];
                    double dot = 0;
                    for (int r = 0; r < n; r++) {
                        dot += qi[r] * v[r];
                    }
                    for (int r = 0; r < n; r++) {
                        v[r] -= dot * qi[r];
                    }
                }
            }
            double norm = 0;
            for (int r = 0; r < n; r++) {
                norm += v[r] * v[r];
            }
            norm = Math.sqrt(norm);
            if (!(norm > 1e-300)) {
                // probability zero for Gaussian draws; would mean a degenerate generator
                throw new IllegalStateException("random matrix is singular; cannot orthogonalise column " + j);
            }
            for (int r = 0; r < n; r++) {
                v[r] /= norm;
            }
        }
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                dst[off + r * ld + c] = (float) q[c][r];
            }
        }
    }

    private static void xavierBlocks(RecurrentLayer layer, Parameter w, RandomGenerator rng) {
        int[] shape = w.shape();
        int h = layer.hiddenSize();
        int in = shape[1];
        double bound = Math.sqrt(6.0 / (in + h));
        // gate blocks are consecutive [H, in] row blocks with the same bound, so one pass covers them
        uniform(w.value(), 0, w.size(), bound, rng);
    }

    private static void uniform(float[] a, int off, int n, double bound, RandomGenerator rng) {
        for (int i = 0; i < n; i++) {
            a[off + i] = (float) rng.nextDouble(-bound, bound);
        }
    }

    /**
     * The name suffix of every layer and direction in parameter order: {@code "0", "1", ...},
     * and for a bidirectional layer {@code "0", "0_reverse", "1", "1_reverse", ...}.
     */
    private static List<String> layerSuffixes(RecurrentLayer layer) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < layer.numLayers(); k++) {
            out.add(Integer.toString(k));
            if (layer.bidirectional()) {
                out.add(k + "_reverse");
            }
        }
        return out;
    }

    private static void zero(Parameter p) {
        Arrays.fill(p.value(), 0f);
    }

    private static void check(RecurrentLayer layer, RandomGenerator rng) {
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        if (rng == null) {
            throw new IllegalArgumentException("random generator is null");
        }
    }
}
