package dev.vecrnn.nn;

import dev.vecrnn.io.Tensor;
import dev.vecrnn.mem.MemoryBudget;
import dev.vecrnn.mem.Workspace;

/**
 * The buffers of a layer's passes, carved from one {@link Workspace} once per shape and handed to
 * forward and backward through the same fields: what a training forward saves is read by
 * backward from the very arrays it was written to, so the sizes agree by construction, and each
 * size is written once, in the carve methods below. Shapes in the comments use N for the real rows
 * of the pass (Σ lengths) and the dimensions of {@link LayerConf}.
 *
 * <p>Carving for a shape that was carved before costs nothing; a new shape reuses every buffer
 * that is large enough, so after the largest shape has run once, passes allocate nothing. Every
 * buffer has {@link #KERNEL_SLACK} floats past its end: the gate kernels' masked tail loads and
 * stores take a slow, allocating path when the vector would reach past the end of the array, so
 * no row the kernels touch ends an array.
 *
 * <p>A new shape is carved twice over: first only adding up the bytes the buffers it lacks would
 * take, checked against the heap ({@link MemoryBudget}: a shape too large for the heap fails at
 * once with the estimate and the {@code -Xmx} that would do, before anything is allocated), then
 * for real. Both passes run the same carve method, so the sizes stay written once.
 */
final class PassBuffers {
    /** Floats after the end of every buffer: more than one vector at any width. */
    static final int KERNEL_SLACK = 32;

    private final LayerConf conf;
    private final Workspace pool = new Workspace();

    // saved by a training forward for backward, per layer k
    /** {@code [N, D·G·H]}: input projection plus biases; after the loop the gate activations. */
    final float[][] gates;
    /** {@code [B + N + (D-1)·B, D·S]}: initial h, every step's h, reverse initial h (see {@link SequenceLayout}). */
    final float[][] states;
    /** LSTM {@code [B + N + (D-1)·B, D·H]}: c in the rows of {@link #states}. */
    final float[][] cells;
    /** GRU {@code [N, D·H]}: {@code W_hn·h + b_hn} of every step. */
    final float[][] hn;
    /** Projections {@code [N, D·H]}: {@code r = o ⊙ tanh(c)} of every step, before {@code W_hr}. */
    final float[][] r;
    /** Dropout, layers k below the last: {@code [N, D·S]}, layer k's output as layer k+1 reads it. */
    final float[][] dropped;
    /** {@code [N, I]}: layer 0's input in the pass's row order. */
    float[] xRows;

    // forward scratch, training and inference
    /** {@code [B, D·G·H]}: one step's recurrent product. */
    float[] gh;

    // inference: nothing saved, one layer at a time
    /** {@code [N, D·G·H]}: input projection plus biases, then scratch of the gate kernels. */
    float[] inferGates;
    /** {@code [B + N + (D-1)·B, D·S]} twice: h of layer k in {@code inferStates[k % 2]}, read by layer k+1. */
    final float[][] inferStates = new float[2][];
    /** LSTM {@code [B, D·H]}: c, one row per sequence, updated in place. */
    float[] inferCells;
    /** Projections {@code [B, D·H]}: one step's r. */
    float[] inferR;

    // backward scratch
    /** {@code [N, D·S]}: dout in the pass's row order. */
    float[] doutRows;
    /** {@code [N, I]}: dx in the pass's row order (variable lengths only). */
    float[] dxRows;
    /** {@code [N, D·G·H]}: gate pre-activation gradients. */
    float[] dG;
    /** GRU {@code [N, D·H]}: the n gate's input-side gradient. */
    float[] dnx;
    /** {@code [B, D·S]}: dL/dh of the step being processed, one row per sequence. */
    float[] dh;
    /** LSTM {@code [B, D·H]}: dL/dc likewise. */
    float[] dc;
    /** {@code [D·G·H]}: column sums of dG (bias gradients). */
    float[] bsum;
    /** {@code L > 1}: {@code [N, D·S]}, the gradient of the outputs of the layer below. */
    float[] between;
    /** Variable lengths: {@code [N, D·S]}, each row's previous h gathered into the row's place. */
    float[] prev;
    /** Projections {@code [N, D·S]}: dL/dh of every step (output plus recurrent gradient). */
    float[] dhTotal;
    /** Projections {@code [B, D·H]}: dL/dr of one step. */
    float[] dr;
    /** Projections {@code [B, D·H]} of zeros: the gate kernel's recurrent-gradient input (it is all in dr). */
    float[] zeros;

    private final Key[] gatesKey;
    private final Key[] statesKey;
    private final Key[] cellsKey;
    private final Key[] hnKey;
    private final Key[] rKey;
    private final Key[] droppedKey;

