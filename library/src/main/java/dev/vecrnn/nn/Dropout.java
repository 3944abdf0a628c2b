package dev.vecrnn.nn;

/**
 * Dropout between stacked layers: its setting, its pass counter and its masks. A mask is a pure
 * function of the seed, the index of the training pass and the element's position
 * {@code (layer, t, b, j)} in the caller's layout, so it does not depend on the thread count or
 * the row order, and a run with the same seed repeats exactly.
 */
final class Dropout {
    private double probability;
    private long seed;
    /** Training passes run with dropout so far: the pass index that keys each pass's masks. */
    private long passes;

    static void check(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        }
    }

    double probability() {
        return probability;
    }

    long seed() {
        return seed;
    }

    long passes() {
        return passes;
    }

    /** Sets the probability and seed and restarts the mask sequence at pass 0. */
    void set(double p, long seed) {
        check(p);
        this.probability = p;
        this.seed = seed;
        this.passes = 0;
    }

    void setPasses(long passes) {
        if (passes < 0) {
            throw new IllegalArgumentException("dropout passes must be >= 0, got " + passes);
        }
        this.passes = passes;
    }

    /** The key of the next training pass's masks; counts the pass. */
    long nextPassKey() {
        return passKey(seed, passes++);
    }

    /** Elements are dropped when 24 uniform bits fall below this. */
    int threshold() {
        return (int) Math.ceil(probability * (1 << 24));
    }

    /** What kept elements are multiplied by: {@code 1/(1-p)}. */
    float scale() {
        return (float) (1.0 / (1.0 - probability));
    }

    /**
     * {@code dst = src ⊙ mask} over the layout's real rows of a {@code [N, width]} matrix
     * ({@code src} from {@code srcOff}, {@code dst} from 0).
     */
    void apply(SequenceLayout l, int width, float[] src, int srcOff, float[] dst, long layerKey) {
        final int threshold = threshold();
        final float scale = scale();
        for (int t = 0; t < l.steps; t++) {
            for (int i = 0; i < l.active[t]; i++) {
                int r = (l.rowStart[t] + i) * width;
                long e = ((long) t * l.B + l.order[i]) * width;
                for (int j = 0; j < width; j++) {
                    dst[r + j] = keep(layerKey, e + j, threshold) ? src[srcOff + r + j] * scale : 0f;
                }
            }
        }
    }

    /**
     * The mask of layer k of the pass keyed {@code passKey}, in the caller's layout
     * {@code [T, B, width]}: 0 where dropped, {@code 1/(1-p)} where kept.
     */
    float[] mask(long passKey, int k, int T, int B, int width) {
        int total = T * B * width;
        float[] m = new float[total];
        long key = layerKey(passKey, k);
        int threshold = threshold();
        float scale = scale();
        for (int e = 0; e < total; e++) {
            m[e] = keep(key, e, threshold) ? scale : 0f;
        }
        return m;
    }

    /** Whether element {@code e} (caller layout) survives: a counter-based hash, 24 uniform bits against p. */
    private static boolean keep(long layerKey, long e, int threshold) {
        return (int) (mix64(layerKey + e * 0x9E3779B97F4A7C15L) >>> 40) >= threshold;
    }

    private static long passKey(long seed, long pass) {
        return mix64(seed ^ mix64(pass + 0x632BE59BD9B4E019L));
    }

    /** The key of layer k's mask in the pass keyed {@code passKey}. */
    static long layerKey(long passKey, int k) {
        return mix64(passKey + (k + 1) * 0xD1B54A32D192ED03L);
    }

    /** SplitMix64's finaliser: a bijective, well-mixed hash of 64 bits. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
