package dev.vecrnn.train;

import java.util.Locale;

/** How this package prints numbers in messages. */
final class Numbers {
    private Numbers() {}

    /**
     * Four significant digits, in scientific notation once a value is 10^4 or more (or below
     * 10^-4): {@code 1.660}, {@code 7.400e+14}. A diverged loss never prints as a 64-digit
     * decimal. NaN and infinities print as Java does.
     */
    static String format(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