    /** The shapes (T, B, N) last carved for training, inference and backward; T = 0 when none. */
    private final int[] trainingShape = new int[3];
    private final int[] inferenceShape = new int[3];
    private final int[] backwardShape = new int[3];
    /** Whether the last training carve included the dropout buffers. */
    private boolean carvedDropout;

    PassBuffers(LayerConf conf) {
        this.conf = conf;
        int L = conf.layers;
        gates = new float[L][];
        states = new float[L][];
        cells = new float[L][];
        hn = new float[L][];
        r = new float[L][];
        dropped = new float[L][];
        gatesKey = new Key[L];
        statesKey = new Key[L];
        cellsKey = new Key[L];
        hnKey = new Key[L];
        rKey = new Key[L];
        droppedKey = new Key[L];
        for (int k = 0; k < L; k++) {
            gatesKey[k] = new Key("gates", k);
            statesKey[k] = new Key("h", k);
            cellsKey[k] = new Key("c", k);
            hnKey[k] = new Key("hn", k);
            rKey[k] = new Key("r", k);
            droppedKey[k] = new Key("dropped", k);
        }
    }

    /** Carves what a training forward writes and backward reads, for the layout's shape (with dropout's buffers if it has dropout). */
    void carveTraining(SequenceLayout layout, boolean dropout) {
        if (!newShape(trainingShape, layout) && carvedDropout == dropout) {
            return;
        }
        carvedDropout = dropout;
        checkHeap(Pass.TRAINING, layout, dropout, trainingShape);
        carveTrainingBuffers(layout, dropout);
    }

    private void carveTrainingBuffers(SequenceLayout layout, boolean dropout) {
        final int B = layout.B;
        final int N = layout.rows;
        final int stateRows = layout.stateRows(conf.directions);
        xRows = carve(Keys.X_ROWS, (long) N * conf.input);
        gh = carve(Keys.GH, (long) B * conf.dgh);
        for (int k = 0; k < conf.layers; k++) {
            gates[k] = carve(gatesKey[k], (long) N * conf.dgh);
            states[k] = carve(statesKey[k], (long) stateRows * conf.ds);
            cells[k] = conf.lstm ? carve(cellsKey[k], (long) stateRows * conf.dh) : null;
            hn[k] = conf.gru ? carve(hnKey[k], (long) N * conf.dh) : null;
            r[k] = conf.projected ? carve(rKey[k], (long) N * conf.dh) : null;
        }
        for (int k = 0; k < conf.layers - 1; k++) {
            dropped[k] = dropout ? carve(droppedKey[k], (long) N * conf.ds) : null;
        }
    }

    /** Carves an inference pass's scratch for the layout's shape. */
    void carveInference(SequenceLayout layout) {
        if (!newShape(inferenceShape, layout)) {
            return;
        }
        checkHeap(Pass.INFERENCE, layout, false, inferenceShape);
        carveInferenceBuffers(layout);
    }

    private void carveInferenceBuffers(SequenceLayout layout) {
        final int B = layout.B;
        final int N = layout.rows;
        final int stateRows = layout.stateRows(conf.directions);
        // layer 0 reads x in place unless the rows must be sorted
        xRows = layout.packed ? carve(Keys.X_ROWS, (long) N * conf.input) : xRows;
        gh = carve(Keys.GH, (long) B * conf.dgh);
        inferGates = carve(Keys.INFER_GATES, (long) N * conf.dgh);
        inferStates[0] = carve(Keys.INFER_H0, (long) stateRows * conf.ds);
        inferStates[1] = conf.layers > 1 ? carve(Keys.INFER_H1, (long) stateRows * conf.ds) : null;
        inferCells = conf.lstm ? carve(Keys.INFER_C, (long) B * conf.dh) : null;
        inferR = conf.projected ? carve(Keys.INFER_R, (long) B * conf.dh) : null;
    }

    /**
     * Carves backward's scratch. The saved buffers are those of the last training carve, which
     * must have been for this very layout.
     *
     * @throws IllegalStateException if the training buffers were carved for another shape
     */
    void carveBackward(SequenceLayout layout) {
        if (trainingShape[0] != layout.T || trainingShape[1] != layout.B || trainingShape[2] != layout.rows) {
            throw new IllegalStateException("backward: the saved activations were carved for T=" + trainingShape[0]
                    + ", B=" + trainingShape[1] + ", N=" + trainingShape[2] + " rows, but the pass has T=" + layout.T
                    + ", B=" + layout.B + ", N=" + layout.rows);
        }
        if (!newShape(backwardShape, layout)) {
            return;
        }
        checkHeap(Pass.BACKWARD, layout, false, backwardShape);
        carveBackwardBuffers(layout);
    }

