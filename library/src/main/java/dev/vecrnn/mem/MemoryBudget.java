package dev.vecrnn.mem;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Checks an estimate of the memory a request will allocate against what the Java heap can give,
 * before the memory is taken, so that a request that cannot fit fails at once with a clear message
 * ({@link InsufficientMemoryException}) instead of an {@link OutOfMemoryError} after minutes.
 *
 * <pre>{@code
 * long bytes = 4L * rows * cols;
 * MemoryBudget.heap().check(bytes, file + ": tensor 'w' [" + rows + ", " + cols + "]");
 * float[] w = new float[rows * cols];
 * }</pre>
 *
 * <h2>The estimate of what is free</h2>
 * {@code available = limit - inUse - reserve}, where {@code limit} is the most the space large
 * arrays live in can hold and {@code inUse} what it holds now: with collectors whose old generation
 * has a fixed share of the heap (Parallel, Serial: about two thirds of {@code -Xmx}), that
 * generation, where every array too large for the young one goes; with the others (G1, ZGC,
 * Shenandoah, whose regions span the heap) the whole heap, {@link Runtime#maxMemory()}. Measuring
 * the whole heap under Parallel would let through requests between the old generation's size and
 * {@code -Xmx} that then fail. {@code reserve} is a sixteenth of the
 * limit but at least 32 MiB, kept for everything else the program allocates and for the
 * collector's working room. What the heap holds includes garbage not yet collected, so before a
 * request is refused the collector is asked once to run ({@link System#gc()}, a no-op under
 * {@code -XX:+DisableExplicitGC}) and the heap measured again: only a request that does not fit
 * in what is then live is refused; one that fits costs nothing. The check is deliberately generous: it
 * refuses requests that cannot fit, and lets through some that fail anyway (a heap fragmented by
 * other data). A heap without a
 * limit lets everything through.
 *
 * <p>Thread-safe; each call looks at the heap anew and reserves nothing.
 */
public final class MemoryBudget {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long MIN_RESERVE = 32 * MIB;

    /** The old generation of a collector that gives it a fixed share of the heap, else null. */
    private static final MemoryPoolMXBean FIXED_OLD_GENERATION = fixedOldGeneration();

    private static final MemoryBudget HEAP = FIXED_OLD_GENERATION == null
            ? new MemoryBudget(() -> Runtime.getRuntime().maxMemory(), MemoryBudget::heapInUse, System::gc)
            : new MemoryBudget(() -> FIXED_OLD_GENERATION.getUsage().getMax(),
                    () -> FIXED_OLD_GENERATION.getUsage().getUsed(), System::gc,
                    () -> Runtime.getRuntime().maxMemory() / (double) FIXED_OLD_GENERATION.getUsage().getMax());

    private final LongSupplier limit;
    private final LongSupplier inUse;
    private final Runnable collect;
    private final DoubleSupplier heapPerLimitByte;

    /** A budget over the given heap limit, in-use figure and collector (for tests: a small fake heap). */
    MemoryBudget(LongSupplier limit, LongSupplier inUse, Runnable collect) {
        this(limit, inUse, collect, () -> 1.0);
    }

    /**
     * A budget whose {@code limit} is a part of the heap: {@code heapPerLimitByte} is how many bytes
     * of {@code -Xmx} give one byte of that part (for the {@code -Xmx} a message suggests).
     */
    MemoryBudget(LongSupplier limit, LongSupplier inUse, Runnable collect, DoubleSupplier heapPerLimitByte) {
        this.limit = limit;
        this.inUse = inUse;
        this.collect = collect;
        this.heapPerLimitByte = heapPerLimitByte;
    }

    private static MemoryPoolMXBean fixedOldGeneration() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            String n = p.getName();
            if (p.getType() == MemoryType.HEAP && (n.equals("PS Old Gen") || n.equals("Tenured Gen"))
                    && p.getUsage().getMax() > 0) {
                return p;
            }
        }
        return null;
    }

    /** The budget of this JVM's heap. */
    public static MemoryBudget heap() {
        return HEAP;
    }

    /** The heap's limit in bytes ({@link Long#MAX_VALUE} if it has none). */
    public long limitBytes() {
        return limit.getAsLong();
    }

    /** Estimated bytes a new request may take now (see the class description); never negative. */
    public long availableBytes() {
        long max = limit.getAsLong();
        if (max == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, max - inUse.getAsLong() - reserve(max));
    }

    /**
     * Returns if {@code bytes} more can be allocated, else throws with a one-line message naming
     * {@code what}, the estimate, the heap and the {@code -Xmx} that would do.
     *
     * @param bytes the estimated bytes the request will allocate
     * @param what what needs them, for the message, e.g. {@code "model.safetensors: 12 tensors"}
     * @throws InsufficientMemoryException if the heap cannot give {@code bytes} now
     * @throws IllegalArgumentException if {@code bytes} is negative or {@code what} is null
     */
    public void check(long bytes, String what) {
        if (bytes < 0) {
            throw new IllegalArgumentException("memory estimate for " + what + " is negative: " + bytes);
        }
        if (what == null) {
            throw new IllegalArgumentException("what is null");
        }
        long max = limit.getAsLong();
        if (max == Long.MAX_VALUE) {
            return;
        }
        long reserve = reserve(max);
        long used = inUse.getAsLong();
        if (bytes <= max - reserve - used) {
            return;
        }
        if (bytes <= max - reserve) {
            collect.run(); // what is in use counts garbage: refuse only for what is live
            used = inUse.getAsLong();
            if (bytes <= max - reserve - used) {
                return;
            }
        }
        long available = Math.max(0, max - used - reserve);
        double scale = heapPerLimitByte.getAsDouble();
        String flag = "-Xmx" + suggestedLimit(bytes, used, scale);
        String space = scale > 1 ? "the Java heap's old generation (where large arrays go; "
                + String.format(Locale.ROOT, "%.0f%%", 100 / scale) + " of -Xmx with this collector)" : "the Java heap";
        String message = String.format(Locale.ROOT, "%s needs about %s, but %s has about %s free "
                + "(limit %s, %s in use, %s kept in reserve); raise the limit with %s "
                + "(for the vecrnn scripts: VECRNN_JAVA_OPTS=%s)",
                what, size(bytes), space, size(available), size(max), size(used), size(reserve), flag, flag);
        throw new InsufficientMemoryException(message, bytes, available, max, flag);
    }

    private static long reserve(long max) {
        return Math.max(MIN_RESERVE, max / 16);
    }

    /**
     * The smallest {@code -Xmx} (whole GiB, or MiB below 1 GiB) whose budget holds {@code bytes}
     * with {@code used} in use, when the budget's limit is {@code 1 / heapPerLimitByte} of the heap.
     */
    private static String suggestedLimit(long bytes, long used, double heapPerLimitByte) {
        double need = (double) bytes + used;
        long limit = (long) Math.ceil(Math.max(need + MIN_RESERVE, need * 16.0 / 15.0) * Math.max(1.0, heapPerLimitByte));
        if (limit < GIB) {
            return ((limit + MIB - 1) / MIB) + "m";
        }
        return ((limit + GIB - 1) / GIB) + "g";
    }

    static String size(long bytes) {
        if (bytes >= GIB) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) GIB);
        }
        if (bytes >= MIB) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
        }
        return bytes + " bytes";
    }

    private static long heapInUse() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
