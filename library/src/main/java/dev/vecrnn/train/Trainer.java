package dev.vecrnn.train;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.ForwardResult;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Trains a {@link RecurrentLayer} with a {@link LossHead} on a {@link Task}: each {@link #step()}
 * draws the next batch, runs forward, the loss and its gradient, backpropagation through time,
 * gradient clipping and one optimizer update, and returns the loss.
 *
 * <pre>{@code
 * Task task = new AddingTask(50, 1);
 * RecurrentLayer lstm = RecurrentLayer.builder(CellType.LSTM, task.inputSize(), 64).build();
 * Trainer trainer = Trainer.builder(lstm, task)
 *         .initialize(Init.Scheme.ORTHOGONAL, 42).forgetBias(1.0)
 *         .optimizer(ps -> new Adam(ps, 1e-3))
 *         .clipNorm(1.0)
 *         .batchSize(32)
 *         .build();
 * for (int i = 0; i < 1000; i++) {
 *     double loss = trainer.step();
 * }
 * trainer.save(Path.of("run.ckpt.safetensors"));
 * }</pre>
 *
 * <h2>Determinism</h2>
 * Step {@code s} trains on batch {@code s} of the task (a pure function of the task's seed and
 * {@code s}); the initialisation seed fixes the starting weights; the layer's passes give the
 * same bits for any thread count, and everything else here runs on the calling thread in a fixed
 * order. So the same seeds give a bitwise identical loss curve on 1 or N threads, and a run
 * resumed from a checkpoint ({@link #save} / {@link #load}) continues exactly as the
 * uninterrupted run would have.
 *
 * <h2>Truncated BPTT</h2>
 * With {@link Builder#truncation(int) truncation k < T}, a step cuts the batch's sequences into
 * {@code T/k} chunks of {@code k} steps, in order. Each chunk is one forward, backward and
 * optimizer update; its initial state is the previous chunk's final state ({@code h}, and
 * {@code c} for LSTM), copied, so the network sees one continuous sequence while gradients stop
 * at chunk borders. Memory for saved activations then scales with {@code k}, not {@code T}. The
 * step's loss is the mean of its chunks' losses. Only tasks scored at every step qualify (a
 * last-step loss would give the earlier chunks no gradient at all).
 *
 * <h2>Failure</h2>
 * A NaN or infinite loss or gradient norm throws {@link TrainingDivergedException} naming the
 * step, before the update is applied; nothing is clamped.
 *
 * <h2>Allocation</h2>
 * All buffers are sized at construction or on the first step; after that a step allocates
 * nothing (the layer, head, task, clipping and optimizer all reuse their buffers).
 *
 * <p>Not thread-safe: one thread drives a trainer (the layer may use a team of threads inside).
 */
public final class Trainer {
    private final RecurrentLayer layer;
    private final LossHead head;
    private final Task task;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final double clipNorm;
    private final int batchSize;
    private final int truncation;
    private final List<Parameter> parameters;

    private final int seqLen;
    private final Batch batch;
    private final float[] dOut;    // [k, B, O] gradient of the chunk's (or sequence's) outputs, O = layer.outputSize()
    private final float[] xChunk;  // [k, B, I] input of one chunk; null without truncation
    private final float[] h0;      // [D*L, B, H] (P with projections) state carried into the next chunk; null without truncation
    private final float[] c0;      // [D*L, B, H] LSTM cell state carried likewise, else null

    private long step;
    private double lastLoss = Double.NaN;
    private double lastGradientNorm = Double.NaN;

    private Trainer(Builder b, LossHead head, Optimizer optimizer, List<Parameter> parameters) {
        this.layer = b.layer;
        this.head = head;
        this.task = b.task;
        this.optimizer = optimizer;
        this.schedule = b.schedule != null ? b.schedule : LearningRateSchedule.constant(optimizer.learningRate());
        this.clipNorm = b.clipNorm;
        this.batchSize = b.batchSize;
        this.seqLen = task.seqLen();
        this.truncation = b.truncation == 0 ? seqLen : b.truncation;
        this.parameters = parameters;
        this.batch = task.newBatch(batchSize);
        // the head reads the layer's outputs: D*H features, D*P with projections
        int slots = layer.numDirections() * layer.numLayers() * batchSize;
        this.dOut = new float[truncation * batchSize * layer.outputSize()];
        boolean truncated = truncation < seqLen;
        this.xChunk = truncated ? new float[truncation * batchSize * task.inputSize()] : null;
        this.h0 = truncated ? new float[slots * layer.stateSize()] : null;
        this.c0 = truncated && layer.cell() == CellType.LSTM ? new float[slots * layer.hiddenSize()] : null;
        task.seek(0);
    }

    /** Starts configuring a trainer of {@code layer} on {@code task}. */
    public static Builder builder(RecurrentLayer layer, Task task) {
        return new Builder(layer, task);
    }

    /** Configuration of a {@link Trainer}; every setting but the layer and task has a default. */
    public static final class Builder {
        private final RecurrentLayer layer;
        private final Task task;
        private LossHead head;
        private Function<List<Parameter>, Optimizer> optimizerFactory = ps -> new Adam(ps, Adam.DEFAULT_LR);
        private LearningRateSchedule schedule;
        private double clipNorm;
        private int batchSize = 32;
        private int truncation;
        private Init.Scheme initScheme;
        private long initSeed;
        private Double forgetBias;

        private static <T> T nonNull(T value, String what) {
            if (value == null) {
                throw new IllegalArgumentException(what + " is null");
            }
            return value;
        }

        private Builder(RecurrentLayer layer, Task task) {
            if (layer == null || task == null) {
                throw new IllegalArgumentException("layer and task must be non-null, got " + layer + ", " + task);
            }
            this.layer = layer;
            this.task = task;
        }

        /**
         * The head and loss (default: a {@link Dense} named {@code head} from H to the task's
         * outputs, under the task's {@link LossKind}, initialised like PyTorch's
         * {@code nn.Linear} from the {@link #initialize} seed, or zero without one).
         */
        public Builder head(LossHead head) {
            this.head = nonNull(head, "head");
            return this;
        }

        /**
         * How to make the optimizer from the parameters (the layer's, then the head's); default
         * {@code ps -> new Adam(ps, 1e-3)}.
         */
        public Builder optimizer(Function<List<Parameter>, Optimizer> factory) {
            this.optimizerFactory = nonNull(factory, "optimizer factory");
            return this;
        }

        /** The learning rate per update (default: constant at the optimizer's initial rate). */
        public Builder schedule(LearningRateSchedule schedule) {
            this.schedule = nonNull(schedule, "schedule");
            return this;
        }

        /**
         * Clip gradients to this global norm before each update ({@link GradientClipping});
         * 0 (the default) disables clipping.
         */
        public Builder clipNorm(double maxNorm) {
            if (!(maxNorm >= 0) || !Double.isFinite(maxNorm)) {
                throw new IllegalArgumentException("clip norm must be finite and >= 0 (0 = off), got " + maxNorm);
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /** Sequences per batch B (default 32). */
        public Builder batchSize(int batchSize) {
            Args.positive("batchSize", batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Truncated BPTT with chunks of {@code k} steps ({@code k} must divide the task's sequence
         * length); 0 (the default) backpropagates through whole sequences.
         */
        public Builder truncation(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("truncation must be >= 0 (0 = full sequences), got " + k);
            }
            this.truncation = k;
            return this;
        }

        /**
         * Initialises the layer with {@code scheme} and the default head like PyTorch's
         * {@code nn.Linear}, both from one generator seeded with {@code seed} (layer first). Without
         * this call the layer's parameters are used as they are (e.g. loaded from PyTorch).
         */
        public Builder initialize(Init.Scheme scheme, long seed) {
            this.initScheme = nonNull(scheme, "scheme");
            this.initSeed = seed;
            return this;
        }

        /** After initialisation, sets the LSTM forget-gate bias ({@link Init#forgetGateBias}). */
        public Builder forgetBias(double value) {
            this.forgetBias = value;
            return this;
        }

        /**
         * Checks the configuration, initialises if asked, and builds the trainer.
         *
         * @throws IllegalArgumentException naming what does not fit: head sizes or loss kind
         *     against layer and task, layer input size against the task, truncation against the
         *     sequence length or a last-step loss, an optimizer over other parameters
         */
        public Trainer build() {
            if (layer.inputSize() != task.inputSize()) {
                throw new IllegalArgumentException("layer input size " + layer.inputSize() + " does not match task "
                        + task.name() + ", which has " + task.inputSize() + " input features");
            }
            // a local, so that building twice never shares one head between two trainers
            LossHead lossHead = head;
            if (lossHead == null) {
                lossHead = new LossHead(new Dense("head", layer.outputSize(), task.outputSize()), task.lossKind());
            } else {
                Dense d = head.dense();
                if (d.inputSize() != layer.outputSize() || d.outputSize() != task.outputSize()) {
                    throw new IllegalArgumentException("head maps " + d.inputSize() + " -> " + d.outputSize()
                            + " features, expected the layer's output size " + layer.outputSize() + " (hidden size "
                            + layer.hiddenSize() + (layer.projSize() > 0 ? ", proj size " + layer.projSize() : "")
                            + (layer.bidirectional() ? ", bidirectional" : "") + ") -> task outputs "
                            + task.outputSize());
                }
                if (head.kind() != task.lossKind()) {
                    throw new IllegalArgumentException("head scores " + head.kind() + " but task " + task.name()
                            + " needs " + task.lossKind());
                }
            }
            int t = task.seqLen();
            if (truncation > 0 && truncation < t) {
                if (t % truncation != 0) {
                    throw new IllegalArgumentException("truncation " + truncation + " must divide the sequence length "
                            + t + " of task " + task.name() + " (equal chunks keep every step allocation-free)");
                }
                if (!task.lossKind().everyStep()) {
                    throw new IllegalArgumentException("truncated BPTT needs a loss at every step, but task "
                            + task.name() + " scores only the last step (" + task.lossKind()
                            + "): earlier chunks would get no gradient");
                }
            } else if (truncation > t) {
                throw new IllegalArgumentException("truncation " + truncation + " exceeds the sequence length " + t
                        + " of task " + task.name());
            }
            List<Parameter> ps = new ArrayList<>(layer.parameters());
            ps.addAll(lossHead.dense().parameters());
            Optimizer opt = optimizerFactory.apply(Collections.unmodifiableList(ps));
            if (opt == null || !opt.parameters().equals(ps)) {
                throw new IllegalArgumentException("the optimizer factory must return an optimizer over exactly the "
                        + "parameters it is given " + ps + ", got " + (opt == null ? "null" : opt.parameters()));
            }
            if (initScheme != null) {
                SplittableRandom rng = new SplittableRandom(initSeed);
                Init.apply(initScheme, layer, rng);
                lossHead.dense().initialize(rng);
            }
            if (forgetBias != null) {
                Init.forgetGateBias(layer, forgetBias);
            }
            return new Trainer(this, lossHead, opt, Collections.unmodifiableList(ps));
        }
    }

    // ---------------------------------------------------------------------------------------
    // training

    /**
     * Runs training step {@link #stepCount()} on the next batch and returns its loss (the mean
     * over chunks under truncated BPTT).
     *
     * @throws TrainingDivergedException if the loss or gradient norm is NaN or infinite
     */
    public double step() {
        long s = step;
        // seek every time: cheap, and the trainer stays right even if someone drew from the task
        task.seek(s);
        task.nextBatch(batch);
        double loss = truncation == seqLen ? fullSequenceStep(s) : truncatedStep(s);
        step = s + 1;
        lastLoss = loss;
        return loss;
    }

    private double fullSequenceStep(long s) {
        int t = seqLen;
        int b = batchSize;
        optimizer.zeroGrad();
        ForwardResult fr = layer.forward(batch.x(), t, b, null, null);
        double loss = head.forwardBackward(t, b, fr.out(), batch.targets(), batch.labels(), dOut);
        checkLoss(loss, s, -1);
        layer.backward(dOut, null, null);
        update(s, -1);
        return loss;
    }

    private double truncatedStep(long s) {
        int k = truncation;
        int b = batchSize;
        int chunks = seqLen / k;
        int xPerChunk = k * b * task.inputSize();
        int rowsPerChunk = k * b;
        double sum = 0;
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(batch.x(), c * xPerChunk, xChunk, 0, xPerChunk);
            optimizer.zeroGrad();
            ForwardResult fr = c == 0
                    ? layer.forward(xChunk, k, b, null, null)
                    : layer.forward(xChunk, k, b, h0, c0);
            // the layer overwrites hN/cN on its next pass, so carry copies into the next chunk
            System.arraycopy(fr.hN(), 0, h0, 0, h0.length);
            if (c0 != null) {
                System.arraycopy(fr.cN(), 0, c0, 0, c0.length);
            }
            double loss = head.forwardBackward(k, b, fr.out(), batch.targets(), c * rowsPerChunk * task.outputSize(),
                    batch.labels(), c * rowsPerChunk, dOut);
            checkLoss(loss, s, c);
            layer.backward(dOut, null, null);
            update(s, c);
            sum += loss;
        }
        return sum / chunks;
    }

    /** Clip (or just measure), check, then one optimizer update at the scheduled rate. */
    private void update(long s, int chunk) {
        double norm = clipNorm > 0
                ? GradientClipping.clipByGlobalNorm(parameters, clipNorm)
                : GradientClipping.globalNorm(parameters);
        if (!Double.isFinite(norm)) {
            throw new TrainingDivergedException(s, "training diverged at " + where(s, chunk) + ": gradient norm is "
                    + norm + "; the update was not applied (lower the learning rate or clip gradients)");
        }
        lastGradientNorm = norm;
        optimizer.setLearningRate(schedule.rate(optimizer.steps()));
        optimizer.step();
    }

    private void checkLoss(double loss, long s, int chunk) {
        if (!Double.isFinite(loss)) {
            throw new TrainingDivergedException(s, "training diverged at " + where(s, chunk) + ": loss is " + loss
                    + "; the update was not applied (lower the learning rate or clip gradients)");
        }
    }

    private String where(long s, int chunk) {
        return chunk < 0 ? "step " + s : "step " + s + " (chunk " + chunk + " of " + seqLen / truncation + ")";
    }

    /**
     * The mean loss over batches {@code 0 .. batches-1} of {@code evalTask} (the same shapes as
     * the training task; use another seed for held-out data), with inference passes over whole
     * sequences: no gradients, no parameter change. Always the same batches, so evaluations at
     * different points of a run compare the model, not the data. Allocates its own batch.
     */
    public double evaluate(Task evalTask, int batches) {
        if (evalTask == null) {
            throw new IllegalArgumentException("evaluation task is null");
        }
        Args.positive("batches", batches);
        Batch b = evalTask.newBatch(batchSize);
        b.checkFits(task);
        evalTask.seek(0);
        double sum = 0;
        for (int i = 0; i < batches; i++) {
            evalTask.nextBatch(b);
            ForwardResult fr = layer.infer(b.x(), seqLen, batchSize, null, null);
            sum += head.loss(seqLen, batchSize, fr.out(), b.targets(), b.labels());
        }
        return sum / batches;
    }

    // ---------------------------------------------------------------------------------------
    // checkpoints

    /**
     * Writes a {@link Checkpoint} of the current state (between steps) to {@code file},
     * atomically: parameters, optimizer state, step and configuration.
     */
    public void save(Path file) throws IOException {
        Map<String, int[]> shapes = new HashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            shapes.put(p.name(), p.shape());
            // wraps the live arrays: the write is synchronous and nothing trains meanwhile
            tensors.put(p.name(), Tensor.of(p.value(), p.shape()));
        }
        for (Map.Entry<String, float[]> e : optimizer.state().entrySet()) {
            String paramName = e.getKey().substring(e.getKey().indexOf('.') + 1);
            tensors.put(Checkpoint.OPTIMIZER_PREFIX + e.getKey(), Tensor.of(e.getValue(), shapes.get(paramName)));
        }
        SafeTensors.write(file, tensors, metadata());
    }

    private Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(Checkpoint.FORMAT_KEY, Checkpoint.FORMAT);
        m.put(Checkpoint.STEP, Long.toString(step));
        m.put(Checkpoint.CELL, layer.cell().cliName());
        m.put(Checkpoint.INPUT_SIZE, Integer.toString(layer.inputSize()));
        m.put(Checkpoint.HIDDEN_SIZE, Integer.toString(layer.hiddenSize()));
        m.put(Checkpoint.NUM_LAYERS, Integer.toString(layer.numLayers()));
        m.put(Checkpoint.TASK, task.describe());
        m.put(Checkpoint.BATCH_SIZE, Integer.toString(batchSize));
        m.put(Checkpoint.TRUNCATION, Integer.toString(truncation));
        m.put(Checkpoint.OPTIMIZER, optimizer.kind());
        m.put(Checkpoint.OPTIMIZER_STEPS, Long.toString(optimizer.steps()));
        m.put(Checkpoint.OPTIMIZER_LR, Double.toString(optimizer.learningRate()));
        for (Map.Entry<String, String> e : optimizer.hyperparameters().entrySet()) {
            m.put(Checkpoint.OPTIMIZER + "." + e.getKey(), e.getValue());
        }
        m.put(Checkpoint.SCHEDULE, schedule.toString());
        m.put(Checkpoint.CLIP_NORM, Double.toString(clipNorm));
        m.put(Checkpoint.LAST_LOSS, Double.toString(lastLoss));
        return m;
    }

    /** Reads {@code file} and {@link #restore}s it. */
    public void load(Path file) throws IOException {
        restore(Checkpoint.read(file));
    }

    /**
     * Continues from {@code checkpoint}: copies its parameters and optimizer state in, and sets
     * the step, so the following steps are bit for bit those of the run that wrote it.
     *
     * <p>What decides the data and the parameter layout must match, or nothing is changed: the
     * cell and sizes, the task's description (which includes its seed), the batch size, the
     * truncation, the optimizer kind and every parameter and buffer name and shape. The learning
     * rate schedule and clipping are this trainer's own, so a run can resume with new ones.
     *
     * @throws IllegalArgumentException naming the checkpoint file and the first mismatch
     */
    public void restore(Checkpoint checkpoint) {
        if (checkpoint == null) {
            throw new IllegalArgumentException("checkpoint is null");
        }
        Map<String, String> expected = metadata();
        for (String key : new String[] {Checkpoint.CELL, Checkpoint.INPUT_SIZE, Checkpoint.HIDDEN_SIZE,
                Checkpoint.NUM_LAYERS, Checkpoint.TASK, Checkpoint.BATCH_SIZE, Checkpoint.TRUNCATION,
                Checkpoint.OPTIMIZER}) {
            String have = checkpoint.metadata().get(key);
            if (!expected.get(key).equals(have)) {
                throw mismatch(checkpoint, "'" + key + "' is " + (have == null ? "missing" : "'" + have + "'")
                        + " but this trainer has '" + expected.get(key) + "'");
            }
        }
        Map<String, Tensor> params = checkpoint.parameters();
        for (Parameter p : parameters) {
            Tensor t = params.get(p.name());
            if (t == null) {
                throw mismatch(checkpoint, "parameter '" + p.name() + "' is missing");
            }
            if (!Arrays.equals(t.shape(), p.shape())) {
                throw mismatch(checkpoint, "parameter '" + p.name() + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(p.shape()));
            }
        }
        if (params.size() != parameters.size()) {
            List<String> extra = new ArrayList<>(params.keySet());
            extra.removeAll(parameters.stream().map(Parameter::name).toList());
            throw mismatch(checkpoint, "unexpected parameters " + extra);
        }
        try {
            // validates every buffer before copying any
            optimizer.loadState(checkpoint.optimizerState(), checkpoint.optimizerSteps());
        } catch (IllegalArgumentException e) {
            throw mismatch(checkpoint, e.getMessage());
        }
        for (Parameter p : parameters) {
            float[] v = params.get(p.name()).data();
            System.arraycopy(v, 0, p.value(), 0, v.length);
        }
        step = checkpoint.step();
        lastLoss = parseOrNaN(checkpoint.metadata().get(Checkpoint.LAST_LOSS));
        lastGradientNorm = Double.NaN;
        task.seek(step);
    }

    private static double parseOrNaN(String s) {
        try {
            return s == null ? Double.NaN : Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static IllegalArgumentException mismatch(Checkpoint c, String what) {
        return new IllegalArgumentException(c.file() + ": checkpoint does not fit this trainer: " + what);
    }

    // ---------------------------------------------------------------------------------------
    // accessors

    /** Steps completed: the index of the next step (and of the batch it will use). */
    public long stepCount() {
        return step;
    }

    /** Loss of the last step (NaN before the first). */
    public double lastLoss() {
        return lastLoss;
    }

    /** Global gradient norm before clipping of the last update (NaN before the first). */
    public double lastGradientNorm() {
        return lastGradientNorm;
    }

    public RecurrentLayer layer() {
        return layer;
    }

    public LossHead head() {
        return head;
    }

    public Task task() {
        return task;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public LearningRateSchedule schedule() {
        return schedule;
    }

    /** Every trained parameter: the layer's, then the head's. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** B. */
    public int batchSize() {
        return batchSize;
    }

    /** Chunk length of truncated BPTT; the sequence length when training on whole sequences. */
    public int truncation() {
        return truncation;
    }

    /** Global-norm clipping threshold, 0 if off. */
    public double clipNorm() {
        return clipNorm;
    }

    @Override
    public String toString() {
        return "Trainer[" + layer + ", " + task.describe() + ", " + optimizer + ", " + schedule + ", batch "
                + batchSize + (truncation < seqLen ? ", truncation " + truncation : "")
                + (clipNorm > 0 ? ", clip " + clipNorm : "") + ", step " + step + "]";
    }
}
