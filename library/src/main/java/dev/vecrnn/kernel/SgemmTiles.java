package dev.vecrnn.kernel;

import java.util.Arrays;

/**
 * The SGEMM micro-kernel shapes that exist: for each panel width in vectors (2, 3 or 4), the
 * kernel heights in rows. {@link SgemmMicroKernels} holds one method per shape and is written from
 * this table by the generator in the tests ({@code SgemmKernelGenerator}), so adding a shape here
 * and rerunning it is the whole change. No Vector API types here: the settings parser reads this
 * table on the scalar path too.
 *
 * <p>Why these: the main tiles the register budgets call for (16 registers: 4x2, and 3x3 and 2x4,
 * which fit as well even when C2 keeps every broadcast of a k step live; for comparison 5x2, 6x2
 * (BLIS's Haswell shape) and 4x3, which may spill; 32 registers: 8x2 and 12x2 at 256/512 bits, 6x4
 * and 8x3 at 128 bits, where a vector holds only 4 floats and a wider panel keeps more FMAs per
 * broadcast) plus 4 and 1 rows for the last rows of a product. No 2- or 3-row tiles of 2 vectors:
 * their 4 to 6 accumulator chains are too few to hide the FMA latency, so they take about as long
 * as a 4-row tile, and every extra kernel is one more method that boxes vectors until C2 compiles
 * it, which for a kernel only tails use comes late.
 */
final class SgemmTiles {
    private SgemmTiles() {}

    /** Smallest and largest panel width in vectors. */
    static final int MIN_VECTORS = 2;
    static final int MAX_VECTORS = 4;

    /** Kernel heights (rows) per panel width in vectors, ascending; index = vectors. */
    private static final int[][] HEIGHTS = {
        {}, {},
        {1, 4, 5, 6, 8, 12},
        {1, 3, 4, 6, 8},
        {1, 2, 4, 6},
    };

    /**
     * Panels a one-row product (a matrix-vector product) takes at a time, per panel width in
     * vectors: about eight accumulator chains, enough to cover the FMA latency on two FMA units.
     */
    private static final int[] GEMV_PANELS = {0, 0, 4, 3, 2};

    /** Largest {@code rows x vectors} of any kernel: the size of a scratch tile in vectors. */
    static final int MAX_TILE_VECTORS = maxTileVectors();

    /** Whether a kernel of {@code rows x vectors} exists. */
    static boolean exists(int rows, int vectors) {
        return vectors >= MIN_VECTORS && vectors <= MAX_VECTORS && Arrays.binarySearch(HEIGHTS[vectors], rows) >= 0;
    }

    /** The kernel heights for panels of {@code vectors} vectors (a copy). */
    static int[] heights(int vectors) {
        checkVectors(vectors);
        return HEIGHTS[vectors].clone();
    }

    /** Panels per step of the one-row kernel for panels of {@code vectors} vectors. */
    static int gemvPanels(int vectors) {
        checkVectors(vectors);
        return GEMV_PANELS[vectors];
    }

    /** The smallest kernel height at least {@code rows} (1..largest height) for panels of {@code vectors} vectors. */
    static int tailHeight(int vectors, int rows) {
        for (int h : HEIGHTS[vectors]) {
            if (h >= rows) {
                return h;
            }
        }
        throw new IllegalArgumentException("no kernel of " + vectors + " vectors has " + rows + " rows");
    }

    /** Largest kernel height for panels of {@code vectors} vectors. */
    static int maxHeight(int vectors) {
        int[] h = HEIGHTS[vectors];
        return h[h.length - 1];
    }

    /** Every shape as "RxV", for messages: "1x2, 2x2, ..., 6x4". */
    static String list() {
        StringBuilder sb = new StringBuilder();
        for (int v = MIN_VECTORS; v <= MAX_VECTORS; v++) {
            for (int h : HEIGHTS[v]) {
                sb.append(sb.isEmpty() ? "" : ", ").append(h).append('x').append(v);
            }
        }
        return sb.toString();
    }

    private static int maxTileVectors() {
        int max = 0;
        for (int v = MIN_VECTORS; v <= MAX_VECTORS; v++) {
            max = Math.max(max, maxHeight(v) * v);
        }
        return max;
    }

    private static void checkVectors(int vectors) {
        if (vectors < MIN_VECTORS || vectors > MAX_VECTORS) {
            throw new IllegalArgumentException("panel width must be " + MIN_VECTORS + ".." + MAX_VECTORS
                    + " vectors, got " + vectors);
        }
    }
}
