package dev.vecrnn.tasks;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The random generators of this package, each a named algorithm whose output is fixed, so a seed
 * gives the same values on every JDK and machine (unlike {@code new Random()}-style defaults,
 * whose algorithm may change).
 *
 * <p>Batches of the tasks come from {@link SplitMix64}, reseeded per batch (see {@link dev.vecrnn.train.Task}).
 * Everything else that needs a generator (sampling from a trained model, say) uses
 * {@link #seeded}, an L64X128MixRandom.
 */
public final class Rngs {
    private Rngs() {}

    /** The algorithm of {@link #seeded}. */
    public static final String ALGORITHM = "L64X128MixRandom";

    /** A new generator of {@link #ALGORITHM} seeded with {@code seed}. */
    public static RandomGenerator seeded(long seed) {
        return RandomGeneratorFactory.of(ALGORITHM).create(seed);
    }
}
