package dev.vecrnn.tasks;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The random generators of the tasks. One named algorithm, L64X128MixRandom, whose output the
 * JDK specifies exactly, so a seed gives the same batches on every JDK and machine (unlike
 * {@code new Random()}-style defaults, whose algorithm may change).
 */
public final class Rngs {
    private Rngs() {}

    /** The algorithm every task uses. */
    public static final String ALGORITHM = "L64X128MixRandom";

    /** A new generator of {@link #ALGORITHM} seeded with {@code seed}. */
    public static RandomGenerator seeded(long seed) {
        return RandomGeneratorFactory.of(ALGORITHM).create(seed);
    }
}
