package dev.vecrnn.train;

import dev.vecrnn.kernel.VectorSupport;

/**
 * Whether this JVM runs vecrnn's Vector API kernels or their scalar twins, for a user to check
 * (or assert in a test) rather than find out from a slow run. The scalar path computes the same
 * results, many times slower; it runs when the JVM lacks {@code jdk.incubator.vector}, which
 * every JVM using vecrnn must be started with ({@code --add-modules jdk.incubator.vector}), or
 * when {@code -Dvecrnn.vectorBits=0} asks for it.
 *
 * <pre>{@code
 * assertTrue(VectorApi.enabled(), VectorApi.status());   // in your tests: fails with the fix
 * VectorApi.requireEnabled();                            // or at start-up
 * }</pre>
 *
 * <p>Where the flag goes: Maven Surefire/Failsafe
 * {@code <argLine>--add-modules jdk.incubator.vector</argLine>}; {@code mvn exec:java}, which runs
 * in Maven's own JVM, {@code MAVEN_OPTS="--add-modules jdk.incubator.vector"} or a line in
 * {@code .mvn/jvm.config}; {@code exec:exec} and {@code java} itself, the command line before
 * the main class. The decision is made once, when the kernels load.
 */
public final class VectorApi {
    private VectorApi() {}

    /** True when the Vector API kernels run. */
    public static boolean enabled() {
        return VectorSupport.ENABLED;
    }

    /** True when the module {@code jdk.incubator.vector} is readable (the JVM was started with it). */
    public static boolean moduleReadable() {
        return VectorSupport.MODULE_PRESENT;
    }

    /** The vector width the kernels use, in bits (128, 256 or 512); 0 on the scalar path. */
    public static int bits() {
        return VectorSupport.BITS;
    }

    /**
     * One line: the kernels in use (e.g. {@code "vector kernels, 512-bit (16 floats)"}), and when
     * they are scalar, why and how to change it.
     */
    public static String status() {
        if (VectorSupport.ENABLED) {
            return "vector kernels, " + VectorSupport.describe()
                    + (VectorSupport.NOTE.isEmpty() ? "" : " (" + VectorSupport.NOTE + ")");
        }
        if (!VectorSupport.MODULE_PRESENT) {
            return VectorSupport.NOTE;
        }
        return "vecrnn runs its scalar kernels, as -D" + VectorSupport.BITS_PROPERTY + "=0 asks";
    }

    /**
     * Throws unless the vector kernels run.
     *
     * @throws IllegalStateException with {@link #status()}, which says what to add
     */
    public static void requireEnabled() {
        if (!VectorSupport.ENABLED) {
            throw new IllegalStateException(status());
        }
    }
}
