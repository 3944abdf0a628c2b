package dev.vecrnn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.train.Batch;
import dev.vecrnn.train.Task;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * Random access into the batch streams: batch {@code i} depends only on the seed and {@code i},
 * so seeking to it (in a fresh task or backwards in a used one) reproduces it exactly. This is
 * what lets a training run resume from a checkpoint with nothing but the batch index.
 */
class TaskStreamTest {
    private static List<LongFunction<Task>> factories() {
        CharText text = CharText.of("the quick brown fox jumps over the lazy dog, again and again and again.");
        return List.of(
                seed -> new AddingTask(12, seed),
                seed -> new CopyTask(5, seed),
                seed -> new SineTask(16, true, seed),
                seed -> new CharLmTask(text, 20, seed));
    }

    @Test
    void splitMix64MatchesTheReferenceSequence() {
        // First outputs of the reference SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        SplitMix64 rng = new SplitMix64(0);
        assertThat(rng.nextLong()).isEqualTo(0xe220a8397b1dcdafL);
        assertThat(rng.nextLong()).isEqualTo(0x6e789e6aa1b965f4L);
        assertThat(rng.nextLong()).isEqualTo(0x06c45d188009454fL);
        rng.reseed(0);
        assertThat(rng.nextLong()).isEqualTo(0xe220a8397b1dcdafL);
    }

    @Test
    void seekingReproducesEveryBatch() {
        for (LongFunction<Task> factory : factories()) {
            Task sequential = factory.apply(7);
            assertThat(sequential.position()).isZero();
            Batch[] expected = new Batch[6];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = sequential.newBatch(3);
                sequential.nextBatch(expected[i]);
                assertThat(sequential.position()).isEqualTo(i + 1);
            }
            Task jumping = factory.apply(7);
            Batch b = jumping.newBatch(3);
            for (int i : new int[] {4, 0, 5, 2, 3, 1}) {
                jumping.seek(i);
                jumping.nextBatch(b);
                assertThat(b.x()).as(jumping.name() + " batch " + i).containsExactly(expected[i].x());
                assertThat(b.targets()).containsExactly(expected[i].targets());
                assertThat(b.labels()).containsExactly(expected[i].labels());
                assertThat(jumping.position()).isEqualTo(i + 1);
            }
            // neighbouring batches and neighbouring seeds differ
            assertThat(expected[0].x()).isNotEqualTo(expected[1].x());
            Task other = factory.apply(8);
            Batch c = other.newBatch(3);
            other.nextBatch(c);
            assertThat(c.x()).as(other.name()).isNotEqualTo(expected[0].x());
        }
    }

    @Test
    void aRejectedBatchDoesNotAdvanceTheStream() {
        Task task = new AddingTask(12, 1);
        Batch wrong = new CopyTask(5, 1).newBatch(2);
        assertThatThrownBy(() -> task.nextBatch(wrong)).isInstanceOf(IllegalArgumentException.class);
        assertThat(task.position()).isZero();
    }

    @Test
    void negativeIndexIsRejected() {
        for (LongFunction<Task> factory : factories()) {
            Task task = factory.apply(1);
            assertThatThrownBy(() -> task.seek(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
        }
    }
}
