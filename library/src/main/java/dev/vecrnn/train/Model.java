package dev.vecrnn.train;

import dev.vecrnn.io.Tensor;
import dev.vecrnn.io.TensorFileException;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.ForwardResult;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A recurrent network as its users meet it, in the spirit of PyTorch's {@code nn.Module}: a
 * recurrent stack ({@link RecurrentLayer}, PyTorch's {@code nn.LSTM}/{@code nn.GRU}/{@code nn.RNN})
 * and a dense head ({@code nn.Linear}, named {@value #HEAD_NAME}) scored by a loss
 * ({@link LossKind}), with Keras-like {@link #fit}, {@link #predict} and {@link #evaluate}, and
 * {@link #save}/{@link #load} of the whole model.
 *
 * <pre>{@code
 * Model model = Model.builder(CellType.LSTM, 1, 32).seed(1).build();   // MSE on the last step, 1 output
 * FitHistory history = model.fit(train, Fit.epochs(20).batchSize(32).learningRate(0.01));
 * float[] next = model.predict(x, count, Layout.BATCH_FIRST);         // [count, 1]
 * model.save(Path.of("model.safetensors"));
 * }</pre>
 *
 * <h2>Initialisation</h2>
 * One seed decides every initial weight: {@link Builder#seed} seeds one generator that
 * initialises the recurrent stack by {@link Builder#init} (default {@link Init.Scheme#PYTORCH},
 * PyTorch's own default, so the stack's weights are those of
 * {@code RecurrentLayer.builder(...).seed(seed)}) and then the head like PyTorch's
 * {@code nn.Linear}, uniform in {@code ±1/sqrt(fan_in)}, so that gradients reach the recurrent
 * stack from the first step. Nothing is ever re-initialised behind the user's back: training,
 * loading and {@link #of} leave the weights as they are.
 *
 * <h2>Files</h2>
 * {@link #save} writes one safetensors file: the recurrent stack under PyTorch's names
 * ({@code weight_ih_l0}, ..., {@code _reverse} and {@code weight_hr_l0} when the configuration
 * has them), the head as {@code head.weight} {@code [O, D*H]} and {@code head.bias} {@code [O]},
 * and the {@link ModelConfig} as metadata. In PyTorch the file loads into an {@code nn.LSTM}
 * (its state dict is every tensor not starting with {@code head.}) and an {@code nn.Linear}.
 * {@link #load} reads it back, and also reads a {@link Trainer}'s checkpoint (ignoring the
 * optimizer state); {@link #loadWeights} checks the file's configuration against this model's
 * and names the first difference.
 *
 * <h2>Gradients</h2>
 * {@link #zeroGrad}, {@link #accumulateGradient} and the {@link Optimizer}'s step are the
 * pieces of a training step, public so that gradient accumulation and distributed training can
 * compose them (see {@link Gradients}); {@link Trainer} and {@link #fit} are built from them.
 *
 * <p>Shapes are those of {@link RecurrentLayer}: D = 2 directions when bidirectional, P in place
 * of H with projections. Not thread-safe: one thread uses a model at a time (its layer may use a
 * team of threads inside).
 */
public final class Model {
    /** The head's name: its parameters are {@code head.weight} and {@code head.bias}. */
    public static final String HEAD_NAME = "head";
    /** The metadata value of {@code format} in files {@link #save} writes. */
    public static final String FORMAT = "vecrnn-model-1";
    /** Sequences per inference pass in {@link #predict} and {@link #evaluate(Dataset)}: bounds their memory. */
    static final int INFERENCE_BATCH = 512;

    private final RecurrentLayer layer;
    private final LossHead head;
    private final ModelConfig config;
    private final List<Parameter> parameters;
    // dLoss/dOut of a gradient pass, by length: data sets bring two batch sizes, micro-batches two more
    private final BySize<float[]> dOutBuffers = new BySize<>(4, float[]::new);

    private Model(RecurrentLayer layer, LossHead head) {
        this.layer = layer;
        this.head = head;
        this.config = ModelConfig.of(layer, head.dense().outputSize(), head.kind());
        List<Parameter> ps = new ArrayList<>(layer.parameters());
        ps.addAll(head.dense().parameters());
        this.parameters = Collections.unmodifiableList(ps);
    }

    /** Starts building a model whose recurrent stack has {@code cell} cells, I inputs and H hidden units. */
    public static Builder builder(CellType cell, int inputSize, int hiddenSize) {
        return new Builder(cell, inputSize, hiddenSize);
    }

    /**
     * A model of an existing stack and head, used as they are (nothing is initialised): e.g. a
     * stack loaded from PyTorch with {@link dev.vecrnn.nn.StateDict}. A new {@link Dense} starts
     * at zero, which lets no gradient through to the stack: {@link Dense#initialize} it first.
     *
     * @throws IllegalArgumentException if the head is not named {@value #HEAD_NAME} or does not
     *     read the stack's {@link RecurrentLayer#outputSize()} features
     */
    public static Model of(RecurrentLayer layer, LossHead head) {
        if (layer == null || head == null) {
            throw new IllegalArgumentException("layer and head must be non-null, got " + layer + ", " + head);
        }
        Dense d = head.dense();
        if (!d.weight().name().equals(HEAD_NAME + ".weight")) {
            throw new IllegalArgumentException("the head's parameters are " + d.parameters() + "; a model's head is named '"
                    + HEAD_NAME + "' (new Dense(\"" + HEAD_NAME + "\", ...)), so that files carry PyTorch's head.weight "
                    + "and head.bias");
        }
        if (d.inputSize() != layer.outputSize()) {
            throw new IllegalArgumentException("head reads " + d.inputSize() + " features, expected the layer's output size "
                    + layer.outputSize() + " (hidden size " + layer.hiddenSize()
                    + (layer.projSize() > 0 ? ", proj size " + layer.projSize() : "")
                    + (layer.bidirectional() ? ", bidirectional" : "") + ")");
        }
        return new Model(layer, head);
    }

    /** Configuration of a {@link Model}; every setting but the cell and sizes has a default. */
    public static final class Builder {
        private final CellType cell;
        private final int inputSize;
        private final int hiddenSize;
        private int numLayers = 1;
        private boolean bidirectional;
        private int projSize;
        private double dropout;
        private int outputSize = 1;
        private LossKind loss = LossKind.MSE_LAST;
        private Init.Scheme init = Init.Scheme.PYTORCH;
        private Double forgetBias;
        private Long seed;
        private ThreadTeam team;

        private Builder(CellType cell, int inputSize, int hiddenSize) {
            if (cell == null) {
                throw new IllegalArgumentException("cell type is null");
            }
            Args.positive("inputSize", inputSize);
            Args.positive("hiddenSize", hiddenSize);
            this.cell = cell;
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        /** Stacked recurrent layers L (default 1). */
        public Builder numLayers(int numLayers) {
            Args.positive("numLayers", numLayers);
            this.numLayers = numLayers;
            return this;
        }

        /** Whether each layer also runs backwards in time (default false); the head then reads {@code 2H} features. */
        public Builder bidirectional(boolean bidirectional) {
            this.bidirectional = bidirectional;
            return this;
        }

        /** LSTM projection size P (default 0, none); see {@link RecurrentLayer.Builder#projSize}. */
        public Builder projSize(int projSize) {
            this.projSize = projSize;
            return this;
        }

        /** Dropout between stacked layers in training (default 0); see {@link RecurrentLayer.Builder#dropout}. */
        public Builder dropout(double p) {
            this.dropout = p;
            return this;
        }

        /** O: the head's outputs per scored position, or the number of classes (default 1). */
        public Builder outputSize(int outputSize) {
            Args.positive("outputSize", outputSize);
            this.outputSize = outputSize;
            return this;
        }

        /** The loss and the scored steps (default {@link LossKind#MSE_LAST}). */
        public Builder loss(LossKind loss) {
            if (loss == null) {
                throw new IllegalArgumentException("loss is null");
            }
            this.loss = loss;
            return this;
        }

        /** How the recurrent stack is initialised (default {@link Init.Scheme#PYTORCH}). */
        public Builder init(Init.Scheme scheme) {
            if (scheme == null) {
                throw new IllegalArgumentException("initialisation scheme is null");
            }
            this.init = scheme;
            return this;
        }

        /** After initialisation, the LSTM forget-gate bias ({@link Init#forgetGateBias}; default: as initialised). */
        public Builder forgetBias(double value) {
            this.forgetBias = value;
            return this;
        }

        /**
         * The seed of every initial weight (and of the dropout masks). Default: a random seed, so
         * models differ from run to run.
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The thread team of the recurrent stack (default {@link ThreadTeam#shared()}). */
        public Builder threads(ThreadTeam team) {
            if (team == null) {
                throw new IllegalArgumentException("threads: team is null");
            }
            this.team = team;
            return this;
        }

        /**
         * Builds and initialises the model (see the class description).
         *
         * @throws IllegalArgumentException for sizes the stack rejects (e.g. a projection on a
         *     GRU), or a forget-gate bias on a cell that is not an LSTM
         */
        public Model build() {
            long s = seed != null ? seed : new SplittableRandom().nextLong();
            RecurrentLayer.Builder b = RecurrentLayer.builder(cell, inputSize, hiddenSize).numLayers(numLayers)
                    .bidirectional(bidirectional).projSize(projSize).dropout(dropout).seed(s);
            if (team != null) {
                b.threads(team);
            }
            RecurrentLayer layer = b.build();
            SplittableRandom rng = new SplittableRandom(s);
            Init.apply(init, layer, rng);
            Dense dense = new Dense(HEAD_NAME, layer.outputSize(), outputSize);
            dense.initialize(rng);
            if (forgetBias != null) {
                Init.forgetGateBias(layer, forgetBias);
            }
            return new Model(layer, new LossHead(dense, loss));
        }
    }

    // ---------------------------------------------------------------------------------------
    // files

    /**
     * Writes the whole model to {@code file} atomically: parameters under PyTorch's names and the
     * configuration as metadata (see the class description).
     */
    public void save(Path file) throws IOException {
        ModelFiles.save(this, file);
    }

    /** Like {@link #load(Path, ThreadTeam)} on the shared thread team. */
    public static Model load(Path file) throws IOException {
        return load(file, ThreadTeam.shared());
    }

    /**
     * Reads a model {@link #save} wrote, or the model of a {@link Trainer} checkpoint: builds the
     * configuration the file records and copies every parameter in.
     *
     * @throws TensorFileException if the file is malformed or not a vecrnn model or checkpoint
     * @throws IllegalArgumentException if its tensors do not fit the configuration it records
     */
    public static Model load(Path file, ThreadTeam team) throws IOException {
        return ModelFiles.load(file, team);
    }

    /**
     * Copies the parameters of a model file or checkpoint into this model. The file's
     * configuration must be this model's and its tensors exactly this model's names and shapes;
     * otherwise nothing changes.
     *
     * @throws IllegalArgumentException naming the file and the first difference (a setting of
     *     the configuration, or a missing, unexpected or mis-shaped tensor)
     * @throws TensorFileException if the file is malformed or not a vecrnn model or checkpoint
     */
    public void loadWeights(Path file) throws IOException {
        ModelFiles.loadWeights(this, file);
    }

    /**
     * Copies of the parameters under their names, in order: the stack's PyTorch names, then
     * {@code head.weight} and {@code head.bias}.
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            out.put(p.name(), Tensor.of(p.value().clone(), p.shape()));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------
    // inference

    /**
     * The head's outputs at the last step of each sequence (regression values, or logits for
     * cross-entropy): {@code [count, O]}, a new array. Inference passes, no dropout, no
     * gradients; at most {@value #INFERENCE_BATCH} sequences at a time.
     *
     * @param x      {@code count} sequences of T steps of I features in {@code layout}; T
     *               follows from the length
     * @throws IllegalArgumentException if {@code x}'s length is not {@code count * T * I}
     */
    public float[] predict(float[] x, int count, Layout layout) {
        return predict(x, count, layout, false);
    }

    /**
     * The head's outputs at every step: {@code [count, T, O]} batch-first or {@code [T, count, O]}
     * time-major, as {@code layout} says; a new array. Otherwise as {@link #predict}.
     */
    public float[] predictEveryStep(float[] x, int count, Layout layout) {
        return predict(x, count, layout, true);
    }

    private float[] predict(float[] x, int count, Layout layout, boolean everyStep) {
        if (layout == null) {
            throw new IllegalArgumentException("layout is null");
        }
        Args.positive("count", count);
        int in = layer.inputSize();
        if (x == null || x.length == 0 || x.length % ((long) count * in) != 0) {
            throw new IllegalArgumentException("x must hold count " + count + " x T x input size " + in
                    + " floats for some T >= 1, got " + (x == null ? "null" : x.length));
        }
        int t = (int) (x.length / ((long) count * in));
        int o = config.outputSize();
        int features = layer.outputSize();
        Dense dense = head.dense();
        float[] y = new float[Math.multiplyExact(everyStep ? count * t : count, o)];
        int chunk = Math.min(count, INFERENCE_BATCH);
        float[] xt = layout == Layout.TIME_MAJOR && chunk == count ? x : new float[chunk * t * in];
        float[] yt = everyStep ? new float[chunk * t * o] : null;
        for (int from = 0; from < count; from += chunk) {
            int rows = Math.min(chunk, count - from);
            float[] xs = xt == x ? x : (rows == chunk ? xt : new float[rows * t * in]);
            if (xs != x) {
                layout.gather(x, 0, count, t, in, null, from, rows, xs);
            }
            ForwardResult fr = layer.infer(xs, t, rows, null, null);
            if (everyStep) {
                dense.forward(t * rows, fr.out(), 0, features, yt, 0, o);
                layout.scatter(yt, rows, t, o, y, count, from);
            } else {
                dense.forward(rows, fr.out(), (t - 1) * rows * features, features, y, from * o, o);
            }
        }
        return y;
    }

    /**
     * The mean loss over every sequence of {@code data} (inference passes, no change to anything):
     * for MSE the mean squared error per output value, for cross-entropy the mean per scored
     * position in nats.
     *
     * @throws IllegalArgumentException if the data set does not fit the model
     */
    public double evaluate(Dataset data) {
        checkFits(data.lossKind(), data.inputSize(), data.outputSize(), "data set");
        DatasetBatches batches = data.inOrder(INFERENCE_BATCH);
        double sum = 0;
        for (int i = 0; i < batches.perEpoch(); i++) {
            Batch b = batches.batch(i);
            sum += batchLoss(b) * b.batchSize();
        }
        return sum / data.count();
    }

    /**
     * The mean of the losses of batches {@code 0 .. batches-1} of {@code source} (inference
     * passes): always the same batches, so evaluations at different points of a run compare the
     * model, not the data.
     */
    public double evaluate(BatchSource source, long batches) {
        if (source == null) {
            throw new IllegalArgumentException("source is null");
        }
        if (batches < 1) {
            throw new IllegalArgumentException("batches must be >= 1, got " + batches);
        }
        checkFits(source.lossKind(), source.inputSize(), source.outputSize(), "batch source");
        double sum = 0;
        for (long i = 0; i < batches; i++) {
            sum += batchLoss(source.batch(i));
        }
        return sum / batches;
    }

    private double batchLoss(Batch b) {
        ForwardResult fr = layer.infer(b.x(), b.seqLen(), b.batchSize(), null, null);
        return head.loss(b.seqLen(), b.batchSize(), fr.out(), b.targets(), b.labels());
    }

    // ---------------------------------------------------------------------------------------
    // training

    /**
     * Trains on {@code data} as {@code options} say (epochs of shuffled mini-batches, validation,
     * early stopping; see {@link Fit}) and returns the per-epoch history. The weights afterwards
     * are the last epoch's, or the best epoch's with early stopping.
     *
     * @throws IllegalArgumentException if the data set does not fit the model
     * @throws TrainingDivergedException if the loss or gradient norm turns non-finite or passes
     *     the {@link DivergenceBound}; the weights are then those before the failing update
     */
    public FitHistory fit(Dataset data, Fit options) {
        if (data == null || options == null) {
            throw new IllegalArgumentException("data and options must be non-null, got " + data + ", " + options);
        }
        return FitLoop.run(this, data, options);
    }

    /** Sets every parameter's gradient to zero. */
    public void zeroGrad() {
        // indexed: an iterator over the unmodifiable list is not always scalar-replaced, and this runs every step
        for (int i = 0; i < parameters.size(); i++) {
            Arrays.fill(parameters.get(i).grad(), 0f);
        }
    }

    /**
     * Adds {@code weight} times the gradient of {@code batch}'s mean loss to every parameter's
     * {@link Parameter#grad()} (a training forward pass, the loss, backpropagation through time)
     * and returns the mean loss. Changes no weight: clipping and the optimizer step are separate
     * ({@link Trainer#applyGradients}). {@code weight} 1 is the plain gradient; micro-batch
     * {@code p} of a batch of B sequences takes {@code B_p / B} (see {@link Gradients}).
     *
     * @throws IllegalArgumentException if the batch does not fit the model or {@code weight} is
     *     negative or not finite
     */
    public double accumulateGradient(Batch batch, double weight) {
        if (batch == null) {
            throw new IllegalArgumentException("batch is null");
        }
        checkFits(batch.kind(), batch.inputSize(), batch.outputSize(), "batch");
        return gradient(batch.x(), batch.seqLen(), batch.batchSize(), null, null, batch.targets(), 0, batch.labels(),
                0, (float) weight, null, null);
    }

    /**
     * The gradient pass of {@link #accumulateGradient} for a chunk of a longer sequence
     * (truncated BPTT): starts from {@code h0}/{@code c0} (null for zeros), reads the targets
     * from the given offsets, and copies the final states into {@code carryH}/{@code carryC}
     * (when non-null) before backward, for the next chunk.
     */
    double gradient(float[] x, int seqLen, int batch, float[] h0, float[] c0, float[] targets, int targetsOffset,
                    int[] labels, int labelsOffset, float weight, float[] carryH, float[] carryC) {
        ForwardResult fr = layer.forward(x, seqLen, batch, h0, c0);
        if (carryH != null) {
            System.arraycopy(fr.hN(), 0, carryH, 0, carryH.length);
        }
        if (carryC != null) {
            System.arraycopy(fr.cN(), 0, carryC, 0, carryC.length);
        }
        float[] dOut = dOutBuffers.get(seqLen * batch * layer.outputSize());
        double loss = head.forwardBackward(seqLen, batch, fr.out(), targets, targetsOffset, labels, labelsOffset,
                dOut, weight);
        layer.backward(dOut, null, null);
        return loss;
    }

    /** Throws unless data of this kind and sizes fits the model; {@code what} names the data (formatted only then). */
    void checkFits(LossKind kind, int inputSize, int outputSize, Object what) {
        if (kind != config.loss() || inputSize != config.inputSize() || outputSize != config.outputSize()) {
            throw new IllegalArgumentException(what + " has " + inputSize + " input features, " + outputSize
                    + " outputs and loss " + kind + ", but the model has input size " + config.inputSize()
                    + ", output size " + config.outputSize() + " and loss " + config.loss());
        }
    }

    // ---------------------------------------------------------------------------------------
    // accessors

    /** The recurrent stack. */
    public RecurrentLayer layer() {
        return layer;
    }

    /** The head and its loss. */
    public LossHead head() {
        return head;
    }

    /** What decides the parameters and the loss. */
    public ModelConfig config() {
        return config;
    }

    /** Every parameter: the stack's in PyTorch's order, then {@code head.weight}, {@code head.bias} (unmodifiable). */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The configuration in one line. */
    @Override
    public String toString() {
        return "Model[" + layer + " -> " + HEAD_NAME + " " + head.dense().inputSize() + " -> " + config.outputSize()
                + ", " + config.loss() + "]";
    }
}
