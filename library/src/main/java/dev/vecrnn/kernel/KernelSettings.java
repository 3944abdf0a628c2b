package dev.vecrnn.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The {@code vecrnn.*} system properties that configure the kernels, read once and checked in one
 * place. Each is optional; unset means "decide from the machine" ({@link KernelContext}).
 *
 * <p>A bad value never breaks class initialisation (which would surface as an
 * {@code ExceptionInInitializerError} and then as {@code NoClassDefFoundError} on every later
 * use): it is recorded here, the kernels fall back to the machine's choice internally, and every
 * public kernel entry point throws an {@link IllegalArgumentException} naming the property, the
 * value and the allowed values ({@link #requireValid()}), so a command line can print one line.
 */
final class KernelSettings {
    static final String VECTOR_BITS = "vecrnn.vectorBits";
    static final String VECTOR_REGISTERS = "vecrnn.vectorRegisters";
    static final String CACHE_L1 = "vecrnn.cache.l1";
    static final String CACHE_L2 = "vecrnn.cache.l2";
    static final String CACHE_L3 = "vecrnn.cache.l3";
    static final String SGEMM_TILE = "vecrnn.sgemm.tile";
    static final String SGEMM_KC = "vecrnn.sgemm.kc";
    static final String SGEMM_MC = "vecrnn.sgemm.mc";
    static final String SGEMM_NC = "vecrnn.sgemm.nc";
    static final String PEAK_CHAINS = "vecrnn.peak.chains";

    /** Every property above, in the order they are documented. */
    static final List<String> ALL = List.of(VECTOR_BITS, VECTOR_REGISTERS, CACHE_L1, CACHE_L2, CACHE_L3,
            SGEMM_TILE, SGEMM_KC, SGEMM_MC, SGEMM_NC, PEAK_CHAINS);

    static final int[] VECTOR_BITS_ALLOWED = {0, 128, 256, 512};
    static final int[] VECTOR_REGISTERS_ALLOWED = {16, 32};
    /** FMA chain counts the peak probe has a kernel for. */
    static final int[] PEAK_CHAINS_ALLOWED = {8, 12, 16, 24};
    static final int KC_MAX = 8192;
    static final int MC_MAX = 16384;
    static final int NC_MAX = 1 << 20;
    static final long CACHE_MIN = 1L << 10;
    static final long CACHE_MAX = 1L << 40;

    /** The settings of this JVM (system properties at first use). */
    static final KernelSettings CURRENT = parse(System::getProperty);
    private static final boolean VALID = CURRENT.errors.isEmpty();

    /** Parsed values; null where the property is unset (or invalid, see {@link #errors}). */
    final Integer vectorBits;
    final Integer vectorRegisters;
    final Long l1;
    final Long l2;
    final Long l3;
    /** {@code {rows, vectors}} or null. */
    final int[] tile;
    final Integer kc;
    final Integer mc;
    final Integer nc;
    final Integer peakChains;
    /** One message per invalid property. */
    final List<String> errors;

    private KernelSettings(UnaryOperator<String> properties) {
        List<String> errs = new ArrayList<>();
        vectorBits = read(properties, VECTOR_BITS, (p, v) -> parseChoice(p, v, VECTOR_BITS_ALLOWED), errs);
        vectorRegisters = read(properties, VECTOR_REGISTERS, (p, v) -> parseChoice(p, v, VECTOR_REGISTERS_ALLOWED), errs);
        l1 = read(properties, CACHE_L1, KernelSettings::parseBytes, errs);
        l2 = read(properties, CACHE_L2, KernelSettings::parseBytes, errs);
        l3 = read(properties, CACHE_L3, KernelSettings::parseBytes, errs);
        tile = read(properties, SGEMM_TILE, KernelSettings::parseTile, errs);
        kc = read(properties, SGEMM_KC, (p, v) -> parseRange(p, v, 1, KC_MAX), errs);
        mc = read(properties, SGEMM_MC, (p, v) -> parseRange(p, v, 1, MC_MAX), errs);
        nc = read(properties, SGEMM_NC, (p, v) -> parseRange(p, v, 1, NC_MAX), errs);
        peakChains = read(properties, PEAK_CHAINS, (p, v) -> parseChoice(p, v, PEAK_CHAINS_ALLOWED), errs);
        errors = List.copyOf(errs);
    }

    /** Parses the properties {@code properties} gives (null for unset), recording rather than throwing errors. */
    static KernelSettings parse(UnaryOperator<String> properties) {
        return new KernelSettings(properties);
    }

    /**
     * Throws the {@link IllegalArgumentException} describing every invalid kernel property of this
     * JVM, if there is one. Every public kernel entry point calls this first; the JIT folds it away.
     */
    static void requireValid() {
        if (!VALID) {
            throw CURRENT.failure();
        }
    }

    /** The exception for this set's errors (call only when there are some). */
    IllegalArgumentException failure() {
        return new IllegalArgumentException(String.join("; ", errors));
    }

    // ------------------------------------------------------------------ parsers (pure, tested directly)

    /** Value of a property that must be one of {@code allowed}. */
    static int parseChoice(String property, String value, int[] allowed) {
        String v = value.trim();
        try {
            int x = Integer.parseInt(v);
            for (int a : allowed) {
                if (a == x) {
                    return x;
                }
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed values
        }
        throw invalid(property, value, "use one of " + join(allowed));
    }

    /** A whole number in {@code [min, max]}. */
    static int parseRange(String property, String value, int min, int max) {
        String v = value.trim();
        try {
            int x = Integer.parseInt(v);
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below with the range
        }
        throw invalid(property, value, "use a whole number from " + min + " to " + max);
    }

    /**
     * A size in bytes: digits with an optional binary suffix {@code K}, {@code M} or {@code G}
     * (also {@code KB}, {@code KiB}, ...; case ignored), as Linux reports cache sizes ("48K").
     */
    static long parseBytes(String property, String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.endsWith("IB")) {
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("B")) {
            v = v.substring(0, v.length() - 1);
        }
        long unit = 1;
        if (!v.isEmpty()) {
            char last = v.charAt(v.length() - 1);
            unit = switch (last) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                default -> 1;
            };
            if (unit > 1) {
                v = v.substring(0, v.length() - 1);
            }
        }
        try {
            long x = Long.parseLong(v.trim());
            if (x > 0 && x <= CACHE_MAX / unit && x * unit >= CACHE_MIN) {
                return x * unit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(property, value, "use a size from 1K to 1024G, such as 48K, 1M or 32M");
    }

    /** A micro-kernel shape "RxV" (rows x vectors) that {@link SgemmTiles} has. */
    static int[] parseTile(String property, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        int x = v.indexOf('x');
        if (x > 0) {
            try {
                int rows = Integer.parseInt(v.substring(0, x));
                int vectors = Integer.parseInt(v.substring(x + 1));
                if (SgemmTiles.exists(rows, vectors)) {
                    return new int[] {rows, vectors};
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw invalid(property, value, "use rows x vectors, one of " + SgemmTiles.list());
    }

    private static IllegalArgumentException invalid(String property, String value, String allowed) {
        return new IllegalArgumentException(property + " = '" + value + "' is not valid: " + allowed);
    }

    private static String join(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : i == values.length - 1 ? " or " : ", ").append(values[i]);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ reading one property

    /** Parses one property's text; throws {@link IllegalArgumentException} naming it when invalid. */
    private interface Parser<T> {
        T parse(String property, String value);
    }

    /** The parsed property, or null when unset or invalid (then its message joins {@code errs}). */
    private static <T> T read(UnaryOperator<String> props, String name, Parser<T> parser, List<String> errs) {
        String v = props.apply(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return parser.parse(name, v);
        } catch (IllegalArgumentException e) {
            errs.add(e.getMessage());
            return null;
        }
    }
}
