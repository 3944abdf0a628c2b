package dev.vecrnn.perf;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.Optimizer;
import java.util.Random;

/**
 * The benchmark workload: a recurrent layer on its own thread team with fixed random inputs,
 * ready to run one timed step. Every timer of the project runs this: {@code bench rnn} (and so
 * {@code bench scaling} and {@code compare-pytorch}, whose PyTorch timer builds the same thing:
 * single layer, zero initial states, Gaussian inputs; training is forward plus backward of
 * {@code sum(out * R)} for a fixed random {@code R}, including the input gradient), the JMH
 * suite, and {@code vecrnn profile}, which also stacks layers and adds an optimizer update.
 */
public final class RnnWorkload implements AutoCloseable {
    /**
     * What to build.
     *
     * @param seed    seed of the layer's weights; the inputs use {@code seed + 1}
     * @param layers  stacked layers
     * @param update  whether a training step ends with an Adam step (learning rate 1e-4, so
     *                thousands of steps leave the weights in range)
     */
    public record Config(CellType cell, RnnShape shape, BenchMode mode, int threads, long seed, int layers,
                         boolean update) {
        /** One layer and no update: the workload the PyTorch timer runs too. */
        public static Config single(CellType cell, RnnShape shape, BenchMode mode, int threads, long seed) {
            return new Config(cell, shape, mode, threads, seed, 1, false);
        }
    }

    private final ThreadTeam team;
    private final RecurrentLayer layer;
    private final Optimizer optimizer; // null: no update (the PyTorch-comparable workload)
    private final BenchMode mode;
    private final int T;
    private final int B;
    private final float[] x; // [T, B, I]
    private final float[] r; // [T, B, H], dL/dout of L = sum(out * R)
    private float checksum;

    /**
     * Builds the layer, its team of {@code config.threads()} workers and the inputs.
     *
     * @throws IllegalArgumentException if the thread or layer count is below 1
     */
    public RnnWorkload(Config config) {
        RnnShape shape = config.shape();
        this.team = new ThreadTeam(config.threads());
        this.layer = RecurrentLayer.builder(config.cell(), shape.I(), shape.H()).numLayers(config.layers())
                .seed(config.seed()).threads(team).build();
        this.mode = config.mode();
        this.optimizer = config.update() && mode == BenchMode.TRAINING ? new Adam(layer.parameters(), 1e-4) : null;
        this.T = shape.T();
        this.B = shape.B();
        Random rnd = new Random(config.seed() + 1);
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

    /**
     * One step, returning its result for a caller that must consume it (JMH): inference is
     * {@code infer()}, returning the outputs; training is {@code zeroGrad()}, {@code forward()},
     * {@code backward()} (and the update, if configured), returning {@code dL/dx}. The array is
     * the layer's own buffer, overwritten by the next step.
     */
    public float[] run() {
        if (mode == BenchMode.INFERENCE) {
            return layer.infer(x, T, B, null, null).out();
        }
        layer.zeroGrad();
        layer.forward(x, T, B, null, null);
        float[] dx = layer.backward(r, null, null).dx();
        if (optimizer != null) {
            optimizer.step();
        }
        return dx;
    }

    /** One step; keeps one value of each result in {@link #checksum} so no pass can be skipped as unused. */
    public void step() {
        checksum += run()[0];
    }

    /** Sum of one element of every {@link #step}'s result (printed, so the results are used). */
    public float checksum() {
        return checksum;
    }

    /** The team running the layer (its threads are named after it). */
    public ThreadTeam team() {
        return team;
    }

    /** The layer, for a benchmark that changes its parameters before timing (e.g. to denormal values). */
    public RecurrentLayer layer() {
        return layer;
    }

    /** The inputs {@code [T, B, I]}, the workload's own array: a benchmark may rescale them before timing. */
    public float[] input() {
        return x;
    }

    @Override
    public void close() {
        team.close();
    }
}
