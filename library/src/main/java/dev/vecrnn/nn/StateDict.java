package dev.vecrnn.nn;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves {@link RecurrentLayer} parameters to and from PyTorch {@code state_dict}s, in memory
 * ({@code Map<String, Tensor>}) or as safetensors files.
 *
 * <pre>{@code
 * RecurrentLayer lstm = StateDict.load(CellType.LSTM, Path.of("lstm.safetensors"));
 * StateDict.save(lstm, Path.of("lstm-copy.safetensors"));
 * }</pre>
 *
 * <p>A state dict with {@code _reverse} tensors (PyTorch's {@code bidirectional=True}) loads as a
 * bidirectional stack; one with {@code weight_hr_l{k}} tensors (an LSTM built with PyTorch's
 * {@code proj_size}) as an LSTM with projections, P and H taken from their {@code [P, H]} shape
 * (other cells reject them, naming the tensor). A state dict of a PyTorch module built with
 * {@code bias=False} (no
 * {@code bias_*} tensors at all) loads with zero biases; they are ordinary parameters from then
 * on (they receive gradients).
 */
public final class StateDict {
    private static final Pattern NAME = Pattern.compile("(weight|bias)_(ih|hh|hr)_l(\\d+)(_reverse)?");
    private static final String[] KINDS = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"};
    private static final String[] PROJ_KINDS = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l", "weight_hr_l"};
    private static final String REVERSE = "_reverse";

    private StateDict() {}

    /** Loads PyTorch-named parameters from a safetensors file, on the shared thread team. */
    public static RecurrentLayer load(CellType cell, Path safetensors) throws IOException {
        return load(cell, SafeTensors.read(safetensors), ThreadTeam.shared());
    }

    /**
     * A layer stack holding copies of the given PyTorch-named tensors; layers, directions, input,
     * hidden and projection sizes are inferred from the names and shapes.
     *
     * @throws IllegalArgumentException for unknown or missing names, or shapes that do not fit
     *     the cell, naming the tensor, the expected and the actual shape
     */
    public static RecurrentLayer load(CellType cell, Map<String, Tensor> tensors, ThreadTeam team) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        boolean anyBias = false;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (!t.dtype().isFloating()) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' is " + t.dtype()
                        + ", expected a floating-point tensor");
            }
            values.put(e.getKey(), t.toFloats());
            shapes.put(e.getKey(), t.shape());
            anyBias |= e.getKey().startsWith("bias_");
        }
        if (!anyBias) {
            addZeroBiases(cell, values, shapes);
        }
        return fromParameters(cell, values, shapes, team);
    }

    /**
     * The layer stack of {@link RecurrentLayer#fromParameters(CellType, Map, Map, ThreadTeam)}: the
     * sizes inferred from PyTorch's names and shapes, every name and shape checked, the values copied.
     */
    static RecurrentLayer fromParameters(CellType cell, Map<String, float[]> values, Map<String, int[]> shapes,
                                         ThreadTeam team) {
        if (cell == null) {
            throw new IllegalArgumentException("cell type is null");
        }
        if (values == null || shapes == null) {
            throw new IllegalArgumentException("parameter values and shapes must not be null");
        }
        // (containsKey(null) would throw on immutable maps)
        if (values.keySet().stream().anyMatch(k -> k == null) || shapes.keySet().stream().anyMatch(k -> k == null)) {
            throw new IllegalArgumentException("parameter names must not be null");
        }
        int maxLayer = -1;
        boolean anyReverse = false;
        String anyProj = null;
        for (String name : new TreeSet<>(values.keySet())) {
            Matcher m = name == null ? null : NAME.matcher(name);
            if (m == null || !m.matches()) {
                throw new IllegalArgumentException("unknown parameter '" + name + "' for " + LayerConf.named(cell)
                        + " layer; expected weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}"
                        + (cell == CellType.LSTM ? " (weight_hr_l{k} with projections)" : "")
                        + " (and the same with _reverse for a bidirectional stack)");
            }
            if (m.group(2).equals("hr") && anyProj == null) {
                anyProj = name;
            }
            int k;
            try {
                k = Integer.parseInt(m.group(3));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter '" + name + "': layer index out of range");
            }
            maxLayer = Math.max(maxLayer, k);
            anyReverse |= m.group(4) != null;
            if (!shapes.containsKey(name) || shapes.get(name) == null) {
                throw new IllegalArgumentException("parameter '" + name + "' has no shape");
            }
            if (values.get(name) == null) {
                throw new IllegalArgumentException("parameter '" + name + "' has no data");
            }
        }
        for (String name : shapes.keySet()) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("parameter '" + name + "' has a shape but no data");
            }
        }
        if (maxLayer < 0) {
            throw new IllegalArgumentException("no parameters given; need weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0");
        }
        int layers = maxLayer + 1;
        if (anyProj != null && cell != CellType.LSTM) {
            throw new IllegalArgumentException("parameter '" + anyProj + "': projections (proj_size, weight_hr_l{k})"
                    + " exist only for an lstm, not for " + LayerConf.named(cell));
        }
        for (int k = 0; k < layers; k++) {
            for (int d = 0; d < (anyReverse ? 2 : 1); d++) {
                for (String kind : anyProj != null ? PROJ_KINDS : KINDS) {
                    String name = kind + k + (d == 1 ? REVERSE : "");
                    if (!values.containsKey(name)) {
                        throw new IllegalArgumentException("missing parameter '" + name + "' (a "
                                + (anyReverse ? "bidirectional " : "") + cell.cliName() + " stack of " + layers
                                + " layers needs " + (anyReverse
                                ? "all " + (anyProj != null ? "ten" : "eight")
                                + " tensors per layer: every layer has both directions, or none has"
                                : "all " + (anyProj != null ? "five" : "four") + " tensors per layer")
                                + (anyProj != null ? ", weight_hr_l{k} in every layer since " + anyProj + " is given" : "")
                                + ")");
                    }
                }
            }
        }
        int g = cell.gates();
        int[] whh0 = shapes.get("weight_hh_l0");
        int hidden;
        int proj = 0;
        if (anyProj != null) {
            // with projections W_hh is [4H, P]: H and P come from W_hr [P, H]
            int[] whr0 = shapes.get("weight_hr_l0");
            if (whr0.length != 2 || whr0[0] < 1 || whr0[1] <= whr0[0]) {
                throw new IllegalArgumentException("weight_hr_l0: expected shape [P, H] with 1 <= P < H, got "
                        + Arrays.toString(whr0));
            }
            proj = whr0[0];
            hidden = whr0[1];
        } else {
            if (whh0.length != 2 || whh0[1] < 1) {
                throw new IllegalArgumentException("weight_hh_l0: expected shape [G*H, H], got " + Arrays.toString(whh0));
            }
            hidden = whh0[1];
        }
        int[] wih0 = shapes.get("weight_ih_l0");
        if (wih0.length != 2 || wih0[1] < 1) {
            throw new IllegalArgumentException("weight_ih_l0: expected shape [G*H, I] = [" + g * hidden
                    + ", I], got " + Arrays.toString(wih0));
        }
        int input = wih0[1];
        RecurrentLayer layer = new RecurrentLayer(new LayerConf(cell, input, hidden, layers, anyReverse, proj), team);
        Map<String, Parameter> byName = layer.params().byName;
        for (String name : values.keySet()) {
            if (!byName.containsKey(name)) {
                // e.g. "weight_ih_l01": matches the pattern but is not the canonical name
                throw new IllegalArgumentException("unknown parameter '" + name + "'; expected one of "
                        + byName.keySet());
            }
        }
        for (Parameter p : layer.parameters()) {
            int[] expected = p.shape();
            int[] actual = shapes.get(p.name());
            if (!Arrays.equals(expected, actual)) {
                String hint = actual.length >= 1 && actual[0] % hidden == 0 && actual[0] / hidden != g
                        ? " (" + actual[0] / hidden + " gates of " + hidden + " units; " + LayerConf.named(cell)
                        + " has " + g + ")" : "";
                throw new IllegalArgumentException(p.name() + ": expected shape " + Arrays.toString(expected)
                        + " for a " + (anyReverse ? "bidirectional " : "") + cell.cliName() + " with input size "
                        + input + ", hidden size " + hidden + (proj > 0 ? ", proj size " + proj : "") + ", got "
                        + Arrays.toString(actual) + hint);
            }
            float[] v = values.get(p.name());
            if (v.length != p.size()) {
                throw new IllegalArgumentException(p.name() + ": shape " + Arrays.toString(expected) + " needs "
                        + p.size() + " floats, got " + v.length);
            }
            System.arraycopy(v, 0, p.value(), 0, v.length);
        }
        return layer;
    }

    /** Copies of the layer's parameters under their PyTorch names, in PyTorch's order. */
    public static Map<String, Tensor> of(RecurrentLayer layer) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : layer.parameters()) {
            out.put(p.name(), Tensor.of(p.value().clone(), p.shape()));
        }
        return out;
    }

    /** Writes the layer's parameters to a safetensors file, atomically. */
    public static void save(RecurrentLayer layer, Path file) throws IOException {
        SafeTensors.write(file, of(layer));
    }

    private static void addZeroBiases(CellType cell, Map<String, float[]> values, Map<String, int[]> shapes) {
        Map<String, int[]> extra = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("weight_ih_l") || name.startsWith("weight_hh_l")) {
                String bias = "bias_" + name.substring("weight_".length());
                int[] shape = e.getValue();
                if (shape.length >= 1) {
                    extra.put(bias, new int[] {shape[0]});
                }
            }
        }
        for (Map.Entry<String, int[]> e : extra.entrySet()) {
            values.put(e.getKey(), new float[e.getValue()[0]]);
            shapes.put(e.getKey(), e.getValue());
        }
    }
}
