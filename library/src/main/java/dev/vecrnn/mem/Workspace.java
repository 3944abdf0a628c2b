package dev.vecrnn.mem;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Float buffers by key, carved once per shape and kept for the next pass, so that after the first
 * pass of a given shape no buffer is allocated again. A workspace has a single owner (one layer,
 * one thread at a time); it is not thread-safe.
 *
 * <p>Two steps, kept apart on purpose: {@link #carve} sizes a buffer for a shape (reusing a large
 * enough one, allocating otherwise); {@link #floats} only looks a carved buffer up and fails when it
 * is missing or smaller than asked for. A reader whose size formula drifted from the carver's
 * therefore gets an exception, never a fresh buffer of zeros that would pass for saved data.
 * Contents are whatever the last user left unless {@link #zeroed} is used.
 */
public final class Workspace {
    private final Map<Object, float[]> buffers = new HashMap<>();
    private long bytes;

    /**
     * The buffer of {@code key}, at least {@code length} floats: the one carved before when it is
     * large enough (a larger one from an earlier, larger shape included), else a new one that
     * replaces it. Contents unspecified.
     *
     * @throws IllegalArgumentException if {@code length < 0}
     */
    public float[] carve(Object key, int length) {
        checkLength(key, length);
        float[] b = buffers.get(key);
        if (b == null || b.length < length) {
            if (b != null) {
                bytes -= 4L * b.length;
            }
            b = new float[length];
            buffers.put(key, b);
            bytes += 4L * length;
        }
        return b;
    }

    /** Bytes {@link #carve carve(key, length)} would allocate now: 0 when the buffer held is large enough. */
    public long bytesToCarve(Object key, int length) {
        checkLength(key, length);
        float[] b = buffers.get(key);
        return b == null || b.length < length ? 4L * length : 0;
    }

    /**
     * The buffer carved for {@code key}; it holds at least {@code length} floats. Contents unspecified.
     *
     * @throws IllegalStateException if nothing was carved for {@code key}, or only fewer than
     *                               {@code length} floats (the caller's size disagrees with the carver's)
     * @throws IllegalArgumentException if {@code length < 0}
     */
    public float[] floats(Object key, int length) {
        checkLength(key, length);
        float[] b = buffers.get(key);
        if (b == null) {
            throw new IllegalStateException("workspace buffer '" + key + "' was never carved (asked for " + length
                    + " floats)");
        }
        if (b.length < length) {
            throw new IllegalStateException("workspace buffer '" + key + "' was carved with " + b.length
                    + " floats, asked for " + length + ": the reader's size disagrees with the carver's");
        }
        return b;
    }

    /** Like {@link #floats} but the first {@code length} floats are set to zero. */
    public float[] zeroed(Object key, int length) {
        float[] b = floats(key, length);
        Arrays.fill(b, 0, length, 0f);
        return b;
    }

    /** Total bytes held. */
    public long bytesHeld() {
        return bytes;
    }

    /** Drops every buffer (the next use must carve again). */
    public void clear() {
        buffers.clear();
        bytes = 0;
    }

    private static void checkLength(Object key, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("buffer '" + key + "' length must be >= 0, got " + length);
        }
    }

    /**
     * A leading dimension for rows of {@code n} floats: rounded up to a whole 64-byte cache line
     * (16 floats) so rows start aligned relative to each other, and moved off multiples of 4 KiB,
     * where rows would alias in the L1 cache (4K aliasing) when walked column-wise.
     */
    public static int paddedLd(int n) {
        if (n <= 16) {
            return n <= 0 ? 0 : 16;
        }
        int ld = (n + 15) & ~15;
        if (ld % 1024 == 0) {
            ld += 16;
        }
        return ld;
    }
}
