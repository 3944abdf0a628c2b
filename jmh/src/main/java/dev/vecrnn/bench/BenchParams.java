package dev.vecrnn.bench;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.perf.BenchMode;
import dev.vecrnn.perf.RnnShape;
import dev.vecrnn.perf.RnnWorkload;

/**
 * The JMH parameters of the recurrent benchmarks (strings, because JMH sweeps strings) turned into
 * the project's one benchmark workload, {@link RnnWorkload}: the same layer, inputs and step that
 * {@code vecrnn bench rnn}, {@code bench scaling} and {@code compare-pytorch} time.
 */
final class BenchParams {
    private BenchParams() {}

    /** Seed of every benchmark layer's weights (its inputs use the next seed). */
    static final long SEED = 42;

    /**
     * The workload of one parameter combination, built once per trial (so the layer's workspace
     * is sized before measuring) and closed at the end of the trial.
     *
     * @param cell    lstm, gru, rnn_tanh or rnn_relu
     * @param shape   {@code TxBxIxH}
     * @param mode    inference or training
     * @param threads a thread count, or {@code max} for every available processor
     * @throws IllegalArgumentException naming a parameter value that is not one of these
     */
    static RnnWorkload workload(String cell, String shape, String mode, String threads) {
        return new RnnWorkload(RnnWorkload.Config.single(CellType.parse(cell), RnnShape.parse(shape), BenchMode.parse(mode),
                threadCount(threads), SEED));
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
}
