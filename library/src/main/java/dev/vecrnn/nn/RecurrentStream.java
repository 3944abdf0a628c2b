package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.profile.LayerProbe;

/**
 * Stateful, step-by-step inference with a {@link RecurrentLayer}'s weights: feed one timestep
 * {@code x_t [B, I]}, get {@code h_t [B, S]} of the last layer, while the stream keeps every
 * layer's hidden state {@code h [L, B, S]} (and cell state {@code c [L, B, H]} for LSTM) for the
 * next step. {@code S} is the hidden size H, or the projection size P of an LSTM with projections
 * (PyTorch's {@code proj_size}). This is the shape of online use: speech frames, sensor readings
 * or tokens that arrive one at a time, with an answer wanted after each.
 *
 * <pre>{@code
 * RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer); // once; share it
 * RecurrentStream stream = weights.newStream(1);                        // one per session/thread
 * for (float[] frame : frames) {
 *     float[] h = stream.step(frame);                                   // [B, S], reused buffer
 * }
 * }</pre>
 *
 * <p>A bidirectional stack cannot be streamed: its reverse direction starts from the end of the
 * sequence, which a stream has not seen yet.
 *
 * <h2>Same results as a full-sequence pass, bit for bit</h2>
 * Feeding a sequence step by step gives <em>bitwise</em> the outputs and final states of
 * {@link RecurrentLayer#infer} (and {@link RecurrentLayer#forward}) over the whole sequence with
 * the same initial state: a stream runs the layer's own forward time loop, with the same packed
 * weights, folded biases and fused gate kernels. Only where the products run differs (here one
 * step at a time; there one GEMM over all steps), which changes no bit: every GEMM, the
 * {@code MatVec} kernel used for one row included, computes each element by the same sequence of
 * fused multiply-adds (see {@code Sgemm}), and the gate kernels, built from IEEE operations only,
 * give the same bits wherever and whenever they run.
 *
 * <h2>Weights: a snapshot, shared</h2>
 * {@link Weights#of} copies and packs the layer's weights once (the layout the kernels read, as a
 * pass of the layer does). Later changes to the layer's parameters (training, loading) do
 * <b>not</b> reach existing weights or streams: take a new {@code Weights.of(layer)} and either
 * create new streams or hand it to {@link #setWeights}, which keeps each stream's state.
 * {@code Weights} is immutable, so any number of streams on any number of threads may share one
 * (no copy of the weights per stream).
 *
 * <h2>Chunks and cost</h2>
 * A batch-1 step reads every weight once: {@code 4·G·H·(I+H)} bytes per layer (2 MB for an LSTM
 * with I = H = 256), so once that exceeds the core's L2 cache the step is bound by the bandwidth
 * of the next cache level. When inputs arrive a few frames at a time, {@link #steps} runs a chunk
 * of {@code T} steps with the same results and makes the input projection of the whole chunk one
 * GEMM, reading {@code W_ih} once per chunk instead of once per step (about half the weight
 * traffic of a step).
 *
 * <h2>Threads and memory</h2>
 * A stream is single-threaded (a call while another thread is inside one of its methods fails
 * with an {@link IllegalStateException}); streams on different threads need no coordination, as
 * each owns all the memory it writes. A step allocates nothing once the calling thread has done a
 * step of this shape. At batch 1 a step is two matrix-vector products per layer ({@code MatVec});
 * at larger batches two small GEMMs. By default a step runs on the calling thread only (the
 * layer's thread team is not used): the right choice for many streams on many threads.
 *
 * <h2>One stream on several cores</h2>
 * For the lowest latency of a single stream, {@link Weights#newStream(int, ThreadTeam)} spreads
 * each step over a {@link ThreadTeam} as a layer's pass spreads its time loop: every member owns
 * whole blocks of hidden units, computes all gates of its units (its slice of the rows of both
 * weight matrices) and applies the gate kernel to them, so each core reads only its share of the
 * weights, which then may fit in its own L2 cache. Steps and layers are separated by one team
 * barrier each (two per step with projections); a single step of a one-layer stream needs none.
 * The results are bitwise those of the one-thread stream (each output element is computed by the
 * same operations, only on another core). The team runs one job at a time: streams that share a
 * team take turns.
 */
