/**
 * Phase timing and JDK Flight Recorder events of the recurrent layers and optimizers (internal,
 * not exported).
 *
 * <p>Two listeners can ask for timings: a JFR recording that enables the {@code vecrnn.*} events
 * ({@link dev.vecrnn.profile.Events}), and an in-process {@link dev.vecrnn.profile.PhaseTotals}
 * installed by {@code vecrnn profile}. With neither, the instrumented code pays one static check
 * per pass and per phase and allocates nothing; see {@link dev.vecrnn.profile.Profiling}.
 */
package dev.vecrnn.profile;
