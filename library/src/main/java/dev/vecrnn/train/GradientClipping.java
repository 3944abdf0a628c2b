package dev.vecrnn.train;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.nn.Parameter;
import java.util.List;

/**
 * Gradient clipping by global norm, with the semantics of PyTorch's
 * {@code torch.nn.utils.clip_grad_norm_(parameters, max_norm)} (L2 norm): the norm is taken over
 * all gradients together, as one vector; if it exceeds {@code maxNorm}, every gradient is scaled
 * by {@code maxNorm / (norm + 1e-6)}. Scaling all gradients by one factor keeps the update's
 * direction, unlike clipping each element. The 1e-6 keeps the scaled norm just under
 * {@code maxNorm} and the division safe.
 *
 * <p>A non-finite norm (NaN or infinite gradients) is returned as is and nothing is scaled: that
 * is for the caller to stop on (the {@link Trainer} does), not to hide by scaling NaN into every
 * gradient. Allocates nothing.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /** PyTorch's guard added to the norm before dividing. */
    public static final double NORM_EPS = 1e-6;

    /**
     * {@code sqrt(sum over parameters of sum g^2)}, accumulated in double (so the square sum of
     * millions of float gradients neither overflows nor loses the small ones).
     */
    public static double globalNorm(List<Parameter> parameters) {
        if (parameters == null) {
            throw new IllegalArgumentException("parameters is null");
        }
        double sum = 0;
        for (int i = 0; i < parameters.size(); i++) {
            float[] g = parameters.get(i).grad();
            sum += Blas1.sumSquares(g.length, g, 0);
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales all gradients so that their global norm is at most about {@code maxNorm}.
     *
     * @param maxNorm positive and finite
     * @return the global norm before clipping (NaN or infinite if a gradient was)
     * @throws IllegalArgumentException if {@code maxNorm} is not positive and finite
     */
    public static double clipByGlobalNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0) || !Double.isFinite(maxNorm)) {
            throw new IllegalArgumentException("maxNorm must be finite and > 0, got " + maxNorm);
        }
        double norm = globalNorm(parameters);
        double coef = maxNorm / (norm + NORM_EPS);
        if (Double.isFinite(norm) && coef < 1) {
            float scale = (float) coef;
            for (int i = 0; i < parameters.size(); i++) {
                float[] g = parameters.get(i).grad();
                Blas1.scale(g.length, scale, g, 0);
            }
        }
        return norm;
    }
}
