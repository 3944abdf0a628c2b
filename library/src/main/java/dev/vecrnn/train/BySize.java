package dev.vecrnn.train;

import java.util.function.IntFunction;

/**
 * A few objects (buffers, batches) kept per size, made on first use of a size and reused after:
 * training on a data set meets two batch sizes (full batches and an epoch's last, shorter one),
 * micro-batches at most two more. A handful of entries searched linearly; beyond the capacity the
 * oldest entry is replaced. Keys are plain ints, so a lookup allocates nothing.
 */
final class BySize<T> {
    private final IntFunction<T> make;
    private final int[] sizes;
    private final Object[] values;
    private int count;
    private int next;

    BySize(int capacity, IntFunction<T> make) {
        this.make = make;
        this.sizes = new int[capacity];
        this.values = new Object[capacity];
    }

    @SuppressWarnings("unchecked")
    T get(int size) {
        for (int i = 0; i < count; i++) {
            if (sizes[i] == size) {
                return (T) values[i];
            }
        }
        T value = make.apply(size);
        int slot;
        if (count < sizes.length) {
            slot = count++;
        } else {
            slot = next;
            next = (next + 1) % sizes.length;
        }
        sizes[slot] = size;
        values[slot] = value;
        return value;
    }
}