public final class RecurrentStream {
    private final int batch;
    /** The sizes; every {@link Weights} this stream runs on has the same. */
    private final LayerConf conf;
    private Weights weights;
    /** Spreads each step over its members, or null to run on the calling thread. */
    private final ThreadTeam team;
    /** T steps of B rows, all live. */
    private final SequenceLayout layout = new SequenceLayout();
    /** Per layer: what the forward loop reads and writes. */
    private final ForwardFrame[] frames;
    /** Team path: the job of one call, reused (no allocation per step). */
    private final TeamJob teamJob;
    /** Fails a second thread that calls in while one is inside. */
    private final UseGuard guard = new UseGuard();
    /** Test hook: runs on entry of every step, inside the thread guard (null: none). */
    private Runnable stepEntryHook;

    // state and scratch, all owned by this stream (scratch with kernel slack past its end)
    private final StreamState state;
    private final float[] out;       // what step() returns [B, S]
    private float[] gx = new float[0];   // input projection plus biases [T·B, G·H], grown to the largest chunk
    private float[] midA = new float[0]; // outputs of layers below the last [T·B, S] (even layers)
    private float[] midB = new float[0]; // (odd layers)
    /**
     * Projections: the last layer's outputs [T·B, P], copied to the caller's array after the loop.
     * The projection's matrix-vector product stores whole vectors under a mask, which takes a slow,
     * allocating path where a vector reaches past the end of an array; the caller's arrays have no
     * slack after them, this one has.
     */
    private float[] projectedOut = new float[0];

