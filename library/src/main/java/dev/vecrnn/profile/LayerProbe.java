package dev.vecrnn.profile;

/**
 * Phase timing of one recurrent layer stack, for {@link Profiling}'s listeners. A layer owns
 * one and calls it from its passes; everything here allocates nothing unless a JFR recording
 * wants events, and then one event per phase, layer and pass.
 *
 * <p>Threads: a pass runs its jobs on a {@code ThreadTeam} whose worker 0 is the calling thread.
 * All calls except {@link #step} come from that thread. Contiguous phases (input projection,
 * packing, weight gradients) are timed on it, so they include the wait for the slowest worker
 * where the job ends in a barrier. Inside the time loop every worker computes its own slice of
 * hidden units and the workers meet at one barrier per step, so the step's wall time is any one
 * worker's GEMM + pointwise time + its barrier wait. Exactly one worker, the one whose slice
 * starts at unit 0 (normally worker 0), times its GEMM and pointwise calls per step via
 * {@link #step}; the loop's wall time minus those two is reported as
 * {@link Phase#STEP_SYNC} (barrier wait for slower workers, plus loop overhead). The slices are
 * equal up to one unit block, so that worker's split of GEMM vs pointwise is representative,
 * and with one thread {@code STEP_SYNC} is only the loop overhead. The step accumulators are
 * read only after the team has joined, which orders them before the read.
 */
public final class LayerProbe {
    private boolean on;
    private boolean events;
    private PhaseTotals totals;

    private String cell;
    private String pass;
    private boolean backward;
    private int layers;
    private int directions;
    private int steps;
    private int batch;
    private int rows;
    private int inputSize;
    private int hiddenSize;
    /** The recurrent state's width: the projection size P of an LSTM with projections, else H. */
    private int stateSize;
    private int gates;
    private int layer;
    private int in;

    private long gemmNanos;
    private long pointwiseNanos;
    private long loopNanos;
    private long passStart;
    private long passFlops;

    private final Events.LayerPhase[] open = new Events.LayerPhase[Phase.ALL.length];
    private Events.Pass passEvent;

    /** Whether this pass is timed; the in-loop code tests it before taking timestamps. */
    public boolean on() {
        return on;
    }

    /**
     * Starts a pass: decides once whether anyone listens.
     *
     * @param pass {@code "forward"}, {@code "infer"} or {@code "backward"}
     * @param rows the real rows, the sum of the sequence lengths
     */
    public void beginPass(String cell, String pass, int layers, int directions, int steps, int batch, int rows,
                          int inputSize, int hiddenSize, int stateSize, int gates) {
        on = Profiling.listening();
        if (!on) {
            return;
        }
        events = Profiling.recording();
        totals = Profiling.installed();
        this.cell = cell;
        this.pass = pass;
        this.backward = pass.equals("backward");
        this.layers = layers;
        this.directions = directions;
        this.steps = steps;
        this.batch = batch;
        this.rows = rows;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.stateSize = stateSize;
        this.gates = gates;
        passFlops = 0;
        if (events) {
            passEvent = new Events.Pass();
            passEvent.begin();
        }
        passStart = System.nanoTime();
    }

    /** Ends the pass started by {@link #beginPass}. */
    public void endPass() {
        if (!on) {
            return;
        }
        long dt = System.nanoTime() - passStart;
        Events.Pass e = passEvent;
        if (e != null) {
            passEvent = null;
            e.cell = cell;
            e.pass = pass;
            e.layers = layers;
            e.directions = directions;
            e.steps = steps;
            e.batch = batch;
            e.rows = rows;
            e.inputSize = inputSize;
            e.hiddenSize = hiddenSize;
            e.flops = passFlops;
            e.time = dt;
            e.commit();
        }
        on = false;
        events = false;
        totals = null;
    }

    /** Starts layer {@code k} (input width {@code in}) of the current pass. */
    public void beginLayer(int k, int in) {
        if (!on) {
            return;
        }
        layer = k;
        this.in = in;
        gemmNanos = 0;
        pointwiseNanos = 0;
        loopNanos = 0;
        if (events) {
            open(backward ? Phase.RECURRENT_GEMM_BACKWARD : Phase.RECURRENT_GEMM);
            open(backward ? Phase.BACKWARD_POINTWISE : Phase.GATE_POINTWISE);
            open(Phase.STEP_SYNC);
        }
    }

