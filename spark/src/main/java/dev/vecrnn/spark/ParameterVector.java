package dev.vecrnn.spark;

import dev.vecrnn.nn.Parameter;
import dev.vecrnn.train.Optimizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's parameters, gradients or optimizer state as one flat {@code float[]}, in the order of
 * {@code Model.parameters()} (the stack's PyTorch order, then the head): what travels between
 * the driver and the executors.
 */
final class ParameterVector {
    private ParameterVector() {}

    /** Total elements of {@code parameters}. */
    static int length(List<Parameter> parameters) {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.size();
        }
        return Math.toIntExact(n);
    }

    /** A copy of every parameter's values, concatenated. */
    static float[] values(List<Parameter> parameters) {
        float[] out = new float[length(parameters)];
        int at = 0;
        for (Parameter p : parameters) {
            System.arraycopy(p.value(), 0, out, at, p.size());
            at += p.size();
        }
        return out;
    }

    /** A copy of every parameter's gradient, concatenated. */
    static float[] gradients(List<Parameter> parameters) {
        float[] out = new float[length(parameters)];
        int at = 0;
        for (Parameter p : parameters) {
            System.arraycopy(p.grad(), 0, out, at, p.size());
            at += p.size();
        }
        return out;
    }

    /** Overwrites the parameters' values with {@code flat}. */
    static void setValues(List<Parameter> parameters, float[] flat) {
        checkLength(parameters, flat, "parameter values");
        int at = 0;
        for (Parameter p : parameters) {
            System.arraycopy(flat, at, p.value(), 0, p.size());
            at += p.size();
        }
    }

    /** Overwrites the parameters' gradients with {@code flat}. */
    static void setGradients(List<Parameter> parameters, float[] flat) {
        checkLength(parameters, flat, "gradients");
        int at = 0;
        for (Parameter p : parameters) {
            System.arraycopy(flat, at, p.grad(), 0, p.size());
            at += p.size();
        }
    }

    private static void checkLength(List<Parameter> parameters, float[] flat, String what) {
        int n = length(parameters);
        if (flat.length != n) {
            throw new IllegalArgumentException(what + " hold " + flat.length + " floats, but the model's "
                    + parameters.size() + " parameters hold " + n + ": the two sides have different configurations");
        }
    }

    /** A copy of the optimizer's state buffers, concatenated in {@link Optimizer#state()}'s order. */
    static float[] state(Optimizer optimizer) {
        Map<String, float[]> state = optimizer.state();
        long n = 0;
        for (float[] b : state.values()) {
            n += b.length;
        }
        float[] out = new float[Math.toIntExact(n)];
        int at = 0;
        for (float[] b : state.values()) {
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    /** Loads {@code flat} (as {@link #state} made it for an optimizer of the same kind) and the update count. */
    static void loadState(Optimizer optimizer, float[] flat, long steps) {
        Map<String, float[]> mine = optimizer.state();
        Map<String, float[]> given = new LinkedHashMap<>();
        int at = 0;
        for (Map.Entry<String, float[]> e : mine.entrySet()) {
            int n = e.getValue().length;
            if (at + n > flat.length) {
                break;
            }
            float[] b = new float[n];
            System.arraycopy(flat, at, b, 0, n);
            given.put(e.getKey(), b);
            at += n;
        }
        if (at != flat.length || given.size() != mine.size()) {
            throw new IllegalArgumentException(optimizer.kind() + " optimizer state of " + flat.length
                    + " floats does not fit this optimizer's buffers " + mine.keySet());
        }
        optimizer.loadState(given, steps);
    }
}
