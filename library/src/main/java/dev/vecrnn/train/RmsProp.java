package dev.vecrnn.train;

import dev.vecrnn.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop as PyTorch's {@code torch.optim.RMSprop} with {@code momentum=0},
 * {@code centered=False}, {@code weight_decay=0}:
 * <pre>
 *   v = alpha * v + (1 - alpha) * g^2      (v starts at 0)
 *   p = p - lr * g / (sqrt(v) + eps)
 * </pre>
 * PyTorch's defaults are {@code lr=0.01}, {@code alpha=0.99}, {@code eps=1e-8}. Note that eps is
 * added outside the square root, and that v is not bias-corrected: the first steps are large
 * ({@code lr / sqrt(1 - alpha)}, 10·lr for alpha 0.99), as in PyTorch.
 */
public final class RmsProp extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 0.01;
    /** PyTorch's default {@code alpha}. */
    public static final double DEFAULT_ALPHA = 0.99;
    /** PyTorch's default {@code eps}. */
    public static final double DEFAULT_EPS = 1e-8;

    private final double alpha;
    private final double eps;

    /** With PyTorch's defaults {@code alpha=0.99}, {@code eps=1e-8}. */
    public RmsProp(List<Parameter> parameters, double lr) {
        this(parameters, lr, DEFAULT_ALPHA, DEFAULT_EPS);
    }

    /**
     * @param alpha smoothing constant in {@code [0, 1)}
     * @param eps   added to the root, {@code >= 0}
     * @throws IllegalArgumentException for an empty parameter list, duplicate names, or a
     *     hyperparameter out of range
     */
    public RmsProp(List<Parameter> parameters, double lr, double alpha, double eps) {
        super(parameters, lr, "square_avg");
        this.alpha = checkUnitInterval("alpha", alpha);
        this.eps = checkEps(eps);
    }

    /** Decay of the running average of squared gradients. */
    public double alpha() {
        return alpha;
    }

    /** Added to the root. */
    public double eps() {
        return eps;
    }

    @Override
    public String kind() {
        return "rmsprop";
    }

    @Override
    public Map<String, String> hyperparameters() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("alpha", Double.toString(alpha));
        h.put("eps", Double.toString(eps));
        return h;
    }

    // One fused pass in float, as PyTorch computes in the parameter's dtype. The update costs
    // O(parameters) against the step's O(T*B*parameters), so it is left to C2's auto-vectoriser
    // rather than given a hand-written vector kernel.
    @Override
    void update(int index, float[] value, float[] grad) {
        float[] v = buffer(0, index);
        float a = (float) alpha;
        float oneMinusA = (float) (1 - alpha);
        float lr = (float) learningRate();
        float e = (float) eps;
        for (int i = 0; i < value.length; i++) {
            float g = grad[i];
            float vi = a * v[i] + oneMinusA * (g * g);
            v[i] = vi;
            value[i] -= lr * (g / ((float) Math.sqrt(vi) + e));
        }
    }
}
