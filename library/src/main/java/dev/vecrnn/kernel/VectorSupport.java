package dev.vecrnn.kernel;

import java.util.Locale;

/**
 * Decides once, at class initialisation, which kernel path runs: the Vector API at some width,
 * or the plain scalar twins.
 *
 * <p>The switch is the system property {@code vecrnn.vectorBits}: {@code 0} forces the scalar
 * path, {@code 128}, {@code 256} or {@code 512} pick that vector width (capped at what the CPU
 * and JVM support), unset means the JVM's preferred width. Any other value makes every kernel
 * entry point (and {@link #describe()}) throw an {@link IllegalArgumentException} naming the
 * property, the value and the allowed values. If {@code jdk.incubator.vector} is not readable (the
 * JVM was started without {@code --add-modules jdk.incubator.vector}) the scalar path runs and one
 * warning says how to fix it; nothing crashes.
 *
 * <p>The decision is a {@code static final} constant so that the JIT folds every dispatch branch
 * away: there is no per-call cost for having two paths.
 */
public final class VectorSupport {
    /** Name of the system property that selects the vector width. */
    public static final String BITS_PROPERTY = KernelSettings.VECTOR_BITS;

    /** Whether the jdk.incubator.vector module is readable in this JVM. */
    public static final boolean MODULE_PRESENT;
    /** The vector width the kernels use, in bits; 0 means the scalar path. */
    public static final int BITS;
    /** True when the Vector API kernels run (BITS &gt; 0). */
    public static final boolean ENABLED;
    /** Number of float lanes per vector, or 1 on the scalar path. */
    public static final int FLOAT_LANES;
    /** Why the width differs from what was asked for, or empty. */
    public static final String NOTE;

    static {
        MODULE_PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        // An invalid value is reported by KernelSettings.requireValid() at the first kernel call;
        // until then (and for class initialisation, which must not fail) it counts as unset.
        Integer asked = KernelSettings.CURRENT.vectorBits;
        int bits;
        String note = "";
        if (!MODULE_PRESENT) {
            bits = 0;
            note = "jdk.incubator.vector is not readable, so vecrnn runs its scalar kernels (many times slower). "
                    + "Start the JVM with --add-modules jdk.incubator.vector: in Maven Surefire or Failsafe "
                    + "<argLine>--add-modules=jdk.incubator.vector</argLine>; for mvn exec:java (Maven's own JVM) "
                    + "MAVEN_OPTS=--add-modules=jdk.incubator.vector or that line in .mvn/jvm.config; for exec:exec "
                    + "and java, on the command line before the main class.";
            System.err.println("WARNING: vecrnn: " + note);
        } else {
            int preferred = Lanes.Preferred.bits(); // not Lanes.preferredBits(): that would initialise Lanes.F now
            if (asked == null) {
                bits = preferred;
            } else {
                bits = Math.min(asked, preferred);
                if (bits != asked) {
                    note = String.format(Locale.ROOT,
                            "asked for %d-bit vectors, this JVM/CPU supports at most %d", asked, preferred);
                }
            }
        }
        BITS = bits;
        ENABLED = bits > 0;
        FLOAT_LANES = bits > 0 ? bits / 32 : 1;
        NOTE = note;
    }

    private VectorSupport() {}

    /**
     * A one-line description such as {@code "512-bit (16 floats)"} or {@code "scalar"}.
     *
     * @throws IllegalArgumentException if a {@code vecrnn.*} kernel property has an invalid value
     */
    public static String describe() {
        KernelSettings.requireValid();
        return ENABLED ? BITS + "-bit (" + FLOAT_LANES + " floats)" : "scalar";
    }

    /**
     * Whether the JIT turns Vector API calls into SIMD instructions here, found by running a
     * small vector loop until it is compiled and checking that it no longer allocates (the
     * non-intrinsified fallback boxes every vector). Takes tens of milliseconds.
     */
    public static boolean probeIntrinsified() {
        KernelSettings.requireValid();
        return ENABLED && Lanes.allocatedBytesPerIteration() < 1.0;
    }

    /** The JVM's preferred species width in bits, or 0 when the module is absent. */
    public static int preferredBits() {
        return MODULE_PRESENT ? Lanes.preferredBits() : 0;
    }
}
