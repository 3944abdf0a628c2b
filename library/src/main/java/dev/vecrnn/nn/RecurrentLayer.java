package dev.vecrnn.nn;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.kernel.GateKernels;
import dev.vecrnn.kernel.IdentityGateKernels;
import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.mem.Workspace;
import dev.vecrnn.profile.LayerProbe;
import dev.vecrnn.profile.Phase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * identical for any team size. Buffers come from a per-layer {@link Workspace}: after the first
 * pass of a shape (and of the largest total length), passes allocate nothing.
 *
 * <p>A layer is not thread-safe: one thread uses it at a time. Results ({@link ForwardResult},
 * {@link BackwardResult}) are the layer's own buffers, overwritten by the next pass.
 */
public final class RecurrentLayer {
    /** Rows of the row-split GEMMs per split granule. */
    private static final int ROW_GRANULE = 8;
    /** Rows of the {@code D*G*H}-row weight-gradient GEMMs per split granule. */
    private static final int GATE_ROW_GRANULE = 16;
    /** Fewest hidden units per block, so each fused gate kernel call has whole vectors to chew on. */
    private static final int MIN_UNIT_BLOCK = 16;
    /**
     * Least work (flops) per timestep for which splitting the time loop over the team pays for
     * the barrier each step costs (about a microsecond even when every worker has a core).
     */
    private static final long MIN_FLOPS_PER_BARRIER = 200_000;
    /** Least work (flops) for which waking the team for one GEMM phase pays. */
    private static final long MIN_FLOPS_PER_RUN = 2_000_000;
    /** Floats after the end of every workspace buffer: more than one vector at any width. */
    private static final int KERNEL_SLACK = 32;
    private static final Pattern NAME = Pattern.compile("(weight|bias)_(ih|hh|hr)_l(\\d+)(_reverse)?");
    private static final String[] KINDS = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"};
    private static final String[] PROJ_KINDS = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l", "weight_hr_l"};
    private static final String REVERSE = "_reverse";

    private final CellType cell;
    private final int inputSize;
    private final int hiddenSize;
    private final int numLayers;
    /** LSTM projection size P (PyTorch's {@code proj_size}), 0 without projections. */
    private final int projSize;
    /** Width of the hidden state h: P with projections, else H. */
    private final int stateSize;
    private final int gates;
    /** 1, or 2 for a bidirectional stack. */
    private final int directions;
    private final ThreadTeam team;

    // parameters of layer k, direction d at index k*directions + d
    private final float[][] wih;
    private final float[][] whh;
    private final float[][] bih;
    private final float[][] bhh;
    private final float[][] gWih;
    private final float[][] gWhh;
    private final float[][] gBih;
    private final float[][] gBhh;
    private final float[][] whr; // null without projections
    private final float[][] gWhr;
    private final List<Parameter> parameters;
    private final Map<String, Parameter> byName;

    private final Workspace ws = new Workspace();
    private final Key[] actKey;
    private final Key[] stateKey;
    private final Key[] cellKey;
    private final Key[] hnKey;
    private final Key[] dropKey;
    private final Key[] projKey;

    private final ForwardResult fwdResult = new ForwardResult();
    private final BackwardResult bwdResult = new BackwardResult();
    private final ForwardJob forwardJob = new ForwardJob();
    private final BackwardLoopJob backwardLoopJob = new BackwardLoopJob();
    private final GradientJob gradientJob = new GradientJob();
    /** Phase timings and JFR events; inert unless someone listens (see LayerProbe for threads). */
    private final LayerProbe probe = new LayerProbe();

    /** Test hook: identity instead of every activation ("skip non-linear"). */
    private boolean linear;
    /** Hidden units per gate-interleaving block: a multiple of the packed panel width. */
    private int unitBlock;
    /** Thresholds of {@link #MIN_FLOPS_PER_BARRIER} / {@link #MIN_FLOPS_PER_RUN}; tests lower them. */
    private long minFlopsPerBarrier = MIN_FLOPS_PER_BARRIER;
    private long minFlopsPerRun = MIN_FLOPS_PER_RUN;

    // dropout between layers
    private double dropout;
    private long dropoutSeed;
    /** Training passes run with dropout so far: the pass index that keys each pass's masks. */
    private long dropoutPasses;

    // packed operands, recreated only when their shape changes
    private PackedMatrix packInFirst;   // W_ih0ᵀ of all directions      [I, D*G*H]
    private PackedMatrix packInRest;    // W_ihᵀ, k>0, all directions    [D*H, D*G*H]
    private PackedMatrix packBackFirst; // W_ih0 of all directions       [D*G*H, I]
    private PackedMatrix packBackRest;  // W_ih, k>0, all directions     [D*G*H, D*H]
    private final PackedMatrix[] packRec = new PackedMatrix[2];     // W_hhᵀ gate-interleaved [H, G*H] per direction
    private final PackedMatrix[] packRecBack = new PackedMatrix[2]; // W_hh [G*H, H] per direction
    // with projections the recurrent operands above have P in place of H
    private final PackedMatrix[] packProj = new PackedMatrix[2];     // W_hrᵀ [H, P] per direction
    private final PackedMatrix[] packProjBack = new PackedMatrix[2]; // W_hr [P, H] per direction
    /**
     * One-layer stacks: a copy of the forward weights (W_ih, W_hh, W_hr of every direction) the
     * forward packs above were made from, so an inference pass over unchanged weights skips the
     * packing (at batch 1 about a third of an LSTM pass). Comparing the weights with the copy
     * reads them once; packing reads and transposes them. Null while the packs may be stale.
     */
    private float[] packedFrom;

    // Row layout of the current pass. Sequences are sorted by descending length (stable):
    // sorted row i is the caller's sequence order[i]. Step t has active[t] live rows, the
    // prefix 0..active[t]-1, stored as "packed" rows rowStart[t] .. rowStart[t] + active[t] - 1.
    // Without lengths (or all lengths T) the layout is the caller's own: order = identity,
    // rowStart[t] = t*B.
    private int[] order = new int[0];
    private int[] seqLength = new int[0];
    private int[] active = new int[0];    // [T+1], active[t] = #{b : length_b > t}
    private int[] rowStart = new int[0];  // [T+1], rowStart[t] = active[0] + ... + active[t-1]
    private int[] lengthCounts = new int[0];
    private boolean packedLayout;
    private int layoutT;
    private int layoutB;
    /** Steps that have any live row: the longest length. */
    private int layoutSteps;
    /** Real rows {@code N = Σ lengths}. */
    private int layoutRows;

    // state of the last training forward pass
    private boolean haveTrainingPass;
    private boolean lastWasInfer;
    private boolean savedDropout;
    private long savedDropoutKey;

    // per-pass values the team jobs read (fields, so that running a job allocates nothing)
    private int passLayer;
    private int passIn;
    private boolean passTraining;
    private float[] passX;
    private int passXOff;
    private float[] passGates;
    private float[] passStates;
    private float[] passCells;
    private float[] passHn;
    private float[] passGh;
    private float[] passBias;
    /** GRU's b_hn of every direction of the current layer, {@code [D*H]} in a padded buffer (see {@link #buffer}). */
    private float[] passBhn;
    private PackedMatrix passPackIn;
    private float[] passDout;
    private float[] passDG;
    private float[] passDnx;
    private float[] passDh;
    private float[] passDc;
    private float[] passBsum;
    private float[] passLayerIn;
    private int passLayerInOff;
    private float[] passPrev;
    private final int[] passPrevOff = new int[2];
    private boolean passGatherPrev;
    private PackedMatrix passPackBack;
    private float[] passDx;
    /** Projections: the unprojected outputs r = o ⊙ tanh(c), {@code [N, D*H]} saved (training) or {@code [B, D*H]}. */
    private float[] passR;
    /** Projections: dL/dh_t of every step (output plus recurrent gradient), {@code [N, D*P]}. */
    private float[] passDhTotal;
    /** Projections: dL/dr_t of one step, {@code [B, D*H]}. */
    private float[] passDr;
    /** Projections: zeros {@code [B, D*H]}, the gate kernel's recurrent-gradient input (it is all in dr). */
    private float[] passZeros;

