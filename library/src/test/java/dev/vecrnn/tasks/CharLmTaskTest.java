package dev.vecrnn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vecrnn.train.AllocationProbe;
import dev.vecrnn.train.Batch;
import dev.vecrnn.train.LossKind;
import dev.vecrnn.train.Losses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CharLmTaskTest {
    private static String raw;
    private static CharText text;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = CharText.class.getResourceAsStream(CharText.BUNDLED_RESOURCE)) {
            byte[] bytes = in.readAllBytes();
            assertThat(bytes.length).as("bundled text size").isBetween(100_000, 1 << 20);
            for (byte b : bytes) {
                assertThat(b == '\n' || (b >= 0x20 && b < 0x7f)).as("printable ASCII or LF").isTrue();
            }
            raw = new String(bytes, StandardCharsets.US_ASCII);
        }
        text = CharText.bundled();
    }

    private static int symbolAt(float[] x, int t, int b, int s, int v) {
        int found = -1;
        for (int c = 0; c < v; c++) {
            if (x[(t * b + s) * v + c] == 1f) {
                assertThat(found).isEqualTo(-1);
                found = c;
            } else {
                assertThat(x[(t * b + s) * v + c]).isZero();
            }
        }
        assertThat(found).isNotEqualTo(-1);
        return found;
    }

    private static int hotIndex(float[] x, int offset, int v) {
        for (int c = 0; c < v; c++) {
            if (x[offset + c] == 1f) {
                return c;
            }
        }
        throw new AssertionError("no one-hot entry at " + offset);
    }

    @Test
    void bundledTextIsTheKingJamesExcerpt() {
        assertThat(raw).startsWith("Genesis 1\n\nIn the beginning God created the heaven and the earth.\n");
        assertThat(raw).endsWith("in the sight of all Israel.\n");
        assertThat(text.length()).isEqualTo(raw.length());
        assertThat(text.text(0, 9)).isEqualTo("Genesis 1");
        Vocabulary v = text.vocabulary();
        assertThat(v.size()).isEqualTo(raw.chars().distinct().count());
        assertThat(v.characters()).startsWith("\n !").contains("abcdefghijklmnopqrstuvwxyz");
    }

    @Test
    void windowsAreContiguousTextWithNextCharacterLabels() {
        int seqLen = 64;
        int b = 8;
        CharLmTask task = new CharLmTask(text, seqLen, 3);
        int v = task.vocabulary().size();
        assertThat(task.inputSize()).isEqualTo(v);
        assertThat(task.outputSize()).isEqualTo(v);
        assertThat(task.lossKind()).isEqualTo(LossKind.CE_EVERY_STEP);
        Batch batch = task.newBatch(b);
        task.nextBatch(batch);
        for (int s = 0; s < b; s++) {
            StringBuilder window = new StringBuilder();
            for (int t = 0; t < seqLen; t++) {
                window.append(task.vocabulary().charAt(symbolAt(batch.x(), t, b, s, v)));
                if (t + 1 < seqLen) {
                    assertThat(batch.labels()[t * b + s]).isEqualTo(symbolAt(batch.x(), t + 1, b, s, v));
                }
            }
            window.append(task.vocabulary().charAt(batch.labels()[(seqLen - 1) * b + s]));
            assertThat(raw).contains(window);
        }
    }

    @Test
    void windowsReachBothEndsOfTheText() {
        // A 12-character text has 12 - 4 = 8 windows of 5 characters; all must occur.
        CharText small = CharText.of("abcdefghijkl");
        CharLmTask task = new CharLmTask(small, 4, 9);
        Batch batch = task.newBatch(50);
        boolean[] seen = new boolean[8];
        task.nextBatch(batch);
        for (int s = 0; s < 50; s++) {
            int first = symbolAt(batch.x(), 0, 50, s, 12);
            seen[first] = true;
            assertThat(batch.labels()[3 * 50 + s]).isEqualTo(first + 4);
        }
        assertThat(seen).containsOnly(true);
    }

    @Test
    void entropiesOfSmallTexts() {
        CharText alternating = CharText.of("abababababababab");
        assertThat(alternating.unigramEntropy()).isCloseTo(Math.log(2), within(1e-15));
        assertThat(alternating.bigramConditionalEntropy()).isZero();
        CharText constant = CharText.of("aaaa");
        assertThat(constant.unigramEntropy()).isZero();
        assertThat(constant.bigramConditionalEntropy()).isZero();
        // "aab" pairs: (a,a), (a,b): after 'a' the next is a or b with 1/2 each -> ln 2.
        assertThat(CharText.of("aab").bigramConditionalEntropy()).isCloseTo(Math.log(2), within(1e-15));
        assertThat(CharText.of("x").bigramConditionalEntropy()).isZero();
    }

    @Test
    void unigramAndBigramPredictorsScoreTheirEntropies() {
        // The baselines are in-sample entropies of the whole text; random windows sample the text
        // nearly uniformly, so the predictors' cross-entropy over many windows must approach them.
        CharLmTask task = new CharLmTask(text, 100, 11);
        int v = task.vocabulary().size();
        long[] counts = new long[v];
        long[][] pairs = new long[v][v];
        for (int i = 0; i < text.length(); i++) {
            counts[text.codeAt(i)]++;
            if (i + 1 < text.length()) {
                pairs[text.codeAt(i)][text.codeAt(i + 1)]++;
            }
        }
        float[] unigramLogits = new float[v];
        for (int c = 0; c < v; c++) {
            unigramLogits[c] = (float) Math.log((double) counts[c] / text.length());
        }
        float[][] bigramLogits = new float[v][v];
        for (int a = 0; a < v; a++) {
            long row = 0;
            for (long n : pairs[a]) {
                row += n;
            }
            for (int c = 0; c < v; c++) {
                // log 0 as a huge negative number: such a pair never occurs in the text
                bigramLogits[a][c] = pairs[a][c] == 0 ? -1e30f : (float) Math.log((double) pairs[a][c] / row);
            }
        }
        int b = 64;
        int seqLen = 100;
        Batch batch = task.newBatch(b);
        float[] logits = new float[seqLen * b * v];
        float[] grad = new float[logits.length];
        Stats unigram = new Stats();
        Stats bigram = new Stats();
        for (int rep = 0; rep < 30; rep++) {
            task.nextBatch(batch);
            for (int t = 0; t < seqLen; t++) {
                for (int s = 0; s < b; s++) {
                    System.arraycopy(unigramLogits, 0, logits, (t * b + s) * v, v);
                }
            }
            // Per-window means (windows are independent samples; characters inside one are not).
            for (int s = 0; s < b; s++) {
                double u = 0;
                double g = 0;
                for (int t = 0; t < seqLen; t++) {
                    int row = t * b + s;
                    u += Losses.softmaxCrossEntropy(1, v, logits, row * v, v, batch.labels(), row, grad, 0, v);
                    int previous = t > 0 ? batch.labels()[row - b] : hotIndex(batch.x(), row * v, v);
                    g += Losses.softmaxCrossEntropy(1, v, bigramLogits[previous], 0, v, batch.labels(), row, grad, 0, v);
                }
                unigram.add(u / seqLen);
                bigram.add(g / seqLen);
            }
        }
        assertThat(unigram.mean()).isCloseTo(task.baseline(), within(5 * unigram.standardError()));
        assertThat(bigram.mean()).isCloseTo(task.successThreshold(), within(5 * bigram.standardError()));
        // The King James excerpt: about 4.35 bits per character unigram, 3.19 bigram.
        assertThat(CharLmTask.bitsPerCharacter(task.baseline())).isBetween(4.2, 4.5);
        assertThat(CharLmTask.bitsPerCharacter(task.successThreshold())).isBetween(3.0, 3.4);
        assertThat(task.uniformEntropy()).isEqualTo(Math.log(v));
    }

    @Test
    void slicesKeepTheVocabulary() {
        int cut = text.length() * 9 / 10;
        CharText train = text.slice(0, cut);
        CharText held = text.slice(cut, text.length());
        assertThat(train.vocabulary()).isSameAs(text.vocabulary());
        assertThat(held.vocabulary()).isSameAs(text.vocabulary());
        assertThat(held.text(0, 50)).isEqualTo(raw.substring(cut, cut + 50));
        assertThat(train.length() + held.length()).isEqualTo(text.length());
    }

    @Test
    void equalSeedsGiveEqualBatchesAndOtherSeedsDiffer() {
        CharLmTask first = new CharLmTask(text, 30, 1);
        CharLmTask second = new CharLmTask(text, 30, 1);
        CharLmTask other = new CharLmTask(text, 30, 2);
        Batch a = first.newBatch(4);
        Batch b = second.newBatch(4);
        Batch c = other.newBatch(4);
        for (int rep = 0; rep < 3; rep++) {
            first.nextBatch(a);
            second.nextBatch(b);
            other.nextBatch(c);
            assertThat(a.x()).containsExactly(b.x());
            assertThat(a.labels()).containsExactly(b.labels());
            assertThat(a.labels()).isNotEqualTo(c.labels());
        }
    }

    @Test
    void warmBatchesAllocateNothing() {
        CharLmTask task = new CharLmTask(text, 100, 5);
        Batch batch = task.newBatch(16);
        assertThat(AllocationProbe.bytesAllocated(100, 100, () -> task.nextBatch(batch))).isLessThan(1024);
    }

    @Test
    void rejectsWindowsLongerThanTheText() {
        CharText small = CharText.of("hello");
        assertThatThrownBy(() -> new CharLmTask(small, 5, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seqLen must be in [1, 4]");
        new CharLmTask(small, 4, 0);
    }
}
