package dev.vecrnn.bench;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.Random;

/**
 * The state of one recurrent-layer benchmark: a layer on its own thread team, fixed Gaussian
 * inputs and, for training, a fixed {@code dL/dout}. Built once per trial (so the layer's
 * workspace is sized before measuring) and closed at the end of the trial.
 */
final class RnnFixture implements AutoCloseable {
    private final ThreadTeam team;
    private final RecurrentLayer layer;
    private final boolean training;
    private final int T;
    private final int B;
    private final float[] x; // [T, B, I]
    private final float[] dout; // [T, B, H]

    /**
     * @param cell    lstm, gru, rnn_tanh or rnn_relu
     * @param shape   {@code TxBxIxH}
     * @param mode    inference or training
     * @param threads a thread count, or {@code max} for every available processor
     */
    RnnFixture(String cell, String shape, String mode, String threads) {
        int[] s = Flops.shape(shape);
        this.T = s[0];
        this.B = s[1];
        this.training = switch (mode) {
            case "training" -> true;
            case "inference" -> false;
            default -> throw new IllegalArgumentException("mode must be inference or training, got '" + mode + "'");
        };
        this.team = new ThreadTeam(threadCount(threads));
        this.layer = RecurrentLayer.builder(CellType.parse(cell), s[2], s[3]).seed(42).threads(team).build();
        Random rnd = new Random(7);
        this.x = gaussian(rnd, T * B * s[2]);
        this.dout = training ? gaussian(rnd, T * B * s[3]) : null;
    }

    /** {@code max} means every available processor; otherwise a positive integer. */
    static int threadCount(String threads) {
        if ("max".equals(threads)) {
            return Runtime.getRuntime().availableProcessors();
        }
        int n;
        try {
            n = Integer.parseInt(threads);
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw new IllegalArgumentException("threads must be a positive integer or 'max', got '" + threads + "'");
        }
        return n;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /**
     * Inference: {@code infer()}, returning the outputs. Training: {@code zeroGrad()},
     * {@code forward()}, {@code backward()}, returning {@code dL/dx}. JMH consumes the result.
     */
    float[] step() {
        if (!training) {
            return layer.infer(x, T, B, null, null).out();
        }
        layer.zeroGrad();
        layer.forward(x, T, B, null, null);
        return layer.backward(dout, null, null).dx();
    }

    @Override
    public void close() {
        team.close();
    }
}
