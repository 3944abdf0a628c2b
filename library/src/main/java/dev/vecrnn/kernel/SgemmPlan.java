package dev.vecrnn.kernel;

import java.util.Locale;

/**
 * How the vector SGEMM cuts a product: the micro-tile ({@code rows x vectors} of C held in
 * registers) and the cache blocks. Chosen once per machine ({@link #choose}) from the vector
 * register count and the cache sizes, each overridable by a system property; tests build others
 * with {@link #of}. No choice here changes any result bit (see {@link VectorSgemm}).
 *
 * @param rows          main tile height
 * @param vectors       panel width in vectors (2..4); the packed B layout follows it
 * @param altRows       a second height used when M is a multiple of it but not of {@code rows}, or 0
 * @param lanes         floats per vector
 * @param kc            largest k block: one B panel block ({@code kc x nr} floats) stays in L1
 * @param mc            row block: the packed A block ({@code mc x kc} floats) stays in L2
 * @param nc            column block of a per-call packed B ({@code kc x nc} floats, a multiple of nr), in L3
 * @param aResident     largest packed A (floats) kept whole in L2 by the small-M panel order
 * @param bPanelScratch largest single B panel (floats) packed per call by the panel order
 */
record SgemmPlan(int rows, int vectors, int altRows, int lanes, int kc, int mc, int nc, int aResident,
                 int bPanelScratch) {

    SgemmPlan {
        if (!SgemmTiles.exists(rows, vectors) || (altRows != 0 && !SgemmTiles.exists(altRows, vectors))) {
            throw new IllegalArgumentException("no micro-kernel " + rows + "x" + vectors
                    + (altRows != 0 ? " or " + altRows + "x" + vectors : ""));
        }
        if (lanes < 1 || kc < 1 || mc < 1 || nc < vectors * lanes || nc % (vectors * lanes) != 0
                || aResident < 1 || bPanelScratch < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "bad SGEMM blocking: lanes %d kc %d mc %d nc %d (a multiple of %d) aResident %d bPanelScratch %d",
                    lanes, kc, mc, nc, vectors * lanes, aResident, bPanelScratch));
        }
    }

    /** Columns per packed panel. */
    int nr() {
        return vectors * lanes;
    }

    /** Rows per main tile for a product with {@code m} rows. */
    int mainTileRows(int m) {
        return altRows != 0 && m % rows != 0 && m % altRows == 0 ? altRows : rows;
    }

    /** Kernel height for a last tile of {@code r} rows. */
    int tailHeight(int r) {
        return SgemmTiles.tailHeight(vectors, r);
    }

    /** Rows of the packed A block for {@code mcRows} rows: full tiles plus the padded last one. */
    int paddedRows(int mcRows, int mr) {
        int full = mcRows / mr * mr;
        return full == mcRows ? mcRows : full + tailHeight(mcRows - full);
    }

    /** A plan with explicit sizes and the panel-order limits of a 1 MiB L2 (tests). */
    static SgemmPlan of(int rows, int vectors, int lanes, int kc, int mc, int nc) {
        return new SgemmPlan(rows, vectors, 0, lanes, kc, mc, nc, 128 * 1024, 256 * 1024);
    }

    /**
     * Registers a {@code rows x vectors} tile may need in C2's code: C2 can load every broadcast of
     * a k step ahead of its FMAs, so all {@code rows} broadcasts may be live at once, not one.
     * Measured at 256 bits with 16 registers (Zen 5, {@code -XX:UseAVX=2}): the 5x2 kernel (13
     * registers by the textbook count, 17 with five live broadcasts) ran at 112-117 GFLOP/s in one
     * JVM and 45 in another, whose k loop (disassembled) kept all five broadcasts live and stored
     * and reloaded an accumulator on the stack every k step; 4x2 (14), 3x3 (15) and 2x4 (14) ran at
     * 105-114 in every JVM tried. With 32 registers the measured tiles did not spill.
     */
    static int registersWithLiveBroadcasts(int rows, int vectors) {
        return rows * vectors + vectors + rows;
    }

    /** Registers a {@code rows x vectors} tile needs by the textbook count: accumulators, the B vectors and one broadcast. */
    static int registersNeeded(int rows, int vectors) {
        return rows * vectors + vectors + 1;
    }

    // ------------------------------------------------------------------ the machine's choice

    /** The chosen plan and, per decision, why (for {@link KernelContext#describe()}). */
    record Choice(SgemmPlan plan, String tile, String kc, String mc, String nc, String panelOrder) {}

    /** Smallest and largest derived k block; a multiple of 16 in between. */
    static final int KC_MIN = 64;
    static final int KC_MAX = 512;

    /**
     * The plan for {@code registers} vector registers of {@code lanes} floats and these caches,
     * with the settings' overrides applied.
     */
    static Choice choose(int registers, int lanes, CacheSizes caches, KernelSettings s) {
        int rows;
        int vectors;
        int alt = 0;
        String tileWhy;
        if (s.tile != null) {
            rows = s.tile[0];
            vectors = s.tile[1];
            tileWhy = "-D" + KernelSettings.SGEMM_TILE + "=" + rows + "x" + vectors;
        } else if (registers >= 32 && lanes >= 8) {
            // Measured on AVX-512: 8 rows as fast as 12 on one core and better on two for M = 32/64.
            rows = 8;
            vectors = 2;
            alt = 12;
            tileWhy = "8 rows divide the usual batch sizes; 12x2 (" + registersNeeded(12, 2)
                    + " registers) where M is a multiple of 12 but not of 8";
        } else if (registers >= 32) {
            // A vector of 4 floats: 4 per panel (6x4, 24 accumulators) ran at 57 GFLOP/s of a
            // 61 peak in a 1024^3 product at 128 bits; 8x3 at 52, 8x2 at 55 (Zen 5).
            rows = 6;
            vectors = 4;
            tileWhy = "a vector holds only " + lanes + " floats, so 4 per panel: 24 accumulators (measured ahead"
                    + " of 8x3 and 8x2)";
        } else {
            vectors = 2;
            rows = 1;
            for (int h : SgemmTiles.heights(2)) {
                if (registersWithLiveBroadcasts(h, 2) <= registers) {
                    rows = h;
                }
            }
            tileWhy = "the tallest 2-vector tile that fits even when C2 keeps every broadcast of a k step live"
                    + " (" + registersWithLiveBroadcasts(rows, 2) + " registers; 5x2 needs "
                    + registersWithLiveBroadcasts(5, 2) + " and some JVMs spilled an accumulator every k step)";
        }
        int need = registersNeeded(rows, vectors);
        String tile = String.format(Locale.ROOT, "%dx%d (%d rows x %d columns of C): %d accumulators + %d B vectors"
                        + " + 1 broadcast = %d of %d registers%s; %s", rows, vectors, rows, vectors * lanes,
                rows * vectors, vectors, need, registers, need > registers ? ", MORE THAN THERE ARE (spills)"
                        : registersWithLiveBroadcasts(rows, vectors) > registers ? " (too tight: with all " + rows
                        + " broadcasts live C2 may spill)" : "",
                tileWhy);
        int nr = vectors * lanes;

        int kc;
        String kcWhy;
        if (s.kc != null) {
            kc = s.kc;
            kcWhy = "-D" + KernelSettings.SGEMM_KC;
        } else {
            long fit = caches.l1() * 2 / 3 / (4L * nr);
            kc = (int) Math.max(KC_MIN, Math.min(KC_MAX, fit / 16 * 16));
            kcWhy = "B panel block kc x " + nr + " floats in 2/3 of L1d (" + CacheSizes.format(caches.l1()) + ")";
        }
        String kcText = kc + " (" + CacheSizes.format(4L * kc * nr) + " B panel block; " + kcWhy + ")";

        int mc;
        String mcWhy;
        if (s.mc != null) {
            mc = s.mc;
            mcWhy = "-D" + KernelSettings.SGEMM_MC;
        } else {
            int unit = alt == 0 ? rows : lcm(rows, alt);
            long fit = caches.l2() / 2 / (4L * kc);
            mc = (int) Math.max(unit, Math.min(KernelSettings.MC_MAX, fit / unit * unit));
            mcWhy = "packed A block mc x kc in half of L2 (" + CacheSizes.format(caches.l2()) + "), a multiple of "
                    + unit + " rows";
        }
        String mcText = mc + " (" + CacheSizes.format(4L * mc * kc) + " packed A block; " + mcWhy + ")";

        int nc;
        String ncWhy;
        if (s.nc != null) {
            nc = Math.max(nr, s.nc / nr * nr);
            ncWhy = "-D" + KernelSettings.SGEMM_NC + "=" + s.nc + (nc != s.nc ? ", rounded to a multiple of " + nr : "");
        } else {
            long fit = caches.l3PerCore() / 4 / (4L * kc);
            nc = (int) Math.max(nr, Math.min(KernelSettings.NC_MAX / nr * nr, fit / nr * nr));
            ncWhy = "packed B block kc x nc in a quarter of the L3 share of one core ("
                    + CacheSizes.format(caches.l3()) + " / " + caches.l3Sharing() + ")";
        }
        String ncText = nc + " (" + CacheSizes.format(4L * kc * nc) + " packed B block; " + ncWhy + ")";

        int aResident = (int) Math.max(1024, Math.min(Integer.MAX_VALUE / 2, caches.l2() / 2 / 4));
        int bScratch = (int) Math.max(4096, Math.min(Integer.MAX_VALUE / 2, caches.l2() / 4));
        String panelOrder = "small M (the recurrent step): whole packed A up to " + CacheSizes.format(4L * aResident)
                + " (half of L2) stays in L2 while each B panel streams once; per-call B panel up to "
                + CacheSizes.format(4L * bScratch);
        SgemmPlan plan = new SgemmPlan(rows, vectors, alt, lanes, kc, mc, nc, aResident, bScratch);
        return new Choice(plan, tile, kcText, mcText, ncText, panelOrder);
    }

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }
}
