package dev.vecrnn.train;

/**
 * The learning rate as a function of the update count, so that it is a pure function of the
 * step and a resumed run needs no schedule state. Updates are counted from 0 (the first update
 * uses {@code rate(0)}).
 */
public sealed interface LearningRateSchedule {
    /** The learning rate of update {@code update} (0-based). */
    double rate(long update);

    /** The same rate for every update. */
    static LearningRateSchedule constant(double lr) {
        return new Constant(lr);
    }

    /**
     * PyTorch's {@code StepLR}: {@code lr * gamma^floor(update / every)}, i.e. multiplied by
     * {@code gamma} every {@code every} updates.
     */
    static LearningRateSchedule stepDecay(double lr, long every, double gamma) {
        return new StepDecay(lr, every, gamma);
    }

    /**
     * Parses the form the schedules' {@code toString()} writes: {@code constant(0.01)} or
     * {@code step(0.01, 1000, 0.5)}; a bare number is a constant rate.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    static LearningRateSchedule parse(String text) {
        String usage = "; expected a number, constant(LR) or step(LR, EVERY, GAMMA), got '" + text + "'";
        if (text == null) {
            throw new IllegalArgumentException("learning-rate schedule is null" + usage);
        }
        String s = text.replace(" ", "");
        try {
            if (s.startsWith("constant(") && s.endsWith(")")) {
                return constant(Double.parseDouble(s.substring(9, s.length() - 1)));
            }
            if (s.startsWith("step(") && s.endsWith(")")) {
                String[] a = s.substring(5, s.length() - 1).split(",");
                if (a.length == 3) {
                    return stepDecay(Double.parseDouble(a[0]), Long.parseLong(a[1]), Double.parseDouble(a[2]));
                }
            } else {
                return constant(Double.parseDouble(s));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in learning-rate schedule" + usage, e);
        }
        throw new IllegalArgumentException("unknown learning-rate schedule" + usage);
    }

    private static void checkRate(double lr) {
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        }
    }

    /** A fixed learning rate. */
    record Constant(double lr) implements LearningRateSchedule {
        /** Checks the rate. */
        public Constant {
            checkRate(lr);
        }

        @Override
        public double rate(long update) {
            return lr;
        }

        @Override
        public String toString() {
            return "constant(" + lr + ")";
        }
    }

    /** {@code lr * gamma^floor(update / every)}. */
    record StepDecay(double lr, long every, double gamma) implements LearningRateSchedule {
        /** Checks the rate, interval and factor. */
        public StepDecay {
            checkRate(lr);
            if (every < 1) {
                throw new IllegalArgumentException("decay interval must be >= 1 update, got " + every);
            }
            if (!(gamma > 0) || !Double.isFinite(gamma)) {
                throw new IllegalArgumentException("decay factor gamma must be finite and > 0, got " + gamma);
            }
        }

        @Override
        public double rate(long update) {
            if (update < 0) {
                throw new IllegalArgumentException("update must be >= 0, got " + update);
            }
            // Powers.pow: the same rate on every platform, without allocating
            return lr * Powers.pow(gamma, update / every);
        }

        @Override
        public String toString() {
            return "step(" + lr + ", " + every + ", " + gamma + ")";
        }
    }
}
