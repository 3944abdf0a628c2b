package dev.vecrnn.tasks;

import java.util.random.RandomGenerator;

/** Drawing a class from a model's logits, for generating text from the character model. */
public final class Sampling {
    private Sampling() {}

    /**
     * Draws an index in {@code [0, classes)} with probability {@code softmax(logits / temperature)}
     * from {@code logits[offset .. offset+classes)}; {@code temperature == 0} returns the arg max
     * (the first on ties). Lower temperatures give safer, more repetitive text. Allocates nothing.
     */
    public static int sample(float[] logits, int offset, int classes, double temperature, RandomGenerator rng) {
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be >= 1, got " + classes);
        }
        if (logits == null || offset < 0 || (long) offset + classes > logits.length) {
            throw new IllegalArgumentException("logits must hold " + classes + " floats from offset " + offset
                    + ", got " + (logits == null ? "null" : logits.length + " floats"));
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        int argMax = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
            float z = logits[offset + j];
            if (!Float.isFinite(z)) {
                throw new IllegalArgumentException("logits[" + (offset + j) + "] must be finite, got " + z);
            }
            if (z > max) {
                max = z;
                argMax = j;
            }
        }
        if (temperature == 0) {
            return argMax;
        }
        double sum = 0;
        for (int j = 0; j < classes; j++) {
            sum += Math.exp((logits[offset + j] - max) / temperature);
        }
        double u = rng.nextDouble() * sum;
        double cumulative = 0;
        for (int j = 0; j < classes; j++) {
            cumulative += Math.exp((logits[offset + j] - max) / temperature);
            if (u < cumulative) {
                return j;
            }
        }
        return argMax;   // u landed in the rounding gap at the very top
    }
}
