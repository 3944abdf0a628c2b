package dev.vecrnn.train;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.io.TensorFileException;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Trains a {@link Model} on a {@link BatchSource}, one step at a time: each {@link #step()} takes
 * the next batch, runs forward, the loss and its gradient, backpropagation through time, gradient
 * clipping and one optimizer update, and returns the loss. {@link Model#fit} runs epochs of a
 * trainer over a {@link Dataset}; use a trainer directly for endless generated tasks, truncated
 * BPTT, checkpoints, or a loop of your own.
 *
 * <pre>{@code
 * Task task = new AddingTask(50, 1);
 * Model model = Model.builder(CellType.LSTM, task.inputSize(), 64).outputSize(task.outputSize())
 *         .loss(task.lossKind()).init(Init.Scheme.ORTHOGONAL).forgetBias(1.0).seed(42).build();
 * Trainer trainer = Trainer.builder(model, task.batches(32))
 *         .optimizer(ps -> new Adam(ps, 1e-3))
 *         .clipNorm(1.0)
 *         .build();
 * for (int i = 0; i < 1000; i++) {
 *     double loss = trainer.step();
 * }
 * trainer.save(Path.of("run.ckpt.safetensors"));
 * }</pre>
 *
 * <h2>Determinism</h2>
 * Step {@code s} trains on batch {@code s} of the source (a pure function of {@code s}); the
 * model's seed fixes the starting weights; the layer's passes give the same bits for any thread
 * count, and everything else here runs on the calling thread in a fixed order. So the same seeds
 * give a bitwise identical loss curve on 1 or N threads, and a run resumed from a checkpoint
 * ({@link #save} / {@link #load}) continues exactly as the uninterrupted run would have.
 *
 * <h2>Micro-batches</h2>
 * With {@link Builder#microBatches(int) P &gt; 1} micro-batches, a step splits its batch of B
 * sequences into P consecutive slices of {@code B/P} or {@code B/P + 1} sequences (the larger
 * first; fewer slices when the batch has fewer than P sequences), computes each slice's gradient
 * from zero with weight {@code B_p / B} ({@link Model#accumulateGradient}), sums them in order
 * ({@link Gradients}) and applies one update: the gradient of the whole batch to rounding, with
 * the activations of only one slice in memory. The same slices summed in the same order anywhere
 * (other threads or machines) give the same bits; that recipe, then {@link #applyGradients},
 * is what distributed training composes.
 *
 * <h2>Truncated BPTT</h2>
 * With {@link Builder#truncation(int) truncation k &lt; T}, a step cuts the batch's sequences into
 * {@code T/k} chunks of {@code k} steps, in order. Each chunk is one forward, backward and
 * optimizer update; its initial state is the previous chunk's final state ({@code h}, and
 * {@code c} for LSTM), copied, so the network sees one continuous sequence while gradients stop
 * at chunk borders. Memory for saved activations then scales with {@code k}, not {@code T}. The
 * step's loss is the mean of its chunks' losses. Only losses scored at every step qualify (a
 * last-step loss would give the earlier chunks no gradient at all).
 *
 * <h2>Failure</h2>
 * A NaN or infinite loss or gradient norm, or one beyond the {@link DivergenceBound} relative to
 * the run's start, throws {@link TrainingDivergedException} naming the step and the value,
 * before the update is applied; nothing is clamped.
 *
 * <h2>Allocation</h2>
 * All buffers are sized at construction or on the first step of each batch size; after that a
 * step allocates nothing (the layer, head, source, clipping and optimizer all reuse their
 * buffers) as long as the batch size stays the same. The layer's results are exact-size arrays,
 * so a pass whose batch size differs from the previous pass's makes new ones: micro-batches of
 * unequal size (P not dividing B) do so on every step, a data set whose size B does not divide
 * once per epoch.
 *
 * <p>Not thread-safe: one thread drives a trainer (the layer may use a team of threads inside).
 */
public final class Trainer {
    private final Model model;
    private final BatchSource source;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final double clipNorm;
    private final int seqLen;
    private final int truncation;
    private final int microBatches;
    private final DivergenceBound divergence;
    private final List<Parameter> parameters;

    // truncated BPTT, per batch size: {xChunk [k, B, I], h0 [D*L, B, S] carried into the next chunk, c0 [D*L, B, H] or null}
    private final BySize<float[][]> chunkBuffers;
    // micro-batches, per micro-batch size
    private final BySize<Batch> microBatchBuffers;
    private final Gradients accumulated;   // null without micro-batches

    private long step;
    private double lastLoss = Double.NaN;
    private double lastGradientNorm = Double.NaN;
    private double referenceLoss = Double.NaN;
    private double referenceGradientNorm = Double.NaN;

    private Trainer(Builder b, Optimizer optimizer) {
        this.model = b.model;
        this.source = b.source;
        this.optimizer = optimizer;
        this.schedule = b.schedule != null ? b.schedule : LearningRateSchedule.constant(optimizer.learningRate());
        this.clipNorm = b.clipNorm;
        this.seqLen = source.seqLen();
        this.truncation = b.truncation == 0 ? seqLen : b.truncation;
        this.microBatches = b.microBatches;
        this.divergence = b.divergence;
        this.parameters = model.parameters();
        RecurrentLayer layer = model.layer();
        this.chunkBuffers = new BySize<>(2, rows -> new float[][] {
                new float[truncation * rows * source.inputSize()],
                new float[layer.numDirections() * layer.numLayers() * rows * layer.stateSize()],
                layer.cell() == CellType.LSTM
                        ? new float[layer.numDirections() * layer.numLayers() * rows * layer.hiddenSize()] : null});
        this.microBatchBuffers = new BySize<>(4, rows -> new Batch(source.lossKind(), seqLen, rows, source.inputSize(),
                source.outputSize()));
        this.accumulated = microBatches > 1 ? Gradients.zerosFor(parameters) : null;
    }

    /** Starts configuring a trainer of {@code model} on the batches of {@code source}. */
    public static Builder builder(Model model, BatchSource source) {
        return new Builder(model, source);
    }

    /** Configuration of a {@link Trainer}; every setting but the model and source has a default. */
    public static final class Builder {
        private final Model model;
        private final BatchSource source;
        private Function<List<Parameter>, Optimizer> optimizerFactory = ps -> new Adam(ps, Adam.DEFAULT_LR);
        private LearningRateSchedule schedule;
        private double clipNorm;
        private int truncation;
        private int microBatches = 1;
        private DivergenceBound divergence = DivergenceBound.DEFAULT;

        private static <T> T nonNull(T value, String what) {
            if (value == null) {
                throw new IllegalArgumentException(what + " is null");
            }
            return value;
        }

        private Builder(Model model, BatchSource source) {
            if (model == null || source == null) {
                throw new IllegalArgumentException("model and batch source must be non-null, got " + model + ", "
                        + source);
            }
            this.model = model;
            this.source = source;
        }

        /**
         * How to make the optimizer from the model's parameters ({@link Model#parameters()});
         * default {@code ps -> new Adam(ps, 1e-3)}.
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

        /**
         * Truncated BPTT with chunks of {@code k} steps ({@code k} must divide the sequence
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
         * Accumulate each step's gradient over {@code p} micro-batches (default 1: the whole
         * batch at once); see the class description.
         */
        public Builder microBatches(int p) {
            Args.positive("microBatches", p);
            this.microBatches = p;
            return this;
        }

        /** When a finite loss or gradient norm counts as diverged (default {@link DivergenceBound#DEFAULT}). */
        public Builder divergence(DivergenceBound bound) {
            this.divergence = nonNull(bound, "divergence bound");
            return this;
        }

        /**
         * Checks the configuration and builds the trainer. The model's weights are used as they
         * are.
         *
         * @throws IllegalArgumentException naming what does not fit: the source's loss kind or
         *     sizes against the model, truncation against the sequence length, the loss or
         *     micro-batches, an optimizer over other parameters
         */
        public Trainer build() {
            // the source itself, not a string: its description (a data set's fingerprint) is made only on failure
            model.checkFits(source.lossKind(), source.inputSize(), source.outputSize(), source);
            int t = source.seqLen();
            if (truncation > 0 && truncation < t) {
                if (t % truncation != 0) {
                    throw new IllegalArgumentException("truncation " + truncation + " must divide the sequence length "
                            + t + " of " + source + " (equal chunks keep every step allocation-free)");
                }
                if (!source.lossKind().everyStep()) {
                    throw new IllegalArgumentException("truncated BPTT needs a loss at every step, but " + source
                            + " scores only the last step (" + source.lossKind()
                            + "): earlier chunks would get no gradient");
                }
                if (microBatches > 1) {
                    throw new IllegalArgumentException("truncated BPTT updates once per chunk, micro-batches once per "
                            + "batch: use one or the other (truncation " + truncation + ", microBatches "
                            + microBatches + ")");
                }
            } else if (truncation > t) {
                throw new IllegalArgumentException("truncation " + truncation + " exceeds the sequence length " + t
                        + " of " + source);
            }
            List<Parameter> ps = model.parameters();
            Optimizer opt = optimizerFactory.apply(ps);
            if (opt == null || !opt.parameters().equals(ps)) {
                throw new IllegalArgumentException("the optimizer factory must return an optimizer over exactly the "
                        + "parameters it is given " + ps + ", got " + (opt == null ? "null" : opt.parameters()));
            }
            return new Trainer(this, opt);
        }
    }

    // ---------------------------------------------------------------------------------------
    // training

    /**
     * Runs training step {@link #stepCount()} on the next batch and returns its loss (the mean
     * over chunks under truncated BPTT).
     *
     * @throws TrainingDivergedException if the loss or gradient norm is NaN, infinite or beyond
     *     the divergence bound; the update is not applied and the step count stays
     */
    public double step() {
        long s = step;
        Batch batch = source.batch(s);
        double loss;
        if (truncation < seqLen) {
            loss = truncatedStep(batch, s);
        } else {
            loss = microBatches > 1 ? accumulateMicroBatches(batch) : wholeBatchGradient(batch);
            update(s, -1, loss);
        }
        step = s + 1;
        lastLoss = loss;
        return loss;
    }

    private double wholeBatchGradient(Batch batch) {
        model.zeroGrad();
        return model.accumulateGradient(batch, 1.0);
    }

    /** Leaves the batch's gradient, summed over micro-batches, in the parameters; returns the batch's loss. */
    private double accumulateMicroBatches(Batch batch) {
        int b = batch.batchSize();
        int p = Math.min(microBatches, b);
        accumulated.zero();
        double loss = 0;
        int first = 0;
        for (int i = 0; i < p; i++) {
            int rows = b / p + (i < b % p ? 1 : 0);
            Batch micro = microBatchBuffers.get(rows);
            micro.copyRowsFrom(batch, first);
            double weight = (double) rows / b;
            model.zeroGrad();
            loss += weight * model.accumulateGradient(micro, weight);
            accumulated.addParameterGradients();
            first += rows;
        }
        accumulated.copyToParameters();
        return loss;
    }

    private double truncatedStep(Batch batch, long s) {
        int k = truncation;
        int b = batch.batchSize();
        int chunks = seqLen / k;
        int xPerChunk = k * b * source.inputSize();
        int rowsPerChunk = k * b;
        float[][] buffers = chunkBuffers.get(b);
        float[] xChunk = buffers[0];
        float[] h0 = buffers[1];
        float[] c0 = buffers[2];
        double sum = 0;
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(batch.x(), c * xPerChunk, xChunk, 0, xPerChunk);
            model.zeroGrad();
            // the layer copies h0/c0 in before it runs, so the same arrays can carry the final states out
            double loss = model.gradient(xChunk, k, b, c == 0 ? null : h0, c == 0 ? null : c0,
                    batch.targets(), c * rowsPerChunk * source.outputSize(), batch.labels(), c * rowsPerChunk, 1f,
                    h0, c0);
            update(s, c, loss);
            sum += loss;
        }
        return sum / chunks;
    }

    /**
     * Completes a step whose gradient is already in the parameters' {@link Parameter#grad()}
     * (for example summed from micro-batches computed elsewhere, see {@link Gradients}): checks
     * the loss and gradient norm for divergence, clips, sets the scheduled learning rate, applies
     * one optimizer update and counts the step, exactly as {@link #step()} does after its own
     * gradient pass.
     *
     * @param loss the step's loss (the mean over the batch), for the divergence check and
     *             {@link #lastLoss()}
     * @throws TrainingDivergedException as {@link #step()}
     */
    public void applyGradients(double loss) {
        update(step, -1, loss);
        step++;
        lastLoss = loss;
    }

    /**
     * Counts {@code steps} training steps that were taken outside this trainer, on copies of its
     * model, whose outcome the caller has already copied into the model's parameters and into the
     * optimizer ({@link Optimizer#loadState}, with the update count the copies reached).
     * Distributed local SGD does this: replicas train on their shares for a few steps, then their
     * parameters and optimizer states are averaged into this trainer's. Afterwards
     * {@link #stepCount()} (the index of the next batch) and checkpoints continue from there, and
     * {@link #lastLoss()} is {@code lastLoss}; nothing else changes.
     *
     * @throws IllegalArgumentException if {@code steps < 1}
     */
    public void countStepsTakenElsewhere(long steps, double lastLoss) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps taken elsewhere must be >= 1, got " + steps);
        }
        step = Math.addExact(step, steps);
        this.lastLoss = lastLoss;
        lastGradientNorm = Double.NaN;
    }

    /** Check, clip (or just measure), check, then one optimizer update at the scheduled rate. */
    private void update(long s, int chunk, double loss) {
        if (!Double.isFinite(loss)) {
            throw diverged(s, chunk, "loss", loss, "loss is " + loss);
        }
        if (referenceLoss > 0 && loss > divergence.lossFactor() * referenceLoss) {
            throw diverged(s, chunk, "loss", loss, beyond("loss", loss, divergence.lossFactor(), referenceLoss));
        }
        double norm = clipNorm > 0
                ? GradientClipping.clipByGlobalNorm(parameters, clipNorm)
                : GradientClipping.globalNorm(parameters);
        if (!Double.isFinite(norm)) {
            throw diverged(s, chunk, "gradient norm", norm, "gradient norm is " + norm);
        }
        if (referenceGradientNorm > 0 && norm > divergence.gradientNormFactor() * referenceGradientNorm) {
            throw diverged(s, chunk, "gradient norm", norm,
                    beyond("gradient norm", norm, divergence.gradientNormFactor(), referenceGradientNorm));
        }
        if (!(referenceLoss > 0) && loss > 0) {
            referenceLoss = loss;
        }
        if (!(referenceGradientNorm > 0) && norm > 0) {
            referenceGradientNorm = norm;
        }
        lastGradientNorm = norm;
        optimizer.setLearningRate(schedule.rate(optimizer.steps()));
        optimizer.step();
    }

    private static String beyond(String what, double value, double factor, double reference) {
        return what + " " + Numbers.format(value) + " is more than " + Numbers.format(factor) + " times the run's first "
                + what + " " + Numbers.format(reference) + " (bound " + Numbers.format(factor * reference) + ")";
    }

    private TrainingDivergedException diverged(long s, int chunk, String quantity, double value, String what) {
        String where = chunk < 0 ? "step " + s : "step " + s + " (chunk " + chunk + " of " + seqLen / truncation + ")";
        return new TrainingDivergedException(s, quantity, value, "training diverged at " + where + ": " + what
                + "; the update was not applied (lower the learning rate or clip gradients)");
    }

    // ---------------------------------------------------------------------------------------
    // checkpoints

    /**
     * Writes a {@link Checkpoint} of the current state (between steps) to {@code file},
     * atomically: parameters, optimizer state, step and configuration.
     */
    public void save(Path file) throws IOException {
        // wraps the live arrays: the write is synchronous and nothing trains meanwhile
        Map<String, Tensor> tensors = ModelFiles.liveTensors(model);
        for (Map.Entry<String, float[]> e : optimizer.state().entrySet()) {
            String paramName = e.getKey().substring(e.getKey().indexOf('.') + 1);
            tensors.put(Checkpoint.OPTIMIZER_PREFIX + e.getKey(),
                    Tensor.of(e.getValue(), tensors.get(paramName).shape()));
        }
        SafeTensors.write(file, tensors, metadata());
    }

    private Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(Checkpoint.FORMAT_KEY, Checkpoint.FORMAT);
        m.put(Checkpoint.STEP, Long.toString(step));
        m.putAll(ModelFiles.metadata(model));
        m.put(Checkpoint.DROPOUT_PASSES, Long.toString(model.layer().dropoutPasses()));
        m.put(Checkpoint.DATA, source.identity());
        m.put(Checkpoint.BATCH_SIZE, Integer.toString(source.batchSize()));
        m.put(Checkpoint.TRUNCATION, Integer.toString(truncation));
        m.put(Checkpoint.MICRO_BATCHES, Integer.toString(microBatches));
        m.put(Checkpoint.OPTIMIZER, optimizer.kind());
        m.put(Checkpoint.OPTIMIZER_STEPS, Long.toString(optimizer.steps()));
        m.put(Checkpoint.OPTIMIZER_LR, Double.toString(optimizer.learningRate()));
        for (Map.Entry<String, String> e : optimizer.hyperparameters().entrySet()) {
            m.put(Checkpoint.OPTIMIZER + "." + e.getKey(), e.getValue());
        }
        m.put(Checkpoint.SCHEDULE, schedule.toString());
        m.put(Checkpoint.CLIP_NORM, Double.toString(clipNorm));
        m.put(Checkpoint.DIVERGENCE, divergence.toString());
        m.put(Checkpoint.LAST_LOSS, Double.toString(lastLoss));
        m.put(Checkpoint.REFERENCE_LOSS, Double.toString(referenceLoss));
        m.put(Checkpoint.REFERENCE_GRADIENT_NORM, Double.toString(referenceGradientNorm));
        return m;
    }

    /** Reads {@code file} and {@link #restore}s it. */
    public void load(Path file) throws IOException {
        restore(Checkpoint.read(file));
    }

    /**
     * Continues from {@code checkpoint}: copies its parameters and optimizer state in, and sets
     * the step, the dropout masks' position and the divergence references, so the following
     * steps are bit for bit those of the run that wrote it.
     *
     * <p>What decides the data and the parameters must match, or nothing is changed: the model's
     * {@link ModelConfig} and dropout, the source's identity and batch size, the truncation, the
     * optimizer kind and every parameter and buffer name and shape. The learning rate schedule,
     * clipping, micro-batches and divergence bound are this trainer's own, so a run can resume
     * with new ones (micro-batches change the rounding: the same count continues bit for bit).
     *
     * @throws IllegalArgumentException naming the checkpoint file and the first mismatch
     * @throws TensorFileException if the checkpoint's format predates recorded configurations
     *     or its configuration entries are malformed
     */
    public void restore(Checkpoint checkpoint) throws TensorFileException {
        if (checkpoint == null) {
            throw new IllegalArgumentException("checkpoint is null");
        }
        ModelFiles.checkConfig(model, checkpoint.config(), checkpoint.file());
        Map<String, String> expected = metadata();
        for (String key : new String[] {ModelFiles.DROPOUT, Checkpoint.DATA, Checkpoint.BATCH_SIZE, Checkpoint.TRUNCATION,
                Checkpoint.OPTIMIZER}) {
            String have = checkpoint.metadata().get(key);
            if (!expected.get(key).equals(have)) {
                throw mismatch(checkpoint, "'" + key + "' is " + (have == null ? "missing" : "'" + have + "'")
                        + " but this trainer has '" + expected.get(key) + "'");
            }
        }
        long dropoutSeed = parseLong(checkpoint, ModelFiles.DROPOUT_SEED);
        long dropoutPasses = parseLong(checkpoint, Checkpoint.DROPOUT_PASSES);
        Map<String, Tensor> tensors = checkpoint.tensors();
        // validates every parameter and buffer before copying any
        ModelFiles.checkParameters(model, tensors, checkpoint.file());
        try {
            optimizer.loadState(checkpoint.optimizerState(), checkpoint.optimizerSteps());
        } catch (IllegalArgumentException e) {
            throw mismatch(checkpoint, e.getMessage());
        }
        ModelFiles.copyParameters(model, tensors, checkpoint.file());
        model.layer().setDropout(model.layer().dropout(), dropoutSeed);
        model.layer().setDropoutPasses(dropoutPasses);
        step = checkpoint.step();
        lastLoss = parseOrNaN(checkpoint.metadata().get(Checkpoint.LAST_LOSS));
        referenceLoss = parseOrNaN(checkpoint.metadata().get(Checkpoint.REFERENCE_LOSS));
        referenceGradientNorm = parseOrNaN(checkpoint.metadata().get(Checkpoint.REFERENCE_GRADIENT_NORM));
        lastGradientNorm = Double.NaN;
    }

    private static long parseLong(Checkpoint c, String key) {
        String v = c.metadata().get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw mismatch(c, "'" + key + "' must be an integer, got " + (v == null ? "nothing" : "'" + v + "'"));
        }
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

    /** The model being trained. */
    public Model model() {
        return model;
    }

    /** Where the batches come from. */
    public BatchSource source() {
        return source;
    }

    /** The optimizer over {@link #parameters()}. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The learning rate per update. */
    public LearningRateSchedule schedule() {
        return schedule;
    }

    /** Every trained parameter: the model's (the stack's, then the head's). */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Chunk length of truncated BPTT; the sequence length when training on whole sequences. */
    public int truncation() {
        return truncation;
    }

    /** Micro-batches per step (1: the whole batch at once). */
    public int microBatches() {
        return microBatches;
    }

    /** Global-norm clipping threshold, 0 if off. */
    public double clipNorm() {
        return clipNorm;
    }

    /** When a finite loss or gradient norm counts as diverged. */
    public DivergenceBound divergence() {
        return divergence;
    }

    @Override
    public String toString() {
        return "Trainer[" + model + ", " + source + ", " + optimizer + ", " + schedule
                + (truncation < seqLen ? ", truncation " + truncation : "")
                + (microBatches > 1 ? ", " + microBatches + " micro-batches" : "")
                + (clipNorm > 0 ? ", clip " + clipNorm : "") + ", step " + step + "]";
    }
}
