package dev.vecrnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * An n-dimensional array with a shape and row-major (C order) data: what a tensor file holds
 * under one name.
 *
 * <p>A tensor is either floating ({@link DType#F32}, held as {@code float[]}) or integer
 * ({@link DType#I32} or {@link DType#I64}, held as {@code long[]}). Shapes may be empty (a
 * scalar, one element) and may contain zeros (no elements).
 *
 * <pre>{@code
 * Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);   // [2, 3] F32
 * Tensor lengths = Tensor.ofLongs(new long[] {7, 5}, 2);       // [2] I64
 * float x = w.data()[1 * 3 + 2];                                // w[1][2] = 6
 * int[] lens = lengths.toInts();                                // {7, 5}
 * }</pre>
 *
 * <p>Immutable in practice, not by copying: the factories wrap the given array and
 * {@link #data()} / {@link #longData()} return that same array, so that saving and loading large
 * weights costs no copies. Do not modify an array after handing it to a tensor, nor one you got
 * from it; {@link #toFloats()}, {@link #toLongs()} and {@link #toInts()} return fresh copies.
 */
public final class Tensor {
    /**
     * Most elements a tensor can hold: the largest array length the JDK itself allocates
     * ({@code Integer.MAX_VALUE - 8}); HotSpot refuses lengths just below {@code 2^31-1} with
     * "Requested array size exceeds VM limit". The readers refuse tensors with more.
     */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final DType dtype;
    private final int[] shape;
    private final float[] floats; // F32, else null
    private final long[] longs;   // I32 or I64, else null

    private Tensor(DType dtype, int[] shape, float[] floats, long[] longs) {
        this.dtype = dtype;
        this.shape = shape;
        this.floats = floats;
        this.longs = longs;
    }

    /**
     * An {@code F32} tensor of the given shape wrapping {@code data} (not copied).
     *
     * @throws IllegalArgumentException if a dimension is negative or the shape's element count
     *     differs from {@code data.length}
     */
    public static Tensor of(float[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
        int[] s = checkedShape(shape, data.length);
        return new Tensor(DType.F32, s, data, null);
    }

    /**
     * An {@code I64} tensor of the given shape wrapping {@code data} (not copied).
     *
     * @throws IllegalArgumentException as {@link #of(float[], int...)}
     */
    public static Tensor ofLongs(long[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
        int[] s = checkedShape(shape, data.length);
        return new Tensor(DType.I64, s, null, data);
    }

    /**
     * An {@code I32} tensor of the given shape holding a copy of {@code data}.
     *
     * @throws IllegalArgumentException as {@link #of(float[], int...)}
     */
    public static Tensor ofInts(int[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
        int[] s = checkedShape(shape, data.length);
        long[] l = new long[data.length];
        for (int i = 0; i < data.length; i++) {
            l[i] = data[i];
        }
        return new Tensor(DType.I32, s, null, l);
    }

    /** For the readers: an I32 tensor whose values are known to fit in an int. */
    static Tensor ofI32Longs(long[] data, int[] shape) {
        return new Tensor(DType.I32, checkedShape(shape, data.length), null, data);
    }

    private static int[] checkedShape(int[] shape, int length) {
        if (shape == null) {
            throw new IllegalArgumentException("shape is null");
        }
        long n = 1;
        boolean overflow = false;
        boolean zero = false;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            if (d == 0) {
                zero = true;
            } else if (!overflow) {
                long m = n * d;
                overflow = Math.multiplyHigh(n, d) != 0 || m < 0;
                n = m;
            }
        }
        if (zero) {
            n = 0;
        } else if (overflow) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                    + " has more than 2^63-1 elements but data has " + length);
        }
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n
                    + " elements but data has " + length);
        }
        return shape.clone();
    }

    /** The element type: {@code F32}, {@code I32} or {@code I64}. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape ({@code []} for a scalar). */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of dimensions ({@code 0} for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}. */
    public int dim(int axis) {
        if (axis < 0 || axis >= shape.length) {
            throw new IllegalArgumentException("axis must be in [0, " + shape.length + "), got " + axis);
        }
        return shape[axis];
    }

    /** Number of elements (product of the shape; 1 for a scalar). */
    public long numel() {
        return floats != null ? floats.length : longs.length;
    }

    /** Whether the shape equals {@code expected}. */
    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    /**
     * The row-major data of an {@code F32} tensor: the array itself, not a copy.
     *
     * @throws IllegalStateException if this is an integer tensor (use {@link #toFloats()})
     */
    public float[] data() {
        if (floats == null) {
            throw new IllegalStateException("tensor is " + dtype + ", not F32; use toFloats() to convert");
        }
        return floats;
    }

    /**
     * The row-major data of a floating tensor that must not be an integer one: the array itself,
     * not a copy, as {@link #data()}. For inputs and weights read from files, where integer data
     * would be a mistake that a silent conversion would hide.
     *
     * <pre>{@code
     * float[] x = inputs.get("x").requireFloats("x");   // an I64 'x' fails, naming it
     * }</pre>
     *
     * @param name the tensor's name, for the message
     * @throws IllegalArgumentException if this is an integer tensor ({@code I32}, {@code I64}),
     *     naming {@code name} and the dtype
     */
    public float[] requireFloats(String name) {
        if (floats == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + dtype + " " + Arrays.toString(shape)
                    + ", expected a floating-point tensor (F32, F64, F16 or BF16)");
        }
        return floats;
    }

    /**
     * The row-major data of an {@code I32} or {@code I64} tensor: the array itself, not a copy.
     *
     * @throws IllegalStateException if this is a floating tensor (use {@link #toLongs()})
     */
    public long[] longData() {
        if (longs == null) {
            throw new IllegalStateException("tensor is " + dtype + ", not an integer type; use toLongs() to convert");
        }
        return longs;
    }

    /**
     * A fresh float copy of the data. Integers beyond 2<sup>24</sup> in magnitude are rounded
     * to the nearest float.
     */
    public float[] toFloats() {
        if (floats != null) {
            return floats.clone();
        }
        float[] f = new float[longs.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = longs[i];
        }
        return f;
    }

    /**
     * A fresh long copy of the data.
     *
     * @throws IllegalStateException if a floating value is not an exact integer in long range
     *     (NaN, infinite or fractional), naming its index
     */
    public long[] toLongs() {
        if (longs != null) {
            return longs.clone();
        }
        long[] l = new long[floats.length];
        for (int i = 0; i < l.length; i++) {
            float v = floats[i];
            // 2^63 is exactly representable as a float; anything >= it would saturate the cast.
            if (v != Math.rint(v) || v >= 0x1p63f || v < -0x1p63f) {
                throw new IllegalStateException("element " + i + " is " + v + ", not an integer in long range");
            }
            l[i] = (long) v;
        }
        return l;
    }

    /**
     * A fresh int copy of the data, e.g. sequence lengths.
     *
     * @throws IllegalStateException if a value is not an exact integer in int range, naming its
     *     index
     */
    public int[] toInts() {
        int[] r = new int[(int) numel()];
        for (int i = 0; i < r.length; i++) {
            if (floats != null) {
                float v = floats[i];
                if (v != Math.rint(v) || v < -0x1p31f || v >= 0x1p31f) { // NaN fails the first test
                    throw new IllegalStateException("element " + i + " is " + v + ", not an integer in int range");
                }
                r[i] = (int) v;
            } else {
                long v = longs[i];
                if (v != (int) v) {
                    throw new IllegalStateException("element " + i + " is " + v + ", not in int range");
                }
                r[i] = (int) v;
            }
        }
        return r;
    }

    /** Same dtype, same shape and bitwise-equal data (as {@link Arrays#equals(float[], float[])}). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && Arrays.equals(floats, t.floats) && Arrays.equals(longs, t.longs);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape))
                + (floats != null ? Arrays.hashCode(floats) : Arrays.hashCode(longs));
    }

    /**
     * Writes the elements, little-endian in this tensor's dtype, to {@code ch} through
     * {@code buf} (little-endian order, capacity a multiple of 8): the data section of both the
     * .npy and the safetensors writer.
     */
    void writeElements(FileChannel ch, ByteBuffer buf) throws IOException {
        int n = (int) numel();
        int size = dtype.byteSize();
        int per = buf.capacity() / size;
        for (int off = 0; off < n; off += per) {
            int k = Math.min(per, n - off);
            buf.clear();
            switch (dtype) {
                case F32 -> buf.asFloatBuffer().put(data(), off, k);
                case I64 -> buf.asLongBuffer().put(longData(), off, k);
                case I32 -> {
                    long[] src = longData();
                    for (int i = 0; i < k; i++) {
                        buf.putInt(4 * i, (int) src[off + i]);
                    }
                }
                default -> throw new IllegalStateException("tensor dtype " + dtype + " cannot be held in memory");
            }
            buf.limit(k * size);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    /** Dtype and shape, e.g. {@code Tensor[F32 [2, 3]]}; not the data. */
    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
