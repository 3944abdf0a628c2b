package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.profile.LayerProbe;
import dev.vecrnn.profile.Phase;

/**
 * The forward driver of a layer stack: per layer, the packed operands, the buffers, the initial
 * states, then {@link ForwardLoop} on the team, the final states and dropout on the way up. It
 * also records what a training pass leaves for {@link BackwardPass}.
 */
final class ForwardPass {
    private static final int PROJECTION = 1;
    private static final int LOOP = 2;

    private final LayerConf conf;
    private final SequenceLayout layout;
    private final PassBuffers buffers;
    private final PackCache packs;
    private final Dropout dropout;
    private final TeamSplit split;
    private final LayerProbe probe;
    private final ForwardFrame frame;
    private final Job job = new Job();
    private final ForwardResult result = new ForwardResult();

    // what the last pass leaves for backward
    /** Whether the last pass was a complete training pass (backward may run). */
    boolean haveTrainingPass;
    /** Whether the last pass was an inference pass (for backward's message). */
    boolean lastWasInfer;
    /** Whether the last training pass applied dropout, and its masks' key. */
    boolean savedDropout;
    long savedDropoutKey;

    ForwardPass(LayerConf conf, SequenceLayout layout, PassBuffers buffers, PackCache packs, Dropout dropout,
                TeamSplit split, LayerProbe probe) {
        this.conf = conf;
        this.layout = layout;
        this.buffers = buffers;
        this.packs = packs;
        this.dropout = dropout;
        this.split = split;
        this.probe = probe;
        this.frame = new ForwardFrame(conf, layout, probe, split.team);
    }

    ForwardResult run(float[] x, int T, int B, int[] lengths, float[] h0, float[] c0, boolean training,
                      boolean identity) {
        conf.checkSequence(T, B);
        final int I = conf.input;
        final int H = conf.hidden;
        final int S = conf.state;
        final int DS = conf.ds;
        Shapes.checkLength("x", x, "[T, B, I]", T, B, I);
        Shapes.checkOptional("h0", h0, conf.hiddenStateDims, conf.slots, B, S);
        if (conf.lstm) {
            Shapes.checkOptional("c0", c0, conf.cellStateDims, conf.slots, B, H);
        } else if (c0 != null) {
            throw new IllegalArgumentException("c0: only an lstm has a cell state; pass null for " + conf.cell.cliName());
        }
        SequenceLayout.checkLengths(lengths, T, B);
        haveTrainingPass = false;
        lastWasInfer = !training;
        layout.set(T, B, lengths);
        final int N = layout.rows;
        probe.beginPass(conf.cell.cliName(), training ? "forward" : "infer", conf.layers, conf.directions, T, B, N,
                I, H, S, conf.gates);
        final boolean drop = training && dropout.probability() > 0 && conf.layers > 1;
        final long dropKeyBase = drop ? dropout.nextPassKey() : 0;

        ForwardResult res = result;
        res.out = Shapes.exact(res.out, T * B * DS);
        res.hN = Shapes.exact(res.hN, conf.slots * B * S);
        res.cN = conf.lstm ? Shapes.exact(res.cN, conf.slots * B * H) : null;
        res.steps = T;
        res.batch = B;

        if (training) {
            buffers.carveTraining(layout, drop);
        } else {
            buffers.carveInference(layout);
        }
        // layer 0 reads x in the pass's row order; training keeps a copy for the weight gradients
        float[] xs = x;
        if (training || layout.packed) {
            xs = buffers.xRows;
            layout.packRows(x, xs, I);
        }
        final int initRows = B;
        final int reverseInitRow = B + N;
        ForwardFrame f = frame;
        f.save = training;
        f.identity = identity;
        f.gh = buffers.gh;
        float[] below = xs;
        int belowOff = 0;
        for (int k = 0; k < conf.layers; k++) {
            int in = conf.inputWidth(k);
            float[] states = training ? buffers.states[k] : buffers.inferStates[k % 2];
            layout.loadStates(states, reverseInitRow, h0, k, conf, false);
            f.h.perStep(states, 0, reverseInitRow * DS, states, initRows * DS);
            if (conf.lstm) {
                // training saves every step's c in the rows of h; inference updates one row per sequence in place
                float[] cells = training ? buffers.cells[k] : buffers.inferCells;
                layout.loadStates(cells, training ? reverseInitRow : 0, c0, k, conf, true);
                if (training) {
                    f.c.perStep(cells, 0, reverseInitRow * conf.dh, cells, initRows * conf.dh);
                } else {
                    f.c.inPlace(cells, 0);
                }
            }
            f.gates = training ? buffers.gates[k] : buffers.inferGates;
            f.hn = conf.gru && training ? buffers.hn[k] : null;
            // projections: the gate kernel writes r = o ⊙ tanh(c), which the loop projects into h
            f.r = !conf.projected ? null : training ? buffers.r[k] : buffers.inferR;
            f.x = below;
            f.xOff = belowOff;

            probe.beginLayer(k, in);
            long packStart = probe.start(Phase.WEIGHT_PACKING);
            f.packed = packs.forPass(k, !training);
            probe.end(Phase.WEIGHT_PACKING, packStart);
            boolean parallelLoop = split.parallelLoop(conf, B, f.packed.unitBlock);
            boolean parallelProjection = split.parallelRun(2L * N * conf.dgh * in);
            if (parallelLoop && parallelProjection) {
                job.phases = PROJECTION | LOOP;
                split.team.run(job);
            } else {
                job.phases = PROJECTION;
                split.run(job, parallelProjection);
                job.phases = LOOP;
                split.run(job, parallelLoop);
            }
            probe.endLayer();

            layout.storeStates(states, true, res.hN, k, conf, false);
            if (conf.lstm) {
                layout.storeStates(f.c.init, training, res.cN, k, conf, true);
            }
            below = states;
            belowOff = initRows * DS;
            if (drop && k < conf.layers - 1) {
                float[] dropped = buffers.dropped[k];
                dropout.apply(layout, DS, states, initRows * DS, dropped, Dropout.layerKey(dropKeyBase, k));
                below = dropped;
                belowOff = 0;
            }
        }
        layout.unpackRows(below, belowOff, res.out, DS);
        probe.endPass();
        if (training) {
            haveTrainingPass = true;
            savedDropout = drop;
            savedDropoutKey = dropKeyBase;
        }
        f.release();
        return res;
    }

    /** Forgets the last training pass (its saved state no longer matches the layer's mode). */
    void forgetTrainingPass() {
        haveTrainingPass = false;
    }

    /** The forward pass of one layer on the team: the input projection, then the whole time loop. */
    private final class Job implements ThreadTeam.Job {
        /** Which phases to run: {@link #PROJECTION}, {@link #LOOP} or both. */
        int phases;

        @Override
        public void run(int worker, int workers) {
            // worker 0 is the calling thread, which owns the probe's phase timing
            final boolean timed = worker == 0 && probe.on();
            if ((phases & PROJECTION) != 0) {
                long t0 = timed ? probe.start(Phase.INPUT_PROJECTION) : 0L;
                ForwardLoop.projectRows(frame, worker, workers);
                if ((phases & LOOP) != 0) {
                    TeamSplit.sync(split.team, workers);
                }
                if (timed) {
                    probe.end(Phase.INPUT_PROJECTION, t0);
                }
            }
            if ((phases & LOOP) != 0) {
                long t0 = timed ? System.nanoTime() : 0L;
                ForwardLoop.run(frame, worker, workers, false);
                if (timed) {
                    probe.loop(System.nanoTime() - t0);
                }
            }
        }
    }
}
