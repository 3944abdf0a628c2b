package dev.vecrnn.tasks;

import java.util.random.RandomGenerator;

/**
 * SplitMix64 (Steele, Lea &amp; Flood 2014, with Stafford's "Mix13" finaliser): a 64-bit counter
 * advanced by an odd constant, each value scrambled by a bijective mix. It passes BigCrush, which
 * is far more than synthetic training data needs.
 *
 * <p>Why not a JDK generator: the tasks reseed their generator for every batch (so that batch
 * {@code i} is a pure function of the seed and {@code i}, and a training run can resume at any
 * batch with nothing but the batch index), and must allocate nothing per batch. No JDK generator
 * can be reseeded in place, and creating one per batch allocates. Here the whole state is one
 * {@code long}.
 *
 * <p>Only {@link #nextLong()} is implemented; {@code nextInt(bound)}, {@code nextFloat()},
 * {@code nextDouble()} and {@code nextGaussian()} are {@link RandomGenerator}'s default methods,
 * whose algorithms the JDK fixes, so a seed gives the same values on every platform.
 */
final class SplitMix64 implements RandomGenerator {
    /** The odd increment: 2^64 divided by the golden ratio. */
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    /** Restarts the sequence from {@code seed}, as if newly constructed with it. */
    void reseed(long seed) {
        this.state = seed;
    }

    @Override
    public long nextLong() {
        state += GAMMA;
        return mix64(state);
    }

    /** Stafford's variant 13 of the MurmurHash3 finaliser: a bijection that spreads every input bit. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * The starting state of batch {@code index} of the stream seeded with {@code seed}. Both go
     * through the mix, so neighbouring seeds and neighbouring indices start at unrelated points
     * of the 2^64 cycle; two batches' draws overlap only with probability of order
     * {@code draws / 2^64}.
     */
    static long batchSeed(long seed, long index) {
        return mix64(mix64(seed) + (index + 1) * GAMMA);
    }
}
