package dev.vecrnn.nn;

import dev.vecrnn.kernel.GateKernels;
import dev.vecrnn.kernel.MatVec;
import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.mem.ThreadTeam;

import java.util.Arrays;

/**
 * Stateful, step-by-step inference with a {@link RecurrentLayer}'s weights: feed one timestep
 * {@code x_t [B, I]}, get {@code h_t [B, H]} of the last layer, while the stream keeps every
 * layer's hidden state {@code h [L, B, H]} (and cell state {@code c [L, B, H]} for LSTM) for the
 * next step. This is the shape of online use: speech frames, sensor readings or tokens that arrive
 * one at a time, with an answer wanted after each.
 *
 * <pre>{@code
 * RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer); // once; share it
 * RecurrentStream stream = weights.newStream(1);                        // one per session/thread
 * for (float[] frame : frames) {
 *     float[] h = stream.step(frame);                                   // [B, H], reused buffer
 * }
 * }</pre>
 *
 * <h2>Same results as a full-sequence pass, bit for bit</h2>
 * Feeding a sequence step by step gives <em>bitwise</em> the outputs and final states of
 * {@link RecurrentLayer#infer} (and {@link RecurrentLayer#forward}) over the whole sequence with
 * the same initial state. Each step does the layer's arithmetic in the layer's order: the input
 * projection starts from the folded biases and adds {@code x·W_ihᵀ} by one fused multiply-add per
 * term in index order, the recurrent product {@code h·W_hhᵀ} starts from zero the same way, and the
 * same fused gate kernels combine them. Only where the products run differs (here one step at a
 * time; there one GEMM over all steps), which changes no bit, because every GEMM, the
 * {@code MatVec} kernel used at batch 1 included, computes each element by that one sequence of
 * operations (see {@code Sgemm}), and the gate kernels, built from IEEE operations only, give the
 * same bits wherever and whenever they run (interpreted or JIT-compiled, any call site).
 *
 * <h2>Weights: a snapshot, shared</h2>
 * {@link Weights#of} copies and packs the layer's weights once (the layout the kernels read, as a
 * pass of the layer does). Later changes to the layer's parameters (training, loading) do
 * <b>not</b> reach existing weights or streams: take a new {@code Weights.of(layer)} and either
 * create new streams or hand it to {@link #setWeights}, which keeps each stream's state.
 * {@code Weights} is immutable, so any number of streams on any number of threads may share one
 * (no copy of the weights per stream).
 *
 * <h2>Chunks</h2>
 * When inputs arrive a few frames at a time, {@link #steps} runs a chunk of {@code T} steps at
 * once with the same results: the input projection of the whole chunk is one GEMM (as in a
 * full-sequence pass), so at batch 1 it reads {@code W_ih} once per chunk instead of once per
 * step, which is about half the weight traffic of a step.
 *
 * <h2>Threads and memory</h2>
 * A stream is not thread-safe: one thread steps it at a time (different streams on different
 * threads need no coordination; each stream owns all the memory it writes). A step allocates
 * nothing once the calling thread has done a step of this shape. At batch 1 a step is two
 * matrix-vector products per layer ({@code MatVec}, vectorised over the packed weights); at larger
 * batches two small GEMMs ({@code Sgemm.sgemmPacked}). By default a step runs on the calling
 * thread only (the layer's thread team is not used): the right choice for many streams on many
 * threads.
 *
 * <h2>One stream on several cores</h2>
 * For the lowest latency of a single stream, {@link Weights#newStream(int, ThreadTeam)} spreads
 * each step over a {@link ThreadTeam}: every member computes the gates of its own share of the
 * hidden units (its slice of each gate's rows of both weight matrices) and applies the gate
 * kernel to them, so each core reads only its share of the weights, which then may fit in its own
 * L2 cache. Layers and the steps of a chunk are separated by one team barrier each; a single step
 * of a one-layer stream needs none. The results are bitwise those of the one-thread stream (each
 * output element is computed by the same operations, only on another core). The team runs one
 * job at a time: streams that share a team take turns.
 *
 * <h2>Cost</h2>
 * A batch-1 step reads every weight once: {@code 4·G·H·(I+H)} bytes per layer (2 MB for an LSTM
 * with I = H = 256). Once that exceeds the core's L2 cache, the step is bound by the bandwidth of
 * the next cache level, not by arithmetic; larger batches and chunks amortise the reads.
 */
