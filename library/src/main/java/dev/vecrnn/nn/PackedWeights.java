package dev.vecrnn.nn;

import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.kernel.Sgemm;

/**
 * The forward operands of one layer of a stack, packed into the layouts the kernels read, with its
 * biases folded: what a forward time loop (a layer's pass or a stream's step) multiplies with.
 * One object per layer index {@link #layer}, holding every direction's operands.
 *
 * <p>A snapshot: made by {@link #of} from the parameters as they are then, it does not follow
 * later changes. Snapshots handed to streams are never written again, so any number of threads may
 * read one. A layer keeps its own snapshots in a {@link PackCache}, which alone refills them (in
 * place, between passes, from the same layer and direction) when their weights changed.
 *
 * <h2>Gate interleaving</h2>
 * The recurrent operand {@code W_hhᵀ} has its columns (the rows of {@code W_hh}) reordered: for
 * each block of {@link #unitBlock} units, the block's units of gate 0, then of gate 1, ... So
 * units {@code [u0, u1)} (block-aligned) own the contiguous columns {@code [G*u0, G*u1)}, and
 * within a block of width w, gate q of unit {@code u0+p} is column {@code G*u0 + q*w + p}: a
 * worker owning whole blocks of units computes all gates of its units with one product and needs
 * no other worker's columns for its gate kernels.
 */
final class PackedWeights {
    /** Fewest hidden units per block, so each fused gate kernel call has whole vectors to chew on. */
    private static final int MIN_UNIT_BLOCK = 16;

    /** The layer index k these operands belong to. */
    final int layer;
    /** Hidden units per gate-interleaving block: a multiple of the packed panel width. */
    final int unitBlock;
    /** W_ihᵀ of all directions stacked: {@code [in, D·G·H]}, direction d in columns {@code d·G·H...}. */
    final PackedMatrix input;
    /** W_hhᵀ per direction, gate-interleaved: {@code [S, G·H]}. */
    final PackedMatrix[] recurrent;
    /** W_hrᵀ per direction {@code [H, P]}; null without projections. */
    final PackedMatrix[] projection;
    /** Folded biases {@code [D·G·H]} (see {@link LayerParameters#foldBiases}), with kernel slack. */
    final float[] bias;
    /** GRU's b_hn {@code [D·H]}, with kernel slack; null for other cells. */
    final float[] bhn;

    private PackedWeights(LayerConf conf, LayerParameters params, int k, int workers, PackScratch scratch) {
        this.layer = k;
        int in = conf.inputWidth(k);
        int S = conf.state;
        recurrent = new PackedMatrix[conf.directions];
        projection = conf.projected ? new PackedMatrix[conf.directions] : null;
        // the packed panel width fixes the interleaving block, so pack once plainly to learn it
        PackedMatrix first = Sgemm.packB(true, S, conf.gh, params.whh[conf.slot(k, 0)], 0, S);
        int pw = Math.max(1, first.panelWidth());
        unitBlock = unitBlock(conf.hidden, pw, workers);
        recurrent[0] = first;
        for (int d = 0; d < conf.directions; d++) {
            if (d > 0) {
                recurrent[d] = Sgemm.packB(true, S, conf.gh, params.whh[conf.slot(k, d)], 0, S);
            }
            if (conf.projected) {
                projection[d] = Sgemm.packB(true, conf.hidden, S, params.whr[conf.slot(k, d)], 0, conf.hidden);
            }
            repackRecurrent(conf, params, d, scratch);
        }
        input = Sgemm.packB(true, in, conf.dgh, scratch.stackedInput(conf, params, k), 0, in);
        bias = new float[conf.dgh + PassBuffers.KERNEL_SLACK];
        bhn = conf.gru ? new float[conf.dh + PassBuffers.KERNEL_SLACK] : null;
        refoldBiases(conf, params);
    }

