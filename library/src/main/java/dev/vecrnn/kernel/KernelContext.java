package dev.vecrnn.kernel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the kernels chose for this machine and why: the vector register budget, the cache sizes,
 * the SGEMM micro-tile and blocks, and the FMA chains of the peak probe. Decided once per JVM from
 * the JVM's flags, {@code /sys} and the {@code vecrnn.*} system properties (README, "Choosing
 * the vector width"), each of which overrides one decision so that a benchmark can sweep it
 * without code changes. None of these choices changes a result bit; only the vector width does.
 */
public final class KernelContext {
    /** The machine's context (settings as given, fallbacks where a property is invalid). */
    static final KernelContext CURRENT = detect(KernelSettings.CURRENT);

    private final VectorRegisters.Count registers;
    private final CacheSizes caches;
    private final SgemmPlan.Choice sgemm;
    private final int peakChains;
    private final String peakWhy;
    /** Whether the vector kernels run (lanes above 1); the scalar path has no tiles to describe. */
    private final boolean vector;

    private KernelContext(VectorRegisters.Count registers, CacheSizes caches, SgemmPlan.Choice sgemm,
                          int peakChains, String peakWhy, boolean vector) {
        this.vector = vector;
        this.registers = registers;
        this.caches = caches;
        this.sgemm = sgemm;
        this.peakChains = peakChains;
        this.peakWhy = peakWhy;
    }

    /**
     * This JVM's context.
     *
     * @throws IllegalArgumentException if a {@code vecrnn.*} kernel property has an invalid value
     */
    public static KernelContext current() {
        KernelSettings.requireValid();
        return CURRENT;
    }

    private static KernelContext detect(KernelSettings s) {
        VectorRegisters.Count regs = VectorRegisters.detect(s.vectorRegisters, VectorSupport.BITS);
        CacheSizes caches = CacheSizes.detect(s);
        return of(regs, caches, VectorSupport.FLOAT_LANES, s);
    }

    /** The context for given facts (tests; {@link #detect} for this machine). */
    static KernelContext of(VectorRegisters.Count regs, CacheSizes caches, int lanes, KernelSettings s) {
        SgemmPlan.Choice sgemm = SgemmPlan.choose(regs.registers(), lanes, caches, s);
        int chains;
        String why;
        if (s.peakChains != null) {
            chains = s.peakChains;
            why = "-D" + KernelSettings.PEAK_CHAINS;
        } else {
            // Two constant vectors join the chains; 3/4 of the registers leaves room for them, and
            // 12 or more chains cover a 4-5 cycle FMA latency on two FMA units.
            chains = regs.registers() >= 32 ? 24 : regs.registers() >= 16 ? 12 : 8;
            why = "3/4 of " + regs.registers() + " registers";
        }
        return new KernelContext(regs, caches, sgemm, chains, why, lanes > 1);
    }

    /** Vector registers the tiles are sized for. */
    public int vectorRegisters() {
        return registers.registers();
    }

    /** Independent FMA chains of {@link FmaPeak}. */
    public int peakChains() {
        return peakChains;
    }

    /** The SGEMM plan of this machine. */
    SgemmPlan sgemm() {
        return sgemm.plan();
    }

    /**
     * The decisions as ordered key/value lines for {@code vecrnn info}: path, registers, caches,
     * SGEMM tile, kc, mc, nc, the small-M order (vector path only), FMA peak chains; each value
     * says why.
     */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kernel.path", vector ? VectorSupport.describe() : "scalar (the scalar twins: no tiles or blocks)");
        m.put("kernel.registers", registers.registers() + " (" + registers.why() + ")");
        m.put("kernel.caches", "L1d " + CacheSizes.format(caches.l1()) + ", L2 " + CacheSizes.format(caches.l2())
                + ", L3 " + CacheSizes.format(caches.l3()) + " shared by " + caches.l3Sharing() + " CPU"
                + (caches.l3Sharing() == 1 ? "" : "s") + " (" + caches.source() + ")");
        if (vector) {
            m.put("sgemm.tile", sgemm.tile());
            m.put("sgemm.kc", sgemm.kc());
            m.put("sgemm.mc", sgemm.mc());
            m.put("sgemm.nc", sgemm.nc());
            m.put("sgemm.small-m", sgemm.panelOrder());
        }
        m.put("peak.chains", peakChains + " independent FMA chains (" + peakWhy + ")");
        return Collections.unmodifiableMap(m);
    }
}
