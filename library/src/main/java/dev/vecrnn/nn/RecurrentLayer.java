package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.profile.LayerProbe;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A stack of {@code L} recurrent layers of one cell type, the equivalent of PyTorch's
 * {@code torch.nn.RNN}/{@code LSTM}/{@code GRU} with {@code batch_first=False} and
 * {@code bias=True}, optionally bidirectional, with dropout between layers, and with
 * variable-length batches (PyTorch's {@code pack_padded_sequence}). Parameters use PyTorch's
 * names, shapes and gate order (see {@link Parameter}), so weights move between the two
 * unchanged.
 *
 * <h2>Shapes</h2>
 * Tensors are flat row-major float arrays, time-major. With {@code D} directions (1, or 2 when
 * {@link #bidirectional()}):
 * <ul>
 *   <li>input {@code x} {@code [T, B, I]} ({@code x[t][b][i]} at {@code (t*B + b)*I + i});</li>
 *   <li>output {@code out} {@code [T, B, D*H]}: the forward direction in columns {@code [0, H)},
 *   the reverse direction in {@code [H, 2H)} ({@link #outputSize()} = {@code D*H});</li>
 *   <li>states {@code h0}, {@code c0}, {@code h_n}, {@code c_n} {@code [D*L, B, H]}, layer
 *   {@code l}'s direction {@code d} at index {@code D*l + d}, as in PyTorch.</li>
 * </ul>
 * Layer {@code l > 0} reads the {@code D*H} outputs of layer {@code l-1}. A bidirectional stack
 * has PyTorch's {@code _reverse} parameters ({@code weight_ih_l0_reverse}, ...), whose time loop
 * runs from the last step to the first.
 *
 * <h2>Variable-length batches</h2>
 * The {@code lengths} overloads of {@link #forward(float[], int, int, int[], float[], float[])
 * forward} and {@link #infer(float[], int, int, int[], float[], float[]) infer} take each
 * sequence's length (1..T) and follow PyTorch's packed sequences ({@code enforce_sorted=False}):
 * sequence {@code b} stops after {@code lengths[b]} steps, its {@code h_n}/{@code c_n} are its
 * states after its own last step, its outputs past the end are zero, and the reverse direction
 * starts at its own last step. {@link #backward} follows the lengths of the last
 * {@code forward}: gradients past a sequence's end are zero and {@code dout} there is ignored.
 * Finished sequences cost nothing: each pass sorts the batch once by descending length (into
 * its own buffers; every result is in the caller's order), so at step {@code t} the live
 * sequences are the first {@code B_t} rows and every per-step GEMM and gate kernel runs on
 * {@code B_t} rows only; the hoisted GEMMs run on the {@code Σ lengths} real rows.
 *
 * <h2>Projections</h2>
 * An LSTM built with {@link Builder#projSize} {@code P} (PyTorch's {@code proj_size},
 * {@code 0 < P < H}) outputs {@code h_t = W_hr·(o_t ⊙ tanh(c_t))} of size P: P replaces H in the
 * shapes of {@code out} ({@code [T, B, D*P]}), {@code h0}/{@code h_n} and their gradients, in
 * the columns of {@code weight_hh} ({@code [4H, P]}) and in the input width of layers
 * {@code k > 0}; the cell states keep H. Each step then has a second barrier: the workers'
 * gate kernels write {@code r_t = o_t ⊙ tanh(c_t)}, and after the barrier each worker projects
 * its columns of P. Backward forms {@code dr_t = dh_t·W_hr} per worker and unit slice and
 * {@code dW_hr} as one GEMM over all rows after the loop. Without projections none of this runs.
 *
 * <h2>Dropout</h2>
 * With {@link Builder#dropout} {@code p > 0}, a training {@link #forward} zeroes each output of
 * every layer but the last with probability {@code p} and scales the rest by {@code 1/(1-p)}
 * before the next layer reads it (PyTorch's {@code dropout} argument); {@link #backward} masks
 * the gradients the same way and {@link #infer} applies no dropout. The masks are a pure
 * function of the dropout seed, the index of the training pass and the element's position
 * {@code (layer, t, b, j)}, so they do not depend on the thread count, and a run with the same
 * seed repeats exactly. They cannot match PyTorch's random numbers.
 *
 * <h2>Passes</h2>
 * {@link #forward} runs a training forward pass and saves what {@link #backward} needs;
 * {@link #infer} computes the same outputs (bit for bit, when dropout is off) but saves nothing
 * and touches less memory. {@link #backward} runs backpropagation through time over the whole
 * sequence of the last {@code forward}, <em>adds</em> each parameter's gradient into
 * {@link Parameter#grad()} (so micro-batches sum; {@link #zeroGrad} clears) and returns the
 * input and initial-state gradients. It may be called more than once for one forward pass.
 *
 * <h2>Performance design</h2>
 * Per layer, the input projection {@code X·W_ihᵀ} of both directions for all rows is one GEMM,
 * split by rows over the thread team, with both biases folded into its accumulator. The
 * recurrent weights are packed once per pass, their rows interleaved by gate in blocks of units
 * so that each worker of the team owns a contiguous column range holding all gates of its
 * hidden units. The time loop is one team job: per step each worker multiplies {@code h_{t-1}}
 * by its columns and runs the fused gate kernel over its units, for the forward direction at
 * step {@code s} and the reverse direction at step {@code T-1-s} together, and meets the
 * others at one barrier. Backward mirrors this (one fused gate-backward and one
 * {@code dG_t·W_hh} column slice per step, direction and worker, one barrier per step), then
 * forms {@code dW_ih}, {@code dW_hh}, the bias gradients and {@code dX} each as one large GEMM or
 * reduction over all rows. No reduction is split across threads, so every result is bitwise
 * identical for any team size. Buffers are carved once per shape from a per-layer
 * {@link dev.vecrnn.mem.Workspace}: after the first pass of a shape (and of the largest total
 * length), passes allocate nothing. An inference pass reuses the packed weights of the last one
 * for every layer whose weights are unchanged, bit for bit.
 *
 * <h2>Engine</h2>
 * This class is the public face of a package-private engine: {@code LayerConf} (every size),
 * {@code LayerParameters} (and bias folding), {@code SequenceLayout} (lengths to rows),
 * {@code PackCache}/{@code PackedWeights} (packed operands), {@code PassBuffers} (the workspace),
 * {@code ForwardPass}/{@code ForwardLoop} (forward driver and time loop), {@code BackwardPass},
 * {@code BackwardLoop} and {@code WeightGradients}, {@code PostGemm} (the gate kernels) and
 * {@code Dropout}. {@link RecurrentStream} runs on the same forward loop and packed weights.
 *
 * <h2>Threads</h2>
 * A layer runs one pass at a time: {@link #forward}, {@link #infer} and {@link #backward} called
 * from two threads at once would corrupt each other's buffers, so the second call fails with an
 * {@link IllegalStateException} instead. Give each thread its own layer, or for inference take one
 * {@link RecurrentStream.Weights} and give each thread its own {@link RecurrentStream}. Results
 * ({@link ForwardResult}, {@link BackwardResult}) are the layer's own buffers, overwritten by the
 * next pass.
 */
public final class RecurrentLayer {
    private final LayerConf conf;
    private final LayerParameters params;
    private final TeamSplit split;
    private final Dropout dropout = new Dropout();
    private final PassBuffers buffers;
    private final PackCache packs;
    private final SequenceLayout layout = new SequenceLayout();
    private final ForwardPass forwardPass;
    private final BackwardPass backwardPass;
    /** Phase timings and JFR events; inert unless someone listens (see LayerProbe for threads). */
    private final LayerProbe probe = new LayerProbe();
    /** Fails a second thread that calls a pass while one runs. */
    private final UseGuard guard = new UseGuard();

    /** Test hook: identity instead of every activation ("skip non-linear"). */
    private boolean identity;
    /** Test hook: runs on entry of every pass, after the thread guard (null: none). */
    private Runnable passEntryHook;

    RecurrentLayer(LayerConf conf, ThreadTeam team) {
        if (team == null) {
            throw new IllegalArgumentException("threads: team is null");
        }
        this.conf = conf;
        this.params = new LayerParameters(conf);
        this.split = new TeamSplit(team);
        this.buffers = new PassBuffers(conf);
        this.packs = new PackCache(conf, params, team.size());
        this.forwardPass = new ForwardPass(conf, layout, buffers, packs, dropout, split, probe);
        this.backwardPass = new BackwardPass(conf, params, layout, buffers, packs, dropout, split, probe, forwardPass);
    }

    // ---------------------------------------------------------------------------------------
    // construction

    /** Starts building a layer stack of {@code cell} with the given input and hidden sizes. */
    public static Builder builder(CellType cell, int inputSize, int hiddenSize) {
        return new Builder(cell, inputSize, hiddenSize);
    }

    /** Builder for {@link RecurrentLayer}; every setting has a default. */
    public static final class Builder {
        private final CellType cell;
        private final int inputSize;
        private final int hiddenSize;
        private int numLayers = 1;
        private boolean bidirectional;
        private int projSize;
        private double dropout;
        private Long dropoutSeed;
        private Long seed;
        private ThreadTeam team;

        private Builder(CellType cell, int inputSize, int hiddenSize) {
            this.cell = cell;
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        /** Number of stacked layers L (default 1). */
        public Builder numLayers(int numLayers) {
            this.numLayers = numLayers;
            return this;
        }

        /**
         * Whether every layer also runs a reverse-time direction (default false), PyTorch's
         * {@code bidirectional=True}: outputs {@code [T, B, 2H]}, states {@code [2L, B, H]}.
         */
        public Builder bidirectional(boolean bidirectional) {
            this.bidirectional = bidirectional;
            return this;
        }

        /**
         * LSTM projection size P (default 0, none), PyTorch's {@code proj_size}: each step's
         * hidden state is {@code h_t = W_hr·(o_t ⊙ tanh(c_t))} of size P, with a
         * {@code weight_hr_l{k}} {@code [P, H]} per layer and direction (no bias);
         * {@code weight_hh_l{k}} is {@code [4H, P]}, layer {@code k > 0} reads {@code D*P}
         * inputs, outputs are {@code [T, B, D*P]} and {@code h0}/{@code h_n} {@code [D*L, B, P]}
         * (cell states stay {@code [D*L, B, H]}).
         *
         * @throws IllegalArgumentException if {@code projSize < 0}; {@link #build} also rejects
         *     {@code projSize >= hiddenSize} and cells other than LSTM
         */
        public Builder projSize(int projSize) {
            if (projSize < 0) {
                throw new IllegalArgumentException("projSize must be >= 0 (0 = no projections), got " + projSize);
            }
            this.projSize = projSize;
            return this;
        }

        /**
         * Dropout probability on the outputs of every layer but the last, in training passes
         * (default 0, off), PyTorch's {@code dropout} argument.
         *
         * @throws IllegalArgumentException unless {@code 0 <= p < 1}
         */
        public Builder dropout(double p) {
            Dropout.check(p);
            this.dropout = p;
            return this;
        }

        /** Seed of the dropout masks (default: derived from {@link #seed}, or random without one). */
        public Builder dropoutSeed(long seed) {
            this.dropoutSeed = seed;
            return this;
        }

        /** Seed of the initial weights (default: a random seed, so different every run). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The thread team that runs the passes (default {@link ThreadTeam#shared()}). */
        public Builder threads(ThreadTeam team) {
            if (team == null) {
                throw new IllegalArgumentException("threads: team is null");
            }
            this.team = team;
            return this;
        }

        /**
         * Builds the layer with PyTorch's default initialisation: every weight and bias drawn
         * independently from {@code U(-1/sqrt(H), 1/sqrt(H))}, in parameter order, from a
         * {@link SplittableRandom} with the seed.
         */
        public RecurrentLayer build() {
            LayerConf conf = new LayerConf(cell, inputSize, hiddenSize, numLayers, bidirectional, projSize);
            RecurrentLayer layer = new RecurrentLayer(conf, team != null ? team : ThreadTeam.shared());
            SplittableRandom rnd = seed != null ? new SplittableRandom(seed) : new SplittableRandom();
            double bound = 1.0 / Math.sqrt(hiddenSize);
            for (Parameter p : layer.parameters()) {
                float[] v = p.value();
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextDouble(-bound, bound);
                }
            }
            long dSeed = dropoutSeed != null ? dropoutSeed : rnd.nextLong();
            layer.setDropout(dropout, dSeed);
            return layer;
        }
    }

    /** Like {@link #fromParameters(CellType, Map, Map, ThreadTeam)} on the shared thread team. */
    public static RecurrentLayer fromParameters(CellType cell, Map<String, float[]> values, Map<String, int[]> shapes) {
        return fromParameters(cell, values, shapes, ThreadTeam.shared());
    }

    /**
     * A layer stack whose parameters are copies of PyTorch-named tensors ({@code weight_ih_l{k}},
     * {@code weight_hh_l{k}}, {@code bias_ih_l{k}}, {@code bias_hh_l{k}}, for an LSTM with
     * projections {@code weight_hr_l{k}}, and for a bidirectional stack the same names with
     * {@code _reverse}, as in a PyTorch {@code state_dict}). The number of layers, the direction
     * count, input, hidden and projection sizes are inferred; every name must be
     * known, every layer complete (both directions or neither, the same for all layers), and every
     * shape must match the cell type. Dropout is off; see {@link #setDropout}. {@link StateDict}
     * does the same from tensors and files.
     *
     * @param values row-major data per name
     * @param shapes shape per name (same key set as {@code values})
     * @throws IllegalArgumentException naming the tensor, the expected and the actual shape
     */
    public static RecurrentLayer fromParameters(CellType cell, Map<String, float[]> values, Map<String, int[]> shapes,
                                                ThreadTeam team) {
        return StateDict.fromParameters(cell, values, shapes, team);
    }

    // ---------------------------------------------------------------------------------------
    // accessors

    /**
     * All parameters in PyTorch's order: per layer and direction (forward, then {@code _reverse})
     * weight_ih, weight_hh, bias_ih, bias_hh (and weight_hr with projections).
     */
    public List<Parameter> parameters() {
        return params.list;
    }

    /**
     * The parameter with PyTorch name {@code name}, e.g. {@code "weight_hh_l0"}.
     *
     * @throws IllegalArgumentException if there is none
     */
    public Parameter parameter(String name) {
        Parameter p = params.byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; this layer has " + params.byName.keySet());
        }
        return p;
    }

    /** Sets every parameter gradient to zero. */
    public void zeroGrad() {
        for (Parameter p : params.list) {
            Arrays.fill(p.grad(), 0f);
        }
    }

    public CellType cell() {
        return conf.cell;
    }

    public int inputSize() {
        return conf.input;
    }

    public int hiddenSize() {
        return conf.hidden;
    }

    public int numLayers() {
        return conf.layers;
    }

    /** LSTM projection size P (PyTorch's {@code proj_size}), 0 for a layer without projections. */
    public int projSize() {
        return conf.proj;
    }

    /**
     * Size of the hidden state h of one direction: P with projections, else H (PyTorch's
     * {@code real_hidden_size}). The last dimension of {@code h0} and {@link ForwardResult#hN()}.
     */
    public int stateSize() {
        return conf.state;
    }

    /** Whether each layer runs a reverse-time direction too (PyTorch's {@code bidirectional}). */
    public boolean bidirectional() {
        return conf.bidirectional();
    }

    /** Number of directions D: 2 if {@link #bidirectional()}, else 1. */
    public int numDirections() {
        return conf.directions;
    }

    /**
     * Features per output step, {@code D*H} ({@code D*P} with projections): the last dimension of
     * {@link ForwardResult#out()}, and what a head on top of the layer reads.
     */
    public int outputSize() {
        return conf.ds;
    }

    /** Dropout probability between layers in training passes (0 = off). */
    public double dropout() {
        return dropout.probability();
    }

    /** Seed of the dropout masks. */
    public long dropoutSeed() {
        return dropout.seed();
    }

    /**
     * Sets the dropout between layers and its seed, and restarts the mask sequence: the next
     * training pass draws the masks of pass 0 of this seed.
     *
     * @throws IllegalArgumentException unless {@code 0 <= p < 1}
     */
    public void setDropout(double p, long seed) {
        dropout.set(p, seed);
    }

    /**
     * Training passes with dropout run since the last {@link #setDropout}: the index that keys
     * the next pass's masks. A checkpoint that stores it (with the seed) resumes the same masks.
     */
    public long dropoutPasses() {
        return dropout.passes();
    }

    /** Sets the index of the next training pass's dropout masks (see {@link #dropoutPasses()}). */
    public void setDropoutPasses(long passes) {
        dropout.setPasses(passes);
    }

    /** The thread team the passes run on. */
    public ThreadTeam threads() {
        return split.team;
    }

    /** Bytes of workspace buffers this layer holds (activations saved for backward and scratch). */
    public long workspaceBytes() {
        return buffers.bytesHeld();
    }

    LayerConf conf() {
        return conf;
    }

    LayerParameters params() {
        return params;
    }

    PackCache packs() {
        return packs;
    }

    /** Test hook: use the team for every phase, however small (to test the split on small sizes). */
    void alwaysParallelForTesting() {
        split.alwaysParallel();
    }

    /** Test hook: replace every activation by the identity (oneDNN's "skip non-linear" mode). */
    void skipNonlinearForTesting(boolean on) {
        this.identity = on;
        forwardPass.forgetTrainingPass();
    }

    /** Test hook: {@code hook} runs on entry of every forward, infer and backward, inside the thread guard. */
    void onPassEntryForTesting(Runnable hook) {
        this.passEntryHook = hook;
    }

    /**
     * Test hook: the dropout mask of the last training pass on layer {@code k}'s output, in the
     * caller's layout {@code [T, B, D*H]} ({@code D*P} with projections): 0 where dropped, {@code 1/(1-p)} where kept (also past
     * a sequence's end, where it is not used); null when that pass had no dropout.
     */
    float[] dropoutMaskForTesting(int k) {
        ForwardPass f = forwardPass;
        if (!f.haveTrainingPass || !f.savedDropout || k < 0 || k >= conf.layers - 1) {
            return null;
        }
        return dropout.mask(f.savedDropoutKey, k, layout.T, layout.B, conf.ds);
    }

    // ---------------------------------------------------------------------------------------
    // passes

    /**
     * Training forward pass over a whole batch of full-length sequences; saves what
     * {@link #backward} needs. The same as {@link #forward(float[], int, int, int[], float[], float[])}
     * with {@code lengths == null}.
     */
    public ForwardResult forward(float[] x, int T, int B, float[] h0, float[] c0) {
        return forward(x, T, B, null, h0, c0);
    }

    /**
     * Training forward pass; saves what {@link #backward} needs (and the lengths, which
     * {@code backward} follows).
     *
     * @param x       input {@code [T, B, I]} (values past a sequence's end are not read)
     * @param T       timesteps, at least 1
     * @param B       batch size, at least 1
     * @param lengths each sequence's length, {@code int[B]} with entries in {@code [1, T]}, in
     *                any order; or null for all {@code T}. Copied: later changes have no effect.
     * @param h0      initial hidden states {@code [D*L, B, H]} ({@code [D*L, B, P]} with
     *                projections), or null for zeros
     * @param c0      initial cell states {@code [D*L, B, H]} (LSTM only), or null for zeros
     * @return outputs {@code [T, B, D*H]} ({@code D*P} with projections; zero past each
     *         sequence's end) and final states {@code [D*L, B, H]} (h: {@code P} with
     *         projections) (buffers reused by the next pass)
     * @throws IllegalArgumentException naming the tensor, expected and actual shape, or the
     *                                  offending entry of {@code lengths}
     * @throws IllegalStateException if another thread is running a pass of this layer
     */
    public ForwardResult forward(float[] x, int T, int B, int[] lengths, float[] h0, float[] c0) {
        enter("forward");
        try {
            return forwardPass.run(x, T, B, lengths, h0, c0, true, identity);
        } finally {
            guard.exit();
        }
    }

    /**
     * Inference pass over full-length sequences; see
     * {@link #infer(float[], int, int, int[], float[], float[])}.
     */
    public ForwardResult infer(float[] x, int T, int B, float[] h0, float[] c0) {
        return infer(x, T, B, null, h0, c0);
    }

    /**
     * Inference pass: the same outputs as {@link #forward(float[], int, int, int[], float[], float[])
     * forward} without dropout (bitwise), but nothing is saved for backward (only per-step
     * scratch), so it writes less memory. A following {@link #backward} fails until the next
     * {@code forward}.
     *
     * @throws IllegalStateException if another thread is running a pass of this layer
     */
    public ForwardResult infer(float[] x, int T, int B, int[] lengths, float[] h0, float[] c0) {
        enter("infer");
        try {
            return forwardPass.run(x, T, B, lengths, h0, c0, false, identity);
        } finally {
            guard.exit();
        }
    }

    /**
     * Backpropagation through time over the sequences of the last {@link #forward} (with its
     * lengths), for the loss {@code Σ out·dout + Σ h_N·dhN + Σ c_N·dcN}. Adds the parameter
     * gradients into {@link Parameter#grad()}.
     *
     * @param dout gradient of the outputs {@code [T, B, D*H]} ({@code D*P} with projections);
     *             entries past a sequence's end are ignored
     * @param dhN  gradient of the final hidden states {@code [D*L, B, H]} ({@code P} with
     *             projections), or null for zeros
     * @param dcN  gradient of the final cell states {@code [D*L, B, H]} (LSTM only), or null
     * @return {@code dx [T, B, I]} (zero past each sequence's end), {@code dh0 [D*L, B, H]}
     *         ({@code P} with projections), {@code dc0} (LSTM), buffers reused by the next backward
     * @throws IllegalStateException if there was no forward pass, or the last pass was {@link #infer},
     *                               or another thread is running a pass of this layer
     * @throws IllegalArgumentException naming the tensor, expected and actual shape
     */
    public BackwardResult backward(float[] dout, float[] dhN, float[] dcN) {
        enter("backward");
        try {
            return backwardPass.run(dout, dhN, dcN, identity);
        } finally {
            guard.exit();
        }
    }

    /** Claims the layer for the calling thread, or fails if a pass is running; then the test hook. */
    private void enter(String pass) {
        guard.enter(pass, this, "a layer runs one pass at a time. Give each thread its own RecurrentLayer, or for "
                + "inference share one RecurrentStream.Weights among per-thread RecurrentStreams");
        if (passEntryHook != null) {
            try {
                passEntryHook.run();
            } catch (RuntimeException | Error e) {
                guard.exit();
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return "RecurrentLayer[" + conf.describe() + (dropout.probability() > 0 ? ", dropout " + dropout.probability() : "")
                + ", threads " + split.team.size() + "]";
    }
}