public final class RecurrentStream {
    private final int batch;
    private Weights weights;
    /** Spreads each step over its members, or null to run on the calling thread. */
    private final ThreadTeam team;
    /** Team path: what the team job does, reused for every step (no allocation per step). */
    private final TeamStep teamStep;
    /** Team path: the state after the running step, swapped with {@link #h} when it ends. */
    private final float[][] hNext;

    // state and scratch, all owned by this stream
    private final float[][] h;      // per layer: hidden state [B, H]
    private final float[][] c;      // per layer: cell state [B, H] (LSTM), else null
    private final float[] gh;       // recurrent product [B, G*H]
    private final float[] out;      // what step() returns [B, H]
    private float[] gx = new float[0];   // input projection plus biases [T*B, G*H], grown to the largest chunk
    private float[] midA = new float[0]; // outputs of layers below the last [T*B, H] (even layers)
    private float[] midB = new float[0]; // (odd layers)

    private RecurrentStream(Weights weights, int batch, ThreadTeam team) {
        this.weights = weights;
        this.batch = batch;
        this.team = team != null && team.size() > 1 ? team : null;
        int bh = batch * weights.hidden;
        h = new float[weights.layers][bh];
        hNext = this.team == null ? null : new float[weights.layers][bh];
        teamStep = this.team == null ? null : new TeamStep();
        c = weights.cell == CellType.LSTM ? new float[weights.layers][bh] : null;
        gh = new float[batch * weights.gates * weights.hidden];
        out = new float[bh];
        ensureChunk(1);
    }

    /**
     * A stream of batch size {@code batch} over a fresh snapshot of {@code layer}'s weights, with
     * zero state. To run many streams over one layer, take {@link Weights#of} once and call
     * {@link Weights#newStream} for each, so that they share one copy of the weights.
     *
     * @throws IllegalArgumentException if {@code layer} is null or bidirectional, or {@code batch < 1}
     */
    public static RecurrentStream of(RecurrentLayer layer, int batch) {
        checkBatch(batch);
        return Weights.of(layer).newStream(batch);
    }

    /**
     * One timestep: {@code xt} is the input {@code [B, I]}; returns the last layer's new hidden
     * state {@code h_t [B, H]}. The returned array is this stream's output buffer, overwritten by
     * the next step (copy it to keep it); writing into it does not change the stream's state.
     *
     * @throws IllegalArgumentException if {@code xt} is null or not {@code B*I} floats long
     */
    public float[] step(float[] xt) {
        int n = batch * weights.input;
        if (xt == null || xt.length != n) {
            throw new IllegalArgumentException("xt: expected shape [B, I] = [" + batch + ", " + weights.input + "] ("
                    + n + " floats), got " + (xt == null ? "null" : xt.length + " floats"));
        }
        run(xt, 0, 1, out, 0);
        return out;
    }

    /**
     * One timestep reading its input {@code [B, I]} from {@code x} at {@code offset}, e.g. step
     * t of a time-major sequence {@code [T, B, I]} at {@code offset = t*B*I}. Otherwise as
     * {@link #step(float[])}.
     *
     * @throws IllegalArgumentException if {@code x} is null or holds fewer than {@code B*I}
     *                                  floats from {@code offset}
     */
    public float[] step(float[] x, int offset) {
        checkInput("x", x, offset, 1);
        run(x, offset, 1, out, 0);
        return out;
    }

