package dev.vecrnn.perf;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.Optimizer;
import java.util.Random;

/**
 * One recurrent layer with fixed random inputs, ready to run one timed step: the same workload as
 * the PyTorch timer's (single layer, zero initial states, Gaussian inputs; training is forward plus
 * backward of {@code sum(out * R)} for a fixed random {@code R}, including the input gradient).
 * {@code vecrnn profile} also stacks layers and adds an optimizer update to a training step.
 */
public final class RnnWorkload implements AutoCloseable {
    private final ThreadTeam team;
    private final RecurrentLayer layer;
    private final Optimizer optimizer; // null: no update (the PyTorch-comparable workload)
    private final BenchMode mode;
    private final int T;
    private final int B;
    private final float[] x; // [T, B, I]
    private final float[] r; // [T, B, H], dL/dout of L = sum(out * R)
    private float checksum;

    public RnnWorkload(CellType cell, RnnShape shape, BenchMode mode, int threads, long seed) {
        this(cell, shape, mode, threads, seed, 1, false);
    }

    /**
     * {@code layers} stacked layers; with {@code update}, a training step ends with an Adam step
     * (learning rate 1e-4, so thousands of steps leave the weights in range).
     */
    public RnnWorkload(CellType cell, RnnShape shape, BenchMode mode, int threads, long seed, int layers, boolean update) {
        this.team = new ThreadTeam(threads);
        this.layer = RecurrentLayer.builder(cell, shape.I(), shape.H()).numLayers(layers).seed(seed).threads(team).build();
        this.optimizer = update && mode == BenchMode.TRAINING ? new Adam(layer.parameters(), 1e-4) : null;
        this.mode = mode;
        this.T = shape.T();
        this.B = shape.B();
        Random rnd = new Random(seed + 1);
        this.x = gaussian(rnd, T * B * shape.I());
        this.r = mode == BenchMode.TRAINING ? gaussian(rnd, T * B * shape.H()) : null;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** One step; keeps one value of each result so no pass can be skipped as unused. */
    public void step() {
        if (mode == BenchMode.INFERENCE) {
            checksum += layer.infer(x, T, B, null, null).out()[0];
        } else {
            layer.zeroGrad();
            layer.forward(x, T, B, null, null);
            checksum += layer.backward(r, null, null).dx()[0];
            if (optimizer != null) {
                optimizer.step();
            }
        }
    }

    /** Sum of one element of every step's result (printed, so the results are used). */
    public float checksum() {
        return checksum;
    }

    /** The team running the layer (its threads are named after it). */
    public ThreadTeam team() {
        return team;
    }

    @Override
    public void close() {
        team.close();
    }
}
