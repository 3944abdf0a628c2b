package dev.vecrnn.train;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.io.TensorFileException;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A {@link Model} in files: what {@link Model#save}, {@link Model#load} and
 * {@link Model#loadWeights} do, and the parts a {@link Trainer}'s checkpoints share with them
 * (the configuration and dropout metadata, the parameter tensors and their checks).
 */
final class ModelFiles {
    static final String DROPOUT = "dropout";
    static final String DROPOUT_SEED = "dropout_seed";

    private ModelFiles() {}

    static void save(Model model, Path file) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(Checkpoint.FORMAT_KEY, Model.FORMAT);
        metadata.putAll(metadata(model));
        SafeTensors.write(file, liveTensors(model), metadata);
    }

    /** The configuration, dropout and dropout seed as metadata: shared by model files and checkpoints. */
    static Map<String, String> metadata(Model model) {
        Map<String, String> m = new LinkedHashMap<>(model.config().metadata());
        m.put(DROPOUT, Double.toString(model.layer().dropout()));
        m.put(DROPOUT_SEED, Long.toString(model.layer().dropoutSeed()));
        return m;
    }

    /** The parameters as tensors over the live arrays, for a synchronous write. */
    static Map<String, Tensor> liveTensors(Model model) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            tensors.put(p.name(), Tensor.of(p.value(), p.shape()));
        }
        return tensors;
    }

    static Model load(Path file, ThreadTeam team) throws IOException {
        Map<String, String> metadata = SafeTensors.readMetadata(file);
        checkFormat(file, metadata);
        ModelConfig c = ModelConfig.fromMetadata(file, metadata);
        Model.Builder b = Model.builder(c.cell(), c.inputSize(), c.hiddenSize()).numLayers(c.numLayers())
                .bidirectional(c.bidirectional()).projSize(c.projSize()).outputSize(c.outputSize()).loss(c.loss())
                .seed(0).threads(team);
        Model model;
        try {
            model = b.build();
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(file, "metadata describes no valid model: " + e.getMessage(), e);
        }
        copyParameters(model, SafeTensors.read(file), file);
        restoreDropout(model, file, metadata);
        return model;
    }

    static void loadWeights(Model model, Path file) throws IOException {
        Map<String, String> metadata = SafeTensors.readMetadata(file);
        checkFormat(file, metadata);
        checkConfig(model, ModelConfig.fromMetadata(file, metadata), file);
        copyParameters(model, SafeTensors.read(file), file);
    }

    private static void checkFormat(Path file, Map<String, String> metadata) throws TensorFileException {
        String format = metadata.get(Checkpoint.FORMAT_KEY);
        if (Model.FORMAT.equals(format) || Checkpoint.FORMAT.equals(format)) {
            return;
        }
        if (Checkpoint.FORMAT_1.equals(format)) {
            throw new TensorFileException(file, "a checkpoint of format '" + format + "', which predates recorded "
                    + "model configurations; its recurrent layers still load with "
                    + "StateDict.load(cell, Checkpoint.read(file).layerParameters(), team)");
        }
        throw new TensorFileException(file, "not a vecrnn model: metadata '" + Checkpoint.FORMAT_KEY + "' is "
                + (format == null ? "missing" : "'" + format + "'") + ", expected '" + Model.FORMAT
                + "' (or a checkpoint, '" + Checkpoint.FORMAT + "')");
    }

    /** Throws naming {@code source} and the first setting of {@code other} that differs from the model's. */
    static void checkConfig(Model model, ModelConfig other, Object source) {
        String difference = model.config().firstDifference(other, "the file", "this model");
        if (difference != null) {
            throw new IllegalArgumentException(source + ": does not fit this model: " + difference);
        }
    }

    /**
     * Checks that {@code tensors} minus any optimizer state hold exactly the model's parameter
     * names and shapes, then copies them in; on any mismatch nothing is copied.
     */
    static void copyParameters(Model model, Map<String, Tensor> tensors, Object source) {
        Map<String, Tensor> params = checkParameters(model, tensors, source);
        for (Parameter p : model.parameters()) {
            float[] v = params.get(p.name()).toFloats();
            System.arraycopy(v, 0, p.value(), 0, v.length);
        }
    }

    /**
     * The parameter tensors of {@code tensors} (all but the optimizer state), after checking that
     * they are exactly the model's names, shapes and floating-point types.
     *
     * @throws IllegalArgumentException naming {@code source} and the first mismatch
     */
    static Map<String, Tensor> checkParameters(Model model, Map<String, Tensor> tensors, Object source) {
        List<Parameter> parameters = model.parameters();
        Map<String, Tensor> params = new LinkedHashMap<>();
        tensors.forEach((name, t) -> {
            if (!name.startsWith(Checkpoint.OPTIMIZER_PREFIX)) {
                params.put(name, t);
            }
        });
        // names first: extra tensors say the file holds another structure (say, a second direction)
        TreeSet<String> extra = new TreeSet<>(params.keySet());
        parameters.forEach(p -> extra.remove(p.name()));
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException(source + ": does not fit this model: unexpected parameters " + extra
                    + " (this model: " + model.config() + ")");
        }
        for (Parameter p : parameters) {
            Tensor t = params.get(p.name());
            if (t == null) {
                throw new IllegalArgumentException(source + ": does not fit this model: parameter '" + p.name()
                        + "' is missing");
            }
            if (!Arrays.equals(t.shape(), p.shape())) {
                throw new IllegalArgumentException(source + ": does not fit this model: parameter '" + p.name()
                        + "' has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(p.shape()));
            }
            if (!t.dtype().isFloating()) {
                throw new IllegalArgumentException(source + ": parameter '" + p.name() + "' is " + t.dtype()
                        + ", expected a floating-point tensor");
            }
        }
        return params;
    }

    /** Sets the dropout probability and seed a file records (files without them keep the model's). */
    private static void restoreDropout(Model model, Path file, Map<String, String> metadata) throws TensorFileException {
        String p = metadata.get(DROPOUT);
        String seed = metadata.get(DROPOUT_SEED);
        if (p == null || seed == null) {
            return;
        }
        try {
            model.layer().setDropout(Double.parseDouble(p), Long.parseLong(seed));
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(file, "metadata '" + DROPOUT + "' = '" + p + "', '" + DROPOUT_SEED + "' = '"
                    + seed + "': " + e.getMessage(), e);
        }
    }
}