    /**
     * {@code T} timesteps at once, for inputs that arrive in chunks (frames buffered by an audio
     * device, a batch of log lines): reads {@code x [T, B, I]} from {@code xOffset}, writes the last
     * layer's hidden states {@code [T, B, H]} to {@code out} from {@code outOffset}, and leaves the
     * state after the last step. Bitwise the same as {@code T} calls of {@link #step}, but the input
     * projection of all {@code T} steps is one GEMM, as in a full-sequence pass, so each weight
     * matrix {@code W_ih} is read once per chunk instead of once per step. The first chunk of a
     * new, larger T allocates scratch for it; later chunks of at most that size allocate nothing.
     *
     * @throws IllegalArgumentException if {@code T < 1}, or {@code x} or {@code out} is null or too
     *                                  short, naming the argument, the expected and the actual size
     */
    public void steps(float[] x, int xOffset, int T, float[] out, int outOffset) {
        if (T < 1) {
            throw new IllegalArgumentException("T: expected >= 1 timesteps, got " + T);
        }
        checkInput("x", x, xOffset, T);
        long n = (long) T * batch * weights.hidden;
        if (out == null || outOffset < 0 || outOffset + n > out.length) {
            throw new IllegalArgumentException("out: expected room for [T, B, H] = [" + T + ", " + batch + ", "
                    + weights.hidden + "] (" + n + " floats) from offset " + outOffset + ", got "
                    + (out == null ? "null" : "an array of " + out.length + " floats"));
        }
        if ((long) T * batch * Math.max(weights.gates * weights.hidden, weights.input) > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("T: a chunk of " + T + " steps of batch " + batch
                    + " needs more scratch than a Java array holds; use shorter chunks");
        }
        ensureChunk(T);
        run(x, xOffset, T, out, outOffset);
    }

    private void checkInput(String name, float[] x, int offset, int T) {
        long n = (long) T * batch * weights.input;
        if (x == null || offset < 0 || offset + n > x.length) {
            String shape = T == 1 ? "[B, I] = [" + batch + ", " + weights.input + "]"
                    : "[T, B, I] = [" + T + ", " + batch + ", " + weights.input + "]";
            throw new IllegalArgumentException(name + ": expected shape " + shape + " (" + n + " floats) from offset "
                    + offset + ", got " + (x == null ? "null" : "an array of " + x.length + " floats"));
        }
    }

    /** Grows the chunk scratch to T steps (allocating only when T exceeds every earlier chunk). */
    private void ensureChunk(int T) {
        int rows = T * batch;
        int gates = weights.gates * weights.hidden;
        if (gx.length < rows * gates) {
            gx = new float[rows * gates];
        }
        if (weights.layers > 1 && midA.length < rows * weights.hidden) {
            midA = new float[rows * weights.hidden];
            midB = weights.layers > 2 ? new float[rows * weights.hidden] : midB;
        }
    }

