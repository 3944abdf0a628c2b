package dev.vecrnn.train;

import dev.vecrnn.io.TensorFileException;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that decides a {@link Model}'s parameter tensors and what its head computes: the
 * recurrent stack as PyTorch's {@code nn.LSTM}/{@code nn.GRU}/{@code nn.RNN} arguments
 * ({@code input_size}, {@code hidden_size}, {@code num_layers}, {@code bidirectional},
 * {@code proj_size}), the head's output size and the loss. Model files and checkpoints record it
 * as string metadata under exactly those names ({@link #metadata()}), and loading a file into a
 * model whose configuration differs is an error that names the first difference, never a silent
 * reinterpretation of the tensors.
 *
 * @param cell          the recurrent cell
 * @param inputSize     I, input features per step
 * @param hiddenSize    H, hidden units per layer and direction
 * @param numLayers     L, stacked layers
 * @param bidirectional whether each layer also runs backwards in time
 * @param projSize      P, the LSTM projection size, 0 for none
 * @param outputSize    O, the head's outputs per scored position (classes for cross-entropy)
 * @param loss          the loss and the scored steps
 */
public record ModelConfig(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                          int projSize, int outputSize, LossKind loss) {
    static final String CELL = "cell";
    static final String INPUT_SIZE = "input_size";
    static final String HIDDEN_SIZE = "hidden_size";
    static final String NUM_LAYERS = "num_layers";
    static final String BIDIRECTIONAL = "bidirectional";
    static final String PROJ_SIZE = "proj_size";
    static final String OUTPUT_SIZE = "output_size";
    static final String LOSS = "loss";

    /** The configuration of a recurrent stack with a head of {@code outputSize} outputs under {@code loss}. */
    static ModelConfig of(RecurrentLayer layer, int outputSize, LossKind loss) {
        return new ModelConfig(layer.cell(), layer.inputSize(), layer.hiddenSize(), layer.numLayers(),
                layer.bidirectional(), layer.projSize(), outputSize, loss);
    }

    /**
     * The configuration as metadata entries, in this order: {@code cell} (e.g. {@code lstm}),
     * {@code input_size}, {@code hidden_size}, {@code num_layers}, {@code bidirectional}
     * ({@code true}/{@code false}), {@code proj_size}, {@code output_size}, {@code loss}
     * (e.g. {@code mse_last}).
     */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(CELL, cell.cliName());
        m.put(INPUT_SIZE, Integer.toString(inputSize));
        m.put(HIDDEN_SIZE, Integer.toString(hiddenSize));
        m.put(NUM_LAYERS, Integer.toString(numLayers));
        m.put(BIDIRECTIONAL, Boolean.toString(bidirectional));
        m.put(PROJ_SIZE, Integer.toString(projSize));
        m.put(OUTPUT_SIZE, Integer.toString(outputSize));
        m.put(LOSS, loss.name().toLowerCase(Locale.ROOT));
        return m;
    }

    /**
     * Reads the configuration {@link #metadata()} wrote.
     *
     * @throws TensorFileException naming {@code file} and the missing or malformed entry
     */
    static ModelConfig fromMetadata(Path file, Map<String, String> m) throws TensorFileException {
        try {
            CellType cell = CellType.parse(required(file, m, CELL));
            int input = count(file, m, INPUT_SIZE, 1);
            int hidden = count(file, m, HIDDEN_SIZE, 1);
            int layers = count(file, m, NUM_LAYERS, 1);
            String bi = required(file, m, BIDIRECTIONAL);
            if (!bi.equals("true") && !bi.equals("false")) {
                throw new TensorFileException(file, "metadata '" + BIDIRECTIONAL + "' must be true or false, got '" + bi + "'");
            }
            int proj = count(file, m, PROJ_SIZE, 0);
            int outputs = count(file, m, OUTPUT_SIZE, 1);
            LossKind loss = LossKind.valueOf(required(file, m, LOSS).toUpperCase(Locale.ROOT));
            return new ModelConfig(cell, input, hidden, layers, Boolean.parseBoolean(bi), proj, outputs, loss);
        } catch (IllegalArgumentException e) {
            // CellType.parse and LossKind.valueOf
            throw new TensorFileException(file, "metadata names an unknown cell or loss: " + e.getMessage(), e);
        }
    }

    private static String required(Path file, Map<String, String> m, String key) throws TensorFileException {
        String v = m.get(key);
        if (v == null) {
            throw new TensorFileException(file, "metadata lacks '" + key + "', which every vecrnn model file and "
                    + "checkpoint records");
        }
        return v;
    }

    private static int count(Path file, Map<String, String> m, String key, int min) throws TensorFileException {
        String v = required(file, m, key);
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TensorFileException(file, "metadata '" + key + "' must be an integer >= " + min + ", got '" + v + "'");
    }

    /**
     * The first setting in which {@code other} differs from this, as
     * {@code "'bidirectional' is true in <otherName> but false in <thisName>"}, or null if they
     * are equal.
     */
    String firstDifference(ModelConfig other, String otherName, String thisName) {
        Map<String, String> mine = metadata();
        for (Map.Entry<String, String> e : other.metadata().entrySet()) {
            String here = mine.get(e.getKey());
            if (!here.equals(e.getValue())) {
                return "'" + e.getKey() + "' is " + e.getValue() + " in " + otherName + " but " + here + " in " + thisName;
            }
        }
        return null;
    }
}
