package dev.vecrnn.tasks;

import dev.vecrnn.train.Batch;
import dev.vecrnn.train.LossKind;
import dev.vecrnn.train.Losses;
import java.util.Arrays;

/**
 * Character-level language modelling: each sequence is a window of {@code T + 1} consecutive
 * characters at a uniformly random position of a {@link CharText}; the inputs are the first
 * {@code T} characters one-hot ({@code [T, B, V]}) and the label of step {@code t} is character
 * {@code t + 1} ({@code [T, B]}); loss: softmax cross-entropy on every step
 * ({@link LossKind#CE_EVERY_STEP}) in nats per character ({@link #bitsPerCharacter} converts).
 *
 * <p><b>Baseline: the unigram entropy</b> of the text, the cross-entropy of the best predictor
 * that ignores the context (always the text's character frequencies). For reference,
 * {@code ln V} is the uniform guess.
 *
 * <p><b>Success: the bigram conditional entropy</b> {@code H(X_{t+1} | X_t)} of the text, the
 * cross-entropy of the best predictor that sees only the previous character. Getting below it
 * means the network uses context beyond one character: it has learned to carry state. Both are
 * in-sample figures of the text the task draws from; the first steps of each window have little
 * context, so every-step averages approach them from above.
 */
public final class CharLmTask extends SeededTask {
    private final CharText text;
    private final int[] codes;
    private final int vocabularySize;
    private final int seqLen;

    /** Windows of {@code seqLen + 1} characters of {@code text}, which must be at least that long. */
    public CharLmTask(CharText text, int seqLen, long seed) {
        super(seed);
        if (text == null) {
            throw new IllegalArgumentException("text is null");
        }
        if (seqLen < 1 || seqLen >= text.length()) {
            throw new IllegalArgumentException("seqLen must be in [1, " + (text.length() - 1)
                    + "] for a text of " + text.length() + " characters, got " + seqLen);
        }
        this.text = text;
        this.codes = text.codes();
        this.vocabularySize = text.vocabulary().size();
        this.seqLen = seqLen;
    }

    /** The text the sequences are drawn from. */
    public CharText text() {
        return text;
    }

    /** index &lt;-&gt; character of the model's classes (the same for inputs and outputs). */
    public Vocabulary vocabulary() {
        return text.vocabulary();
    }

    /** A cross-entropy in nats per character expressed in bits per character. */
    public static double bitsPerCharacter(double natsPerCharacter) {
        return Losses.toBits(natsPerCharacter);
    }

    @Override
    public String name() {
        return "charlm";
    }

    @Override
    public String describe() {
        return "character model, T=" + seqLen + ", " + text.length() + " characters, vocabulary "
                + vocabularySize + " (seed " + seed() + ")";
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public int inputSize() {
        return vocabularySize;
    }

    @Override
    public int outputSize() {
        return vocabularySize;
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
        int starts = codes.length - seqLen;   // windows [start, start + T] fit
        for (int s = 0; s < b; s++) {
            int start = rng.nextInt(starts);
            for (int t = 0; t < seqLen; t++) {
                x[(t * b + s) * vocabularySize + codes[start + t]] = 1f;
                labels[t * b + s] = codes[start + t + 1];
            }
        }
    }

    /** The unigram entropy of the text, in nats per character. */
    @Override
    public double baseline() {
        return text.unigramEntropy();
    }

    @Override
    public String baselineDescription() {
        return "unigram: always the text's character frequencies, CE = their entropy";
    }

    /** The bigram conditional entropy of the text, in nats per character. */
    @Override
    public double successThreshold() {
        return text.bigramConditionalEntropy();
    }

    /** {@code ln V}, the cross-entropy of a uniform guess over the vocabulary. */
    public double uniformEntropy() {
        return Math.log(vocabularySize);
    }
}
