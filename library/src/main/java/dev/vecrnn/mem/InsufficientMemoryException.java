package dev.vecrnn.mem;

/**
 * A request for memory that the Java heap cannot satisfy, found before the memory was taken.
 *
 * <p>The message is one line with what needed the memory, the estimate, what the heap has and how
 * to raise its limit, e.g. {@code "model.safetensors: 3 tensors need about 8.50 GiB, but the Java
 * heap has about 3.10 GiB free (limit 4.00 GiB, 0.61 GiB in use, 0.25 GiB kept in reserve);
 * raise the limit with -Xmx12g (for the vecrnn scripts: VECRNN_JAVA_OPTS=-Xmx12g)"}. Thrown by
 * {@link MemoryBudget#check}; unchecked, like the {@link OutOfMemoryError} it stands in for, so
 * any layer may throw it.
 */
public final class InsufficientMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long requiredBytes;
    private final long availableBytes;
    private final long heapLimitBytes;
    private final String suggestedMaxHeapFlag;

    InsufficientMemoryException(String message, long requiredBytes, long availableBytes, long heapLimitBytes,
            String suggestedMaxHeapFlag) {
        super(message);
        this.requiredBytes = requiredBytes;
        this.availableBytes = availableBytes;
        this.heapLimitBytes = heapLimitBytes;
        this.suggestedMaxHeapFlag = suggestedMaxHeapFlag;
    }

    /** The estimated bytes the refused request needed. */
    public long requiredBytes() {
        return requiredBytes;
    }

    /** The bytes the heap was estimated to have free for it. */
    public long availableBytes() {
        return availableBytes;
    }

    /** The heap's limit ({@link Runtime#maxMemory()}). */
    public long heapLimitBytes() {
        return heapLimitBytes;
    }

    /** A heap limit that would let the request through as things stand, e.g. {@code "-Xmx12g"}. */
    public String suggestedMaxHeapFlag() {
        return suggestedMaxHeapFlag;
    }
}