    /**
     * T steps, layer by layer as a full-sequence pass does: the input projection of all T*B rows
     * (biases, then += in·W_ihᵀ), then per step the recurrent product and the gate kernel.
     */
    private void run(float[] x, int xOffset, int T, float[] dst, int dstOffset) {
        if (team != null) {
            teamStep.start(weights, x, xOffset, T, dst, dstOffset);
            try {
                team.run(teamStep);
            } finally {
                teamStep.end();
            }
            // hNext now holds the state after the last step (h, the state before it, was read
            // by every member until the end, so it could not be overwritten in place)
            for (int k = 0; k < h.length; k++) {
                float[] before = h[k];
                h[k] = hNext[k];
                hNext[k] = before;
            }
            return;
        }
        final Weights w = weights;
        final int B = batch;
        final int H = w.hidden;
        final int GH = w.gates * H;
        final int BH = B * H;
        final int rows = T * B;
        float[] in = x;
        int inOff = xOffset;
        int inSize = w.input;
        for (int k = 0; k < w.layers; k++) {
            boolean last = k == w.layers - 1;
            float[] lout = last ? dst : (k % 2 == 0 ? midA : midB);
            int loutOff = last ? dstOffset : 0;
            float[] hk = h[k];
            float[] bias = w.bias[k];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(bias, 0, gx, r * GH, GH);
            }
            product(rows, in, inOff, inSize, w.inputWeights[k], 1f, gx);
            for (int t = 0; t < T; t++) {
                int g = t * B * GH;
                int o = loutOff + t * BH;
                product(B, hk, 0, H, w.recurrentWeights[k], 0f, gh);
                switch (w.cell) {
                    case LSTM -> GateKernels.lstmForward(B, H, gx, g, H, gh, 0, H, GH,
                            c[k], 0, c[k], 0, lout, o, H, false);
                    // reads h_{t-1} (hk) while writing h_t, so into the output slot first
                    case GRU -> GateKernels.gruForward(B, H, gx, g, H, gh, 0, H, GH, w.bhn[k], 0,
                            hk, 0, lout, o, null, 0, H, false);
                    case RNN_TANH -> GateKernels.rnnTanhForward(B, H, gx, g, gh, 0, GH, lout, o, H);
                    case RNN_RELU -> GateKernels.rnnReluForward(B, H, gx, g, gh, 0, GH, lout, o, H);
                }
                System.arraycopy(lout, o, hk, 0, BH);
            }
            in = lout;
            inOff = loutOff;
            inSize = H;
        }
    }

    /** {@code y = a·Wᵀ + beta*y} for {@code m} rows of {@code a}: a matrix-vector product for one row. */
    private static void product(int m, float[] a, int offA, int k, PackedMatrix wT, float beta, float[] y) {
        product(m, a, offA, k, wT, 0, wT.cols(), beta, y);
    }

    /** Columns {@code [n0, n1)} of {@link #product(int, float[], int, int, PackedMatrix, float, float[])}. */
    private static void product(int m, float[] a, int offA, int k, PackedMatrix wT, int n0, int n1,
                                float beta, float[] y) {
        if (m == 1) {
            MatVec.packed(1f, a, offA, wT, n0, n1, beta, y, 0);
        } else {
            Sgemm.sgemmPacked(false, m, 1f, a, offA, k, wT, n0, n1, beta, y, 0, wT.cols());
        }
    }

    /**
     * The team form of {@link #run}: member {@code worker} owns hidden units {@code [j0, j1)}
     * (split at packed-panel boundaries), i.e. columns {@code [g*H + j0, g*H + j1)} of every
     * gate g. It computes those columns of the input projection and of each step's recurrent
     * product, and runs the gate kernel on its units, which needs no other member's columns. Only
     * the new hidden state is shared: step t+1 (and the next layer) read all of step t's output,
     * hence one barrier per step, skipped after the very last step, where the join of
     * {@link ThreadTeam#run} suffices. Step t reads {@code h_{t-1}} from the output slot of step
     * t-1 (the stream's state only at t = 0), and each member copies its units of the final state
     * to {@link #hNext}, so no member overwrites a state another may still be reading.
     */
    private final class TeamStep implements ThreadTeam.Job {
        private Weights w;
        private float[] x;
        private int xOffset;
        private int T;
        private float[] dst;
        private int dstOffset;

        void start(Weights w, float[] x, int xOffset, int T, float[] dst, int dstOffset) {
            this.w = w;
            this.x = x;
            this.xOffset = xOffset;
            this.T = T;
            this.dst = dst;
            this.dstOffset = dstOffset;
        }

        /** Drops the references to the caller's arrays. */
        void end() {
            x = null;
            dst = null;
        }

        @Override
        public void run(int worker, int workers) {
            final Weights w = this.w;
            final int T = this.T;
            final int B = batch;
            final int H = w.hidden;
            final int G = w.gates;
            final int GH = G * H;
            final int BH = B * H;
            final int rows = T * B;
            final int granule = w.recurrentWeights[0].panelWidth();
            final int j0 = ThreadTeam.split(H, granule, worker, workers);
            final int j1 = ThreadTeam.split(H, granule, worker + 1, workers);
            final int units = j1 - j0;
            float[] in = x;
            int inOff = xOffset;
            int inSize = w.input;
            for (int k = 0; k < w.layers; k++) {
                boolean last = k == w.layers - 1;
                float[] lout = last ? dst : (k % 2 == 0 ? midA : midB);
                int loutOff = last ? dstOffset : 0;
                float[] bias = w.bias[k];
                if (units > 0) {
                    for (int r = 0; r < rows; r++) {
                        for (int g = 0; g < G; g++) {
                            System.arraycopy(bias, g * H + j0, gx, r * GH + g * H + j0, units);
                        }
                    }
                    for (int g = 0; g < G; g++) {
                        product(rows, in, inOff, inSize, w.inputWeights[k], g * H + j0, g * H + j1, 1f, gx);
                    }
                }
                for (int t = 0; t < T; t++) {
                    int gOff = t * B * GH;
                    int o = loutOff + t * BH;
                    float[] hPrev = t == 0 ? h[k] : lout;
                    int hPrevOff = t == 0 ? 0 : o - BH;
                    if (units > 0) {
                        for (int g = 0; g < G; g++) {
                            product(B, hPrev, hPrevOff, H, w.recurrentWeights[k], g * H + j0, g * H + j1, 0f, gh);
                        }
                        switch (w.cell) {
                            case LSTM -> GateKernels.lstmForward(B, units, gx, gOff + j0, H, gh, j0, H, GH,
                                    c[k], j0, c[k], j0, lout, o + j0, H, false);
                            case GRU -> GateKernels.gruForward(B, units, gx, gOff + j0, H, gh, j0, H, GH, w.bhn[k], j0,
                                    hPrev, hPrevOff + j0, lout, o + j0, null, 0, H, false);
                            case RNN_TANH -> GateKernels.rnnTanhForward(B, units, gx, gOff + j0, gh, j0, GH,
                                    lout, o + j0, H);
                            case RNN_RELU -> GateKernels.rnnReluForward(B, units, gx, gOff + j0, gh, j0, GH,
                                    lout, o + j0, H);
                        }
                    }
                    if (!(last && t == T - 1)) {
                        team.barrier();
                    }
                }
                int finalStep = loutOff + (T - 1) * BH;
                for (int b = 0; b < B && units > 0; b++) {
                    System.arraycopy(lout, finalStep + b * H + j0, hNext[k], b * H + j0, units);
                }
                in = lout;
                inOff = loutOff;
                inSize = H;
            }
        }
    }

    /** Sets every hidden (and cell) state to zero, as at the start of a new sequence. */
    public void reset() {
        for (int k = 0; k < h.length; k++) {
            Arrays.fill(h[k], 0f);
            if (c != null) {
                Arrays.fill(c[k], 0f);
            }
        }
    }

    /**
     * Sets the state, e.g. to {@code hN}/{@code cN} of a {@link RecurrentLayer} pass to continue
     * its sequence step by step (the values are copied).
     *
     * @param h hidden states {@code [L, B, H]}, or null for zeros
     * @param c cell states {@code [L, B, H]} (LSTM only), or null for zeros; must be null for other cells
     * @throws IllegalArgumentException naming the argument, the expected and the actual shape
     */
    public void setState(float[] h, float[] c) {
        checkState("h", h);
        if (this.c != null) {
            checkState("c", c);
        } else if (c != null) {
            throw new IllegalArgumentException("c: only an lstm has a cell state; pass null for " + weights.cell.cliName());
        }
        int bh = batch * weights.hidden;
        for (int k = 0; k < this.h.length; k++) {
            copyOrZero(h, k * bh, this.h[k]);
            if (this.c != null) {
                copyOrZero(c, k * bh, this.c[k]);
            }
        }
    }

    /** A copy of every layer's hidden state, {@code [L, B, H]}. */
    public float[] hiddenState() {
        float[] copy = new float[h.length * batch * weights.hidden];
        copyState(copy, null);
        return copy;
    }

    /** A copy of every layer's cell state, {@code [L, B, H]}, for LSTM; null for other cells. */
    public float[] cellState() {
        if (c == null) {
            return null;
        }
        float[] copy = new float[c.length * batch * weights.hidden];
        copyState(null, copy);
        return copy;
    }

    /**
     * Copies the state into caller-owned arrays, allocating nothing.
     *
     * @param hOut receives the hidden states {@code [L, B, H]}, or null to skip
     * @param cOut receives the cell states {@code [L, B, H]} (LSTM only), or null to skip
     * @throws IllegalArgumentException naming the argument, the expected and the actual shape
     */
    public void copyState(float[] hOut, float[] cOut) {
        checkState("hOut", hOut);
        if (c != null) {
            checkState("cOut", cOut);
        } else if (cOut != null) {
            throw new IllegalArgumentException("cOut: only an lstm has a cell state; pass null for "
                    + weights.cell.cliName());
        }
        int bh = batch * weights.hidden;
        for (int k = 0; k < h.length; k++) {
            if (hOut != null) {
                System.arraycopy(h[k], 0, hOut, k * bh, bh);
            }
            if (cOut != null) {
                System.arraycopy(c[k], 0, cOut, k * bh, bh);
            }
        }
    }

    /**
     * Continues with other weights (e.g. a new {@link Weights#of} after training), keeping the
     * state. They must be of the same cell type and sizes.
     *
     * @throws IllegalArgumentException if {@code weights} is null or of another cell type or size
     */
    public void setWeights(Weights weights) {
        if (weights == null) {
            throw new IllegalArgumentException("weights is null");
        }
        if (!weights.sameShapeAs(this.weights)) {
            throw new IllegalArgumentException("weights: expected " + this.weights.describe() + ", got "
                    + weights.describe());
        }
        this.weights = weights;
    }

    /** The weights this stream runs on. */
    public Weights weights() {
        return weights;
    }

    /** Batch size B. */
    public int batch() {
        return batch;
    }

    @Override
    public String toString() {
        return "RecurrentStream[" + weights.describe() + ", batch " + batch + "]";
    }

    private void checkState(String name, float[] a) {
        long n = (long) h.length * batch * weights.hidden;
        if (a != null && a.length != n) {
            throw new IllegalArgumentException(name + ": expected shape [L, B, H] = [" + h.length + ", " + batch + ", "
                    + weights.hidden + "] (" + n + " floats) or null, got " + a.length + " floats");
        }
    }

    private static void copyOrZero(float[] src, int off, float[] dst) {
        if (src == null) {
            Arrays.fill(dst, 0f);
        } else {
            System.arraycopy(src, off, dst, 0, dst.length);
        }
    }

    private static void checkBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: expected >= 1, got " + batch);
        }
    }

    /**
     * An immutable snapshot of a {@link RecurrentLayer}'s weights, packed once into the layout the
     * step kernels read: per layer {@code W_ihᵀ} and {@code W_hhᵀ} as packed GEMM operands, the
     * two bias vectors folded into one (except GRU's {@code b_hn}, which sits inside
     * {@code r * (W_hn h + b_hn)} and is kept apart). Share one among any number of streams and
     * threads; it holds no reference to the layer and no mutable scratch.
     */
    public static final class Weights {
        private final CellType cell;
        private final int input;
        private final int hidden;
        private final int layers;
        private final int gates;
        private final PackedMatrix[] inputWeights;     // W_ihᵀ [in, G*H] per layer
        private final PackedMatrix[] recurrentWeights; // W_hhᵀ [H, G*H] per layer
        private final float[][] bias;                  // folded biases [G*H] per layer
        private final float[][] bhn;                   // GRU: b_hn [H] per layer, else null

        private Weights(RecurrentLayer layer) {
            this.cell = layer.cell();
            this.input = layer.inputSize();
            this.hidden = layer.hiddenSize();
            this.layers = layer.numLayers();
            this.gates = cell.gates();
            for (Parameter p : layer.parameters()) {
                if (p.name().endsWith("_reverse")) {
                    throw new IllegalArgumentException("layer: a bidirectional layer cannot run as a stream "
                            + "(its reverse direction needs the whole sequence); parameter " + p.name());
                }
            }
            int gh = gates * hidden;
            inputWeights = new PackedMatrix[layers];
            recurrentWeights = new PackedMatrix[layers];
            bias = new float[layers][gh];
            bhn = cell == CellType.GRU ? new float[layers][hidden] : null;
            for (int k = 0; k < layers; k++) {
                int in = k == 0 ? input : hidden;
                float[] wih = layer.parameter("weight_ih_l" + k).value();
                float[] whh = layer.parameter("weight_hh_l" + k).value();
                float[] bih = layer.parameter("bias_ih_l" + k).value();
                float[] bhh = layer.parameter("bias_hh_l" + k).value();
                inputWeights[k] = Sgemm.packB(true, in, gh, wih, 0, in);
                recurrentWeights[k] = Sgemm.packB(true, hidden, gh, whh, 0, hidden);
                // the same float sums as a pass of the layer, so that the results agree bitwise
                int folded = cell == CellType.GRU ? 2 * hidden : gh;
                for (int j = 0; j < folded; j++) {
                    bias[k][j] = bih[j] + bhh[j];
                }
                for (int j = folded; j < gh; j++) {
                    bias[k][j] = bih[j];
                }
                if (bhn != null) {
                    System.arraycopy(bhh, 2 * hidden, bhn[k], 0, hidden);
                }
            }
        }

        /**
         * Copies and packs the current weights of {@code layer}. The result does not follow later
         * changes to the layer.
         *
         * @throws IllegalArgumentException if {@code layer} is null or bidirectional
         */
        public static Weights of(RecurrentLayer layer) {
            if (layer == null) {
                throw new IllegalArgumentException("layer: expected a RecurrentLayer, got null");
            }
            if (layer.projSize() > 0) {
                throw new IllegalArgumentException("layer: proj_size is not supported by RecurrentStream yet");
            }
            return new Weights(layer);
        }

        /**
         * A new stream of batch size {@code batch} on these weights, with zero state.
         *
         * @throws IllegalArgumentException if {@code batch < 1}, or the buffers of that batch would
         *                                  not fit in a Java array
         */
        public RecurrentStream newStream(int batch) {
            checkStreamBatch(batch);
            return new RecurrentStream(this, batch, null);
        }

        private void checkStreamBatch(int batch) {
            checkBatch(batch);
            long widest = (long) batch * Math.max(gates * hidden, input);
            if (widest > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("batch: " + batch + " rows of " + Math.max(gates * hidden, input)
                        + " floats do not fit in one Java array");
            }
        }

        /**
         * A new stream of batch size {@code batch} on these weights, with zero state, that spreads
         * each step over {@code team} (see "One stream on several cores" above): lower latency for
         * one stream, bitwise the same results. The stream does not own the team (close it
         * yourself, after the last step); a team of one member runs steps on the calling thread.
         *
         * @throws IllegalArgumentException if {@code team} is null or closed, or as {@link #newStream(int)}
         */
        public RecurrentStream newStream(int batch, ThreadTeam team) {
            if (team == null) {
                throw new IllegalArgumentException("team: expected a ThreadTeam, got null (use newStream(batch) "
                        + "to run on the calling thread)");
            }
            if (team.isClosed()) {
                throw new IllegalArgumentException("team: " + team.name() + " is closed");
            }
            checkStreamBatch(batch);
            return new RecurrentStream(this, batch, team);
        }

        public CellType cell() {
            return cell;
        }

        public int inputSize() {
            return input;
        }

        public int hiddenSize() {
            return hidden;
        }

        public int numLayers() {
            return layers;
        }

        boolean sameShapeAs(Weights o) {
            return cell == o.cell && input == o.input && hidden == o.hidden && layers == o.layers;
        }

        String describe() {
            return cell.cliName() + ", input " + input + ", hidden " + hidden + ", layers " + layers;
        }

        @Override
        public String toString() {
            return "RecurrentStream.Weights[" + describe() + "]";
        }
    }
}
