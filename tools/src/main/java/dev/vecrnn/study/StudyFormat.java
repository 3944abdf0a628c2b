package dev.vecrnn.study;

import java.util.Locale;

/**
 * How the study's reports write numbers: enough digits at any scale, and scientific notation
 * where a fixed-point form would be too long or show nothing (a loss of 7.4e14 would otherwise
 * print with fifteen digits before the point, 3e-7 as 0.0000).
 */
public final class StudyFormat {
    private StudyFormat() {}

    /** A metric or loss: 0.1667, 12.3457, 6.20e-04, 7.40e+14; "n/a" for NaN, "inf" for infinity. */
    public static String metric(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        return a >= 0.001 && a < 1e4 ? String.format(Locale.ROOT, "%.4f", v) : String.format(Locale.ROOT, "%.2e", v);
    }

    /** A gradient norm: always scientific, it spans many decades. */
    public static String norm(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2e", v) : "n/a";
    }

    /** A step count that may be missing (NaN): "-" then. */
    public static String step(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }
}
