package dev.vecrnn.train;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, as PyTorch's {@code torch.optim.SGD} with
 * {@code dampening=0}, {@code nesterov=False}, {@code weight_decay=0}:
 * <pre>
 *   v = momentum * v + g      (only if momentum &gt; 0; v starts at 0, so the first v is g)
 *   p = p - lr * v            (p = p - lr * g without momentum)
 * </pre>
 * PyTorch's heavy-ball form scales the gradient by 1 inside the buffer (not by
 * {@code 1 - momentum}), so the effective step is about {@code lr / (1 - momentum)}; learning
 * rates tuned there carry over unchanged.
 */
public final class Sgd extends Optimizer {
    private final double momentum;

    /** Plain SGD, no momentum (and no state). */
    public Sgd(List<Parameter> parameters, double lr) {
        this(parameters, lr, 0);
    }

    /**
     * @param momentum in {@code [0, 1)}; 0 keeps no state
     * @throws IllegalArgumentException for an empty parameter list, duplicate names, or a
     *     hyperparameter out of range
     */
    public Sgd(List<Parameter> parameters, double lr, double momentum) {
        super(parameters, lr, checkUnitInterval("momentum", momentum) > 0
                ? new String[] {"momentum_buffer"} : new String[0]);
        this.momentum = momentum;
    }

    /** The momentum factor (0: plain SGD). */
    public double momentum() {
        return momentum;
    }

    @Override
    public String kind() {
        return "sgd";
    }

    @Override
    public Map<String, String> hyperparameters() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("momentum", Double.toString(momentum));
        return h;
    }

    @Override
    void update(int index, float[] value, float[] grad) {
        int n = value.length;
        float lr = (float) learningRate();
        if (momentum == 0) {
            Blas1.axpy(n, -lr, grad, 0, value, 0);
            return;
        }
        float[] v = buffer(0, index);
        Blas1.scale(n, (float) momentum, v, 0);
        Blas1.axpy(n, 1f, grad, 0, v, 0);
        Blas1.axpy(n, -lr, v, 0, value, 0);
    }
}
