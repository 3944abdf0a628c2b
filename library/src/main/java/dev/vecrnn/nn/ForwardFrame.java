package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.profile.LayerProbe;

/**
 * What the forward time loop of one layer reads and writes: the context a driver (a layer's
 * pass, a stream's step) fills in and hands to {@link ForwardLoop}. One frame is reused for every
 * pass (set, run, {@link #release}), so running it allocates nothing; its fields are written only
 * by the driver's thread before the team runs and only read by the workers.
 *
 * <p>Row addressing: the loop's step t, sorted row i lives at row {@code rowStart[t] + i} of the
 * layout ({@link SequenceLayout}); gate-shaped buffers have leading dimension {@code D·G·H}, h
 * rows {@code D·S}, c rows {@code D·H}.
 */
final class ForwardFrame {
    final LayerConf conf;
    final SequenceLayout layout;
    /** Phase timing; a frame whose probe never begins a pass is never timed. */
    final LayerProbe probe;
    /** The team whose barrier the workers meet at; unused by a frame run by one worker. */
    final ThreadTeam team;

    /** The layer's packed operands and folded biases. */
    PackedWeights packed;
    /** Training: keep the activations (in {@link #gates}) and GRU's {@link #hn} for backward. */
    boolean save;
    /** The "skip non-linear" test mode: identity in place of every activation. */
    boolean identity;
    /**
     * Whether products of one row use the matrix-vector kernel (a stream's steps at batch 1, its
     * whole cost) rather than the GEMM (a layer's passes, where one-row products are rare; it keeps
     * the JIT's view of the kernels it runs the same).
     */
    boolean matVecForOneRow;
    /** The layer's input rows {@code [N, in]} from {@link #xOff}. */
    float[] x;
    int xOff;
    /** {@code [N, D·G·H]}: the input projection plus biases; with {@link #save}, the activations after the loop. */
    float[] gates;
    /** {@code [B, D·G·H]}: one step's recurrent product (scratch). */
    float[] gh;
    /** Where h lives: the initial states and every step's output rows, leading dimension {@code D·S}. */
    final StateRows h = new StateRows();
    /** Where c lives (LSTM), leading dimension {@code D·H}: per step like h, or one row per sequence in place. */
    final StateRows c = new StateRows();
    /** GRU with {@link #save}: {@code [N, D·H]}, W_hn·h + b_hn of every step. */
    float[] hn;
    /** Projections: r = o ⊙ tanh(c) before W_hr, {@code [N, D·H]} with {@link #save}, else {@code [B, D·H]}. */
    float[] r;

    ForwardFrame(LayerConf conf, SequenceLayout layout, LayerProbe probe, ThreadTeam team) {
        this.conf = conf;
        this.layout = layout;
        this.probe = probe;
        this.team = team;
    }

    /** Drops the references to arrays the driver does not own (the caller's input and outputs). */
    void release() {
        x = null;
        h.init = null;
        h.steps = null;
        c.init = null;
        c.steps = null;
    }

    /**
     * A layer's states in two places: the initial states (the forward direction's rows from
     * {@link #initOff}, the reverse direction's from {@link #reverseInitOff}), and step rows
     * ({@code steps}, row {@code rowStart[t] + i} of step t from {@link #stepsOff}). With
     * {@link #inPlace} there are no step rows: row i of the initial block holds sequence i's
     * state and each step updates it (an inference pass's c).
     */
    static final class StateRows {
        float[] init;
        int initOff;
        int reverseInitOff;
        float[] steps;
        int stepsOff;
        boolean inPlace;

        /** States kept per step: initial rows in {@code init}, each step's rows in {@code steps}. */
        void perStep(float[] init, int initOff, int reverseInitOff, float[] steps, int stepsOff) {
            this.init = init;
            this.initOff = initOff;
            this.reverseInitOff = reverseInitOff;
            this.steps = steps;
            this.stepsOff = stepsOff;
            this.inPlace = false;
        }

        /** One row per sequence at {@code off}, updated in place by every step. */
        void inPlace(float[] rows, int off) {
            this.init = rows;
            this.initOff = off;
            this.reverseInitOff = off;
            this.steps = rows;
            this.stepsOff = off;
            this.inPlace = true;
        }
    }
}
