package dev.vecrnn.nn;

import java.util.Arrays;

/**
 * One named weight tensor of a layer with its gradient, in PyTorch's naming, shape and gate
 * order ({@code weight_ih_l0} {@code [G*H, I]}, {@code weight_hh_l0} {@code [G*H, H]},
 * {@code bias_ih_l0} / {@code bias_hh_l0} {@code [G*H]}; an LSTM with projections also has
 * {@code weight_hr_l0} {@code [P, H]} and its {@code weight_hh_l0} is {@code [4H, P]}), so a
 * PyTorch {@code state_dict} maps onto the parameters one to one.
 *
 * <p>{@link #value()} and {@link #grad()} return the live row-major arrays: an optimizer updates
 * them in place, and the layer reads the values afresh at the start of every pass. Do not change
 * values between a {@code forward} and its {@code backward}.
 */
public final class Parameter {
    private final String name;
    private final int[] shape;
    private final float[] value;
    private final float[] grad;

    /**
     * A zero-initialised parameter of the given shape, for layers outside this package (dense
     * heads, embeddings) so that every trainable tensor is a {@code Parameter} and optimizers,
     * clipping and checkpoints handle them all alike.
     *
     * @param name  unique within a model, e.g. {@code head.weight}
     * @param shape dimensions, each {@code >= 1}
     * @throws IllegalArgumentException for an empty name, a dimension below 1 or more elements
     *     than a Java array holds
     */
    public Parameter(String name, int... shape) {
        this(name, shape, new float[checkedSize(name, shape)]);
    }

    private static int checkedSize(String name, int[] shape) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("parameter name must be non-empty, got " + name);
        }
        if (shape == null) {
            throw new IllegalArgumentException("shape of " + name + " is null");
        }
        long size = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("shape of " + name + " must have dimensions >= 1, got "
                        + Arrays.toString(shape));
            }
            size *= d;
            if (size > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("parameter " + name + " of shape " + Arrays.toString(shape)
                        + " has more elements than a Java array holds");
            }
        }
        return (int) size;
    }

    Parameter(String name, int[] shape, float[] value) {
        this.name = name;
        this.shape = shape.clone();
        this.value = value;
        this.grad = new float[value.length];
    }

    /** PyTorch name, e.g. {@code weight_hh_l1}. */
    public String name() {
        return name;
    }

    /** PyTorch shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public int size() {
        return value.length;
    }

    /** The values, row-major (live, not a copy). */
    public float[] value() {
        return value;
    }

    /** The accumulated gradient, same shape as the value (live, not a copy). */
    public float[] grad() {
        return grad;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
