package dev.vecrnn.tasks;

import dev.vecrnn.train.Batch;
import dev.vecrnn.train.LossKind;
import java.util.Arrays;

/**
 * Next-value prediction of a noisy sum of sines,
 * {@code x_t = sum_k a_k sin(2 pi t / P_k + phi_k) + sigma * eps_t}, with fixed amplitudes
 * {@code a_k} and periods {@code P_k}, phases {@code phi_k} drawn uniformly from {@code [0, 2 pi)}
 * for each sequence and {@code eps_t} standard normal. One input channel holds
 * {@code x_0 .. x_{T-1}}; the network predicts {@code x_T} at the last step
 * ({@link LossKind#MSE_LAST}), or {@code x_{t+1}} at every step {@code t}
 * ({@link LossKind#MSE_EVERY_STEP}). The slow components repeat only every {@code P_k} steps, so
 * pinning down their phase takes memory across a good part of the window.
 *
 * <p><b>Baselines.</b> With independent uniform phases the components and the noise are
 * uncorrelated, and for one component {@code E[a^2 sin^2] = a^2/2} and
 * {@code E[(a sin(theta + w) - a sin(theta))^2] = a^2 (1 - cos w)}. Hence
 * <ul>
 * <li>predict the mean (0): {@code MSE = sum_k a_k^2 / 2 + sigma^2};
 * <li>predict the last value {@code x_{T-1}}: {@code MSE = sum_k a_k^2 (1 - cos(2 pi / P_k)) + 2 sigma^2};
 * <li>the noise floor, predicting the clean signal exactly: {@code MSE = sigma^2}; no predictor
 *     does better, since {@code eps_T} is independent of everything before.
 * </ul>
 * {@link #baseline()} is the better of the first two.
 *
 * <p>The series is computed by rotating {@code (cos, sin)} of each phase by {@code w_k} per step
 * (plain double arithmetic, the same on every platform; the JDK's normal sampler uses
 * {@code Math.exp} only in a rarely taken rejection test).
 *
 * <p><b>Success.</b> {@code sigma^2 + 0.05 (baseline - sigma^2)}: the network removes 95 % of the
 * error the better trivial predictor leaves above the noise floor. With every-step scoring the
 * first steps have little context, so the average there is harder to bring under it.
 */
public final class SineTask extends SeededTask {
    // Default components: a fast, a medium and a slow one, the slow one longer than short windows.
    private static final double[] DEFAULT_AMPLITUDES = {1.0, 0.5, 0.25};
    private static final double[] DEFAULT_PERIODS = {9.0, 31.0, 97.0};
    /** Default noise standard deviation {@code sigma}. */
    public static final double DEFAULT_NOISE = 0.05;
    /** Fraction of the excess error over the noise floor allowed at success. */
    public static final double SUCCESS_FRACTION = 0.05;

    private final int seqLen;
    private final double[] amplitudes;
    private final double[] omegas;
    private final double noise;
    private final LossKind kind;
    private final double[] cosStep;  // cos w_k
    private final double[] sinStep;  // sin w_k
    private final double[] cosPhase; // per-sequence state cos(w_k t + phi_k) [K]
    private final double[] sinPhase; // per-sequence state sin(w_k t + phi_k) [K]

    /**
     * The default series: amplitudes {@code 1, 0.5, 0.25}, periods {@code 9, 31, 97} steps, noise
     * {@code sigma = 0.05}; scored at the last step or at every step.
     */
    public SineTask(int seqLen, boolean everyStep, long seed) {
        this(seqLen, DEFAULT_AMPLITUDES, DEFAULT_PERIODS, DEFAULT_NOISE, everyStep, seed);
    }

    /**
     * @param amplitudes {@code a_k}, finite
     * @param periods    {@code P_k} in steps, finite and {@code > 0}, as many as amplitudes
     * @param noise      {@code sigma >= 0}
     */
    public SineTask(int seqLen, double[] amplitudes, double[] periods, double noise, boolean everyStep, long seed) {
        super(seed);
        if (seqLen < 1) {
            throw new IllegalArgumentException("seqLen must be >= 1, got " + seqLen);
        }
        if (amplitudes == null || periods == null || amplitudes.length == 0 || amplitudes.length != periods.length) {
            throw new IllegalArgumentException("amplitudes and periods must be non-empty and of equal length, got "
                    + Arrays.toString(amplitudes) + " and " + Arrays.toString(periods));
        }
        this.omegas = new double[periods.length];
        for (int k = 0; k < periods.length; k++) {
            if (!Double.isFinite(amplitudes[k])) {
                throw new IllegalArgumentException("amplitudes[" + k + "] must be finite, got " + amplitudes[k]);
            }
            if (!(periods[k] > 0) || !Double.isFinite(periods[k])) {
                throw new IllegalArgumentException("periods[" + k + "] must be finite and > 0, got " + periods[k]);
            }
            omegas[k] = 2 * Math.PI / periods[k];
        }
        if (!(noise >= 0) || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("noise must be finite and >= 0, got " + noise);
        }
        this.seqLen = seqLen;
        this.amplitudes = amplitudes.clone();
        this.noise = noise;
        this.kind = everyStep ? LossKind.MSE_EVERY_STEP : LossKind.MSE_LAST;
        this.cosStep = new double[omegas.length];
        this.sinStep = new double[omegas.length];
        for (int k = 0; k < omegas.length; k++) {
            cosStep[k] = StrictMath.cos(omegas[k]);
            sinStep[k] = StrictMath.sin(omegas[k]);
        }
        this.cosPhase = new double[omegas.length];
        this.sinPhase = new double[omegas.length];
    }