    /** Ends the current layer: records the in-loop phases summed over its steps. */
    public void endLayer() {
        if (!on) {
            return;
        }
        record(backward ? Phase.RECURRENT_GEMM_BACKWARD : Phase.RECURRENT_GEMM, gemmNanos);
        record(backward ? Phase.BACKWARD_POINTWISE : Phase.GATE_POINTWISE, pointwiseNanos);
        record(Phase.STEP_SYNC, Math.max(0, loopNanos - gemmNanos - pointwiseNanos));
    }

    /** Starts a contiguous phase on the calling thread; returns the start time, 0 if not timed. */
    public long start(Phase phase) {
        if (!on) {
            return 0L;
        }
        if (events) {
            open(phase);
        }
        return System.nanoTime();
    }

    /** Ends a contiguous phase begun with {@link #start}. */
    public void end(Phase phase, long start) {
        if (on) {
            record(phase, System.nanoTime() - start);
        }
    }

    /** Adds the wall time of the current layer's time loop. */
    public void loop(long nanos) {
        loopNanos += nanos;
    }

    /** Adds one step's GEMM and pointwise time (called by the one timing worker only). */
    public void step(long gemm, long pointwise) {
        gemmNanos += gemm;
        pointwiseNanos += pointwise;
    }

    /** Exact flops of {@code phase} in the current layer (see {@link Phase}). */
    long flops(Phase phase) {
        long dgh = (long) directions * gates * hiddenSize;
        // with projections (stateSize P < H) W_hh is [G*H, P], and the weight gradients include
        // dW_hr [P, H]; the per-step projection products themselves run inside the time loop
        // untimed, so they count under its overhead, not here
        long projection = stateSize == hiddenSize ? 0L : 2L * rows * directions * stateSize * hiddenSize;
        return switch (phase) {
            case INPUT_PROJECTION -> 2L * rows * dgh * in;
            case RECURRENT_GEMM, RECURRENT_GEMM_BACKWARD -> 2L * rows * dgh * stateSize;
            case WEIGHT_GRADIENT -> 2L * rows * dgh * (stateSize + 2L * in) + projection;
            default -> 0L;
        };
    }

    private void record(Phase phase, long nanos) {
        long flops = flops(phase);
        passFlops += flops;
        PhaseTotals t = totals;
        if (t != null) {
            t.add(phase, nanos, flops);
        }
        Events.LayerPhase e = open[phase.ordinal()];
        if (e != null) {
            open[phase.ordinal()] = null;
            fill(e, phase);
            e.flops = flops;
            e.time = nanos;
            e.commit();
        }
    }

    private void open(Phase phase) {
        Events.LayerPhase e = switch (phase) {
            case INPUT_PROJECTION -> new Events.InputProjection();
            case RECURRENT_GEMM, RECURRENT_GEMM_BACKWARD -> new Events.RecurrentGemm();
            case GATE_POINTWISE -> new Events.GatePointwise();
            case BACKWARD_POINTWISE -> new Events.BackwardPointwise();
            case WEIGHT_GRADIENT -> new Events.WeightGradientGemm();
            case WEIGHT_PACKING -> new Events.WeightPacking();
            case STEP_SYNC -> new Events.TimeLoop();
            case OPTIMIZER_STEP -> throw new IllegalArgumentException("optimizer steps are timed by OptimizerProbe");
        };
        open[phase.ordinal()] = e;
        e.begin();
    }

    private void fill(Events.LayerPhase e, Phase phase) {
        e.cell = cell;
        e.pass = pass;
        e.layer = layer;
        e.directions = directions;
        e.steps = steps;
        e.batch = batch;
        e.rows = rows;
        e.inputSize = in;
        e.hiddenSize = hiddenSize;
        e.gates = gates;
        int gh = gates * hiddenSize;
        switch (phase) {
            case INPUT_PROJECTION -> gemm(e, rows, directions * gh, in);
            case RECURRENT_GEMM -> gemm(e, batch, gh, stateSize);
            case RECURRENT_GEMM_BACKWARD -> gemm(e, batch, stateSize, gh);
            default -> gemm(e, 0, 0, 0);
        }
    }

    private static void gemm(Events.LayerPhase e, int m, int n, int k) {
        e.m = m;
        e.n = n;
        e.k = k;
    }
}
