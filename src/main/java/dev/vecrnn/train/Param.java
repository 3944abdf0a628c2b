package dev.vecrnn.train;

import java.util.Arrays;

/**
 * A named trainable tensor: its values and the gradient accumulated for them, both flat
 * row-major {@code float[]} of the same length.
 *
 * <p>A stop-gap holder for the heads in this package; its accessors ({@code name()},
 * {@code shape()}, {@code value()}, {@code grad()}) match the layer parameters so the two can be
 * unified without touching callers.
 */
public final class Param {
    private final String name;
    private final int[] shape;
    private final float[] value;
    private final float[] grad;

    /** A zero-initialised parameter of the given shape (every dimension {@code >= 1}). */
    public Param(String name, int... shape) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("parameter name must be non-empty, got " + name);
        }
        long size = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("shape of " + name + " must have dimensions >= 1, got "
                        + Arrays.toString(shape));
            }
            size *= d;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("parameter " + name + " of shape " + Arrays.toString(shape)
                    + " has " + size + " elements, more than a Java array holds");
        }
        this.name = name;
        this.shape = shape.clone();
        this.value = new float[(int) size];
        this.grad = new float[(int) size];
    }

    public String name() {
        return name;
    }

    /** The shape (a copy), e.g. {@code [O, H]} for a weight matrix. */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public int size() {
        return value.length;
    }

    /** The values, row-major; written in place by initialisers and optimisers. */
    public float[] value() {
        return value;
    }

    /** The accumulated gradient, row-major, same length as {@link #value()}. */
    public float[] grad() {
        return grad;
    }

    /** Sets the gradient to zero. */
    public void zeroGrad() {
        Arrays.fill(grad, 0f);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
