package dev.vecrnn.train;

import dev.vecrnn.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba 2015) as PyTorch's {@code torch.optim.Adam} with {@code amsgrad=False},
 * {@code weight_decay=0}: at update {@code t = 1, 2, ...}
 * <pre>
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2                       (m, v start at 0)
 *   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * eps sits outside the square root and is not bias-corrected, exactly where PyTorch puts it,
 * so that small-gradient behaviour (where eps matters) matches. The bias corrections are computed
 * in double once per step; the element loop runs in float like PyTorch's.
 */
public final class Adam extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1e-3;
    /** PyTorch's default {@code betas[0]}. */
    public static final double DEFAULT_BETA1 = 0.9;
    /** PyTorch's default {@code betas[1]}. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** PyTorch's default {@code eps}. */
    public static final double DEFAULT_EPS = 1e-8;

    private final double beta1;
    private final double beta2;
    private final double eps;
    // per-step scalars set by prepare()
    private float stepSize;
    private float biasCorrection2Sqrt;

    /** With PyTorch's defaults {@code betas=(0.9, 0.999)}, {@code eps=1e-8}. */
    public Adam(List<Parameter> parameters, double lr) {
        this(parameters, lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS);
    }

    /**
     * @param beta1 decay of the first moment, in {@code [0, 1)}
     * @param beta2 decay of the second moment, in {@code [0, 1)}
     * @param eps   added to the corrected root, {@code >= 0}
     * @throws IllegalArgumentException for an empty parameter list, duplicate names, or a
     *     hyperparameter out of range
     */
    public Adam(List<Parameter> parameters, double lr, double beta1, double beta2, double eps) {
        super(parameters, lr, "exp_avg", "exp_avg_sq");
        this.beta1 = checkUnitInterval("beta1", beta1);
        this.beta2 = checkUnitInterval("beta2", beta2);
        this.eps = checkEps(eps);
    }

    /** Decay of the first moment. */
    public double beta1() {
        return beta1;
    }

    /** Decay of the second moment. */
    public double beta2() {
        return beta2;
    }

    /** Added to the corrected root. */
    public double eps() {
        return eps;
    }

    @Override
    public String kind() {
        return "adam";
    }

    @Override
    public Map<String, String> hyperparameters() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("betas", beta1 + "," + beta2);
        h.put("eps", Double.toString(eps));
        return h;
    }

    @Override
    void prepare(long step) {
        // Powers.pow: the same bits on every platform, so resumed runs match across machines
        double bc1 = 1 - Powers.pow(beta1, step);
        double bc2 = 1 - Powers.pow(beta2, step);
        stepSize = (float) (learningRate() / bc1);
        biasCorrection2Sqrt = (float) Math.sqrt(bc2);
    }

    // One fused pass in float; see RmsProp for why there is no hand-written vector kernel.
    @Override
    void update(int index, float[] value, float[] grad) {
        float[] m = buffer(0, index);
        float[] v = buffer(1, index);
        float b1 = (float) beta1;
        float oneMinusB1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float oneMinusB2 = (float) (1 - beta2);
        float e = (float) eps;
        float size = stepSize;
        float bc2Sqrt = biasCorrection2Sqrt;
        for (int i = 0; i < value.length; i++) {
            float g = grad[i];
            float mi = b1 * m[i] + oneMinusB1 * g;
            float vi = b2 * v[i] + oneMinusB2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            value[i] -= size * (mi / ((float) Math.sqrt(vi) / bc2Sqrt + e));
        }
    }
}
