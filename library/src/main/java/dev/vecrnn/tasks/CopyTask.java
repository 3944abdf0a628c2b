package dev.vecrnn.tasks;

import dev.vecrnn.train.Batch;
import dev.vecrnn.train.LossKind;
import java.util.Arrays;

/**
 * The copy (memory) task of Arjovsky, Shah &amp; Bengio 2016. Alphabet {@code {0..9}}: 0 is the
 * blank, 1..8 are data symbols, 9 is the delimiter. For a delay {@code T} each sequence has
 * {@code T + 20} steps: 10 data symbols drawn uniformly from 1..8, then {@code T - 1} blanks, the
 * delimiter, and 10 blanks. The target is blank for the first {@code T + 10} steps, then the 10
 * data symbols in order: the network must reproduce what it saw {@code T + 10} steps earlier.
 * Inputs are one-hot ({@code [T+20, B, 10]}); labels are class indices ({@code [T+20, B]});
 * loss: softmax cross-entropy on every step ({@link LossKind#CE_EVERY_STEP}), averaged over all
 * {@code T + 20} steps.
 *
 * <p><b>Baseline {@code 10 ln 8 / (T + 20)}.</b> A memoryless predictor may know the step index
 * but not what it was shown. At the first {@code T + 10} steps the target is always blank, so it
 * predicts blank with probability 1 (loss 0). At each of the last 10 steps the target is uniform
 * on 1..8 and independent of everything such a predictor knows; cross-entropy is minimised by
 * the true distribution, uniform 1/8, at {@code ln 8} per step. Averaged over {@code T + 20}
 * steps: {@code 10 ln 8 / (T + 20)}. Networks without enough memory plateau exactly here.
 *
 * <p><b>Success {@code 0.1 x baseline}.</b> A predictor that recalls {@code k} of the 10 symbols
 * exactly and guesses the rest scores {@code (10 - k) ln 8 / (T + 20)}, so a tenth of the
 * baseline is the loss of recalling 9 of 10 symbols, or of giving the right symbol probability
 * {@code 8^-0.1 ≈ 0.81} on average at every data step: clearly beyond memorisation luck.
 */
public final class CopyTask extends SeededTask {
    /** Alphabet size: blank, eight data symbols, delimiter. */
    public static final int SYMBOLS = 10;
    /** The symbol of the waiting steps, and the target until the answer starts. */
    public static final int BLANK = 0;
    /** The symbol that asks for the answer. */
    public static final int DELIMITER = 9;
    /** Data symbols are {@code 1..DATA_SYMBOLS}. */
    public static final int DATA_SYMBOLS = 8;
    /** How many symbols are copied. */
    public static final int COPY_LENGTH = 10;
    /** Success threshold as a fraction of the baseline (see the class description). */
    public static final double SUCCESS_FRACTION = 0.1;

    private final int delay;
    private final int seqLen;

    /** A stream of copy tasks with delay {@code T >= 1} (sequences of {@code T + 20} steps). */
    public CopyTask(int delay, long seed) {
        super(seed);
        if (delay < 1 || delay > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("delay must be in [1, " + Integer.MAX_VALUE / 2 + "], got " + delay);
        }
        this.delay = delay;
        this.seqLen = delay + 2 * COPY_LENGTH;
    }

    /** T, the delay; {@link #seqLen()} is {@code T + 20}. */
    public int delay() {
        return delay;
    }

    /** The step that shows the delimiter, {@code T + 9}. */
    public int delimiterStep() {
        return delay + COPY_LENGTH - 1;
    }

    /** The first step whose target is a data symbol, {@code T + 10}. */
    public int firstRecallStep() {
        return delay + COPY_LENGTH;
    }

    @Override
    public String name() {
        return "copy";
    }

    @Override
    public String describe() {
        return "copy task, delay T=" + delay + ", " + seqLen + " steps (seed " + seed() + ")";
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public int inputSize() {
        return SYMBOLS;
    }

    @Override
    public int outputSize() {
        return SYMBOLS;
    }

    @Override
    public LossKind lossKind() {
        return LossKind.CE_EVERY_STEP;
    }

    @Override
    void fill(Batch batch, SplitMix64 rng) {
        int b = batch.batchSize();
        float[] x = batch.x();
        int[] labels = batch.labels();
        Arrays.fill(x, 0f);
        Arrays.fill(labels, BLANK);
        int recall = firstRecallStep();
        int delimiter = delimiterStep();
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < COPY_LENGTH; i++) {
                int symbol = 1 + rng.nextInt(DATA_SYMBOLS);
                x[(i * b + s) * SYMBOLS + symbol] = 1f;
                labels[(recall + i) * b + s] = symbol;
            }
            for (int t = COPY_LENGTH; t < seqLen; t++) {
                x[(t * b + s) * SYMBOLS + (t == delimiter ? DELIMITER : BLANK)] = 1f;
            }
        }
    }

    @Override
    public double baseline() {
        return COPY_LENGTH * Math.log(DATA_SYMBOLS) / seqLen;
    }

    @Override
    public String baselineDescription() {
        return "memoryless: blank for the first T+10 steps, uniform over 1..8 after, CE = 10 ln 8 / (T+20)";
    }

    @Override
    public double successThreshold() {
        return SUCCESS_FRACTION * baseline();
    }
}