    @Override
    public String name() {
        return "sine";
    }

    @Override
    public String describe() {
        StringBuilder periods = new StringBuilder();
        for (double w : omegas) {
            periods.append(periods.isEmpty() ? "" : ", ").append(String.format("%.4g", 2 * Math.PI / w));
        }
        return "noisy sine sum, T=" + seqLen + ", amplitudes " + Arrays.toString(amplitudes) + ", periods ["
                + periods + "], noise " + noise + (kind.everyStep() ? ", every step" : ", last step")
                + " (seed " + seed() + ")";
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public int inputSize() {
        return 1;
    }

    @Override
    public int outputSize() {
        return 1;
    }

    @Override
    public LossKind lossKind() {
        return kind;
    }

    @Override
    void fill(Batch batch, SplitMix64 rng) {
        int b = batch.batchSize();
        float[] x = batch.x();
        float[] target = batch.targets();
        boolean everyStep = kind.everyStep();
        for (int s = 0; s < b; s++) {
            for (int k = 0; k < cosPhase.length; k++) {
                drawUnitVector(rng, k);
            }
            // x_0 .. x_T: the first T are inputs, x_{t+1} is the target of step t.
            for (int t = 0; t <= seqLen; t++) {
                double v = 0;
                for (int k = 0; k < cosPhase.length; k++) {
                    v += amplitudes[k] * sinPhase[k];
                    // Advance the angle by w_k with a rotation: no trigonometric call per value.
                    // The recurrence drifts by ~1e-16 per step, far below float resolution.
                    double c = cosPhase[k];
                    cosPhase[k] = c * cosStep[k] - sinPhase[k] * sinStep[k];
                    sinPhase[k] = sinPhase[k] * cosStep[k] + c * sinStep[k];
                }
                float value = (float) (v + noise * rng.nextGaussian());
                if (t < seqLen) {
                    x[t * b + s] = value;
                }
                if (t > 0 && (everyStep || t == seqLen)) {
                    target[(everyStep ? (t - 1) * b : 0) + s] = value;
                }
            }
        }
    }

    /**
     * {@code (cos phi_k, sin phi_k)} for a uniform angle {@code phi_k}: a uniform point of the unit
     * disk, normalised. Only arithmetic and a square root, so the stream is the same on every
     * platform, and nothing is allocated (StrictMath.sin allocates for large arguments).
     */
    private void drawUnitVector(SplitMix64 rng, int k) {
        while (true) {
            double u = 2 * rng.nextDouble() - 1;
            double w = 2 * rng.nextDouble() - 1;
            double r2 = u * u + w * w;
            if (r2 > 1e-12 && r2 <= 1) {
                double r = Math.sqrt(r2);
                cosPhase[k] = u / r;
                sinPhase[k] = w / r;
                return;
            }
        }
    }

    /** MSE of predicting the mean, 0: {@code sum_k a_k^2 / 2 + sigma^2}. */
    public double meanPredictorMse() {
        double sum = noise * noise;
        for (double a : amplitudes) {
            sum += a * a / 2;
        }
        return sum;
    }

    /** MSE of predicting the last input: {@code sum_k a_k^2 (1 - cos w_k) + 2 sigma^2}. */
    public double lastValueMse() {
        double sum = 2 * noise * noise;
        for (int k = 0; k < amplitudes.length; k++) {
            sum += amplitudes[k] * amplitudes[k] * (1 - Math.cos(omegas[k]));
        }
        return sum;
    }

    /** The irreducible MSE {@code sigma^2}. */
    public double noiseFloor() {
        return noise * noise;
    }

    @Override
    public double baseline() {
        return Math.min(meanPredictorMse(), lastValueMse());
    }

    @Override
    public String baselineDescription() {
        return lastValueMse() <= meanPredictorMse()
                ? "predict the last value, MSE = sum a^2 (1 - cos w) + 2 sigma^2"
                : "predict the mean 0, MSE = sum a^2 / 2 + sigma^2";
    }

    @Override
    public double successThreshold() {
        double floor = noiseFloor();
        return floor + SUCCESS_FRACTION * (baseline() - floor);
    }
}
