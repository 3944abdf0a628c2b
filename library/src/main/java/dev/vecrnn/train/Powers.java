package dev.vecrnn.train;

/**
 * Integer powers for per-step scalars (Adam's bias corrections, step decay).
 *
 * <p>Why not {@code Math.pow}: it may be a platform intrinsic whose last bit differs between
 * machines, which would break bit-exact resumption on another machine. Why not
 * {@code StrictMath.pow}: it is exact to the bit everywhere but allocates (about 100 bytes per
 * call on JDK 25), and a training step must allocate nothing. Squaring and multiplying in plain
 * double arithmetic is both: Java's double operations are IEEE-exact on every platform.
 */
final class Powers {
    private Powers() {}

    /**
     * {@code base^n} for {@code n >= 0} by binary exponentiation. Each squaring doubles the
     * relative error carried so far, so the result is within about {@code n * 2^-53} relative of
     * the exact power (1e-10 at a million steps). Where it is used, in {@code 1 - beta^t} and
     * {@code gamma^k} feeding float32 updates, that is far below float resolution; what matters
     * is that the bits are the same everywhere.
     */
    static double pow(double base, long n) {
        if (n < 0) {
            throw new IllegalArgumentException("exponent must be >= 0, got " + n);
        }
        double result = 1;
        double square = base;
        long e = n;
        while (e != 0) {
            if ((e & 1) != 0) {
                result *= square;
            }
            e >>>= 1;
            if (e != 0) {
                square *= square;
            }
        }
        return result;
    }
}
