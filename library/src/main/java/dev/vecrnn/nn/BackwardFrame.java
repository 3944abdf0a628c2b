package dev.vecrnn.nn;

import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.profile.LayerProbe;

/**
 * What the backward jobs of one layer ({@link BackwardLoop}, {@link WeightGradients}) read and
 * write: the context {@link BackwardPass} fills in per layer. Reused for every pass, written only
 * by the driver's thread before the team runs. Shapes as in {@link PassBuffers}.
 */
final class BackwardFrame {
    final LayerConf conf;
    final SequenceLayout layout;
    final LayerParameters params;
    final PackCache packs;
    final LayerProbe probe;
    final ThreadTeam team;

    /** The "skip non-linear" test mode of the forward pass being differentiated. */
    boolean identity;
    /** The layer k and its input width. */
    int layer;
    int in;

    // saved by the forward pass of this layer
    float[] act;     // [N, D·G·H] gate activations
    float[] states;  // h rows (see SequenceLayout)
    float[] cells;   // LSTM: c rows
    float[] hn;      // GRU [N, D·H]
    float[] r;       // projections [N, D·H]

    // gradients
    /** {@code [N, D·S]}: dL/d(this layer's outputs), rows of the pass. */
    float[] dout;
    float[] dG;      // [N, D·G·H]
    float[] dnx;     // GRU [N, D·H]
    float[] dh;      // [B, D·S]
    float[] dc;      // LSTM [B, D·H]
    float[] bsum;    // [D·G·H]
    float[] dhTotal; // projections [N, D·S]
    float[] dr;      // projections [B, D·H]
    float[] zeros;   // projections [B, D·H]

    // the weight-gradient phase
    /** The layer's input rows {@code [N, in]} from {@link #layerInOff}. */
    float[] layerIn;
    int layerInOff;
    /** Each row's previous h, direction d's from {@code prevOff[d]}, leading dimension D·S. */
    float[] prev;
    final int[] prevOff = new int[2];
    /** Whether the weight-gradient job first gathers {@link #prev} (variable lengths). */
    boolean gatherPrev;
    /** W_ih of all directions {@code [D·G·H, in]}, packed. */
    PackedMatrix inputBack;
    /** {@code [N, in]}: receives dL/d(this layer's input rows). */
    float[] dx;

    BackwardFrame(LayerConf conf, SequenceLayout layout, LayerParameters params, PackCache packs, LayerProbe probe,
                  ThreadTeam team) {
        this.conf = conf;
        this.layout = layout;
        this.params = params;
        this.packs = packs;
        this.probe = probe;
        this.team = team;
    }

    /** Drops the references to arrays the driver does not own (the caller's result arrays). */
    void release() {
        dout = null;
        dx = null;
        layerIn = null;
        prev = null;
        r = null;
    }
}