    private void carveBackwardBuffers(SequenceLayout layout) {
        final int B = layout.B;
        final int N = layout.rows;
        doutRows = carve(Keys.DOUT_ROWS, (long) N * conf.ds);
        dxRows = layout.packed ? carve(Keys.DX_ROWS, (long) N * conf.input) : null;
        dG = carve(Keys.DG, (long) N * conf.dgh);
        dnx = conf.gru ? carve(Keys.DNX, (long) N * conf.dh) : null;
        dh = carve(Keys.DH, (long) B * conf.ds);
        dc = conf.lstm ? carve(Keys.DC, (long) B * conf.dh) : null;
        bsum = carve(Keys.BSUM, conf.dgh);
        between = conf.layers > 1 ? carve(Keys.BETWEEN, (long) N * conf.ds) : null;
        prev = layout.packed ? carve(Keys.PREV, (long) N * conf.ds) : null;
        dhTotal = conf.projected ? carve(Keys.DH_TOTAL, (long) N * conf.ds) : null;
        dr = conf.projected ? carve(Keys.DR, (long) B * conf.dh) : null;
        zeros = conf.projected ? carve(Keys.ZEROS, (long) B * conf.dh) : null;
    }

    /** Records the layout's shape in {@code carved}; false if it was already the one carved. */
    private static boolean newShape(int[] carved, SequenceLayout layout) {
        if (carved[0] == layout.T && carved[1] == layout.B && carved[2] == layout.rows) {
            return false;
        }
        carved[0] = layout.T;
        carved[1] = layout.B;
        carved[2] = layout.rows;
        return true;
    }

    /** Bytes the buffers of the carve being sized lack; negative when carving for real. */
    private long sizing = -1;

    /** The three carves, named for messages. */
    private enum Pass {
        TRAINING("training pass"), INFERENCE("inference pass"), BACKWARD("backward pass");

        final String label;

        Pass(String label) {
            this.label = label;
        }
    }

    /**
     * Sizes the carve of {@code pass} without allocating and checks the bytes it would add against
     * the heap (no check, and no allocation for a message, when the buffers held suffice). On
     * failure the pass's buffer fields may have been cleared by the sizing run, so its shape is
     * forgotten ({@code carved}) and the next pass carves again.
     *
     * @throws dev.vecrnn.mem.InsufficientMemoryException naming the shape and the estimate
     * @throws IllegalArgumentException if a buffer would exceed the largest Java array
     */
    private void checkHeap(Pass pass, SequenceLayout layout, boolean dropout, int[] carved) {
        sizing = 0;
        boolean fits = false;
        try {
            switch (pass) {
                case TRAINING -> carveTrainingBuffers(layout, dropout);
                case INFERENCE -> carveInferenceBuffers(layout);
                case BACKWARD -> carveBackwardBuffers(layout);
            }
            if (sizing > 0) {
                MemoryBudget.heap().check(sizing, conf.describe() + ": buffers of a " + pass.label + " with T="
                        + layout.T + ", B=" + layout.B + " (" + layout.rows + " rows)");
            }
            fits = true;
        } finally {
            sizing = -1;
            if (!fits) {
                java.util.Arrays.fill(carved, 0);
            }
        }
    }

    /**
     * The buffer of {@code key} with {@code length} floats plus the slack; while sizing, only adds
     * the bytes it would allocate and returns null.
     *
     * @throws IllegalArgumentException if the buffer would exceed the largest Java array
     */
    private float[] carve(Object key, long length) {
        long floats = length + KERNEL_SLACK;
        if (floats > Tensor.MAX_ELEMENTS) {
            throw new IllegalArgumentException(conf.describe() + ": buffer '" + key + "' would need " + floats
                    + " floats, more than a Java array holds (" + Tensor.MAX_ELEMENTS + "); use a smaller batch or"
                    + " shorter sequences");
        }
        if (sizing >= 0) {
            sizing += pool.bytesToCarve(key, (int) floats);
            return null;
        }
        return pool.carve(key, (int) floats);
    }

    /** Bytes of all buffers held. */
    long bytesHeld() {
        return pool.bytesHeld();
    }

    /** Workspace key of a per-layer buffer. */
    private record Key(String role, int layer) {}

    /** Workspace keys of buffers shared by all layers (used one layer at a time). */
    private enum Keys {
        X_ROWS, GH, INFER_GATES, INFER_H0, INFER_H1, INFER_C, INFER_R,
        DOUT_ROWS, DX_ROWS, DG, DNX, DH, DC, BSUM, BETWEEN, PREV, DH_TOTAL, DR, ZEROS
    }
}
