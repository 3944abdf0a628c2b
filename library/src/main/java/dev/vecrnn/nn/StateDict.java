package dev.vecrnn.nn;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
        return RecurrentLayer.fromParameters(cell, values, shapes, team);
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