    private RecurrentLayer(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                           int projSize, ThreadTeam team) {
        checkSizes(cell, inputSize, hiddenSize, numLayers, bidirectional, projSize);
        if (team == null) {
            throw new IllegalArgumentException("threads: team is null");
        }
        this.cell = cell;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.projSize = projSize;
        this.stateSize = projSize > 0 ? projSize : hiddenSize;
        this.gates = cell.gates();
        this.directions = bidirectional ? 2 : 1;
        this.team = team;
        int gh = gates * hiddenSize;
        int slots = numLayers * directions;
        wih = new float[slots][];
        whh = new float[slots][];
        bih = new float[slots][];
        bhh = new float[slots][];
        gWih = new float[slots][];
        gWhh = new float[slots][];
        gBih = new float[slots][];
        gBhh = new float[slots][];
        whr = projSize > 0 ? new float[slots][] : null;
        gWhr = projSize > 0 ? new float[slots][] : null;
        List<Parameter> ps = new ArrayList<>(5 * slots);
        Map<String, Parameter> names = new LinkedHashMap<>();
        actKey = new Key[numLayers];
        stateKey = new Key[numLayers];
        cellKey = new Key[numLayers];
        hnKey = new Key[numLayers];
        dropKey = new Key[numLayers];
        projKey = new Key[numLayers];
        for (int k = 0; k < numLayers; k++) {
            int in = k == 0 ? inputSize : directions * stateSize;
            for (int d = 0; d < directions; d++) {
                String suffix = k + (d == 1 ? REVERSE : "");
                Parameter pwi = new Parameter("weight_ih_l" + suffix, new int[] {gh, in}, new float[gh * in]);
                Parameter pwh = new Parameter("weight_hh_l" + suffix, new int[] {gh, stateSize},
                        new float[gh * stateSize]);
                Parameter pbi = new Parameter("bias_ih_l" + suffix, new int[] {gh}, new float[gh]);
                Parameter pbh = new Parameter("bias_hh_l" + suffix, new int[] {gh}, new float[gh]);
                for (Parameter p : new Parameter[] {pwi, pwh, pbi, pbh}) {
                    ps.add(p);
                    names.put(p.name(), p);
                }
                int s = k * directions + d;
                if (projSize > 0) {
                    // PyTorch's order: weight_hr_l{k} follows the biases of its direction
                    Parameter pwr = new Parameter("weight_hr_l" + suffix, new int[] {projSize, hiddenSize},
                            new float[projSize * hiddenSize]);
                    ps.add(pwr);
                    names.put(pwr.name(), pwr);
                    whr[s] = pwr.value();
                    gWhr[s] = pwr.grad();
                }
                wih[s] = pwi.value();
                whh[s] = pwh.value();
                bih[s] = pbi.value();
                bhh[s] = pbh.value();
                gWih[s] = pwi.grad();
                gWhh[s] = pwh.grad();
                gBih[s] = pbi.grad();
                gBhh[s] = pbh.grad();
            }
            actKey[k] = new Key("gates", k);
            stateKey[k] = new Key("h", k);
            cellKey[k] = new Key("c", k);
            hnKey[k] = new Key("hn", k);
            dropKey[k] = new Key("dropped", k);
            projKey[k] = new Key("r", k);
        }
        this.parameters = Collections.unmodifiableList(ps);
        this.byName = Collections.unmodifiableMap(names);
    }

