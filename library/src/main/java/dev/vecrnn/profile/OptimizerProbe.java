package dev.vecrnn.profile;

/**
 * Times one optimizer update for {@link Profiling}'s listeners. One per optimizer, used by the
 * thread that steps it; allocates an event only while a recording wants it.
 */
public final class OptimizerProbe {
    private boolean timing;
    private long start;
    private Events.OptimizerStep event;

    /** Call before the update. */
    public void start() {
        timing = Profiling.listening();
        if (!timing) {
            return;
        }
        if (Profiling.recording()) {
            event = new Events.OptimizerStep();
            event.begin();
        }
        start = System.nanoTime();
    }

    /** Call after the update. */
    public void end(String kind, int parameters, long elements) {
        if (!timing) {
            return;
        }
        long dt = System.nanoTime() - start;
        timing = false;
        PhaseTotals t = Profiling.installed();
        if (t != null) {
            t.add(Phase.OPTIMIZER_STEP, dt, 0);
        }
        Events.OptimizerStep e = event;
        if (e != null) {
            event = null;
            e.optimizer = kind;
            e.parameters = parameters;
            e.elements = elements;
            e.bytes = 4 * elements;
            e.time = dt;
            e.commit();
        }
    }
}
