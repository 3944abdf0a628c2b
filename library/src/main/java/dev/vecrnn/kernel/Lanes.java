package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species every vector kernel uses. Only touched when {@link VectorSupport#ENABLED},
 * so the incubator classes are never linked when the module is missing.
 */
final class Lanes {
    /** Species of {@link VectorSupport#BITS} bits (a 128-bit placeholder on the scalar path, never used). */
    static final VectorSpecies<Float> F = speciesFor(Math.max(VectorSupport.BITS, 128));
    /** Int species with the same lane count as {@link #F}, for bit tricks in activations. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_128.withShape(F.vectorShape());
    static final int N = F.length();

    private Lanes() {}

    static int preferredBits() {
        return Preferred.bits();
    }

    /**
     * The JVM's preferred width, in a class of its own: {@link VectorSupport}'s initialiser asks
     * for it before it has set {@link VectorSupport#BITS}, and asking {@code Lanes} itself would
     * initialise {@link #F} from that not-yet-set (zero) width, i.e. always 128 bits.
     */
    static final class Preferred {
        private Preferred() {}

        static int bits() {
            return FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }

    /**
     * Empirical check that C2 compiles Vector API calls to SIMD code: once a small vector loop
     * is hot, an intrinsified loop allocates nothing, while the Java fallback boxes every vector.
     * Returns the bytes allocated per loop iteration after warm-up (0 when intrinsified).
     */
    static double allocatedBytesPerIteration() {
        float[] a = new float[N * 64];
        float[] b = new float[N * 64];
        java.util.Arrays.fill(a, 1f);
        for (int rep = 0; rep < 30_000; rep++) {
            probeLoop(a, b);
        }
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        int reps = 1_000;
        for (int rep = 0; rep < reps; rep++) {
            probeLoop(a, b);
        }
        long after = mx.getThreadAllocatedBytes(tid);
        return (after - before) / (double) (reps * 64);
    }

    private static void probeLoop(float[] a, float[] b) {
        for (int i = 0; i < a.length; i += N) {
            FloatVector x = FloatVector.fromArray(F, a, i);
            FloatVector y = FloatVector.fromArray(F, b, i);
            x.fma(x, y).intoArray(b, i);
        }
    }

    private static VectorSpecies<Float> speciesFor(int bits) {
        return switch (bits) {
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> throw new IllegalStateException("unsupported vector width " + bits);
        };
    }
}