    /**
     * Units per interleaving block: as wide as a share of {@code workers} allows, in
     * whole panels of {@code panelWidth} columns, and at least {@link #MIN_UNIT_BLOCK}. Workers
     * split the time loop by whole blocks, and every gate kernel call covers one block of one row,
     * so narrow blocks multiply the calls: each call of the gate kernels' small loops costs about
     * 40 ns before its first vector, which for an LSTM of H = 512 in blocks of 32 units (16 calls a
     * row, 7 loops each) made the gate phase 20 ms of a 100 ms pass (50×64×512×512, 1 thread, Zen 5);
     * one block of 512 took it to 5 ms. The block changes no bit: every column of a product is the
     * same sequence of FMAs wherever it sits, and the gate kernels work element by element.
     */
    static int unitBlock(int hidden, int panelWidth, int workers) {
        int least = panelWidth * ((MIN_UNIT_BLOCK + panelWidth - 1) / panelWidth);
        int share = hidden / Math.max(1, workers) / panelWidth * panelWidth;
        return Math.max(least, share);
    }

    /**
     * A new snapshot of layer k's current weights and biases, its units in blocks for a team of
     * {@code workers} (see {@link #unitBlock(int, int, int)}; any team can run it, with the same bits).
     */
    static PackedWeights of(LayerConf conf, LayerParameters params, int k, int workers, PackScratch scratch) {
        return new PackedWeights(conf, params, k, workers, scratch);
    }

    /** Repacks direction d's W_hhᵀ (gate-interleaved) and W_hrᵀ from the current weights, in place. */
    void repackDirection(LayerConf conf, LayerParameters params, int d, PackScratch scratch) {
        repackRecurrent(conf, params, d, scratch);
        if (conf.projected) {
            Sgemm.repackB(projection[d], true, conf.hidden, conf.state, params.whr[conf.slot(layer, d)], 0,
                    conf.hidden);
        }
    }

    /** Repacks the stacked W_ihᵀ from the current weights, in place. */
    void repackInput(LayerConf conf, LayerParameters params, PackScratch scratch) {
        int in = conf.inputWidth(layer);
        Sgemm.repackB(input, true, in, conf.dgh, scratch.stackedInput(conf, params, layer), 0, in);
    }

    /** Folds the current biases again (cheap: a layer does it every pass). */
    void refoldBiases(LayerConf conf, LayerParameters params) {
        params.foldBiases(conf, layer, bias, bhn);
    }

    private void repackRecurrent(LayerConf conf, LayerParameters params, int d, PackScratch scratch) {
        final int H = conf.hidden;
        final int S = conf.state;
        final int G = conf.gates;
        float[] w = params.whh[conf.slot(layer, d)];
        float[] inter = scratch.interleaved(conf.gh * S);
        for (int u0 = 0; u0 < H; u0 += unitBlock) {
            int width = Math.min(unitBlock, H - u0);
            for (int q = 0; q < G; q++) {
                for (int p = 0; p < width; p++) {
                    System.arraycopy(w, (q * H + u0 + p) * S, inter, (G * u0 + q * width + p) * S, S);
                }
            }
        }
        Sgemm.repackB(recurrent[d], true, S, conf.gh, inter, 0, S);
    }

    /** Columns of P per worker in the projection products: whole panels of the packed W_hrᵀ. */
    int projectionGranule() {
        return Math.max(1, projection[0].panelWidth());
    }

    /** Scratch arrays for packing, owned by one packer and grown only when a layer needs more. */
    static final class PackScratch {
        private float[] stacked = new float[0];
        private float[] interleaved = new float[0];

        /** W_ih of layer k, all directions stacked ({@code [D·G·H, in]}); W_ih itself with one direction. */
        float[] stackedInput(LayerConf conf, LayerParameters params, int k) {
            if (conf.directions == 1) {
                return params.wih[k];
            }
            int in = conf.inputWidth(k);
            int size = conf.gh * in;
            if (stacked.length < conf.dgh * in) {
                stacked = new float[conf.dgh * in];
            }
            for (int d = 0; d < conf.directions; d++) {
                System.arraycopy(params.wih[conf.slot(k, d)], 0, stacked, d * size, size);
            }
            return stacked;
        }

        float[] interleaved(int size) {
            if (interleaved.length < size) {
                interleaved = new float[size];
            }
            return interleaved;
        }
    }
}
