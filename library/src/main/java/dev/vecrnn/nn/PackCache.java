package dev.vecrnn.nn;

import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.kernel.Sgemm;

import java.util.Arrays;

/**
 * A layer's packed weights: its own {@link PackedWeights} per layer index, reused from pass to
 * pass while the weights are unchanged, plus the backward operands, repacked every backward pass.
 *
 * <h2>When a pack is reused</h2>
 * Packing reads and transposes every weight; at batch 1 it is about a third of an LSTM inference
 * pass. An inference pass keeps, per layer k and direction d, a copy of the weights
 * ({@code W_ih}, {@code W_hh}, {@code W_hr} of slot (k, d)) that layer k's packs were made from,
 * and the next inference pass reuses those packs only if every direction's weights of that same
 * layer equal the copy bit for bit (a weight written in place, by training, loading or the caller,
 * makes them stale; NaNs compare equal whatever their payload). The copy is keyed by layer and
 * direction, so layers never stand in for each other, and a stale direction repacks only itself
 * (and the layer's stacked input operand). A training pass repacks everything and forgets the
 * copies: its weights change every optimiser step, and copying them there would be wasted work.
 * Comparing reads the weights once; packing reads and writes them.
 */
final class PackCache {
    private final LayerConf conf;
    private final LayerParameters params;
    /** The size of the team that runs the layer's passes: it sets the packs' unit blocks. */
    private final int workers;
    private final PackedWeights.PackScratch scratch = new PackedWeights.PackScratch();
    /** Per layer k: this layer's private snapshot, refilled in place (never handed out). */
    private final PackedWeights[] layers;
    /** Per slot (k, d): W_ih | W_hh | W_hr as the packs of slot (k, d) were made from them. */
    private final float[][] source;
    /** Per slot: whether {@link #source} holds what the current packs were made from. */
    private final boolean[] recorded;
    /** Directions repacked so far (test hook: proves reuse and staleness). */
    private long directionRepacks;

    // backward operands, shared by all layers and repacked for each (weights change every step)
    private final PackedMatrix[] recurrentBack;  // W_hh [G·H, S] per direction
    private final PackedMatrix[] projectionBack; // W_hr [P, H] per direction
    private PackedMatrix inputBackFirst;         // W_ih of layer 0, all directions [D·G·H, I]
    private PackedMatrix inputBackRest;          // W_ih of a layer k > 0, all directions [D·G·H, D·S]

    PackCache(LayerConf conf, LayerParameters params, int workers) {
        this.conf = conf;
        this.params = params;
        this.workers = workers;
        layers = new PackedWeights[conf.layers];
        source = new float[conf.slots][];
        recorded = new boolean[conf.slots];
        recurrentBack = new PackedMatrix[conf.directions];
        projectionBack = new PackedMatrix[conf.directions];
    }

    /**
     * Layer k's forward operands for a pass. With {@code reuse} (an inference pass) the packs stay
     * as they are when their weights are unchanged, and a copy of what they are made from is kept;
     * otherwise everything is repacked and the copies are forgotten. Biases are folded every time.
     */
    PackedWeights forPass(int k, boolean reuse) {
        PackedWeights p = layers[k];
        boolean fresh = p == null;
        if (fresh) {
            p = PackedWeights.of(conf, params, k, workers, scratch);
            layers[k] = p;
            directionRepacks += conf.directions;
        }
        boolean anyStale = fresh;
        for (int d = 0; d < conf.directions; d++) {
            int s = conf.slot(k, d);
            boolean current = fresh || reuse && recorded[s] && sameAsSource(s);
            if (!current) {
                p.repackDirection(conf, params, d, scratch);
                directionRepacks++;
                anyStale = true;
            }
            if (!reuse) {
                recorded[s] = false;
            } else if (!current || !recorded[s]) {
                record(s);
            }
        }
        if (anyStale && !fresh) {
            p.repackInput(conf, params, scratch);
        }
        if (!fresh) {
            p.refoldBiases(conf, params);
        }
        return p;
    }

    private int sourceLength(int s) {
        int k = s / conf.directions;
        return conf.gh * conf.inputWidth(k) + conf.gh * conf.state + conf.proj * conf.hidden;
    }

    private void record(int s) {
        float[] from = source[s];
        if (from == null) {
            from = new float[sourceLength(s)];
            source[s] = from;
        }
        int ih = params.wih[s].length;
        int hh = params.whh[s].length;
        System.arraycopy(params.wih[s], 0, from, 0, ih);
        System.arraycopy(params.whh[s], 0, from, ih, hh);
        if (conf.projected) {
            System.arraycopy(params.whr[s], 0, from, ih + hh, params.whr[s].length);
        }
        recorded[s] = true;
    }

    /** Whether slot s's weights equal, bit for bit, what its packs were made from. */
    private boolean sameAsSource(int s) {
        float[] from = source[s];
        int ih = params.wih[s].length;
        int hh = params.whh[s].length;
        return Arrays.equals(params.wih[s], 0, ih, from, 0, ih)
                && Arrays.equals(params.whh[s], 0, hh, from, ih, ih + hh)
                && (!conf.projected || Arrays.equals(params.whr[s], 0, params.whr[s].length, from, ih + hh,
                ih + hh + params.whr[s].length));
    }

    /** The gate-interleaving block of layer k's packs (made by a forward pass before). */
    int unitBlock(int k) {
        return layers[k].unitBlock;
    }

    /** Directions packed or repacked since the layer was made (for tests). */
    long directionRepacks() {
        return directionRepacks;
    }

    // ---------------------------------------------------------------------------------------
    // backward operands

    /** Packs W_hh (and W_hr) of layer k, every direction, for the backward time loop. */
    void packRecurrentBack(int k) {
        for (int d = 0; d < conf.directions; d++) {
            int s = conf.slot(k, d);
            recurrentBack[d] = pack(recurrentBack[d], false, conf.gh, conf.state, params.whh[s], 0, conf.state);
            if (conf.projected) {
                projectionBack[d] = pack(projectionBack[d], false, conf.state, conf.hidden, params.whr[s], 0,
                        conf.hidden);
            }
        }
    }

    /** Packs W_ih of layer k, all directions stacked, for {@code dX = dG·W_ih}. */
    PackedMatrix packInputBack(int k) {
        int in = conf.inputWidth(k);
        float[] stacked = scratch.stackedInput(conf, params, k);
        if (k == 0) {
            inputBackFirst = pack(inputBackFirst, false, conf.dgh, in, stacked, 0, in);
            return inputBackFirst;
        }
        inputBackRest = pack(inputBackRest, false, conf.dgh, in, stacked, 0, in);
        return inputBackRest;
    }

    /** W_hh [G·H, S] of direction d, as packed by the last {@link #packRecurrentBack}. */
    PackedMatrix recurrentBack(int d) {
        return recurrentBack[d];
    }

    /** W_hr [P, H] of direction d, as packed by the last {@link #packRecurrentBack}. */
    PackedMatrix projectionBack(int d) {
        return projectionBack[d];
    }

    private static PackedMatrix pack(PackedMatrix current, boolean transB, int k, int n, float[] b, int off, int ldb) {
        if (current != null && current.rows() == k && current.cols() == n) {
            Sgemm.repackB(current, transB, k, n, b, off, ldb);
            return current;
        }
        return Sgemm.packB(transB, k, n, b, off, ldb);
    }
}
