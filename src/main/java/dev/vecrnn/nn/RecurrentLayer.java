package dev.vecrnn.nn;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.kernel.GateKernels;
import dev.vecrnn.kernel.IdentityGateKernels;
import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.mem.Workspace;

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
 * {@code torch.nn.RNN}/{@code LSTM}/{@code GRU} with {@code batch_first=False},
 * {@code bias=True}, one direction and no dropout. Parameters use PyTorch's names, shapes and
 * gate order (see {@link Parameter}), so weights move between the two unchanged.
 *
 * <p>Tensors are flat row-major float arrays, time-major: the input {@code x} is
 * {@code [T, B, I]} ({@code x[t][b][i]} at {@code (t*B + b)*I + i}), outputs {@code [T, B, H]},
 * states {@code [L, B, H]}.
 *
 * <h2>Passes</h2>
 * {@link #forward} runs a training forward pass and saves what {@link #backward} needs;
 * {@link #infer} computes the same outputs (bit for bit) but saves nothing and touches less
 * memory. {@link #backward} runs backpropagation through time over the whole sequence of the
 * last {@code forward}, <em>adds</em> each parameter's gradient into {@link Parameter#grad()}
 * (so micro-batches sum; {@link #zeroGrad} clears) and returns the input and initial-state
 * gradients. It may be called more than once for one forward pass.
 *
 * <h2>Performance design</h2>
 * Per layer, the input projection {@code X·W_ihᵀ} for all {@code T*B} rows is one GEMM, split by
 * rows over the thread team, with both biases folded into its accumulator. The recurrent weights
 * are packed once per pass, their rows interleaved by gate in blocks of units so that each worker
 * of the team owns a contiguous column range holding all gates of its hidden units. The time loop
 * is one team job: per step each worker multiplies {@code h_{t-1}} by its columns, runs the fused
 * gate kernel over its units, and meets the others at one barrier. Backward mirrors this (one
 * fused gate-backward and one {@code dG_t·W_hh} column slice per step and worker, one barrier),
 * then forms {@code dW_ih}, {@code dW_hh}, the bias gradients and {@code dX} each as one large
 * GEMM or reduction over all timesteps. No reduction is split across threads, so every result
 * is bitwise identical for any team size. Buffers come from a per-layer {@link Workspace}:
 * after the first pass of a shape, passes allocate nothing.
 *
 * <p>A layer is not thread-safe: one thread uses it at a time. Results ({@link ForwardResult},
 * {@link BackwardResult}) are the layer's own buffers, overwritten by the next pass.
 */
public final class RecurrentLayer {
    /** Rows of the {@code T*B}-row GEMMs per split granule. */
    private static final int ROW_GRANULE = 8;
    /** Rows of the {@code G*H}-row weight-gradient GEMMs per split granule. */
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
    private static final Pattern NAME = Pattern.compile("(weight|bias)_(ih|hh)_l(\\d+)");

    private final CellType cell;
    private final int inputSize;
    private final int hiddenSize;
    private final int numLayers;
    private final int gates;
    private final ThreadTeam team;

    private final float[][] wih;
    private final float[][] whh;
    private final float[][] bih;
    private final float[][] bhh;
    private final float[][] gWih;
    private final float[][] gWhh;
    private final float[][] gBih;
    private final float[][] gBhh;
    private final List<Parameter> parameters;
    private final Map<String, Parameter> byName;

    private final Workspace ws = new Workspace();
    private final Key[] actKey;
    private final Key[] stateKey;
    private final Key[] cellKey;
    private final Key[] hnKey;

    private final ForwardResult fwdResult = new ForwardResult();
    private final BackwardResult bwdResult = new BackwardResult();
    private final ForwardJob forwardJob = new ForwardJob();
    private final BackwardLoopJob backwardLoopJob = new BackwardLoopJob();
    private final GradientJob gradientJob = new GradientJob();

    /** Test hook: identity instead of every activation ("skip non-linear"). */
    private boolean linear;
    /** Hidden units per gate-interleaving block: a multiple of the packed panel width. */
    private int unitBlock;
    /** Thresholds of {@link #MIN_FLOPS_PER_BARRIER} / {@link #MIN_FLOPS_PER_RUN}; tests lower them. */
    private long minFlopsPerBarrier = MIN_FLOPS_PER_BARRIER;
    private long minFlopsPerRun = MIN_FLOPS_PER_RUN;

    // packed operands, recreated only when their shape changes
    private PackedMatrix packInFirst;   // W_ih0ᵀ      [I, G*H]
    private PackedMatrix packInRest;    // W_ihᵀ, k>0  [H, G*H]
    private PackedMatrix packRec;       // W_hhᵀ gate-interleaved [H, G*H]
    private PackedMatrix packRecBack;   // W_hh        [G*H, H]
    private PackedMatrix packBackFirst; // W_ih0       [G*H, I]
    private PackedMatrix packBackRest;  // W_ih, k>0   [G*H, H]
    private PackedMatrix packX;         // saved input x [T*B, I]
    private PackedMatrix packPrev;      // h_{t-1} over all steps [T*B, H]
    private PackedMatrix packLayerIn;   // input of layer k>0 [T*B, H]

    // state of the last training forward pass
    private boolean haveTrainingPass;
    private boolean lastWasInfer;
    private int savedT;
    private int savedB;

    // per-pass values the team jobs read (fields, so that running a job allocates nothing)
    private int passT;
    private int passB;
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
    private PackedMatrix passPackIn;
    private float[] passDout;
    private float[] passDG;
    private float[] passDnx;
    private float[] passDh;
    private float[] passDc;
    private float[] passBsum;
    private PackedMatrix passPackLayerIn;
    private PackedMatrix passPackBack;
    private float[] passDx;

    private RecurrentLayer(CellType cell, int inputSize, int hiddenSize, int numLayers, ThreadTeam team) {
        checkSizes(cell, inputSize, hiddenSize, numLayers);
        if (team == null) {
            throw new IllegalArgumentException("threads: team is null");
        }
        this.cell = cell;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.gates = cell.gates();
        this.team = team;
        int gh = gates * hiddenSize;
        wih = new float[numLayers][];
        whh = new float[numLayers][];
        bih = new float[numLayers][];
        bhh = new float[numLayers][];
        gWih = new float[numLayers][];
        gWhh = new float[numLayers][];
        gBih = new float[numLayers][];
        gBhh = new float[numLayers][];
        List<Parameter> ps = new ArrayList<>(4 * numLayers);
        Map<String, Parameter> names = new LinkedHashMap<>();
        actKey = new Key[numLayers];
        stateKey = new Key[numLayers];
        cellKey = new Key[numLayers];
        hnKey = new Key[numLayers];
        for (int k = 0; k < numLayers; k++) {
            int in = k == 0 ? inputSize : hiddenSize;
            Parameter pwi = new Parameter("weight_ih_l" + k, new int[] {gh, in}, new float[gh * in]);
            Parameter pwh = new Parameter("weight_hh_l" + k, new int[] {gh, hiddenSize}, new float[gh * hiddenSize]);
            Parameter pbi = new Parameter("bias_ih_l" + k, new int[] {gh}, new float[gh]);
            Parameter pbh = new Parameter("bias_hh_l" + k, new int[] {gh}, new float[gh]);
            for (Parameter p : new Parameter[] {pwi, pwh, pbi, pbh}) {
                ps.add(p);
                names.put(p.name(), p);
            }
            wih[k] = pwi.value();
            whh[k] = pwh.value();
            bih[k] = pbi.value();
            bhh[k] = pbh.value();
            gWih[k] = pwi.grad();
            gWhh[k] = pwh.grad();
            gBih[k] = pbi.grad();
            gBhh[k] = pbh.grad();
            actKey[k] = new Key("gates", k);
            stateKey[k] = new Key("h", k);
            cellKey[k] = new Key("c", k);
            hnKey[k] = new Key("hn", k);
        }
        this.parameters = Collections.unmodifiableList(ps);
        this.byName = Collections.unmodifiableMap(names);
    }

    private static void checkSizes(CellType cell, int inputSize, int hiddenSize, int numLayers) {
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
        long rows = (long) cell.gates() * hiddenSize;
        if (rows * Math.max(inputSize, hiddenSize) > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("weights of " + rows + " x " + Math.max(inputSize, hiddenSize)
                    + " do not fit in one Java array");
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
            checkSizes(cell, inputSize, hiddenSize, numLayers);
            RecurrentLayer layer = new RecurrentLayer(cell, inputSize, hiddenSize, numLayers,
                    team != null ? team : ThreadTeam.shared());
            SplittableRandom rnd = seed != null ? new SplittableRandom(seed) : new SplittableRandom();
            double bound = 1.0 / Math.sqrt(hiddenSize);
            for (Parameter p : layer.parameters) {
                float[] v = p.value();
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextDouble(-bound, bound);
                }
            }
            return layer;
        }
    }

    /** Like {@link #fromParameters(CellType, Map, Map, ThreadTeam)} on the shared thread team. */
    public static RecurrentLayer fromParameters(CellType cell, Map<String, float[]> values, Map<String, int[]> shapes) {
        return fromParameters(cell, values, shapes, ThreadTeam.shared());
    }

    /**
     * A layer stack whose parameters are copies of PyTorch-named tensors ({@code weight_ih_l{k}},
     * {@code weight_hh_l{k}}, {@code bias_ih_l{k}}, {@code bias_hh_l{k}}, as in a PyTorch
     * {@code state_dict}). The number of layers, input and hidden sizes are inferred; every name
     * must be known, every layer complete, and every shape must match the cell type.
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
        for (String name : new TreeSet<>(values.keySet())) {
            Matcher m = name == null ? null : NAME.matcher(name);
            if (m == null || !m.matches()) {
                throw new IllegalArgumentException("unknown parameter '" + name + "' for " + named(cell)
                        + " layer; expected weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}"
                        + " (bidirectional '_reverse' parameters are not supported)");
            }
            int k;
            try {
                k = Integer.parseInt(m.group(3));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter '" + name + "': layer index out of range");
            }
            maxLayer = Math.max(maxLayer, k);
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
        for (int k = 0; k < layers; k++) {
            for (String kind : new String[] {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"}) {
                if (!values.containsKey(kind + k)) {
                    throw new IllegalArgumentException("missing parameter '" + kind + k + "' (" + named(cell)
                            + " stack of " + layers + " layers needs all four tensors per layer)");
                }
            }
        }
        int g = cell.gates();
        int[] whh0 = shapes.get("weight_hh_l0");
        if (whh0.length != 2 || whh0[1] < 1) {
            throw new IllegalArgumentException("weight_hh_l0: expected shape [G*H, H], got " + Arrays.toString(whh0));
        }
        int hidden = whh0[1];
        int[] wih0 = shapes.get("weight_ih_l0");
        if (wih0.length != 2 || wih0[1] < 1) {
            throw new IllegalArgumentException("weight_ih_l0: expected shape [G*H, I] = [" + g * hidden
                    + ", I], got " + Arrays.toString(wih0));
        }
        int input = wih0[1];
        checkSizes(cell, input, hidden, layers);
        RecurrentLayer layer = new RecurrentLayer(cell, input, hidden, layers, team);
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
                        + " for " + named(cell) + " with input size " + input + ", hidden size " + hidden
                        + ", got " + Arrays.toString(actual) + hint);
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

    /** All parameters in PyTorch's order: per layer weight_ih, weight_hh, bias_ih, bias_hh. */
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

    // ---------------------------------------------------------------------------------------
    // forward

    /**
     * Training forward pass over a whole sequence; saves what {@link #backward} needs.
     *
     * @param x  input {@code [T, B, I]}
     * @param T  timesteps, at least 1
     * @param B  batch size, at least 1
     * @param h0 initial hidden states {@code [L, B, H]}, or null for zeros
     * @param c0 initial cell states {@code [L, B, H]} (LSTM only), or null for zeros
     * @return outputs {@code [T, B, H]} and final states (buffers reused by the next pass)
     * @throws IllegalArgumentException naming the tensor, expected and actual shape
     */
    public ForwardResult forward(float[] x, int T, int B, float[] h0, float[] c0) {
        return run(x, T, B, h0, c0, true);
    }

    /**
     * Inference pass: the same outputs as {@link #forward} (bitwise), but nothing is saved for
     * backward (only per-step scratch), so it writes less memory. A following {@link #backward}
     * fails until the next {@code forward}.
     */
    public ForwardResult infer(float[] x, int T, int B, float[] h0, float[] c0) {
        return run(x, T, B, h0, c0, false);
    }

    private ForwardResult run(float[] x, int T, int B, float[] h0, float[] c0, boolean training) {
        checkSteps(T, B);
        final int I = inputSize;
        final int H = hiddenSize;
        final int L = numLayers;
        final int GH = gates * H;
        final int TB = T * B;
        checkShape("x", x, false, "T, B, I", T, B, I);
        checkShape("h0", h0, true, "L, B, H", L, B, H);
        if (cell == CellType.LSTM) {
            checkShape("c0", c0, true, "L, B, H", L, B, H);
        } else if (c0 != null) {
            throw new IllegalArgumentException("c0: only an lstm has a cell state; pass null for " + cell.cliName());
        }
        haveTrainingPass = false;
        lastWasInfer = !training;

        ForwardResult res = fwdResult;
        res.out = exact(res.out, TB * H);
        res.hN = exact(res.hN, L * B * H);
        res.cN = cell == CellType.LSTM ? exact(res.cN, L * B * H) : null;
        res.steps = T;
        res.batch = B;

        passT = T;
        passB = B;
        passTraining = training;
        passGh = ws.floats(Keys.GH, B * GH);
        passBias = ws.floats(Keys.BIAS, GH);
        float[] prevStates = null;
        for (int k = 0; k < L; k++) {
            int in = k == 0 ? I : H;
            float[] states = training ? ws.floats(stateKey[k], (T + 1) * B * H)
                    : ws.floats(k % 2 == 0 ? Keys.INFER_H0 : Keys.INFER_H1, (T + 1) * B * H);
            float[] gatesBuf = training ? ws.floats(actKey[k], TB * GH) : ws.floats(Keys.INFER_GATES, TB * GH);
            float[] cells = null;
            if (cell == CellType.LSTM) {
                cells = training ? ws.floats(cellKey[k], (T + 1) * B * H) : ws.floats(Keys.INFER_C, B * H);
                initState(cells, c0, k, B * H);
            }
            float[] hn = cell == CellType.GRU && training ? ws.floats(hnKey[k], TB * H) : null;
            initState(states, h0, k, B * H);

            // both biases enter the input projection, except b_hn which sits inside r * (W_hn h + b_hn)
            System.arraycopy(bih[k], 0, passBias, 0, GH);
            Blas1.axpy(cell == CellType.GRU ? 2 * H : GH, 1f, bhh[k], 0, passBias, 0);
            if (k == 0) {
                packInFirst = pack(packInFirst, true, in, GH, wih[k], 0, in);
                passPackIn = packInFirst;
            } else {
                packInRest = pack(packInRest, true, in, GH, wih[k], 0, in);
                passPackIn = packInRest;
            }
            packRecurrentInterleaved(k);
            if (training && k == 0) {
                packX = pack(packX, false, TB, I, x, 0, I);
            }

            passLayer = k;
            passIn = in;
            passX = k == 0 ? x : prevStates;
            passXOff = k == 0 ? 0 : B * H;
            passGates = gatesBuf;
            passStates = states;
            passCells = cells;
            passHn = hn;
            boolean parallelLoop = parallelLoop(B);
            boolean parallelProjection = team.size() > 1 && 2L * TB * GH * in >= minFlopsPerRun;
            if (parallelLoop && parallelProjection) {
                passPhases = PROJECTION | LOOP;
                team.run(forwardJob);
            } else {
                passPhases = PROJECTION;
                runPhase(forwardJob, parallelProjection);
                passPhases = LOOP;
                runPhase(forwardJob, parallelLoop);
            }

            System.arraycopy(states, T * B * H, res.hN, k * B * H, B * H);
            if (cell == CellType.LSTM) {
                System.arraycopy(cells, training ? T * B * H : 0, res.cN, k * B * H, B * H);
            }
            prevStates = states;
        }
        System.arraycopy(prevStates, B * H, res.out, 0, TB * H);
        if (training) {
            haveTrainingPass = true;
            savedT = T;
            savedB = B;
        }
        clearPassRefs();
        return res;
    }

    /**
     * Packs W_hh of layer k as the right operand of {@code h·W_hhᵀ} with its rows (the product's
     * columns) reordered gate-interleaved: for each block of {@link #unitBlock} units, the block's
     * units of gate 0, then of gate 1, ... So units {@code [u0, u1)} (block-aligned) own the
     * contiguous columns {@code [G*u0, G*u1)}, and within a block of width w, gate q of unit
     * {@code u0+p} is column {@code G*u0 + q*w + p}.
     */
    private void packRecurrentInterleaved(int k) {
        final int H = hiddenSize;
        final int GH = gates * H;
        if (packRec == null || packRec.rows() != H || packRec.cols() != GH) {
            packRec = Sgemm.packB(true, H, GH, whh[k], 0, H);
        }
        if (unitBlock == 0) {
            int pw = Math.max(1, packRec.panelWidth());
            unitBlock = pw * ((MIN_UNIT_BLOCK + pw - 1) / pw);
        }
        float[] inter = ws.floats(Keys.WHH_INTERLEAVED, GH * H);
        float[] w = whh[k];
        for (int u0 = 0; u0 < H; u0 += unitBlock) {
            int width = Math.min(unitBlock, H - u0);
            for (int q = 0; q < gates; q++) {
                for (int p = 0; p < width; p++) {
                    System.arraycopy(w, (q * H + u0 + p) * H, inter, (gates * u0 + q * width + p) * H, H);
                }
            }
        }
        Sgemm.repackB(packRec, true, H, GH, inter, 0, H);
    }

    /** Whether the time loop is worth splitting over the team: more than one unit block and enough work per step. */
    private boolean parallelLoop(int B) {
        int blocks = (hiddenSize + unitBlock - 1) / unitBlock;
        return team.size() > 1 && blocks > 1 && 2L * B * gates * hiddenSize * hiddenSize >= minFlopsPerBarrier;
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

    /** The forward pass of one layer: the input projection, then the whole time loop. */
    private final class ForwardJob implements ThreadTeam.Job {
        @Override
        public void run(int worker, int workers) {
            if ((passPhases & PROJECTION) != 0) {
                project(worker, workers);
                if ((passPhases & LOOP) != 0) {
                    sync(workers);
                }
            }
            if ((passPhases & LOOP) != 0) {
                loop(worker, workers);
            }
        }

        /** The input projection for this worker's rows: biases first, then += X·W_ihᵀ. */
        private void project(int worker, int workers) {
            final int GH = gates * hiddenSize;
            final int in = passIn;
            final int TB = passT * passB;
            final float[] gx = passGates;
            int r0 = ThreadTeam.split(TB, ROW_GRANULE, worker, workers);
            int r1 = ThreadTeam.split(TB, ROW_GRANULE, worker + 1, workers);
            for (int r = r0; r < r1; r++) {
                System.arraycopy(passBias, 0, gx, r * GH, GH);
            }
            if (r1 > r0) {
                Sgemm.sgemmPacked(false, r1 - r0, 1f, passX, passXOff + r0 * in, in, passPackIn, 0, GH,
                        1f, gx, r0 * GH, GH);
            }
        }

        /** The time loop over this worker's hidden units. */
        private void loop(int worker, int workers) {
            final int T = passT;
            final int B = passB;
            final int H = hiddenSize;
            final int G = gates;
            final int GH = G * H;
            final float[] gx = passGates;
            final float[] states = passStates;
            final float[] gh = passGh;
            final int u0 = ThreadTeam.split(H, unitBlock, worker, workers);
            final int u1 = ThreadTeam.split(H, unitBlock, worker + 1, workers);
            final boolean training = passTraining;
            final float[] cells = passCells;
            final float[] hn = passHn;
            final float[] bhnArr = bhh[passLayer];
            final PackedMatrix rec = packRec;
            final int BH = B * H;
            for (int t = 0; t < T; t++) {
                if (u0 < u1) {
                    Sgemm.sgemmPacked(false, B, 1f, states, t * BH, H, rec, G * u0, G * u1, 0f, gh, 0, GH);
                    for (int ub = u0; ub < u1; ub += unitBlock) {
                        int w = Math.min(unitBlock, u1 - ub);
                        int offGx = t * B * GH + ub;
                        int offGh = G * ub;
                        int offPrev = t * BH + ub;
                        int offNext = (t + 1) * BH + ub;
                        switch (cell) {
                            case LSTM -> {
                                int cp = training ? offPrev : ub;
                                int cn = training ? offNext : ub;
                                if (linear) {
                                    IdentityGateKernels.lstmForward(B, w, gx, offGx, H, gh, offGh, w, GH,
                                            cells, cp, cells, cn, states, offNext, H, training);
                                } else {
                                    GateKernels.lstmForward(B, w, gx, offGx, H, gh, offGh, w, GH,
                                            cells, cp, cells, cn, states, offNext, H, training);
                                }
                            }
                            case GRU -> {
                                if (linear) {
                                    IdentityGateKernels.gruForward(B, w, gx, offGx, H, gh, offGh, w, GH,
                                            bhnArr, 2 * H + ub, states, offPrev, states, offNext, hn, offPrev, H,
                                            training);
                                } else {
                                    GateKernels.gruForward(B, w, gx, offGx, H, gh, offGh, w, GH,
                                            bhnArr, 2 * H + ub, states, offPrev, states, offNext, hn, offPrev, H,
                                            training);
                                }
                            }
                            case RNN_TANH -> {
                                if (linear) {
                                    IdentityGateKernels.rnnForward(B, w, gx, offGx, gh, offGh, GH, states, offNext, H);
                                } else {
                                    GateKernels.rnnTanhForward(B, w, gx, offGx, gh, offGh, GH, states, offNext, H);
                                }
                            }
                            case RNN_RELU -> {
                                if (linear) {
                                    IdentityGateKernels.rnnForward(B, w, gx, offGx, gh, offGh, GH, states, offNext, H);
                                } else {
                                    GateKernels.rnnReluForward(B, w, gx, offGx, gh, offGh, GH, states, offNext, H);
                                }
                            }
                        }
                    }
                }
                if (t < T - 1) {
                    sync(workers);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // backward

    /**
     * Backpropagation through time over the sequence of the last {@link #forward}, for the loss
     * {@code Σ out·dout + Σ h_N·dhN + Σ c_N·dcN}. Adds the parameter gradients into
     * {@link Parameter#grad()}.
     *
     * @param dout gradient of the outputs {@code [T, B, H]}
     * @param dhN  gradient of the final hidden states {@code [L, B, H]}, or null for zeros
     * @param dcN  gradient of the final cell states {@code [L, B, H]} (LSTM only), or null
     * @return {@code dx [T, B, I]}, {@code dh0 [L, B, H]}, {@code dc0} (LSTM), buffers reused by the
     *         next backward
     * @throws IllegalStateException if there was no forward pass, or the last pass was {@link #infer}
     * @throws IllegalArgumentException naming the tensor, expected and actual shape
     */
    public BackwardResult backward(float[] dout, float[] dhN, float[] dcN) {
        if (!haveTrainingPass) {
            throw new IllegalStateException(lastWasInfer
                    ? "backward() needs the saved state of a forward() pass; the last pass was infer(), which saves none"
                    : "backward() needs a preceding forward() pass");
        }
        final int T = savedT;
        final int B = savedB;
        final int I = inputSize;
        final int H = hiddenSize;
        final int L = numLayers;
        final int GH = gates * H;
        final int TB = T * B;
        checkShape("dout", dout, false, "T, B, H", T, B, H);
        checkShape("dhN", dhN, true, "L, B, H", L, B, H);
        if (cell == CellType.LSTM) {
            checkShape("dcN", dcN, true, "L, B, H", L, B, H);
        } else if (dcN != null) {
            throw new IllegalArgumentException("dcN: only an lstm has a cell state; pass null for " + cell.cliName());
        }
        BackwardResult res = bwdResult;
        res.dx = exact(res.dx, TB * I);
        res.dh0 = exact(res.dh0, L * B * H);
        res.dc0 = cell == CellType.LSTM ? exact(res.dc0, L * B * H) : null;

        passT = T;
        passB = B;
        passDG = ws.floats(Keys.DG, TB * GH);
        passDnx = cell == CellType.GRU ? ws.floats(Keys.DNX, TB * H) : null;
        passDh = ws.floats(Keys.DH, B * H);
        passDc = cell == CellType.LSTM ? ws.floats(Keys.DC, B * H) : null;
        passBsum = ws.floats(Keys.BSUM, GH);
        float[] between = L > 1 ? ws.floats(Keys.DBETWEEN, TB * H) : null;
        for (int k = L - 1; k >= 0; k--) {
            int in = k == 0 ? I : H;
            passLayer = k;
            passIn = in;
            passDout = k == L - 1 ? dout : between;
            passGates = ws.floats(actKey[k], TB * GH);
            passStates = ws.floats(stateKey[k], (T + 1) * B * H);
            passCells = cell == CellType.LSTM ? ws.floats(cellKey[k], (T + 1) * B * H) : null;
            passHn = cell == CellType.GRU ? ws.floats(hnKey[k], TB * H) : null;
            initState(passDh, dhN, k, B * H);
            if (passDc != null) {
                initState(passDc, dcN, k, B * H);
            }
            packRecBack = pack(packRecBack, false, GH, H, whh[k], 0, H);
            runPhase(backwardLoopJob, parallelLoop(B));
            System.arraycopy(passDh, 0, res.dh0, k * B * H, B * H);
            if (passDc != null) {
                System.arraycopy(passDc, 0, res.dc0, k * B * H, B * H);
            }

            // operands of the weight-gradient GEMMs, packed once each
            packPrev = pack(packPrev, false, TB, H, passStates, 0, H);
            if (k == 0) {
                passPackLayerIn = packX;
                packBackFirst = pack(packBackFirst, false, GH, in, wih[k], 0, in);
                passPackBack = packBackFirst;
            } else {
                float[] below = ws.floats(stateKey[k - 1], (T + 1) * B * H);
                packLayerIn = pack(packLayerIn, false, TB, H, below, B * H, H);
                passPackLayerIn = packLayerIn;
                packBackRest = pack(packBackRest, false, GH, in, wih[k], 0, in);
                passPackBack = packBackRest;
            }
            passDx = k == 0 ? res.dx : between;
            long gradFlops = 2L * TB * GH * (H + 2L * in);
            runPhase(gradientJob, team.size() > 1 && gradFlops >= minFlopsPerRun);
        }
        clearPassRefs();
        return res;
    }

    /** The time loop of one layer's backward pass, t = T-1 down to 0. */
    private final class BackwardLoopJob implements ThreadTeam.Job {
        @Override
        public void run(int worker, int workers) {
            final int T = passT;
            final int B = passB;
            final int H = hiddenSize;
            final int GH = gates * H;
            final int BH = B * H;
            final int u0 = ThreadTeam.split(H, unitBlock, worker, workers);
            final int u1 = ThreadTeam.split(H, unitBlock, worker + 1, workers);
            final int n = u1 - u0;
            final float[] act = passGates;
            final float[] dG = passDG;
            final float[] dout = passDout;
            final float[] dh = passDh;
            final float[] states = passStates;
            final PackedMatrix rec = packRecBack;
            // GRU's dL/dh_{t-1} has a direct term dh*z that the kernel leaves in dh; the GEMM adds to it
            final float beta = cell == CellType.GRU ? 1f : 0f;
            for (int t = T - 1; t >= 0; t--) {
                if (n > 0) {
                    int offG = t * B * GH + u0;
                    int offPrev = t * BH + u0;
                    int offNext = (t + 1) * BH + u0;
                    switch (cell) {
                        case LSTM -> {
                            if (linear) {
                                IdentityGateKernels.lstmBackward(B, n, act, offG, dG, offG, H, GH,
                                        passCells, offPrev, passCells, offNext, dout, offPrev, dh, u0, passDc, u0, H);
                            } else {
                                GateKernels.lstmBackward(B, n, act, offG, dG, offG, H, GH,
                                        passCells, offPrev, passCells, offNext, dout, offPrev, dh, u0, passDc, u0, H);
                            }
                        }
                        case GRU -> {
                            if (linear) {
                                IdentityGateKernels.gruBackward(B, n, act, offG, dG, offG, H, GH,
                                        passHn, offPrev, states, offPrev, dout, offPrev, dh, u0, passDnx, offPrev, H);
                            } else {
                                GateKernels.gruBackward(B, n, act, offG, dG, offG, H, GH,
                                        passHn, offPrev, states, offPrev, dout, offPrev, dh, u0, passDnx, offPrev, H);
                            }
                        }
                        case RNN_TANH -> {
                            if (linear) {
                                IdentityGateKernels.rnnBackward(B, n, states, offNext, dout, offPrev, dh, u0, dG, offG, H);
                            } else {
                                GateKernels.rnnTanhBackward(B, n, states, offNext, dout, offPrev, dh, u0, dG, offG, H);
                            }
                        }
                        case RNN_RELU -> {
                            if (linear) {
                                IdentityGateKernels.rnnBackward(B, n, states, offNext, dout, offPrev, dh, u0, dG, offG, H);
                            } else {
                                GateKernels.rnnReluBackward(B, n, states, offNext, dout, offPrev, dh, u0, dG, offG, H);
                            }
                        }
                    }
                }
                sync(workers);
                if (n > 0) {
                    Sgemm.sgemmPacked(false, B, 1f, dG, t * B * GH, GH, rec, u0, u1, beta, dh, 0, H);
                }
            }
        }
    }

    /** Weight, bias and input gradients of one layer, each one GEMM/reduction over all steps. */
    private final class GradientJob implements ThreadTeam.Job {
        @Override
        public void run(int worker, int workers) {
            final int TB = passT * passB;
            final int H = hiddenSize;
            final int GH = gates * H;
            final int in = passIn;
            final int k = passLayer;
            final float[] dG = passDG;
            final float[] bsum = passBsum;
            final int m0 = ThreadTeam.split(GH, GATE_ROW_GRANULE, worker, workers);
            final int m1 = ThreadTeam.split(GH, GATE_ROW_GRANULE, worker + 1, workers);
            final int r0 = ThreadTeam.split(TB, ROW_GRANULE, worker, workers);
            final int r1 = ThreadTeam.split(TB, ROW_GRANULE, worker + 1, workers);

            // hidden side: dW_hh += dGhᵀ·H_prev, db_hh += column sums of dGh
            if (m1 > m0) {
                Sgemm.sgemmPacked(true, m1 - m0, 1f, dG, m0, GH, packPrev, 0, H, 1f, gWhh[k], m0 * H, H);
                Arrays.fill(bsum, m0, m1, 0f);
                Blas1.columnSums(TB, m1 - m0, dG, m0, GH, bsum, m0);
                Blas1.axpy(m1 - m0, 1f, bsum, m0, gBhh[k], m0);
            }
            if (cell == CellType.GRU) {
                // turn dGh into dGx: the n gate's input-side gradient lacks the factor r
                sync(workers);
                for (int r = r0; r < r1; r++) {
                    System.arraycopy(passDnx, r * H, dG, r * GH + 2 * H, H);
                }
                sync(workers);
                if (m1 > m0) {
                    Arrays.fill(bsum, m0, m1, 0f);
                    Blas1.columnSums(TB, m1 - m0, dG, m0, GH, bsum, m0);
                }
            }
            // input side: db_ih (equal to db_hh except GRU's n gate), dW_ih += dGxᵀ·X, dX = dGx·W_ih
            if (m1 > m0) {
                Blas1.axpy(m1 - m0, 1f, bsum, m0, gBih[k], m0);
                Sgemm.sgemmPacked(true, m1 - m0, 1f, dG, m0, GH, passPackLayerIn, 0, in, 1f, gWih[k], m0 * in, in);
            }
            if (r1 > r0) {
                Sgemm.sgemmPacked(false, r1 - r0, 1f, dG, r0 * GH, GH, passPackBack, 0, in, 0f, passDx, r0 * in, in);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // helpers

    private void clearPassRefs() {
        passX = null;
        passDout = null;
        passDx = null;
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

    /** Rows 0..B-1 of a state buffer: layer k's slice of {@code init}, or zeros when it is null. */
    private static void initState(float[] dst, float[] init, int k, int bh) {
        if (init == null) {
            Arrays.fill(dst, 0, bh, 0f);
        } else {
            System.arraycopy(init, k * bh, dst, 0, bh);
        }
    }

    private static float[] exact(float[] current, int length) {
        return current != null && current.length == length ? current : new float[length];
    }

    /**
     * Rejects T, B below 1 and sequences whose largest buffer ({@code (T+1)*B} rows of the widest
     * row) would not fit in one Java array.
     */
    private void checkSteps(int T, int B) {
        if (T < 1) {
            throw new IllegalArgumentException("T (timesteps) must be >= 1, got " + T);
        }
        if (B < 1) {
            throw new IllegalArgumentException("B (batch size) must be >= 1, got " + B);
        }
        long widest = Math.max((long) gates * hiddenSize, Math.max(inputSize, (long) numLayers * hiddenSize));
        long floats = ((long) T + 1) * B * widest;
        if (floats > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a sequence of T=" + T + ", B=" + B + " needs buffers of " + floats
                    + " floats, more than a Java array holds; split it into shorter chunks");
        }
    }

    /**
     * Checks that {@code a} holds a {@code [d0, d1, d2]} tensor (or is null, if {@code optional}).
     * The message is built only on failure, so a passing check allocates nothing.
     */
    private static void checkShape(String name, float[] a, boolean optional, String dims, int d0, int d1, int d2) {
        long expected = (long) d0 * d1 * d2;
        if (a == null ? optional : a.length == expected) {
            return;
        }
        throw new IllegalArgumentException(name + ": expected shape [" + dims + "] = [" + d0 + ", " + d1 + ", " + d2
                + "] (" + expected + " floats" + (optional ? ") or null" : ")") + ", got "
                + (a == null ? "null" : a.length + " floats"));
    }

    @Override
    public String toString() {
        return "RecurrentLayer[" + cell.cliName() + ", input " + inputSize + ", hidden " + hiddenSize
                + ", layers " + numLayers + ", threads " + team.size() + "]";
    }

    /** Workspace key of a per-layer buffer. */
    private record Key(String role, int layer) {}

    /** Workspace keys of buffers shared by all layers (used one layer at a time). */
    private enum Keys {
        GH, BIAS, WHH_INTERLEAVED, INFER_GATES, INFER_H0, INFER_H1, INFER_C,
        DG, DNX, DH, DC, BSUM, DBETWEEN
    }
}
