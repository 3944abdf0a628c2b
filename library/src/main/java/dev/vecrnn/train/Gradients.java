package dev.vecrnn.train;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.nn.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A sum of gradients, one float array per parameter: the accumulator of gradient accumulation.
 * The gradient of a batch in {@code P} micro-batches is
 * <pre>{@code
 * Gradients sum = Gradients.zerosFor(model.parameters());
 * for (int p = 0; p < P; p++) {
 *     model.zeroGrad();
 *     model.accumulateGradient(microBatch[p], (double) microBatch[p].batchSize() / B);
 *     sum.addParameterGradients();      // sum += each parameter's grad, in order
 * }
 * sum.copyToParameters();               // then clip and step, e.g. trainer.applyGradients(loss)
 * }</pre>
 * which is what a {@link Trainer} with {@link Trainer.Builder#microBatches} does. Each
 * micro-batch's gradient is formed from zero and then added, in order, so the same gradients
 * summed in the same order give the same bits wherever they were computed (in another thread or
 * process, say): {@link #add} of gradients computed elsewhere is exactly
 * {@link #addParameterGradients} of the same values.
 *
 * <p>Not thread-safe. Adding allocates nothing.
 */
public final class Gradients {
    private final List<Parameter> parameters;
    private final float[][] sums;

    private Gradients(List<Parameter> parameters) {
        this.parameters = Collections.unmodifiableList(new ArrayList<>(parameters));
        this.sums = new float[parameters.size()][];
        for (int i = 0; i < sums.length; i++) {
            sums[i] = new float[parameters.get(i).size()];
        }
    }

    /**
     * A zero sum shaped like the gradients of {@code parameters} (in that order).
     *
     * @throws IllegalArgumentException if the list is null, empty or contains null
     */
    public static Gradients zerosFor(List<Parameter> parameters) {
        if (parameters == null || parameters.isEmpty() || parameters.contains(null)) {
            throw new IllegalArgumentException("parameters must be a non-empty list without nulls, got " + parameters);
        }
        return new Gradients(parameters);
    }

    /** The parameters whose gradients this sums, in order (unmodifiable). */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The running sum for parameter {@code index}, as long as the parameter (live, not a copy). */
    public float[] sum(int index) {
        return sums[index];
    }

    /** Sets every sum to zero. */
    public void zero() {
        for (float[] s : sums) {
            Arrays.fill(s, 0f);
        }
    }

    /** Adds each parameter's current {@link Parameter#grad()} into its sum. */
    public void addParameterGradients() {
        for (int i = 0; i < sums.length; i++) {
            float[] g = parameters.get(i).grad();
            Blas1.axpy(g.length, 1f, g, 0, sums[i], 0);
        }
    }

    /**
     * Adds {@code other}'s sums into these, parameter by parameter.
     *
     * @throws IllegalArgumentException unless {@code other} has the same number of parameters
     *     with the same sizes
     */
    public void add(Gradients other) {
        if (other == null || other.sums.length != sums.length) {
            throw new IllegalArgumentException("gradients of " + (other == null ? "null" : other.parameters)
                    + " cannot be added to gradients of " + parameters);
        }
        for (int i = 0; i < sums.length; i++) {
            if (other.sums[i].length != sums[i].length) {
                throw new IllegalArgumentException("gradient " + i + " (" + parameters.get(i).name() + ") has "
                        + other.sums[i].length + " values, expected " + sums[i].length);
            }
        }
        for (int i = 0; i < sums.length; i++) {
            Blas1.axpy(sums[i].length, 1f, other.sums[i], 0, sums[i], 0);
        }
    }

    /** Overwrites each parameter's {@link Parameter#grad()} with its sum. */
    public void copyToParameters() {
        for (int i = 0; i < sums.length; i++) {
            System.arraycopy(sums[i], 0, parameters.get(i).grad(), 0, sums[i].length);
        }
    }
}
