package dev.vecrnn.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A text as a sequence of vocabulary indices, the corpus of the character-level model, with the
 * entropies that serve as its baselines. Immutable.
 *
 * <p>{@link #bundled()} is an excerpt of the King James Bible shipped in this package (Genesis to
 * Deuteronomy, about 0.8 MB of ASCII; its source is in the README next to it).
 */
public final class CharText {
    /** Resource name of the bundled text, relative to this package. */
    public static final String BUNDLED_RESOURCE = "kjv-pentateuch.txt";

    private final Vocabulary vocabulary;
    private final int[] codes;
    private double unigramEntropy = Double.NaN;
    private double bigramEntropy = Double.NaN;

    private CharText(Vocabulary vocabulary, int[] codes) {
        this.vocabulary = vocabulary;
        this.codes = codes;
    }

    /** The text with a vocabulary of its own characters. */
    public static CharText of(String text) {
        Vocabulary vocabulary = Vocabulary.of(text);
        return new CharText(vocabulary, vocabulary.encode(text));
    }

    /** The text in a given vocabulary, which must contain every character of it. */
    public static CharText of(String text, Vocabulary vocabulary) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("text must be non-empty");
        }
        return new CharText(vocabulary, vocabulary.encode(text));
    }

    /** The bundled King James excerpt (read from the module's resources on each call). */
    public static CharText bundled() {
        try (InputStream in = CharText.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + BUNDLED_RESOURCE + " of package "
                        + CharText.class.getPackageName() + " is missing from the build");
            }
            return of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + BUNDLED_RESOURCE, e);
        }
    }

    /** The characters of the text and their class indices. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Number of characters. */
    public int length() {
        return codes.length;
    }

    /** Vocabulary index of the character at {@code position}. */
    public int codeAt(int position) {
        if (position < 0 || position >= codes.length) {
            throw new IllegalArgumentException("position must be in [0, " + codes.length + "), got " + position);
        }
        return codes[position];
    }

    /** The characters {@code [from, to)} as a string. */
    public String text(int from, int to) {
        checkRange(from, to);
        return vocabulary.decode(codes, from, to - from);
    }

    /**
     * Characters {@code [from, to)} as a text of their own that keeps this vocabulary, so a model
     * trained on one slice can be evaluated on another (e.g. the last 10 % held out).
     */
    public CharText slice(int from, int to) {
        checkRange(from, to);
        if (from == to) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") is empty");
        }
        return new CharText(vocabulary, Arrays.copyOfRange(codes, from, to));
    }

    /**
     * Entropy of the character frequencies of this text, {@code -sum_c p(c) ln p(c)} in nats: the
     * cross-entropy of the best memoryless predictor (one fixed distribution) on this text.
     */
    public double unigramEntropy() {
        if (Double.isNaN(unigramEntropy)) {
            long[] counts = new long[vocabulary.size()];
            for (int c : codes) {
                counts[c]++;
            }
            double h = 0;
            for (long count : counts) {
                if (count > 0) {
                    double p = (double) count / codes.length;
                    h -= p * Math.log(p);
                }
            }
            unigramEntropy = h;
        }
        return unigramEntropy;
    }

    /**
     * Conditional entropy of a character given the one before, {@code H(X_{i+1} | X_i)} from the
     * pair frequencies of this text, in nats: the cross-entropy on this text of the best predictor
     * that sees only the previous character (the bigram model fitted to the text itself). Zero for
     * a text of one character.
     */
    public double bigramConditionalEntropy() {
        if (Double.isNaN(bigramEntropy)) {
            int pairs = codes.length - 1;
            if (pairs < 1) {
                bigramEntropy = 0;
                return 0;
            }
            long v = vocabulary.size();
            long[] keys = new long[pairs];
            long[] firstCounts = new long[vocabulary.size()];
            for (int i = 0; i < pairs; i++) {
                keys[i] = codes[i] * v + codes[i + 1];
                firstCounts[codes[i]]++;
            }
            Arrays.sort(keys);
            // H(next | prev) = -sum_{a,b} p(a,b) ln (n(a,b) / n(a))
            double h = 0;
            int i = 0;
            while (i < pairs) {
                int j = i;
                while (j < pairs && keys[j] == keys[i]) {
                    j++;
                }
                long pairCount = j - i;
                long firstCount = firstCounts[(int) (keys[i] / v)];
                h -= (double) pairCount / pairs * Math.log((double) pairCount / firstCount);
                i = j;
            }
            bigramEntropy = h;
        }
        return bigramEntropy;
    }

    /** The index array itself, for the task that reads windows of it; never modified. */
    int[] codes() {
        return codes;
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > codes.length || from > to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is outside [0, " + codes.length + ")");
        }
    }

    @Override
    public String toString() {
        return "CharText[" + codes.length + " characters, " + vocabulary.size() + " distinct]";
    }
}