    private static void checkSizes(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                                   int projSize) {
        if (cell == null) {
            throw new IllegalArgumentException("cell type is null");
        }
        if (inputSize < 1) {
            throw new IllegalArgumentException("inputSize must be >= 1, got " + inputSize);
        }
        if (hiddenSize < 1) {
            throw new IllegalArgumentException("hiddenSize must be >= 1, got " + hiddenSize);
        }
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + numLayers);
        }
        if (projSize < 0) {
            throw new IllegalArgumentException("projSize must be >= 0 (0 = no projections), got " + projSize);
        }
        if (projSize > 0 && cell != CellType.LSTM) {
            throw new IllegalArgumentException("projSize: projections (PyTorch's proj_size) exist only for an lstm, got "
                    + cell.cliName() + " with projSize " + projSize);
        }
        if (projSize > 0 && projSize >= hiddenSize) {
            throw new IllegalArgumentException("projSize must be < hiddenSize = " + hiddenSize + ", got " + projSize);
        }
        int dirs = bidirectional ? 2 : 1;
        long rows = (long) dirs * cell.gates() * hiddenSize;
        long widest = Math.max(inputSize, (long) dirs * hiddenSize);
        if (rows * widest > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("weights of " + rows + " x " + widest + " do not fit in one Java array");
        }
    }

    private static void checkDropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        }
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
            checkDropout(p);
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
            checkSizes(cell, inputSize, hiddenSize, numLayers, bidirectional, projSize);
            RecurrentLayer layer = new RecurrentLayer(cell, inputSize, hiddenSize, numLayers, bidirectional, projSize,
                    team != null ? team : ThreadTeam.shared());
            SplittableRandom rnd = seed != null ? new SplittableRandom(seed) : new SplittableRandom();
            double bound = 1.0 / Math.sqrt(hiddenSize);
            for (Parameter p : layer.parameters) {
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
     * shape must match the cell type. Dropout is off; see {@link #setDropout}.
     *
     * @param values row-major data per name
     * @param shapes shape per name (same key set as {@code values})
     * @throws IllegalArgumentException naming the tensor, the expected and the actual shape
     */
    public static RecurrentLayer fromParameters(CellType cell, Map<String, float[]> values, Map<String, int[]> shapes,
                                                ThreadTeam team) {
        if (cell == null) {
            throw new IllegalArgumentException("cell type is null");
        }
        if (values == null || shapes == null) {
            throw new IllegalArgumentException("parameter values and shapes must not be null");
        }
        // (containsKey(null) would throw on immutable maps)
        if (values.keySet().stream().anyMatch(k -> k == null) || shapes.keySet().stream().anyMatch(k -> k == null)) {
            throw new IllegalArgumentException("parameter names must not be null");
        }
        int maxLayer = -1;
        boolean anyReverse = false;
        String anyProj = null;
        for (String name : new TreeSet<>(values.keySet())) {
            Matcher m = name == null ? null : NAME.matcher(name);
            if (m == null || !m.matches()) {
                throw new IllegalArgumentException("unknown parameter '" + name + "' for " + named(cell)
                        + " layer; expected weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}"
                        + (cell == CellType.LSTM ? " (weight_hr_l{k} with projections)" : "")
                        + " (and the same with _reverse for a bidirectional stack)");
            }
            if (m.group(2).equals("hr") && anyProj == null) {
                anyProj = name;
            }
            int k;
            try {
                k = Integer.parseInt(m.group(3));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter '" + name + "': layer index out of range");
            }
            maxLayer = Math.max(maxLayer, k);
            anyReverse |= m.group(4) != null;
            if (!shapes.containsKey(name) || shapes.get(name) == null) {
                throw new IllegalArgumentException("parameter '" + name + "' has no shape");
            }
            if (values.get(name) == null) {
                throw new IllegalArgumentException("parameter '" + name + "' has no data");
            }
        }
        for (String name : shapes.keySet()) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("parameter '" + name + "' has a shape but no data");
            }
        }
        if (maxLayer < 0) {
            throw new IllegalArgumentException("no parameters given; need weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0");
        }
        int layers = maxLayer + 1;
        if (anyProj != null && cell != CellType.LSTM) {
            throw new IllegalArgumentException("parameter '" + anyProj + "': projections (proj_size, weight_hr_l{k})"
                    + " exist only for an lstm, not for " + named(cell));
        }
        for (int k = 0; k < layers; k++) {
            for (int d = 0; d < (anyReverse ? 2 : 1); d++) {
                for (String kind : anyProj != null ? PROJ_KINDS : KINDS) {
                    String name = kind + k + (d == 1 ? REVERSE : "");
                    if (!values.containsKey(name)) {
                        throw new IllegalArgumentException("missing parameter '" + name + "' (a "
                                + (anyReverse ? "bidirectional " : "") + cell.cliName() + " stack of " + layers
                                + " layers needs " + (anyReverse
                                ? "all " + (anyProj != null ? "ten" : "eight")
                                + " tensors per layer: every layer has both directions, or none has"
                                : "all " + (anyProj != null ? "five" : "four") + " tensors per layer")
                                + (anyProj != null ? ", weight_hr_l{k} in every layer since " + anyProj + " is given" : "")
                                + ")");
                    }
                }
            }
        }
        int g = cell.gates();
        int[] whh0 = shapes.get("weight_hh_l0");
        int hidden;
        int proj = 0;
        if (anyProj != null) {
            // with projections W_hh is [4H, P]: H and P come from W_hr [P, H]
            int[] whr0 = shapes.get("weight_hr_l0");
            if (whr0.length != 2 || whr0[0] < 1 || whr0[1] <= whr0[0]) {
                throw new IllegalArgumentException("weight_hr_l0: expected shape [P, H] with 1 <= P < H, got "
                        + Arrays.toString(whr0));
            }
            proj = whr0[0];
            hidden = whr0[1];
        } else {
            if (whh0.length != 2 || whh0[1] < 1) {
                throw new IllegalArgumentException("weight_hh_l0: expected shape [G*H, H], got " + Arrays.toString(whh0));
            }
            hidden = whh0[1];
        }
        int[] wih0 = shapes.get("weight_ih_l0");
        if (wih0.length != 2 || wih0[1] < 1) {
            throw new IllegalArgumentException("weight_ih_l0: expected shape [G*H, I] = [" + g * hidden
                    + ", I], got " + Arrays.toString(wih0));
        }
        int input = wih0[1];
        checkSizes(cell, input, hidden, layers, anyReverse, proj);
        RecurrentLayer layer = new RecurrentLayer(cell, input, hidden, layers, anyReverse, proj, team);
        for (String name : values.keySet()) {
            if (!layer.byName.containsKey(name)) {
                // e.g. "weight_ih_l01": matches the pattern but is not the canonical name
                throw new IllegalArgumentException("unknown parameter '" + name + "'; expected one of "
                        + layer.byName.keySet());
            }
        }
        for (Parameter p : layer.parameters) {
            int[] expected = p.shape();
            int[] actual = shapes.get(p.name());
            if (!Arrays.equals(expected, actual)) {
                String hint = actual.length >= 1 && actual[0] % hidden == 0 && actual[0] / hidden != g
                        ? " (" + actual[0] / hidden + " gates of " + hidden + " units; " + named(cell) + " has "
                        + g + ")" : "";
                throw new IllegalArgumentException(p.name() + ": expected shape " + Arrays.toString(expected)
                        + " for a " + (anyReverse ? "bidirectional " : "") + cell.cliName() + " with input size "
                        + input + ", hidden size " + hidden + (proj > 0 ? ", proj size " + proj : "") + ", got "
                        + Arrays.toString(actual) + hint);
            }
            float[] v = values.get(p.name());
            if (v.length != p.size()) {
                throw new IllegalArgumentException(p.name() + ": shape " + Arrays.toString(expected) + " needs "
                        + p.size() + " floats, got " + v.length);
            }
            System.arraycopy(v, 0, p.value(), 0, v.length);
        }
        return layer;
    }

    // ---------------------------------------------------------------------------------------
    // accessors

    /**
     * All parameters in PyTorch's order: per layer and direction (forward, then {@code _reverse})
     * weight_ih, weight_hh, bias_ih, bias_hh (and weight_hr with projections).
     */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The parameter with PyTorch name {@code name}, e.g. {@code "weight_hh_l0"}.
     *
     * @throws IllegalArgumentException if there is none
     */
    public Parameter parameter(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; this layer has " + byName.keySet());
        }
        return p;
    }

    /** Sets every parameter gradient to zero. */
    public void zeroGrad() {
        for (Parameter p : parameters) {
            Arrays.fill(p.grad(), 0f);
        }
    }

    public CellType cell() {
        return cell;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int numLayers() {
        return numLayers;
    }

    /** LSTM projection size P (PyTorch's {@code proj_size}), 0 for a layer without projections. */
    public int projSize() {
        return projSize;
    }

    /**
     * Size of the hidden state h of one direction: P with projections, else H (PyTorch's
     * {@code real_hidden_size}). The last dimension of {@code h0} and {@link ForwardResult#hN()}.
     */
    public int stateSize() {
        return stateSize;
    }

    /** Whether each layer runs a reverse-time direction too (PyTorch's {@code bidirectional}). */
    public boolean bidirectional() {
        return directions == 2;
    }

    /** Number of directions D: 2 if {@link #bidirectional()}, else 1. */
    public int numDirections() {
        return directions;
    }

    /**
     * Features per output step, {@code D*H} ({@code D*P} with projections): the last dimension of
     * {@link ForwardResult#out()}, and what a head on top of the layer reads.
     */
    public int outputSize() {
        return directions * stateSize;
    }

    /** Dropout probability between layers in training passes (0 = off). */
    public double dropout() {
        return dropout;
    }

    /** Seed of the dropout masks. */
    public long dropoutSeed() {
        return dropoutSeed;
    }

    /**
     * Sets the dropout between layers and its seed, and restarts the mask sequence: the next
     * training pass draws the masks of pass 0 of this seed.
     *
     * @throws IllegalArgumentException unless {@code 0 <= p < 1}
     */
    public void setDropout(double p, long seed) {
        checkDropout(p);
        this.dropout = p;
        this.dropoutSeed = seed;
        this.dropoutPasses = 0;
    }

    /**
     * Training passes with dropout run since the last {@link #setDropout}: the index that keys
     * the next pass's masks. A checkpoint that stores it (with the seed) resumes the same masks.
     */
    public long dropoutPasses() {
        return dropoutPasses;
    }

    /** Sets the index of the next training pass's dropout masks (see {@link #dropoutPasses()}). */
    public void setDropoutPasses(long passes) {
        if (passes < 0) {
            throw new IllegalArgumentException("dropout passes must be >= 0, got " + passes);
        }
        this.dropoutPasses = passes;
    }

    /** The thread team the passes run on. */
    public ThreadTeam threads() {
        return team;
    }

    /** Bytes of workspace buffers this layer holds (activations saved for backward and scratch). */
    public long workspaceBytes() {
        return ws.bytesHeld();
    }

    /** Test hook: use the team for every phase, however small (to test the split on small sizes). */
    void alwaysParallelForTesting() {
        minFlopsPerBarrier = 0;
        minFlopsPerRun = 0;
    }

    /** Test hook: replace every activation by the identity (oneDNN's "skip non-linear" mode). */
    void skipNonlinearForTesting(boolean on) {
        this.linear = on;
        this.haveTrainingPass = false;
    }

    /**
     * Test hook: the dropout mask of the last training pass on layer {@code k}'s output, in the
     * caller's layout {@code [T, B, D*H]} ({@code D*P} with projections): 0 where dropped, {@code 1/(1-p)} where kept (also past
     * a sequence's end, where it is not used); null when that pass had no dropout.
     */
    float[] dropoutMaskForTesting(int k) {
        if (!haveTrainingPass || !savedDropout || k < 0 || k >= numLayers - 1) {
            return null;
        }
        int DH = directions * stateSize;
        int total = layoutT * layoutB * DH;
        float[] m = new float[total];
        long key = dropoutLayerKey(savedDropoutKey, k);
        int threshold = dropThreshold();
        float scale = dropScale();
        for (int e = 0; e < total; e++) {
            m[e] = keep(key, e, threshold) ? scale : 0f;
        }
        return m;
    }

    // ---------------------------------------------------------------------------------------
    // forward

    /**
     * Training forward pass over a whole batch of full-length sequences; saves what
     * {@link #backward} needs. The same as {@link #forward(float[], int, int, int[], float[], float[])}
     * with {@code lengths == null}.
     */
    public ForwardResult forward(float[] x, int T, int B, float[] h0, float[] c0) {
        return run(x, T, B, null, h0, c0, true);
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
     */
    public ForwardResult forward(float[] x, int T, int B, int[] lengths, float[] h0, float[] c0) {
        return run(x, T, B, lengths, h0, c0, true);
    }

    /**
     * Inference pass over full-length sequences; see
     * {@link #infer(float[], int, int, int[], float[], float[])}.
     */
    public ForwardResult infer(float[] x, int T, int B, float[] h0, float[] c0) {
        return run(x, T, B, null, h0, c0, false);
    }

    /**
     * Inference pass: the same outputs as {@link #forward(float[], int, int, int[], float[], float[])
     * forward} without dropout (bitwise), but nothing is saved for backward (only per-step
     * scratch), so it writes less memory. A following {@link #backward} fails until the next
     * {@code forward}.
     */
    public ForwardResult infer(float[] x, int T, int B, int[] lengths, float[] h0, float[] c0) {
        return run(x, T, B, lengths, h0, c0, false);
    }

    private ForwardResult run(float[] x, int T, int B, int[] lengths, float[] h0, float[] c0, boolean training) {
        checkSteps(T, B);
        final int I = inputSize;
        final int H = hiddenSize;
        final int L = numLayers;
        final int D = directions;
        final int DH = D * H;
        final int S = stateSize;
        final int DS = D * S;
        final int GH = gates * H;
        final int DGH = D * GH;
        final int SL = D * L;
        checkLength("x", x, "[T, B, I]", T, B, I);
        String stateDims = stateDims();
        checkOptional("h0", h0, hiddenStateDims(), SL, B, S);
        if (cell == CellType.LSTM) {
            checkOptional("c0", c0, stateDims, SL, B, H);
        } else if (c0 != null) {
            throw new IllegalArgumentException("c0: only an lstm has a cell state; pass null for " + cell.cliName());
        }
        checkLengths(lengths, T, B);
        haveTrainingPass = false;
        lastWasInfer = !training;
        layout(T, B, lengths);
        final int N = layoutRows;
        probe.beginPass(cell.cliName(), training ? "forward" : "infer", L, D, T, B, N, I, H, stateSize, gates);
        final boolean drop = training && dropout > 0 && L > 1;
        final long dropKeyBase = drop ? passKey(dropoutSeed, dropoutPasses++) : 0;

        ForwardResult res = fwdResult;
        res.out = exact(res.out, T * B * DS);
        res.hN = exact(res.hN, SL * B * S);
        res.cN = cell == CellType.LSTM ? exact(res.cN, SL * B * H) : null;
        res.steps = T;
        res.batch = B;

        passTraining = training;
        passGh = buffer(Keys.GH, B * DGH);
        passBias = buffer(Keys.BIAS, DGH);
        passBhn = cell == CellType.GRU ? buffer(Keys.BHN, DH) : null;
        // layer 0 reads x in the pass's row order; training keeps a copy for the weight gradients
        float[] xs = x;
        if (training || packedLayout) {
            xs = buffer(Keys.X_SAVED, N * I);
            packRows(x, xs, I);
        }
        final int stateRows = B + N + (D - 1) * B;
        float[] below = null;
        int belowOff = 0;
        for (int k = 0; k < L; k++) {
            int in = k == 0 ? I : DS;
            float[] states = training ? buffer(stateKey[k], stateRows * DS)
                    : buffer(k % 2 == 0 ? Keys.INFER_H0 : Keys.INFER_H1, stateRows * DS);
            float[] gatesBuf = training ? buffer(actKey[k], N * DGH) : buffer(Keys.INFER_GATES, N * DGH);
            float[] cells = null;
            if (cell == CellType.LSTM) {
                // training saves every step's c in the layout of h; inference updates one row per sequence in place
                cells = training ? buffer(cellKey[k], stateRows * DH) : buffer(Keys.INFER_C, B * DH);
                loadStates(cells, training ? B + N : 0, c0, k, H);
            }
            float[] hn = cell == CellType.GRU && training ? buffer(hnKey[k], N * DH) : null;
            loadStates(states, B + N, h0, k, S);
            // projections: the gate kernel writes r = o ⊙ tanh(c), which the loop projects into h
            passR = projSize == 0 ? null : training ? buffer(projKey[k], N * DH) : buffer(Keys.INFER_R, B * DH);

            // both biases enter the input projection, except b_hn which sits inside r * (W_hn h + b_hn)
            float[] bias = passBias;
            int folded = cell == CellType.GRU ? 2 * H : GH;
            for (int d = 0; d < D; d++) {
                int s = k * D + d;
                for (int j = 0; j < folded; j++) {
                    bias[d * GH + j] = bih[s][j] + bhh[s][j];
                }
                for (int j = folded; j < GH; j++) {
                    bias[d * GH + j] = bih[s][j];
                }
            }
            if (cell == CellType.GRU) {
                for (int d = 0; d < D; d++) {
                    System.arraycopy(bhh[k * D + d], 2 * H, passBhn, d * H, H);
                }
            }
            probe.beginLayer(k, in);
            long packStart = probe.start(Phase.WEIGHT_PACKING);
            if (L == 1 && !training && packsAreCurrent(in)) {
                passPackIn = packInFirst;
            } else {
                packForward(k, in, L == 1 && !training);
            }
            probe.end(Phase.WEIGHT_PACKING, packStart);

            passLayer = k;
            passIn = in;
            passX = k == 0 ? xs : below;
            passXOff = k == 0 ? 0 : belowOff;
            passGates = gatesBuf;
            passStates = states;
            passCells = cells;
            passHn = hn;
            boolean parallelLoop = parallelLoop(B);
            boolean parallelProjection = team.size() > 1 && 2L * N * DGH * in >= minFlopsPerRun;
            if (parallelLoop && parallelProjection) {
                passPhases = PROJECTION | LOOP;
                team.run(forwardJob);
            } else {
                passPhases = PROJECTION;
                runPhase(forwardJob, parallelProjection);
                passPhases = LOOP;
                runPhase(forwardJob, parallelLoop);
            }
            probe.endLayer();

            storeStates(states, true, res.hN, k, S);
            if (cell == CellType.LSTM) {
                storeStates(cells, training, res.cN, k, H);
            }
            below = states;
            belowOff = B * DS;
            if (drop && k < L - 1) {
                float[] dropped = buffer(dropKey[k], N * DS);
                applyDropout(states, B * DH, dropped, dropoutLayerKey(dropKeyBase, k));
                below = dropped;
                belowOff = 0;
            }
        }
        unpackRows(below, belowOff, res.out, DS);
        probe.endPass();
        if (training) {
            haveTrainingPass = true;
            savedDropout = drop;
            savedDropoutKey = dropKeyBase;
        }
        clearPassRefs();
        return res;
    }

    /**
     * Packs the forward operands of layer k. With {@code remember} (an inference pass of a
     * one-layer stack) also keeps a copy of the weights they came from for
     * {@link #packsAreCurrent}; otherwise forgets any copy, since the packs change.
     */
    private void packForward(int k, int in, boolean remember) {
        final int D = directions;
        final int H = hiddenSize;
        final int S = stateSize;
        final int DGH = D * gates * H;
        float[] wStacked = stackedInputWeights(k, in);
        if (k == 0) {
            packInFirst = pack(packInFirst, true, in, DGH, wStacked, 0, in);
            passPackIn = packInFirst;
        } else {
            packInRest = pack(packInRest, true, in, DGH, wStacked, 0, in);
            passPackIn = packInRest;
        }
        for (int d = 0; d < D; d++) {
            packRecurrentInterleaved(k, d);
            if (projSize > 0) {
                packProj[d] = pack(packProj[d], true, H, S, whr[k * D + d], 0, H);
            }
        }
        if (!remember) {
            packedFrom = null;
            return;
        }
        int ih = gates * H * in;
        int hh = gates * H * S;
        int hr = projSize * H;
        if (packedFrom == null || packedFrom.length != D * (ih + hh + hr)) {
            packedFrom = new float[D * (ih + hh + hr)];
        }
        for (int d = 0; d < D; d++) {
            int at = d * (ih + hh + hr);
            System.arraycopy(wih[d], 0, packedFrom, at, ih);
            System.arraycopy(whh[d], 0, packedFrom, at + ih, hh);
            if (hr > 0) {
                System.arraycopy(whr[d], 0, packedFrom, at + ih + hh, hr);
            }
        }
    }

    /**
     * Whether the forward packs of a one-layer stack were made from exactly the current weights
     * (bit for bit: a weight written in place, by training, loading or the caller, makes them
     * stale; NaNs compare equal whatever their payload).
     */
    private boolean packsAreCurrent(int in) {
        float[] from = packedFrom;
        if (from == null) {
            return false;
        }
        int H = hiddenSize;
        int ih = gates * H * in;
        int hh = gates * H * stateSize;
        int hr = projSize * H;
        for (int d = 0; d < directions; d++) {
            int at = d * (ih + hh + hr);
            if (!Arrays.equals(wih[d], 0, ih, from, at, at + ih)
                    || !Arrays.equals(whh[d], 0, hh, from, at + ih, at + ih + hh)
                    || hr > 0 && !Arrays.equals(whr[d], 0, hr, from, at + ih + hh, at + ih + hh + hr)) {
                return false;
            }
        }
        return true;
    }

    /** W_ih of layer k, all directions stacked ({@code [D*G*H, in]}); W_ih itself with one direction. */
    private float[] stackedInputWeights(int k, int in) {
        if (directions == 1) {
            return wih[k];
        }
        int size = gates * hiddenSize * in;
        float[] stacked = buffer(Keys.WIH_STACKED, directions * size);
        for (int d = 0; d < directions; d++) {
            System.arraycopy(wih[k * directions + d], 0, stacked, d * size, size);
        }
        return stacked;
    }

    /**
     * Packs W_hh of layer k, direction d as the right operand of {@code h·W_hhᵀ} with its rows (the
     * product's columns) reordered gate-interleaved: for each block of {@link #unitBlock} units, the
     * block's units of gate 0, then of gate 1, ... So units {@code [u0, u1)} (block-aligned) own the
     * contiguous columns {@code [G*u0, G*u1)}, and within a block of width w, gate q of unit
     * {@code u0+p} is column {@code G*u0 + q*w + p}.
     */
    private void packRecurrentInterleaved(int k, int d) {
        final int H = hiddenSize;
        final int S = stateSize;
        final int GH = gates * H;
        if (packRec[d] == null || packRec[d].rows() != S || packRec[d].cols() != GH) {
            packRec[d] = Sgemm.packB(true, S, GH, whh[k * directions + d], 0, S);
        }
        if (unitBlock == 0) {
            int pw = Math.max(1, packRec[d].panelWidth());
            unitBlock = pw * ((MIN_UNIT_BLOCK + pw - 1) / pw);
        }
        float[] inter = buffer(Keys.WHH_INTERLEAVED, GH * S);
        float[] w = whh[k * directions + d];
        for (int u0 = 0; u0 < H; u0 += unitBlock) {
            int width = Math.min(unitBlock, H - u0);
            for (int q = 0; q < gates; q++) {
                for (int p = 0; p < width; p++) {
                    System.arraycopy(w, (q * H + u0 + p) * S, inter, (gates * u0 + q * width + p) * S, S);
                }
            }
        }
        Sgemm.repackB(packRec[d], true, S, GH, inter, 0, S);
    }

    /** Whether the time loop is worth splitting over the team: more than one unit block and enough work per step. */
    private boolean parallelLoop(int B) {
        int blocks = (hiddenSize + unitBlock - 1) / unitBlock;
        return team.size() > 1 && blocks > 1
                && 2L * directions * B * gates * hiddenSize * stateSize >= minFlopsPerBarrier;
    }

    /** Runs {@code job} on the whole team, or alone on the calling thread as worker 0 of 1. */
    private void runPhase(ThreadTeam.Job job, boolean parallel) {
        if (parallel) {
            team.run(job);
        } else {
            job.run(0, 1);
        }
    }

    /** Waits for the other workers of this job, if it has any. */
    private void sync(int workers) {
        if (workers > 1) {
            team.barrier();
        }
    }

    private static final int PROJECTION = 1;
    private static final int LOOP = 2;
    /** Which phases the forward job runs: {@link #PROJECTION}, {@link #LOOP} or both. */
    private int passPhases;

    /*
     * Row addressing shared by the jobs. With N real rows and D directions:
     *  - gate-shaped buffers (gates/act, dG) are [N, D*G*H], direction d in columns d*G*H...;
     *  - state-shaped per-step buffers (dout, hn, dnx) are [N, D*H], direction d in columns d*H...;
     *  - h (and c when training) are [B + N + (D-1)*B, D*H]: rows 0..B-1 hold the forward
     *    direction's initial states, rows B + rowStart[t] + i step t's states, and rows
     *    B + N + i the reverse direction's initial states;
     *  - the per-sequence recurrent buffers (gh, dh, dc, in-place c) are [B, ·] by sorted row.
     * The forward direction's previous state for step t is step t-1's row (or the initial block
     * at t = 0). The reverse direction's is step t+1's row for the first active[t+1] rows and the
     * initial block for the rows whose sequence starts at step t: two segments of rows.
     */

    /** Work on one row segment of a step: rows [r0, r1) of step t, direction d, previous states at rows prevBase + r. */
    private interface StepSegments {
        void segment(int d, int t, int r0, int r1, int prevBase, int u0, int u1);
    }

    /**
     * Step t of direction d as its (at most two) row segments, split by where their previous
     * states are (see the row addressing above): the rows that continue a sequence, then, in the
     * reverse direction, the rows whose sequence starts at step t and so read the initial block.
     */
    private void forEachSegment(StepSegments job, int d, int t, int u0, int u1) {
        int rows = active[t];
        int cont = continuingRows(d, t);
        job.segment(d, t, 0, cont, previousBase(d, t), u0, u1);
        if (cont < rows) {
            job.segment(d, t, cont, rows, reverseInitialBase(), u0, u1);
        }
    }

    /** Rows of step t, direction d, whose previous state is a row of another step (the first ones). */
    private int continuingRows(int d, int t) {
        return d == 0 ? active[t] : active[t + 1];
    }

    /** The state row of the previous state of step t's row 0 (forward: step t-1 or the initial block; reverse: step t+1). */
    private int previousBase(int d, int t) {
        return d == 0 ? (t == 0 ? 0 : layoutB + rowStart[t - 1]) : layoutB + rowStart[t + 1];
    }

    /** The first state row of the reverse direction's initial states. */
    private int reverseInitialBase() {
        return layoutB + layoutRows;
    }

    /** The forward pass of one layer: the input projection, then the whole time loop. */
    private final class ForwardJob implements ThreadTeam.Job, StepSegments {
        @Override
        public void run(int worker, int workers) {
            // worker 0 is the calling thread, which owns the probe's phase timing
            final boolean timed = worker == 0 && probe.on();
            if ((passPhases & PROJECTION) != 0) {
                long t0 = timed ? probe.start(Phase.INPUT_PROJECTION) : 0L;
                project(worker, workers);
                if ((passPhases & LOOP) != 0) {
                    sync(workers);
                }
                if (timed) {
                    probe.end(Phase.INPUT_PROJECTION, t0);
                }
            }
            if ((passPhases & LOOP) != 0) {
                long t0 = timed ? System.nanoTime() : 0L;
                loop(worker, workers);
                if (timed) {
                    probe.loop(System.nanoTime() - t0);
                }
            }
        }

        /** The input projection for this worker's rows: biases first, then += X·W_ihᵀ. */
        private void project(int worker, int workers) {
            final int DGH = directions * gates * hiddenSize;
            final int in = passIn;
            final int N = layoutRows;
            final float[] gx = passGates;
            int r0 = ThreadTeam.split(N, ROW_GRANULE, worker, workers);
            int r1 = ThreadTeam.split(N, ROW_GRANULE, worker + 1, workers);
            for (int r = r0; r < r1; r++) {
                System.arraycopy(passBias, 0, gx, r * DGH, DGH);
            }
            if (r1 > r0) {
                Sgemm.sgemmPacked(false, r1 - r0, 1f, passX, passXOff + r0 * in, in, passPackIn, 0, DGH,
                        1f, gx, r0 * DGH, DGH);
            }
        }

        /** The time loop over this worker's hidden units: forward step s and reverse step steps-1-s together. */
        private void loop(int worker, int workers) {
            final int steps = layoutSteps;
            final int u0 = ThreadTeam.split(hiddenSize, unitBlock, worker, workers);
            final int u1 = ThreadTeam.split(hiddenSize, unitBlock, worker + 1, workers);
            final int p0 = projSize == 0 ? 0 : ThreadTeam.split(projSize, projGranule(), worker, workers);
            final int p1 = projSize == 0 ? 0 : ThreadTeam.split(projSize, projGranule(), worker + 1, workers);
            for (int s = 0; s < steps; s++) {
                if (u0 < u1) {
                    step(0, s, u0, u1);
                    if (directions == 2) {
                        step(1, steps - 1 - s, u0, u1);
                    }
                }
                if (projSize > 0) {
                    // h_t = r_t·W_hrᵀ needs r_t of every unit: a second barrier per step
                    sync(workers);
                    if (p0 < p1) {
                        projectHidden(0, s, p0, p1);
                        if (directions == 2) {
                            projectHidden(1, steps - 1 - s, p0, p1);
                        }
                    }
                }
                if (s < steps - 1) {
                    sync(workers);
                }
            }
        }

        /** Projections: columns [p0, p1) of h_t = r_t·W_hrᵀ for every row of step t, direction d. */
        private void projectHidden(int d, int t, int p0, int p1) {
            final int DH = directions * hiddenSize;
            final int DS = directions * stateSize;
            final int rRow = passTraining ? rowStart[t] : 0;
            Sgemm.sgemmPacked(false, active[t], 1f, passR, rRow * DH + d * hiddenSize, DH, packProj[d], p0, p1,
                    0f, passStates, (layoutB + rowStart[t]) * DS + d * stateSize, DS);
        }

        private void step(int d, int t, int u0, int u1) {
            forEachSegment(this, d, t, u0, u1);
        }

        /** Rows [r0, r1) of step t, direction d, whose previous states are rows prevBase + r. */
        @Override
        public void segment(int d, int t, int r0, int r1, int prevBase, int u0, int u1) {
            if (r1 <= r0) {
                return;
            }
            final int H = hiddenSize;
            final int G = gates;
            final int GH = G * H;
            final int DH = directions * H;
            final int S = stateSize;
            final int DS = directions * S;
            final int DGH = directions * GH;
            final int m = r1 - r0;
            final float[] gx = passGates;
            final float[] states = passStates;
            final float[] gh = passGh;
            final boolean training = passTraining;
            final float[] cells = passCells;
            final int gRow = rowStart[t] + r0;
            final int sRow = layoutB + gRow;
            // only the worker owning unit 0 times the steps (LayerProbe)
            final boolean timed = u0 == 0 && probe.on();
            final long t0 = timed ? System.nanoTime() : 0L;
            Sgemm.sgemmPacked(false, m, 1f, states, (prevBase + r0) * DS + d * S, DS, packRec[d], G * u0, G * u1,
                    0f, gh, r0 * DGH + d * GH, DGH);
            final long t1 = timed ? System.nanoTime() : 0L;
            for (int ub = u0; ub < u1; ub += unitBlock) {
                int w = Math.min(unitBlock, u1 - ub);
                int offGx = gRow * DGH + d * GH + ub;
                int offGh = r0 * DGH + d * GH + G * ub;
                int offPrev = (prevBase + r0) * DH + d * H + ub;
                int offNext = sRow * DH + d * H + ub;
                switch (cell) {
                    case LSTM -> {
                        int cp = training ? offPrev : r0 * DH + d * H + ub;
                        int cn = training ? offNext : cp;
                        // with projections the kernel's output is r, which projectHidden() turns into h
                        float[] out = states;
                        int offOut = offNext;
                        if (projSize > 0) {
                            out = passR;
                            offOut = (training ? gRow : r0) * DH + d * H + ub;
                        }
                        if (linear) {
                            IdentityGateKernels.lstmForward(m, w, gx, offGx, H, gh, offGh, w, DGH,
                                    cells, cp, cells, cn, out, offOut, DH, training);
                        } else {
                            GateKernels.lstmForward(m, w, gx, offGx, H, gh, offGh, w, DGH,
                                    cells, cp, cells, cn, out, offOut, DH, training);
                        }
                    }
                    case GRU -> {
                        int offHn = gRow * DH + d * H + ub;
                        if (linear) {
                            IdentityGateKernels.gruForward(m, w, gx, offGx, H, gh, offGh, w, DGH,
                                    passBhn, d * H + ub, states, offPrev, states, offNext, passHn, offHn, DH,
                                    training);
                        } else {
                            GateKernels.gruForward(m, w, gx, offGx, H, gh, offGh, w, DGH,
                                    passBhn, d * H + ub, states, offPrev, states, offNext, passHn, offHn, DH,
                                    training);
                        }
                    }
                    case RNN_TANH -> {
                        if (linear) {
                            IdentityGateKernels.rnnForward(m, w, gx, offGx, gh, offGh, DGH, states, offNext, DH);
                        } else {
                            GateKernels.rnnTanhForward(m, w, gx, offGx, gh, offGh, DGH, states, offNext, DH);
                        }
                    }
                    case RNN_RELU -> {
                        if (linear) {
                            IdentityGateKernels.rnnForward(m, w, gx, offGx, gh, offGh, DGH, states, offNext, DH);
                        } else {
                            GateKernels.rnnReluForward(m, w, gx, offGx, gh, offGh, DGH, states, offNext, DH);
                        }
                    }
                }
            }
            if (timed) {
                probe.step(t1 - t0, System.nanoTime() - t1);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // backward

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
     * @throws IllegalStateException if there was no forward pass, or the last pass was {@link #infer}
     * @throws IllegalArgumentException naming the tensor, expected and actual shape
     */
    public BackwardResult backward(float[] dout, float[] dhN, float[] dcN) {
        if (!haveTrainingPass) {
            throw new IllegalStateException(lastWasInfer
                    ? "backward() needs the saved state of a forward() pass; the last pass was infer(), which saves none"
                    : "backward() needs a preceding forward() pass");
        }
        final int T = layoutT;
        final int B = layoutB;
        final int N = layoutRows;
        final int I = inputSize;
        final int H = hiddenSize;
        final int L = numLayers;
        final int D = directions;
        final int DH = D * H;
        final int S = stateSize;
        final int DS = D * S;
        final int GH = gates * H;
        final int DGH = D * GH;
        final int SL = D * L;
        checkLength("dout", dout, outDims(), T, B, DS);
        String stateDims = stateDims();
        checkOptional("dhN", dhN, hiddenStateDims(), SL, B, S);
        if (cell == CellType.LSTM) {
            checkOptional("dcN", dcN, stateDims, SL, B, H);
        } else if (dcN != null) {
            throw new IllegalArgumentException("dcN: only an lstm has a cell state; pass null for " + cell.cliName());
        }
        probe.beginPass(cell.cliName(), "backward", L, D, T, B, N, I, H, stateSize, gates);
        BackwardResult res = bwdResult;
        res.dx = exact(res.dx, T * B * I);
        res.dh0 = exact(res.dh0, SL * B * S);
        res.dc0 = cell == CellType.LSTM ? exact(res.dc0, SL * B * H) : null;

        // a copy even in the caller's layout, so that no kernel reads the caller's array (see buffer())
        float[] douts = buffer(Keys.DOUT_PACKED, N * DS);
        packRows(dout, douts, DS);
        float[] dxRows = packedLayout ? buffer(Keys.DX_PACKED, N * I) : res.dx;
        passDG = buffer(Keys.DG, N * DGH);
        passDnx = cell == CellType.GRU ? buffer(Keys.DNX, N * DH) : null;
        passDh = buffer(Keys.DH, B * DS);
        passDc = cell == CellType.LSTM ? buffer(Keys.DC, B * DH) : null;
        passBsum = buffer(Keys.BSUM, DGH);
        if (projSize > 0) {
            passDhTotal = buffer(Keys.DH_TOTAL, N * DS);
            passDr = buffer(Keys.DR, B * DH);
            passZeros = buffer(Keys.ZEROS, B * DH);
            Arrays.fill(passZeros, 0f);
        }
        // previous states in the rows of their step: a view of h in the caller's layout, gathered otherwise
        passGatherPrev = packedLayout;
        float[] gathered = packedLayout ? buffer(Keys.PREV, N * DS) : null;
        float[] between = L > 1 ? buffer(Keys.DBETWEEN, N * DS) : null;
        final int stateRows = B + N + (D - 1) * B;
        for (int k = L - 1; k >= 0; k--) {
            int in = k == 0 ? I : DS;
            passLayer = k;
            passIn = in;
            passDout = k == L - 1 ? douts : between;
            passGates = buffer(actKey[k], N * DGH);
            passStates = buffer(stateKey[k], stateRows * DS);
            passR = projSize > 0 ? buffer(projKey[k], N * DH) : null;
            passCells = cell == CellType.LSTM ? buffer(cellKey[k], stateRows * DH) : null;
            passHn = cell == CellType.GRU ? buffer(hnKey[k], N * DH) : null;
            loadStates(passDh, 0, dhN, k, S);
            if (passDc != null) {
                loadStates(passDc, 0, dcN, k, H);
            }
            probe.beginLayer(k, in);
            long packStart = probe.start(Phase.WEIGHT_PACKING);
            for (int d = 0; d < D; d++) {
                packRecBack[d] = pack(packRecBack[d], false, GH, S, whh[k * D + d], 0, S);
                if (projSize > 0) {
                    packProjBack[d] = pack(packProjBack[d], false, S, H, whr[k * D + d], 0, H);
                }
            }
            probe.end(Phase.WEIGHT_PACKING, packStart);
            long loopStart = probe.on() ? System.nanoTime() : 0L;
            runPhase(backwardLoopJob, parallelLoop(B));
            if (probe.on()) {
                probe.loop(System.nanoTime() - loopStart);
            }
            storeStates(passDh, false, res.dh0, k, S);
            if (passDc != null) {
                storeStates(passDc, false, res.dc0, k, H);
            }

            if (passGatherPrev) {
                passPrev = gathered;
                passPrevOff[0] = 0;
                passPrevOff[1] = S;
            } else {
                // forward: step t's previous state is row t*B + b; reverse: row (t+2)*B + b
                passPrev = passStates;
                passPrevOff[0] = 0;
                passPrevOff[1] = 2 * B * DS + S;
            }
            if (k == 0) {
                passLayerIn = buffer(Keys.X_SAVED, N * I);
                passLayerInOff = 0;
            } else if (savedDropout) {
                passLayerIn = buffer(dropKey[k - 1], N * DS);
                passLayerInOff = 0;
            } else {
                passLayerIn = buffer(stateKey[k - 1], stateRows * DS);
                passLayerInOff = B * DS;
            }
            packStart = probe.start(Phase.WEIGHT_PACKING);
            float[] wStacked = stackedInputWeights(k, in);
            if (k == 0) {
                packBackFirst = pack(packBackFirst, false, DGH, in, wStacked, 0, in);
                passPackBack = packBackFirst;
            } else {
                packBackRest = pack(packBackRest, false, DGH, in, wStacked, 0, in);
                passPackBack = packBackRest;
            }
            probe.end(Phase.WEIGHT_PACKING, packStart);
            passDx = k == 0 ? dxRows : between;
            long gradFlops = 2L * N * DGH * (S + 2L * in) + (projSize > 0 ? 2L * N * DS * H : 0);
            long gradStart = probe.start(Phase.WEIGHT_GRADIENT);
            runPhase(gradientJob, team.size() > 1 && gradFlops >= minFlopsPerRun);
            probe.end(Phase.WEIGHT_GRADIENT, gradStart);
            probe.endLayer();
            if (k > 0 && savedDropout) {
                applyDropout(between, 0, between, dropoutLayerKey(savedDropoutKey, k - 1));
            }
        }
        if (packedLayout) {
            unpackRows(dxRows, 0, res.dx, I);
        }
        probe.endPass();
        clearPassRefs();
        return res;
    }

    /**
     * The time loop of one layer's backward pass: the forward direction from its last step down,
     * the reverse direction from step 0 up, together.
     */
    private final class BackwardLoopJob implements ThreadTeam.Job, StepSegments {
        @Override
        public void run(int worker, int workers) {
            final int steps = layoutSteps;
            final int u0 = ThreadTeam.split(hiddenSize, unitBlock, worker, workers);
            final int u1 = ThreadTeam.split(hiddenSize, unitBlock, worker + 1, workers);
            if (projSize > 0) {
                runProjected(worker, workers, steps, u0, u1);
                return;
            }
            // only the worker owning unit 0 times the steps (LayerProbe)
            final boolean timed = u0 == 0 && u0 < u1 && probe.on();
            for (int s = 0; s < steps; s++) {
                int tf = steps - 1 - s;
                final long t0 = timed ? System.nanoTime() : 0L;
                if (u0 < u1) {
                    kernels(0, tf, u0, u1);
                    if (directions == 2) {
                        kernels(1, s, u0, u1);
                    }
                }
                final long t1 = timed ? System.nanoTime() : 0L;
                sync(workers);
                final long t2 = timed ? System.nanoTime() : 0L;
                if (u0 < u1) {
                    recurrentGradient(0, tf, u0, u1);
                    if (directions == 2) {
                        recurrentGradient(1, s, u0, u1);
                    }
                }
                if (timed) {
                    probe.step(System.nanoTime() - t2, t1 - t0);
                }
            }
        }

        /**
         * The loop with projections. Per step: each worker sums dL/dh_t (output plus recurrent
         * gradient, saved for dW_hr) over its columns of P; then, for its hidden units, forms
         * {@code dr_t = dh_t·W_hr} and runs the gate backward; then its columns of
         * {@code dh_{t-1} = dG_t·W_hh}. Two barriers per step.
         */
        private void runProjected(int worker, int workers, int steps, int u0, int u1) {
            final int p0 = ThreadTeam.split(projSize, projGranule(), worker, workers);
            final int p1 = ThreadTeam.split(projSize, projGranule(), worker + 1, workers);
            for (int s = 0; s < steps; s++) {
                int tf = steps - 1 - s;
                if (p0 < p1) {
                    totalGradient(0, tf, p0, p1);
                    if (directions == 2) {
                        totalGradient(1, s, p0, p1);
                    }
                }
                sync(workers);
                if (u0 < u1) {
                    projectedKernels(0, tf, u0, u1);
                    if (directions == 2) {
                        projectedKernels(1, s, u0, u1);
                    }
                }
                sync(workers);
                if (p0 < p1) {
                    recurrentGradient(0, tf, p0, p1);
                    if (directions == 2) {
                        recurrentGradient(1, s, p0, p1);
                    }
                }
            }
        }

        /** Projections: dhTotal[rows of step t, columns p0..p1) = dout_t + dh (the recurrent gradient). */
        private void totalGradient(int d, int t, int p0, int p1) {
            final int DS = directions * stateSize;
            final int n = p1 - p0;
            final int col = d * stateSize + p0;
            for (int i = 0; i < active[t]; i++) {
                int row = (rowStart[t] + i) * DS + col;
                System.arraycopy(passDout, row, passDhTotal, row, n);
                Blas1.axpy(n, 1f, passDh, i * DS + col, passDhTotal, row);
            }
        }

        /** Projections: dr_t = dhTotal_t·W_hr for units [u0, u1), then the gate backward with dr as its output gradient. */
        private void projectedKernels(int d, int t, int u0, int u1) {
            final int H = hiddenSize;
            final int DH = directions * H;
            final int DS = directions * stateSize;
            Sgemm.sgemmPacked(false, active[t], 1f, passDhTotal, rowStart[t] * DS + d * stateSize, DS,
                    packProjBack[d], u0, u1, 0f, passDr, d * H, DH);
            kernels(d, t, u0, u1);
        }

        private void kernels(int d, int t, int u0, int u1) {
            forEachSegment(this, d, t, u0, u1);
        }

        /** The fused gate backward of rows [r0, r1) of step t, direction d (previous states at prevBase + r). */
        @Override
        public void segment(int d, int t, int r0, int r1, int prevBase, int u0, int u1) {
            if (r1 <= r0) {
                return;
            }
            final int H = hiddenSize;
            final int DH = directions * H;
            final int GH = gates * H;
            final int DGH = directions * GH;
            final int m = r1 - r0;
            final int n = u1 - u0;
            final int gRow = rowStart[t] + r0;
            final int offG = gRow * DGH + d * GH + u0;
            final int offPrev = (prevBase + r0) * DH + d * H + u0;
            final int offCur = (layoutB + gRow) * DH + d * H + u0;
            final int offRow = gRow * DH + d * H + u0;
            final int offDh = r0 * DH + d * H + u0;
            final float[] act = passGates;
            final float[] dG = passDG;
            final float[] dout = passDout;
            final float[] dh = passDh;
            final float[] states = passStates;
            switch (cell) {
                case LSTM -> {
                    if (projSize > 0) {
                        // the whole gradient of r_t is in dr (one row per sequence); the recurrent input is zero
                        if (linear) {
                            IdentityGateKernels.lstmBackward(m, n, act, offG, dG, offG, H, DGH, passCells, offPrev,
                                    passCells, offCur, passDr, offDh, passZeros, offDh, passDc, offDh, DH);
                        } else {
                            GateKernels.lstmBackward(m, n, act, offG, dG, offG, H, DGH, passCells, offPrev,
                                    passCells, offCur, passDr, offDh, passZeros, offDh, passDc, offDh, DH);
                        }
                    } else if (linear) {
                        IdentityGateKernels.lstmBackward(m, n, act, offG, dG, offG, H, DGH, passCells, offPrev,
                                passCells, offCur, dout, offRow, dh, offDh, passDc, offDh, DH);
                    } else {
                        GateKernels.lstmBackward(m, n, act, offG, dG, offG, H, DGH, passCells, offPrev,
                                passCells, offCur, dout, offRow, dh, offDh, passDc, offDh, DH);
                    }
                }
                case GRU -> {
                    if (linear) {
                        IdentityGateKernels.gruBackward(m, n, act, offG, dG, offG, H, DGH, passHn, offRow,
                                states, offPrev, dout, offRow, dh, offDh, passDnx, offRow, DH);
                    } else {
                        GateKernels.gruBackward(m, n, act, offG, dG, offG, H, DGH, passHn, offRow,
                                states, offPrev, dout, offRow, dh, offDh, passDnx, offRow, DH);
                    }
                }
                // one gate: dG is state-shaped, D*G*H == D*H
                case RNN_TANH -> {
                    if (linear) {
                        IdentityGateKernels.rnnBackward(m, n, states, offCur, dout, offRow, dh, offDh, dG, offG, DH);
                    } else {
                        GateKernels.rnnTanhBackward(m, n, states, offCur, dout, offRow, dh, offDh, dG, offG, DH);
                    }
                }
                case RNN_RELU -> {
                    if (linear) {
                        IdentityGateKernels.rnnBackward(m, n, states, offCur, dout, offRow, dh, offDh, dG, offG, DH);
                    } else {
                        GateKernels.rnnReluBackward(m, n, states, offCur, dout, offRow, dh, offDh, dG, offG, DH);
                    }
                }
            }
        }

        /**
         * dh[rows of step t, columns u0..u1) (+)= dG_t · W_hh: the gradient reaching the previous
         * states (columns are hidden units, or with projections columns of P).
         */
        private void recurrentGradient(int d, int t, int u0, int u1) {
            final int H = hiddenSize;
            final int GH = gates * H;
            final int DGH = directions * GH;
            // GRU's dL/dh_{t-1} has a direct term dh*z that the kernel leaves in dh; the GEMM adds to it
            final float beta = cell == CellType.GRU ? 1f : 0f;
            Sgemm.sgemmPacked(false, active[t], 1f, passDG, rowStart[t] * DGH + d * GH, DGH, packRecBack[d], u0, u1,
                    beta, passDh, d * stateSize, directions * stateSize);
        }
    }

    /** Weight, bias and input gradients of one layer, each one GEMM/reduction over all rows. */
    private final class GradientJob implements ThreadTeam.Job {
        @Override
        public void run(int worker, int workers) {
            final int N = layoutRows;
            final int H = hiddenSize;
            final int GH = gates * H;
            final int D = directions;
            final int DH = D * H;
            final int S = stateSize;
            final int DS = D * S;
            final int DGH = D * GH;
            final int in = passIn;
            final int k = passLayer;
            final float[] dG = passDG;
            final float[] bsum = passBsum;
            final int m0 = ThreadTeam.split(DGH, GATE_ROW_GRANULE, worker, workers);
            final int m1 = ThreadTeam.split(DGH, GATE_ROW_GRANULE, worker + 1, workers);
            final int r0 = ThreadTeam.split(N, ROW_GRANULE, worker, workers);
            final int r1 = ThreadTeam.split(N, ROW_GRANULE, worker + 1, workers);

            if (passGatherPrev) {
                gatherPrevious(r0, r1);
                sync(workers);
            }
            // hidden side: dW_hh += dGhᵀ·H_prev, db_hh += column sums of dGh
            for (int d = 0; d < D; d++) {
                int a = Math.max(m0, d * GH);
                int b = Math.min(m1, (d + 1) * GH);
                if (b > a) {
                    Sgemm.sgemm(true, false, b - a, S, N, 1f, dG, a, DGH, passPrev, passPrevOff[d], DS,
                            1f, gWhh[k * D + d], (a - d * GH) * S, S);
                }
            }
            if (projSize > 0) {
                // projections: dW_hr += dHᵀ·R over all rows, split by rows of W_hr of all directions
                final int q0 = ThreadTeam.split(DS, GATE_ROW_GRANULE, worker, workers);
                final int q1 = ThreadTeam.split(DS, GATE_ROW_GRANULE, worker + 1, workers);
                for (int d = 0; d < D; d++) {
                    int a = Math.max(q0, d * S);
                    int b = Math.min(q1, (d + 1) * S);
                    if (b > a) {
                        Sgemm.sgemm(true, false, b - a, H, N, 1f, passDhTotal, a, DS, passR, d * H, DH,
                                1f, gWhr[k * D + d], (a - d * S) * H, H);
                    }
                }
            }
            if (m1 > m0) {
                Arrays.fill(bsum, m0, m1, 0f);
                Blas1.columnSums(N, m1 - m0, dG, m0, DGH, bsum, m0);
                addBias(gBhh, k, m0, m1);
            }
            if (cell == CellType.GRU) {
                // turn dGh into dGx: the n gate's input-side gradient lacks the factor r
                sync(workers);
                for (int r = r0; r < r1; r++) {
                    for (int d = 0; d < D; d++) {
                        System.arraycopy(passDnx, r * DH + d * H, dG, r * DGH + d * GH + 2 * H, H);
                    }
                }
                sync(workers);
                if (m1 > m0) {
                    Arrays.fill(bsum, m0, m1, 0f);
                    Blas1.columnSums(N, m1 - m0, dG, m0, DGH, bsum, m0);
                }
            }
            // input side: db_ih (equal to db_hh except GRU's n gate), dW_ih += dGxᵀ·X, dX = dGx·W_ih
            if (m1 > m0) {
                addBias(gBih, k, m0, m1);
            }
            for (int d = 0; d < D; d++) {
                int a = Math.max(m0, d * GH);
                int b = Math.min(m1, (d + 1) * GH);
                if (b > a) {
                    Sgemm.sgemm(true, false, b - a, in, N, 1f, dG, a, DGH, passLayerIn, passLayerInOff, in,
                            1f, gWih[k * D + d], (a - d * GH) * in, in);
                }
            }
            if (r1 > r0) {
                Sgemm.sgemmPacked(false, r1 - r0, 1f, dG, r0 * DGH, DGH, passPackBack, 0, in, 0f, passDx, r0 * in, in);
            }
        }

        /** Adds bsum[m0, m1) (gate rows of all directions) into the bias gradients of layer k. */
        private void addBias(float[][] grads, int k, int m0, int m1) {
            final int GH = gates * hiddenSize;
            for (int d = 0; d < directions; d++) {
                int a = Math.max(m0, d * GH);
                int b = Math.min(m1, (d + 1) * GH);
                if (b > a) {
                    Blas1.axpy(b - a, 1f, passBsum, a, grads[k * directions + d], a - d * GH);
                }
            }
        }

        /** Copies each row's previous state (both directions) into row r of the gathered buffer, rows [r0, r1). */
        private void gatherPrevious(int r0, int r1) {
            final int H = stateSize;
            final int DH = directions * H;
            final float[] states = passStates;
            final float[] prev = passPrev;
            for (int t = 0; t < layoutSteps; t++) {
                int lo = Math.max(r0, rowStart[t]);
                int hi = Math.min(r1, rowStart[t + 1]);
                for (int r = lo; r < hi; r++) {
                    int i = r - rowStart[t];
                    int fwd = previousBase(0, t) + i;
                    System.arraycopy(states, fwd * DH, prev, r * DH, H);
                    if (directions == 2) {
                        int rev = i < continuingRows(1, t) ? previousBase(1, t) + i : reverseInitialBase() + i;
                        System.arraycopy(states, rev * DH + H, prev, r * DH + H, H);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // sequence layout

    /** Rejects lengths of the wrong count or outside [1, T]. */
    private static void checkLengths(int[] lengths, int T, int B) {
        if (lengths == null) {
            return;
        }
        if (lengths.length != B) {
            throw new IllegalArgumentException("lengths: expected one length per sequence, B = " + B + " entries, got "
                    + lengths.length);
        }
        for (int b = 0; b < B; b++) {
            int len = lengths[b];
            if (len < 1 || len > T) {
                throw new IllegalArgumentException("lengths[" + b + "] = " + len + " is outside [1, T] = [1, " + T + "]");
            }
        }
    }

    /**
     * Sets the row layout of a pass: the batch sorted by descending length (a stable counting
     * sort, so ties keep the caller's order and the layout is a pure function of the lengths),
     * the live rows per step and where each step's rows start. Allocates only when T or B grow.
     */
    private void layout(int T, int B, int[] lengths) {
        if (order.length < B) {
            order = new int[B];
            seqLength = new int[B];
        }
        if (active.length < T + 1) {
            active = new int[T + 1];
            rowStart = new int[T + 1];
            lengthCounts = new int[T + 1];
        }
        layoutT = T;
        layoutB = B;
        boolean full = true;
        if (lengths != null) {
            for (int len : lengths) {
                full &= len == T;
            }
        }
        if (full) {
            for (int b = 0; b < B; b++) {
                order[b] = b;
                seqLength[b] = T;
            }
        } else {
            int[] start = lengthCounts;
            Arrays.fill(start, 0, T + 1, 0);
            for (int b = 0; b < B; b++) {
                start[lengths[b]]++;
            }
            int pos = 0;
            for (int len = T; len >= 1; len--) {
                int c = start[len];
                start[len] = pos;
                pos += c;
            }
            for (int b = 0; b < B; b++) {
                int p = start[lengths[b]]++;
                order[p] = b;
                seqLength[p] = lengths[b];
            }
        }
        int live = B;
        rowStart[0] = 0;
        for (int t = 0; t <= T; t++) {
            while (live > 0 && seqLength[live - 1] <= t) {
                live--;
            }
            active[t] = live;
            if (t < T) {
                rowStart[t + 1] = rowStart[t] + live;
            }
        }
        packedLayout = !full;
        layoutSteps = seqLength[0];
        layoutRows = rowStart[T];
    }

    /**
     * Copies the real rows of a caller-layout {@code [T, B, width]} tensor into the pass's row
     * order (step t's sorted row i at row {@code rowStart[t] + i}).
     */
    private void packRows(float[] src, float[] dst, int width) {
        if (!packedLayout) {
            System.arraycopy(src, 0, dst, 0, layoutRows * width);
            return;
        }
        for (int t = 0; t < layoutSteps; t++) {
            for (int i = 0; i < active[t]; i++) {
                System.arraycopy(src, (t * layoutB + order[i]) * width, dst, (rowStart[t] + i) * width, width);
            }
        }
    }

    /** The inverse of {@link #packRows}, from {@code src} at {@code srcOff}; zero past each sequence's end. */
    private void unpackRows(float[] src, int srcOff, float[] dst, int width) {
        if (!packedLayout) {
            System.arraycopy(src, srcOff, dst, 0, layoutRows * width);
            return;
        }
        Arrays.fill(dst, 0, layoutT * layoutB * width, 0f);
        for (int t = 0; t < layoutSteps; t++) {
            for (int i = 0; i < active[t]; i++) {
                System.arraycopy(src, srcOff + (rowStart[t] + i) * width, dst, (t * layoutB + order[i]) * width, width);
            }
        }
    }

    /**
     * Layer k's initial states from {@code init} ({@code [D*L, B, H]}, caller order; null =
     * zeros) into a {@code [·, D*H]} buffer: direction 0 in rows {@code 0..B-1}, direction 1 in
     * rows {@code reverseBase + i}, each in its own columns, by sorted row. {@code H} is
     * {@code width}: the hidden size, or P for the hidden states of a layer with projections.
     */
    private void loadStates(float[] dst, int reverseBase, float[] init, int k, int width) {
        final int H = width;
        final int DH = directions * H;
        final int B = layoutB;
        for (int d = 0; d < directions; d++) {
            int base = d == 0 ? 0 : reverseBase;
            for (int i = 0; i < B; i++) {
                int off = (base + i) * DH + d * H;
                if (init == null) {
                    Arrays.fill(dst, off, off + H, 0f);
                } else {
                    System.arraycopy(init, ((k * directions + d) * B + order[i]) * H, dst, off, H);
                }
            }
        }
    }

    /**
     * Layer k's final states into {@code dst} ({@code [D*L, B, H]}, caller order). With
     * {@code perStep}, {@code src} is a saved h/c buffer and each sequence's final state is its
     * own last step's row (the reverse direction's is step 0's); otherwise {@code src} holds one
     * row per sorted sequence. {@code H} is {@code width}, as in {@link #loadStates}.
     */
    private void storeStates(float[] src, boolean perStep, float[] dst, int k, int width) {
        final int H = width;
        final int DH = directions * H;
        final int B = layoutB;
        for (int d = 0; d < directions; d++) {
            for (int i = 0; i < B; i++) {
                int row = !perStep ? i : d == 0 ? B + rowStart[seqLength[i] - 1] + i : B + i;
                System.arraycopy(src, row * DH + d * H, dst, ((k * directions + d) * B + order[i]) * H, H);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // dropout

    private int dropThreshold() {
        return (int) Math.ceil(dropout * (1 << 24));
    }

    private float dropScale() {
        return (float) (1.0 / (1.0 - dropout));
    }

    /** dst = src ⊙ mask over the pass's real rows of a {@code [N, D*H]} matrix ({@code src} from srcOff). */
    private void applyDropout(float[] src, int srcOff, float[] dst, long layerKey) {
        final int DH = directions * stateSize;
        final int threshold = dropThreshold();
        final float scale = dropScale();
        for (int t = 0; t < layoutSteps; t++) {
            for (int i = 0; i < active[t]; i++) {
                int r = (rowStart[t] + i) * DH;
                long e = ((long) t * layoutB + order[i]) * DH;
                for (int j = 0; j < DH; j++) {
                    dst[r + j] = keep(layerKey, e + j, threshold) ? src[srcOff + r + j] * scale : 0f;
                }
            }
        }
    }

    /** Whether element {@code e} (caller layout) survives: a counter-based hash, 24 uniform bits against p. */
    private static boolean keep(long layerKey, long e, int threshold) {
        return (int) (mix64(layerKey + e * 0x9E3779B97F4A7C15L) >>> 40) >= threshold;
    }

    private static long passKey(long seed, long pass) {
        return mix64(seed ^ mix64(pass + 0x632BE59BD9B4E019L));
    }

    private static long dropoutLayerKey(long passKey, int k) {
        return mix64(passKey + (k + 1) * 0xD1B54A32D192ED03L);
    }

    /** SplitMix64's finaliser: a bijective, well-mixed hash of 64 bits. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ---------------------------------------------------------------------------------------
    // helpers

    private void clearPassRefs() {
        passR = null;
        passX = null;
        passDout = null;
        passDx = null;
        passLayerIn = null;
        passPrev = null;
    }

    /** "an lstm", "a gru", ... for messages. */
    private static String named(CellType cell) {
        return (cell == CellType.LSTM ? "an " : "a ") + cell.cliName();
    }

    private static PackedMatrix pack(PackedMatrix current, boolean transB, int k, int n, float[] b, int off, int ldb) {
        if (current != null && current.rows() == k && current.cols() == n) {
            Sgemm.repackB(current, transB, k, n, b, off, ldb);
            return current;
        }
        return Sgemm.packB(transB, k, n, b, off, ldb);
    }

    /**
     * A workspace buffer of at least {@code length} floats plus {@link #KERNEL_SLACK}: the gate
     * kernels' masked tail loads and stores take a slow, allocating path when the vector would
     * reach past the end of the array, so no row the kernels touch ends an array.
     */
    private float[] buffer(Object key, int length) {
        return ws.carve(key, length + KERNEL_SLACK);
    }

    private static float[] exact(float[] current, int length) {
        return current != null && current.length == length ? current : new float[length];
    }

    /** The dimension names of state tensors (a constant: messages are built only on failure). */
    private String stateDims() {
        return directions == 2 ? "[2*L, B, H]" : "[L, B, H]";
    }

    /** The dimension names of hidden-state tensors (h0, dhN): P in place of H with projections. */
    private String hiddenStateDims() {
        if (projSize == 0) {
            return stateDims();
        }
        return directions == 2 ? "[2*L, B, P]" : "[L, B, P]";
    }

    /** The dimension names of the output (gradient) tensor (constants: no allocation per pass). */
    private String outDims() {
        if (projSize > 0) {
            return directions == 2 ? "[T, B, 2*P]" : "[T, B, P]";
        }
        return directions == 2 ? "[T, B, 2*H]" : "[T, B, H]";
    }

    /** Columns of P per worker in the projection GEMMs: whole panels of the packed W_hrᵀ. */
    private int projGranule() {
        return Math.max(1, packProj[0] != null ? packProj[0].panelWidth() : 1);
    }

    /**
     * Rejects T, B below 1 and sequences whose largest buffer ({@code (T+2)*B} rows of the widest
     * row) would not fit in one Java array.
     */
    private void checkSteps(int T, int B) {
        if (T < 1) {
            throw new IllegalArgumentException("T (timesteps) must be >= 1, got " + T);
        }
        if (B < 1) {
            throw new IllegalArgumentException("B (batch size) must be >= 1, got " + B);
        }
        long widest = Math.max((long) directions * gates * hiddenSize, Math.max(inputSize, (long) directions * hiddenSize));
        long floats = Math.max(((long) T + 2) * B * widest, (long) directions * numLayers * B * hiddenSize);
        if (floats > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a sequence of T=" + T + ", B=" + B + " needs buffers of " + floats
                    + " floats, more than a Java array holds; split it into shorter chunks");
        }
    }

    /** Rejects {@code a} unless it holds exactly {@code d0*d1*d2} floats; the message is built only on failure. */
    private static void checkLength(String name, float[] a, String dims, int d0, int d1, int d2) {
        long expected = (long) d0 * d1 * d2;
        if (a == null || a.length != expected) {
            throw new IllegalArgumentException(name + ": expected shape " + dims + " = [" + d0 + ", " + d1 + ", "
                    + d2 + "] (" + expected + " floats), got " + (a == null ? "null" : a.length + " floats"));
        }
    }

    private static void checkOptional(String name, float[] a, String dims, int d0, int d1, int d2) {
        if (a != null && a.length != (long) d0 * d1 * d2) {
            throw new IllegalArgumentException(name + ": expected shape " + dims + " = [" + d0 + ", " + d1 + ", "
                    + d2 + "] (" + (long) d0 * d1 * d2 + " floats) or null, got " + a.length + " floats");
        }
    }

    @Override
    public String toString() {
        return "RecurrentLayer[" + cell.cliName() + ", input " + inputSize + ", hidden " + hiddenSize
                + (projSize > 0 ? ", proj " + projSize : "")
                + ", layers " + numLayers + (directions == 2 ? ", bidirectional" : "")
                + (dropout > 0 ? ", dropout " + dropout : "") + ", threads " + team.size() + "]";
    }

    /** Workspace key of a per-layer buffer. */
    private record Key(String role, int layer) {}

    /** Workspace keys of buffers shared by all layers (used one layer at a time). */
    private enum Keys {
        GH, BIAS, BHN, WHH_INTERLEAVED, WIH_STACKED, INFER_GATES, INFER_H0, INFER_H1, INFER_C, X_SAVED,
        DOUT_PACKED, DX_PACKED, PREV, DG, DNX, DH, DC, BSUM, DBETWEEN, INFER_R, DH_TOTAL, DR, ZEROS
    }
}
