package dev.vecrnn.profile;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/**
 * Whether anyone listens for phase timings: an installed {@link PhaseTotals}, or a JFR recording
 * with a {@code vecrnn.*} event enabled. Instrumented code asks once per pass (never per step);
 * when nobody listens it takes no timestamps and creates no events.
 *
 * <p>Why not JFR's own idiom {@code new E(); if (e.isEnabled())} per phase: escape analysis
 * removes that allocation only once C2 has compiled and inlined the caller, so interpreted and
 * C1 code would allocate an event per phase even with no recording. Instead:
 * {@link FlightRecorder#isInitialized()} is a static volatile read and stays false until someone
 * starts a recording, so a process that never records never even loads the event types; once
 * JFR is up, {@link EventType#isEnabled()} of the cached types follows every recording's
 * settings and allocates nothing.
 */
public final class Profiling {
    private Profiling() {}

    private static volatile PhaseTotals totals;

    /** Collects phase timings into {@code sink} until {@code install(null)}; returns the previous one. */
    public static synchronized PhaseTotals install(PhaseTotals sink) {
        PhaseTotals old = totals;
        totals = sink;
        return old;
    }

    /** The installed collector, or null. */
    public static PhaseTotals installed() {
        return totals;
    }

    /** True if phase timings are wanted by a collector or a recording. */
    public static boolean listening() {
        return totals != null || recording();
    }

    /** True if a running JFR recording has at least one vecrnn event enabled. */
    public static boolean recording() {
        return FlightRecorder.isInitialized() && Types.anyEnabled();
    }

    /** Enables every vecrnn event on {@code r} (no threshold, no stack traces). */
    public static void enableAll(Recording r) {
        for (Class<? extends jdk.jfr.Event> c : Events.TYPES) {
            r.enable(c).withoutThreshold().withoutStackTrace();
        }
    }

    /** Loaded only once JFR is initialized, so a process that never records never registers our types. */
    private static final class Types {
        private static final EventType[] ALL = Events.TYPES.stream().map(EventType::getEventType).toArray(EventType[]::new);

        static boolean anyEnabled() {
            for (EventType t : ALL) {
                if (t.isEnabled()) {
                    return true;
                }
            }
            return false;
        }
    }
}
