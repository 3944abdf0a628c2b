package dev.vecrnn.train;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.io.TensorFileException;
import dev.vecrnn.nn.CellType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A training checkpoint as written by {@link Trainer#save}: one safetensors file holding
 * <ul>
 * <li>every parameter of the {@link Model} under its own name: the recurrent stack's PyTorch
 *     names ({@code weight_ih_l0}, ..., with {@code _reverse} and {@code weight_hr_l*} when the
 *     stack has them) and the head's ({@code head.weight}, {@code head.bias}), so the file also
 *     loads as a PyTorch {@code state_dict} (after dropping the optimizer entries) and as a
 *     {@link Model} ({@link Model#load});
 * <li>the optimizer's buffers as {@code optimizer.<buffer>.<parameter>}, e.g.
 *     {@code optimizer.exp_avg.weight_hh_l0} (see {@link Optimizer#state()});
 * <li>string metadata: {@value #FORMAT_KEY}, the model's {@link ModelConfig} (cell, input,
 *     hidden and output sizes, layers, bidirectional, proj_size, loss), dropout and its mask
 *     position, the step, the optimizer's kind, update count and hyperparameters, the
 *     divergence references, and what the data stream depends on (the source's identity, batch
 *     size, truncation).
 * </ul>
 * No random-generator state is stored: batch {@code i} of a {@link BatchSource} is a pure
 * function of {@code i}, so the step says where the data continues.
 *
 * <p>Files are written atomically (temporary file, then rename), so a crash while saving leaves
 * the previous checkpoint intact. Files of the first format ({@value #FORMAT_1}), which did not
 * record the configuration, still read; their tensors load through {@link #layerParameters()},
 * but a trainer or model refuses them rather than guess the configuration.
 */
public final class Checkpoint {
    /** Metadata key whose value marks the file as a checkpoint. */
    public static final String FORMAT_KEY = "format";
    /** Value of {@link #FORMAT_KEY}. */
    public static final String FORMAT = "vecrnn-checkpoint-2";
    /** The first format, without the model's configuration. */
    public static final String FORMAT_1 = "vecrnn-checkpoint-1";
    /** Prefix of the optimizer-state tensors. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    static final String STEP = "step";
    static final String DROPOUT_PASSES = "dropout_passes";
    static final String DATA = "data";
    static final String BATCH_SIZE = "batch_size";
    static final String TRUNCATION = "truncation";
    static final String MICRO_BATCHES = "micro_batches";
    static final String OPTIMIZER = "optimizer";
    static final String OPTIMIZER_STEPS = "optimizer.steps";
    static final String OPTIMIZER_LR = "optimizer.lr";
    static final String SCHEDULE = "schedule";
    static final String CLIP_NORM = "clip_norm";
    static final String DIVERGENCE = "divergence";
    static final String LAST_LOSS = "last_loss";
    static final String REFERENCE_LOSS = "reference_loss";
    static final String REFERENCE_GRADIENT_NORM = "reference_gradient_norm";

    private static final Pattern LAYER_PARAMETER = Pattern.compile("(weight|bias)_(ih|hh|hr)_l\\d+(_reverse)?");

    private final Path file;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private final long step;

    private Checkpoint(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, long step) {
        this.file = file;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.step = step;
    }

    /**
     * Reads a checkpoint file.
     *
     * @throws TensorFileException if the file is not a well-formed safetensors file, or lacks the
     *     checkpoint metadata (format, step, optimizer)
     * @throws IOException if it cannot be read
     */
    public static Checkpoint read(Path file) throws IOException {
        Map<String, Tensor> tensors = SafeTensors.read(file);
        Map<String, String> metadata = SafeTensors.readMetadata(file);
        if (!FORMAT.equals(metadata.get(FORMAT_KEY)) && !FORMAT_1.equals(metadata.get(FORMAT_KEY))) {
            throw new TensorFileException(file, "not a vecrnn checkpoint: metadata '" + FORMAT_KEY + "' is "
                    + (metadata.containsKey(FORMAT_KEY) ? "'" + metadata.get(FORMAT_KEY) + "'" : "missing")
                    + ", expected '" + FORMAT + "'");
        }
        long step = longEntry(file, metadata, STEP);
        longEntry(file, metadata, OPTIMIZER_STEPS);
        if (!metadata.containsKey(OPTIMIZER)) {
            throw new TensorFileException(file, "checkpoint metadata lacks '" + OPTIMIZER + "'");
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (!e.getValue().dtype().isFloating()) {
                throw new TensorFileException(file, "tensor '" + e.getKey() + "' is " + e.getValue().dtype()
                        + "; a checkpoint holds only floating-point tensors");
            }
        }
        return new Checkpoint(file, new LinkedHashMap<>(tensors), new LinkedHashMap<>(metadata), step);
    }

    private static long longEntry(Path file, Map<String, String> metadata, String key) throws TensorFileException {
        String v = metadata.get(key);
        if (v == null) {
            throw new TensorFileException(file, "checkpoint metadata lacks '" + key + "'");
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException("negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new TensorFileException(file, "checkpoint metadata '" + key + "' must be a count >= 0, got '"
                    + v + "'", e);
        }
    }

    /** The file this checkpoint was read from. */
    public Path file() {
        return file;
    }

    /** Number of training steps completed when the checkpoint was written. */
    public long step() {
        return step;
    }

    /** Every tensor of the file (parameters and optimizer state), in file order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The string metadata (configuration, step, optimizer hyperparameters). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The model's parameters (layers and head): every tensor but the optimizer state. */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (!e.getKey().startsWith(OPTIMIZER_PREFIX)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * Only the recurrent stack's PyTorch-named parameters, every one of them (both directions,
     * projections, every layer), ready for
     * {@link dev.vecrnn.nn.StateDict#load(CellType, Map, dev.vecrnn.mem.ThreadTeam)}.
     */
    public Map<String, Tensor> layerParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (LAYER_PARAMETER.matcher(e.getKey()).matches()) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * The cell type recorded in the metadata.
     *
     * @throws IllegalArgumentException if it is missing or unknown
     */
    public CellType cell() {
        String c = metadata.get(ModelConfig.CELL);
        if (c == null) {
            throw new IllegalArgumentException(file + ": checkpoint metadata lacks '" + ModelConfig.CELL + "'");
        }
        return CellType.parse(c);
    }

    /** The format this file was written in: {@link #FORMAT} or {@link #FORMAT_1}. */
    public String format() {
        return metadata.get(FORMAT_KEY);
    }

    /**
     * The configuration of the model the checkpoint holds.
     *
     * @throws TensorFileException if the file does not record it (format {@value #FORMAT_1}) or
     *     an entry is malformed
     */
    public ModelConfig config() throws TensorFileException {
        if (FORMAT_1.equals(format())) {
            throw new TensorFileException(file, "a checkpoint of format '" + FORMAT_1 + "', which predates recorded "
                    + "model configurations; its recurrent layers still load with "
                    + "StateDict.load(cell, Checkpoint.read(file).layerParameters(), team)");
        }
        return ModelConfig.fromMetadata(file, metadata);
    }

    /** The optimizer's buffers, keyed as {@link Optimizer#state()} names them. */
    Map<String, float[]> optimizerState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().startsWith(OPTIMIZER_PREFIX)) {
                out.put(e.getKey().substring(OPTIMIZER_PREFIX.length()), e.getValue().data());
            }
        }
        return out;
    }

    long optimizerSteps() {
        return Long.parseLong(metadata.get(OPTIMIZER_STEPS));
    }
}
