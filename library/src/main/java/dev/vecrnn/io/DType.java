package dev.vecrnn.io;

/**
 * Element types of tensor files, named as in the safetensors header ({@code "F32"}, ...).
 *
 * <p>A {@link Tensor} in memory is always {@link #F32}, {@link #I32} or {@link #I64}; the other
 * floating types exist only in files and are widened or narrowed to {@code F32} when read.
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4, true),
    /** IEEE 754 binary64; read as float32 (rounded to nearest). */
    F64(8, true),
    /** IEEE 754 binary16 (half); read as float32 (exact). */
    F16(2, true),
    /** bfloat16 (the top 16 bits of a float32); read as float32 (exact). */
    BF16(2, true),
    /** Signed 32-bit integer. */
    I32(4, false),
    /** Signed 64-bit integer. */
    I64(8, false);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** Bytes per element in a file. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether this is a floating-point type (held as {@code float[]} in a {@link Tensor}). */
    public boolean isFloating() {
        return floating;
    }
}
