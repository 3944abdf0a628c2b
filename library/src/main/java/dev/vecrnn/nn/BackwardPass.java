package dev.vecrnn.nn;

import dev.vecrnn.profile.LayerProbe;
import dev.vecrnn.profile.Phase;

import java.util.Arrays;

/**
 * The backward driver of a layer stack, from the top layer down: per layer the backward time loop
 * ({@link BackwardLoop}), then the weight, bias and input gradients ({@link WeightGradients}),
 * then dropout's mask on the gradient passed down. It reads what the last training
 * {@link ForwardPass} saved, from the same {@link PassBuffers} fields it was written to.
 */
final class BackwardPass {
    private final LayerConf conf;
    private final SequenceLayout layout;
    private final PassBuffers buffers;
    private final PackCache packs;
    private final Dropout dropout;
    private final TeamSplit split;
    private final LayerProbe probe;
    private final ForwardPass forward;
    private final BackwardFrame frame;
    private final BackwardLoop loop;
    private final WeightGradients gradients;
    private final BackwardResult result = new BackwardResult();

    BackwardPass(LayerConf conf, LayerParameters params, SequenceLayout layout, PassBuffers buffers, PackCache packs,
                 Dropout dropout, TeamSplit split, LayerProbe probe, ForwardPass forward) {
        this.conf = conf;
        this.layout = layout;
        this.buffers = buffers;
        this.packs = packs;
        this.dropout = dropout;
        this.split = split;
        this.probe = probe;
        this.forward = forward;
        this.frame = new BackwardFrame(conf, layout, params, packs, probe, split.team);
        this.loop = new BackwardLoop(frame);
        this.gradients = new WeightGradients(frame);
    }

    BackwardResult run(float[] dout, float[] dhN, float[] dcN, boolean identity) {
        if (!forward.haveTrainingPass) {
            throw new IllegalStateException(forward.lastWasInfer
                    ? "backward() needs the saved state of a forward() pass; the last pass was infer(), which saves none"
                    : "backward() needs a preceding forward() pass");
        }
        final int T = layout.T;
        final int B = layout.B;
        final int N = layout.rows;
        final int I = conf.input;
        final int H = conf.hidden;
        final int S = conf.state;
        final int DS = conf.ds;
        Shapes.checkLength("dout", dout, conf.outputDims, T, B, DS);
        Shapes.checkOptional("dhN", dhN, conf.hiddenStateDims, conf.slots, B, S);
        if (conf.lstm) {
            Shapes.checkOptional("dcN", dcN, conf.cellStateDims, conf.slots, B, H);
        } else if (dcN != null) {
            throw new IllegalArgumentException("dcN: only an lstm has a cell state; pass null for " + conf.cell.cliName());
        }
        probe.beginPass(conf.cell.cliName(), "backward", conf.layers, conf.directions, T, B, N, I, H, S, conf.gates);
        BackwardResult res = result;
        res.dx = Shapes.exact(res.dx, T * B * I);
        res.dh0 = Shapes.exact(res.dh0, conf.slots * B * S);
        res.dc0 = conf.lstm ? Shapes.exact(res.dc0, conf.slots * B * H) : null;

        buffers.carveBackward(layout);
        // a copy even in the caller's layout, so that no kernel reads the caller's array (see PassBuffers)
        float[] douts = buffers.doutRows;
        layout.packRows(dout, douts, DS);
        float[] dxRows = layout.packed ? buffers.dxRows : res.dx;
        BackwardFrame f = frame;
        f.identity = identity;
        f.dG = buffers.dG;
        f.dnx = buffers.dnx;
        f.dh = buffers.dh;
        f.dc = buffers.dc;
        f.bsum = buffers.bsum;
        f.dhTotal = buffers.dhTotal;
        f.dr = buffers.dr;
        f.zeros = buffers.zeros;
        if (conf.projected) {
            Arrays.fill(f.zeros, 0f);
        }
        // previous states in the rows of their step: a view of h in the caller's layout, gathered otherwise
        f.gatherPrev = layout.packed;
        for (int k = conf.layers - 1; k >= 0; k--) {
            int in = conf.inputWidth(k);
            f.layer = k;
            f.in = in;
            f.dout = k == conf.layers - 1 ? douts : buffers.between;
            f.act = buffers.gates[k];
            f.states = buffers.states[k];
            f.r = buffers.r[k];
            f.cells = buffers.cells[k];
            f.hn = buffers.hn[k];
            layout.loadStates(f.dh, 0, dhN, k, conf, false);
            if (conf.lstm) {
                layout.loadStates(f.dc, 0, dcN, k, conf, true);
            }
            probe.beginLayer(k, in);
            long packStart = probe.start(Phase.WEIGHT_PACKING);
            packs.packRecurrentBack(k);
            probe.end(Phase.WEIGHT_PACKING, packStart);
            long loopStart = probe.on() ? System.nanoTime() : 0L;
            split.run(loop, split.parallelLoop(conf, B, packs.unitBlock(k)));
            if (probe.on()) {
                probe.loop(System.nanoTime() - loopStart);
            }
            layout.storeStates(f.dh, false, res.dh0, k, conf, false);
            if (conf.lstm) {
                layout.storeStates(f.dc, false, res.dc0, k, conf, true);
            }

            if (f.gatherPrev) {
                f.prev = buffers.prev;
                f.prevOff[0] = 0;
                f.prevOff[1] = S;
            } else {
                // forward: step t's previous state is row t*B + b; reverse: row (t+2)*B + b
                f.prev = f.states;
                f.prevOff[0] = 0;
                f.prevOff[1] = 2 * B * DS + S;
            }
            if (k == 0) {
                f.layerIn = buffers.xRows;
                f.layerInOff = 0;
            } else if (forward.savedDropout) {
                f.layerIn = buffers.dropped[k - 1];
                f.layerInOff = 0;
            } else {
                f.layerIn = buffers.states[k - 1];
                f.layerInOff = B * DS;
            }
            packStart = probe.start(Phase.WEIGHT_PACKING);
            f.inputBack = packs.packInputBack(k);
            probe.end(Phase.WEIGHT_PACKING, packStart);
            f.dx = k == 0 ? dxRows : buffers.between;
            long gradFlops = 2L * N * conf.dgh * (S + 2L * in) + (conf.projected ? 2L * N * DS * H : 0);
            long gradStart = probe.start(Phase.WEIGHT_GRADIENT);
            split.run(gradients, split.parallelRun(gradFlops));
            probe.end(Phase.WEIGHT_GRADIENT, gradStart);
            probe.endLayer();
            if (k > 0 && forward.savedDropout) {
                dropout.apply(layout, DS, buffers.between, 0, buffers.between,
                        Dropout.layerKey(forward.savedDropoutKey, k - 1));
            }
        }
        if (layout.packed) {
            layout.unpackRows(dxRows, 0, res.dx, I);
        }
        probe.endPass();
        f.release();
        return res;
    }
}
