package dev.vecrnn.mem;

import java.util.HashMap;
import java.util.Map;

/**
 * Hands out float buffers by key and keeps them for the next call, so that after the first pass
 * of a given shape no buffer is allocated again. A workspace has a single owner (one layer, one
 * thread at a time); it is not thread-safe.
 *
 * <p>Buffers are at least the requested length (a larger one from an earlier, larger shape is
 * reused) and their contents are whatever the last user left unless {@link #zeroed} is used.
 */
public final class Workspace {
    private final Map<Object, float[]> buffers = new HashMap<>();
    private long bytes;

    /** A buffer of at least {@code length} floats for {@code key}; contents unspecified. */
    public float[] floats(Object key, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("buffer '" + key + "' length must be >= 0, got " + length);
        }
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

    /** Like {@link #floats} but the first {@code length} floats are set to zero. */
    public float[] zeroed(Object key, int length) {
        float[] b = floats(key, length);
        java.util.Arrays.fill(b, 0, length, 0f);
        return b;
    }

    /** Total bytes held. */
    public long bytesHeld() {
        return bytes;
    }

    /** Drops every buffer (the next use allocates again). */
    public void clear() {
        buffers.clear();
        bytes = 0;
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
