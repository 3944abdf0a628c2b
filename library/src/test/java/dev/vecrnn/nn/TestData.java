package dev.vecrnn.nn;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.fail;

/** Small helpers shared by the nn tests. */
final class TestData {
    private TestData() {}

    static float[] uniform(SplittableRandom rnd, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-bound, bound);
        }
        return a;
    }

    /**
     * Fails unless {@code |actual[i] - expected[i]| <= tol} everywhere; the message names the
     * tensor, the worst index and both values.
     */
    static void assertClose(String what, float[] actual, double[] expected, double tol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        int worst = -1;
        double worstErr = -1;
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= worstErr)) {
                worstErr = err;
                worst = i;
            }
        }
        if (Boolean.getBoolean("vecrnn.test.verbose") && actual.length > 0) {
            System.out.printf("%-22s err %.3g tol %.3g (%.1f%% of tol)%n", what, worstErr, tol, 100 * worstErr / tol);
        }
        if (actual.length > 0 && !(worstErr <= tol)) {
            fail(String.format("%s: |actual - expected| = %.3g > tol %.3g at index %d (actual %.9g, expected %.9g)",
                    what, worstErr, tol, worst, actual[worst], expected[worst]));
        }
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double maxAbsDiff(float[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
