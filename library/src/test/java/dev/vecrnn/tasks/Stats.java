package dev.vecrnn.tasks;

/** Running mean and standard error of a sample, for checking baselines empirically. */
final class Stats {
    private long n;
    private double mean;
    private double m2;

    void add(double x) {
        n++;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }

    long count() {
        return n;
    }

    double mean() {
        return mean;
    }

    /** Standard error of the mean. */
    double standardError() {
        return Math.sqrt(m2 / (n - 1) / n);
    }
}
