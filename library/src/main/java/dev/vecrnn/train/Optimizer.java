package dev.vecrnn.train;

import dev.vecrnn.nn.Parameter;
import dev.vecrnn.profile.OptimizerProbe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Updates a fixed list of {@link Parameter}s in place from their accumulated gradients, with
 * PyTorch's update rules (see {@link Sgd}, {@link RmsProp}, {@link Adam}), so hyperparameters
 * tuned there carry over.
 *
 * <p>Every per-parameter state buffer (momentum, running averages) is allocated zeroed at
 * construction; {@link #step()} allocates nothing. The learning rate is a field the caller (the
 * {@link Trainer}, through a {@link LearningRateSchedule}) sets before each step, as a PyTorch
 * scheduler does.
 *
 * <p>State for checkpoints: {@link #state()} exposes the buffers under the names PyTorch's
 * optimizers use in their {@code state_dict} ({@code momentum_buffer}, {@code square_avg},
 * {@code exp_avg}, {@code exp_avg_sq}), joined with the parameter name:
 * {@code "exp_avg_sq.weight_hh_l0"}; {@link #steps()} is the update count. Restoring both with
 * {@link #loadState} continues the exact sequence of updates.
 *
 * <p>Not thread-safe; one thread steps an optimizer.
 */
public abstract sealed class Optimizer permits Sgd, RmsProp, Adam {
    private final Parameter[] params;
    private final List<Parameter> paramList;
    private final String[] bufferNames;
    /** {@code buffers[k][i]}: state buffer k of parameter i, as long as the parameter. */
    private final float[][][] buffers;
    private double learningRate;
    private long steps;
    /** Parameter elements, for the optimizer-step profiling event. */
    private final long elements;
    private final OptimizerProbe probe = new OptimizerProbe();

    Optimizer(List<Parameter> parameters, double learningRate, String... bufferNames) {
        if (parameters == null || parameters.isEmpty()) {
            throw new IllegalArgumentException("parameters must be a non-empty list, got " + parameters);
        }
        Set<String> names = new HashSet<>();
        for (Parameter p : parameters) {
            if (p == null) {
                throw new IllegalArgumentException("parameters contain null: " + parameters);
            }
            if (!names.add(p.name())) {
                // state is keyed by name, so a duplicate would make checkpoints ambiguous
                throw new IllegalArgumentException("parameter name '" + p.name() + "' occurs twice in " + parameters);
            }
        }
        this.params = parameters.toArray(new Parameter[0]);
        this.paramList = Collections.unmodifiableList(new ArrayList<>(parameters));
        this.bufferNames = bufferNames.clone();
        this.buffers = new float[bufferNames.length][params.length][];
        for (int k = 0; k < bufferNames.length; k++) {
            for (int i = 0; i < params.length; i++) {
                buffers[k][i] = new float[params[i].size()];
            }
        }
        long n = 0;
        for (Parameter p : params) {
            n += p.size();
        }
        this.elements = n;
        setLearningRate(learningRate);
    }

    /** {@code "sgd"}, {@code "rmsprop"} or {@code "adam"}. */
    public abstract String kind();

    /**
     * The hyperparameters other than the learning rate, by PyTorch's argument names, for
     * checkpoint metadata and logs (e.g. {@code betas} {@code "0.9,0.999"}).
     */
    public abstract Map<String, String> hyperparameters();

    /** The parameters this optimizer updates, in the order given (unmodifiable). */
    public final List<Parameter> parameters() {
        return paramList;
    }

    /** The learning rate of the next step. */
    public final double learningRate() {
        return learningRate;
    }

    /**
     * Sets the learning rate of the following steps.
     *
     * @throws IllegalArgumentException if {@code lr} is negative or not finite
     */
    public final void setLearningRate(double lr) {
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        }
        this.learningRate = lr;
    }

    /** Number of updates applied so far (PyTorch's per-parameter {@code step}). */
    public final long steps() {
        return steps;
    }

    /** Applies one update to every parameter from its current gradient; allocates nothing. */
    public final void step() {
        probe.start();
        steps++;
        prepare(steps);
        for (int i = 0; i < params.length; i++) {
            update(i, params[i].value(), params[i].grad());
        }
        probe.end(kind(), params.length, elements);
    }

    /** Per-step scalars (e.g. Adam's bias corrections) computed once, before the parameter loop. */
    void prepare(long step) {}

    /** Updates one parameter; {@link #buffer} gives its state. */
    abstract void update(int index, float[] value, float[] grad);

    /** State buffer {@code k} (in the order of the constructor's names) of parameter {@code index}. */
    final float[] buffer(int k, int index) {
        return buffers[k][index];
    }

    /** Sets every parameter's gradient to zero. */
    public final void zeroGrad() {
        for (Parameter p : params) {
            Arrays.fill(p.grad(), 0f);
        }
    }

    /**
     * The state buffers, keyed {@code "<buffer>.<parameter>"} in a fixed order (buffer kinds,
     * then parameters). The arrays are live: copy them to keep a snapshot.
     */
    public final Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int k = 0; k < bufferNames.length; k++) {
            for (int i = 0; i < params.length; i++) {
                out.put(bufferNames[k] + "." + params[i].name(), buffers[k][i]);
            }
        }
        return out;
    }

    /**
     * Restores the state {@link #state()} and {@link #steps()} described: copies every buffer
     * and sets the update count. The map must hold exactly this optimizer's keys with the right
     * lengths; nothing is changed if it does not.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or mis-sized buffer
     */
    public final void loadState(Map<String, float[]> state, long steps) {
        if (state == null) {
            throw new IllegalArgumentException("optimizer state is null");
        }
        if (steps < 0) {
            throw new IllegalArgumentException("optimizer steps must be >= 0, got " + steps);
        }
        Map<String, float[]> mine = state();
        Set<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(mine.keySet());
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(kind() + " optimizer state has unexpected buffers " + unexpected
                    + "; expected " + mine.keySet());
        }
        for (Map.Entry<String, float[]> e : mine.entrySet()) {
            float[] given = state.get(e.getKey());
            if (given == null) {
                throw new IllegalArgumentException(kind() + " optimizer state lacks buffer '" + e.getKey() + "'");
            }
            if (given.length != e.getValue().length) {
                throw new IllegalArgumentException(kind() + " optimizer buffer '" + e.getKey() + "': expected "
                        + e.getValue().length + " floats, got " + given.length);
            }
        }
        for (Map.Entry<String, float[]> e : mine.entrySet()) {
            float[] given = state.get(e.getKey());
            System.arraycopy(given, 0, e.getValue(), 0, given.length);
        }
        this.steps = steps;
    }

    /** Kind, learning rate and hyperparameters in one line, e.g. {@code adam(lr=0.001, betas=0.9,0.999, eps=1e-08)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind()).append("(lr=").append(learningRate);
        for (Map.Entry<String, String> e : hyperparameters().entrySet()) {
            sb.append(", ").append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.append(')').toString();
    }

    static double checkUnitInterval(String name, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
        }
        return v;
    }

    static double checkEps(double eps) {
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("eps must be finite and >= 0, got " + eps);
        }
        return eps;
    }
}