    private RecurrentStream(Weights weights, int batch, ThreadTeam team) {
        this.weights = weights;
        this.conf = weights.conf;
        this.batch = batch;
        this.team = team != null && team.size() > 1 ? team : null;
        final int L = conf.layers;
        final int slack = PassBuffers.KERNEL_SLACK;
        state = new StreamState(conf, batch, this.team != null);
        out = new float[batch * conf.state];
        teamJob = this.team == null ? null : new TeamJob();
        float[] gh = new float[batch * conf.gh + slack];
        float[] r = conf.projected ? new float[batch * conf.hidden + slack] : null;
        LayerProbe probe = new LayerProbe(); // never begins a pass: the loop is not timed
        frames = new ForwardFrame[L];
        for (int k = 0; k < L; k++) {
            ForwardFrame f = new ForwardFrame(conf, layout, probe, this.team);
            f.matVecForOneRow = true;
            f.gh = gh;
            f.r = r;
            if (conf.lstm) {
                f.c.inPlace(state.c[k], 0);
            }
            frames[k] = f;
        }
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
     * state {@code h_t [B, S]}. The returned array is this stream's output buffer, overwritten by
     * the next step (copy it to keep it); writing into it does not change the stream's state.
     *
     * @throws IllegalArgumentException if {@code xt} is null or not {@code B*I} floats long
     * @throws IllegalStateException if another thread is using this stream
     */
    public float[] step(float[] xt) {
        int n = batch * conf.input;
        if (xt == null || xt.length != n) {
            throw new IllegalArgumentException("xt: expected shape [B, I] = [" + batch + ", " + conf.input + "] ("
                    + n + " floats), got " + (xt == null ? "null" : xt.length + " floats"));
        }
        run("step", xt, 0, 1, out, 0);
        return out;
    }

    /**
     * One timestep reading its input {@code [B, I]} from {@code x} at {@code offset}, e.g. step
     * t of a time-major sequence {@code [T, B, I]} at {@code offset = t*B*I}. Otherwise as
     * {@link #step(float[])}.
     *
     * @throws IllegalArgumentException if {@code x} is null or holds fewer than {@code B*I}
     *                                  floats from {@code offset}
     * @throws IllegalStateException if another thread is using this stream
     */
    public float[] step(float[] x, int offset) {
        checkInput("x", x, offset, 1);
        run("step", x, offset, 1, out, 0);
        return out;
    }

    /**
     * {@code T} timesteps at once, for inputs that arrive in chunks (frames buffered by an audio
     * device, a batch of log lines): reads {@code x [T, B, I]} from {@code xOffset}, writes the last
     * layer's hidden states {@code [T, B, S]} to {@code out} from {@code outOffset}, and leaves the
     * state after the last step. Bitwise the same as {@code T} calls of {@link #step}, but the input
     * projection of all {@code T} steps is one GEMM, as in a full-sequence pass, so each weight
     * matrix {@code W_ih} is read once per chunk instead of once per step. The first chunk of a
     * new, larger T allocates scratch for it; later chunks of at most that size allocate nothing.
     *
     * @throws IllegalArgumentException if {@code T < 1}, or {@code x} or {@code out} is null or too
     *                                  short, naming the argument, the expected and the actual size
     * @throws IllegalStateException if another thread is using this stream
     */
    public void steps(float[] x, int xOffset, int T, float[] out, int outOffset) {
        if (T < 1) {
            throw new IllegalArgumentException("T: expected >= 1 timesteps, got " + T);
        }
        checkInput("x", x, xOffset, T);
        long n = (long) T * batch * conf.state;
        if (out == null || outOffset < 0 || outOffset + n > out.length) {
            throw new IllegalArgumentException("out: expected room for " + (conf.projected ? "[T, B, P]" : "[T, B, H]")
                    + " = [" + T + ", " + batch + ", " + conf.state + "] (" + n + " floats) from offset " + outOffset
                    + ", got " + (out == null ? "null" : "an array of " + out.length + " floats"));
        }
        if ((long) T * batch * Math.max(conf.gh, conf.input) > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("T: a chunk of " + T + " steps of batch " + batch
                    + " needs more scratch than a Java array holds; use shorter chunks");
        }
        run("steps", x, xOffset, T, out, outOffset);
    }

    private void checkInput(String name, float[] x, int offset, int T) {
        long n = (long) T * batch * conf.input;
        if (x == null || offset < 0 || offset + n > x.length) {
            String shape = T == 1 ? "[B, I] = [" + batch + ", " + conf.input + "]"
                    : "[T, B, I] = [" + T + ", " + batch + ", " + conf.input + "]";
            throw new IllegalArgumentException(name + ": expected shape " + shape + " (" + n + " floats) from offset "
                    + offset + ", got " + (x == null ? "null" : "an array of " + x.length + " floats"));
        }
    }

    /** Grows the chunk scratch to T steps (allocating only when T exceeds every earlier chunk). */
    private void ensureChunk(int T) {
        int rows = T * batch;
        if (gx.length < rows * conf.gh + PassBuffers.KERNEL_SLACK) {
            gx = new float[rows * conf.gh + PassBuffers.KERNEL_SLACK];
        }
        if (conf.layers > 1 && midA.length < rows * conf.state + PassBuffers.KERNEL_SLACK) {
            midA = new float[rows * conf.state + PassBuffers.KERNEL_SLACK];
            midB = conf.layers > 2 ? new float[rows * conf.state + PassBuffers.KERNEL_SLACK] : midB;
        }
        if (conf.projected && projectedOut.length < rows * conf.state + PassBuffers.KERNEL_SLACK) {
            projectedOut = new float[rows * conf.state + PassBuffers.KERNEL_SLACK];
        }
    }

    /** {@link #run(float[], int, int, float[], int)} inside the thread guard, for {@code method}. */
    private void run(String method, float[] x, int xOffset, int T, float[] dst, int dstOffset) {
        enter(method);
        try {
            if (stepEntryHook != null) {
                stepEntryHook.run();
            }
            ensureChunk(T);
            run(x, xOffset, T, dst, dstOffset);
        } finally {
            guard.exit();
        }
    }

    /**
     * T steps, layer by layer as a full-sequence pass does: the input projection of all T·B rows,
     * then the time loop ({@link ForwardLoop}); the last layer's outputs end in {@code dst}.
     */
    private void run(float[] x, int xOffset, int T, float[] dst, int dstOffset) {
        layout.set(T, batch, null);
        final int L = conf.layers;
        final int BS = batch * conf.state;
        float[] in = x;
        int inOff = xOffset;
        for (int k = 0; k < L; k++) {
            boolean last = k == L - 1;
            float[] lout = !last ? (k % 2 == 0 ? midA : midB) : conf.projected ? projectedOut : dst;
            int loutOff = last && !conf.projected ? dstOffset : 0;
            ForwardFrame f = frames[k];
            f.packed = weights.layers[k];
            f.gates = gx;
            f.x = in;
            f.xOff = inOff;
            f.h.perStep(state.h[k], 0, 0, lout, loutOff);
            if (team == null) {
                ForwardLoop.projectRows(f, 0, 1);
                ForwardLoop.run(f, 0, 1, false);
                // the state for the next call: the last step's row (h[k] was read at step 0 only)
                System.arraycopy(lout, loutOff + (T - 1) * BS, state.h[k], 0, BS);
            }
            in = lout;
            inOff = loutOff;
        }
        if (team != null) {
            // a single layer reading its input from the array it writes: wait until every member has read it
            teamJob.inputIsOutput = L == 1 && x == frames[0].h.steps;
            team.run(teamJob);
            // hNext now holds the state after the last step (h, the state before it, was read by
            // every member until the end, so it could not be overwritten in place)
            state.swap();
        }
        if (conf.projected) {
            System.arraycopy(projectedOut, 0, dst, dstOffset, T * BS);
        }
        frames[0].x = null;
        frames[L - 1].h.steps = null;
    }

    /**
     * The team form of {@link #run}: member {@code worker} owns the hidden units
     * {@code [u0, u1)} of the layer's loop split (whole gate-interleaving blocks): it computes
     * those units' columns of the input projection and of each step's recurrent product and runs
     * the gate kernel on them, which needs no other member's columns. Only the new hidden state is
     * shared: step t+1 (and the next layer) read all of step t's output, hence the barriers of
     * the loop, the last one skipped after the very last step, where the join of
     * {@link ThreadTeam#run} suffices. Each member copies its columns of each layer's final state
     * to {@link StreamState#hNext}, so no member overwrites a state another may still be reading.
     */
    private final class TeamJob implements ThreadTeam.Job {
        boolean inputIsOutput;

        @Override
        public void run(int worker, int workers) {
            final int L = conf.layers;
            final int S = conf.state;
            final int rows = layout.rows;
            for (int k = 0; k < L; k++) {
                ForwardFrame f = frames[k];
                int u0 = ForwardLoop.unitStart(f, worker, workers);
                int u1 = ForwardLoop.unitStart(f, worker + 1, workers);
                ForwardLoop.projectColumns(f, u0, u1);
                if (k == 0 && inputIsOutput) {
                    TeamSplit.sync(team, workers);
                }
                ForwardLoop.run(f, worker, workers, k < L - 1);
                // this member's columns of the final state: its units, or with projections its columns of P
                int c0 = conf.projected ? ForwardLoop.projStart(f, worker, workers) : u0;
                int c1 = conf.projected ? ForwardLoop.projStart(f, worker + 1, workers) : u1;
                int lastRow = f.h.stepsOff + (rows - batch) * S;
                for (int b = 0; b < batch && c0 < c1; b++) {
                    System.arraycopy(f.h.steps, lastRow + b * S + c0, state.hNext[k], b * S + c0, c1 - c0);
                }
            }
        }
    }

    /**
     * Sets every hidden (and cell) state to zero, as at the start of a new sequence.
     *
     * @throws IllegalStateException if another thread is using this stream
     */
    public void reset() {
        enter("reset");
        try {
            state.set(null, null);
        } finally {
            guard.exit();
        }
    }

    /**
     * Sets the state, e.g. to {@code hN}/{@code cN} of a {@link RecurrentLayer} pass to continue
     * its sequence step by step (the values are copied).
     *
     * @param h hidden states {@code [L, B, S]}, or null for zeros
     * @param c cell states {@code [L, B, H]} (LSTM only), or null for zeros; must be null for other cells
     * @throws IllegalArgumentException naming the argument, the expected and the actual shape
     * @throws IllegalStateException if another thread is using this stream
     */
    public void setState(float[] h, float[] c) {
        state.check("h", h, false);
        state.checkCells("c", c);
        enter("setState");
        try {
            state.set(h, c);
        } finally {
            guard.exit();
        }
    }

    /** A copy of every layer's hidden state, {@code [L, B, S]}. */
    public float[] hiddenState() {
        float[] copy = new float[conf.layers * batch * conf.state];
        copyState(copy, null);
        return copy;
    }

    /** A copy of every layer's cell state, {@code [L, B, H]}, for LSTM; null for other cells. */
    public float[] cellState() {
        if (!conf.lstm) {
            return null;
        }
        float[] copy = new float[conf.layers * batch * conf.hidden];
        copyState(null, copy);
        return copy;
    }

    /**
     * Copies the state into caller-owned arrays, allocating nothing.
     *
     * @param hOut receives the hidden states {@code [L, B, S]}, or null to skip
     * @param cOut receives the cell states {@code [L, B, H]} (LSTM only), or null to skip
     * @throws IllegalArgumentException naming the argument, the expected and the actual shape
     * @throws IllegalStateException if another thread is using this stream
     */
    public void copyState(float[] hOut, float[] cOut) {
        state.check("hOut", hOut, false);
        state.checkCells("cOut", cOut);
        enter("copyState");
        try {
            state.copyTo(hOut, cOut);
        } finally {
            guard.exit();
        }
    }

    /**
     * Continues with other weights (e.g. a new {@link Weights#of} after training), keeping the
     * state. They must be of the same cell type and sizes.
     *
     * @throws IllegalArgumentException if {@code weights} is null or of another cell type or size
     * @throws IllegalStateException if another thread is using this stream
     */
    public void setWeights(Weights weights) {
        if (weights == null) {
            throw new IllegalArgumentException("weights is null");
        }
        if (!weights.conf.sameShapeAs(conf)) {
            throw new IllegalArgumentException("weights: expected " + this.weights.conf.describe() + ", got "
                    + weights.conf.describe());
        }
        enter("setWeights");
        try {
            this.weights = weights;
        } finally {
            guard.exit();
        }
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
        return "RecurrentStream[" + conf.describe() + ", batch " + batch + "]";
    }

    /** Test hook: {@code hook} runs inside every step and chunk, after the thread guard. */
    void onStepEntryForTesting(Runnable hook) {
        this.stepEntryHook = hook;
    }

    /** Claims the stream for the calling thread, or fails if another thread is inside one of its methods. */
    private void enter(String method) {
        guard.enter(method, this, "a stream is used by one thread at a time. Give each thread its own stream: "
                + "weights().newStream(batch) shares these weights");
    }

    private static void checkBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: expected >= 1, got " + batch);
        }
    }

    /**
     * An immutable snapshot of a {@link RecurrentLayer}'s weights, packed once into the layout the
     * step kernels read: per layer the same packed operands and folded biases a pass of the layer
     * uses (see {@code PackedWeights}). Share one among any number of streams and threads; it holds
     * no reference to the layer and no mutable scratch.
     */
    public static final class Weights {
        private final LayerConf conf;
        private final PackedWeights[] layers;

        private Weights(RecurrentLayer layer) {
            this.conf = layer.conf();
            layers = new PackedWeights[conf.layers];
            PackedWeights.PackScratch scratch = new PackedWeights.PackScratch();
            // shared by streams on teams of any size: blocks a team as large as the machine can split
            // (a one-thread stream then makes a few gate kernel calls a row instead of one)
            int workers = Runtime.getRuntime().availableProcessors();
            for (int k = 0; k < conf.layers; k++) {
                layers[k] = PackedWeights.of(conf, layer.params(), k, workers, scratch);
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
            if (layer.conf().bidirectional()) {
                throw new IllegalArgumentException("layer: a bidirectional stack cannot run as a stream (its reverse "
                        + "direction starts from the end of the sequence, which a stream has not seen); run "
                        + "RecurrentLayer.infer over the whole sequence instead");
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
            int width = Math.max(conf.gh, conf.input);
            if ((long) batch * width > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("batch: " + batch + " rows of " + width
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

        /** LSTM projection size P (PyTorch's {@code proj_size}), 0 without projections. */
        public int projSize() {
            return conf.proj;
        }

        /**
         * Width S of the hidden state and of each step's output row: P with projections, else H.
         * A step returns {@code [B, S]}.
         */
        public int stateSize() {
            return conf.state;
        }

        @Override
        public String toString() {
            return "RecurrentStream.Weights[" + conf.describe() + "]";
        }
    }
}
