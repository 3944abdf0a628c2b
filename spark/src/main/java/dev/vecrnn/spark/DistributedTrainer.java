package dev.vecrnn.spark;

import dev.vecrnn.nn.Parameter;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.BatchSource;
import dev.vecrnn.train.DivergenceBound;
import dev.vecrnn.train.Gradients;
import dev.vecrnn.train.LearningRateSchedule;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Optimizer;
import dev.vecrnn.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Trains a {@link Model} data-parallel over the P partitions of Spark jobs. The driver holds the
 * model and an ordinary {@link Trainer} (optimizer, schedule, clipping, divergence checks,
 * checkpoints); each executor holds a replica of the model per partition, and every partition
 * computes on its share of each global batch of B sequences (B/P of them: the slices a
 * {@code Trainer} with {@code microBatches(P)} takes). Each partition builds the whole global
 * batch from its own copy of the source and keeps its slice: cheap for generated tasks and data
 * in memory, P times the work for a source whose batches are expensive to make.
 *
 * <pre>{@code
 * Model model = Model.builder(CellType.LSTM, 2, 64).seed(1).build();
 * DistributedTrainer t = DistributedTrainer.builder(sc, model, () -> new AddingTask(50, 7).batches(64))
 *         .partitions(2).optimizer(ps -> new Adam(ps, 1e-3)).clipNorm(1.0).build();
 * t.train(1000, (step, loss) -> {});
 * t.save(Path.of("run.ckpt.safetensors"));   // an ordinary Trainer checkpoint
 * }</pre>
 *
 * <h2>Synchronous (the default): bit for bit the single-process run</h2>
 * One Spark job per step, the pattern of Spark MLlib's {@code RDDLossFunction}: the driver
 * broadcasts its weights; partition {@code p} computes the gradient of its slice from zero,
 * weighted {@code B_p/B} ({@link Model#accumulateGradient}); the driver collects the P gradients
 * and sums them <em>in partition order</em> into a {@link Gradients}, then clips and applies the
 * optimizer step ({@link Trainer#applyGradients}). The order is fixed: {@code collect()} returns
 * the results by partition index whatever order the tasks finished in, whereas
 * {@code reduce}/{@code treeAggregate} combine partial sums as tasks finish, and float addition
 * of three or more terms depends on the order. The result is bit for bit that of
 * {@code Trainer.builder(model, source).microBatches(P)} on one machine, for every step; the
 * driver receives P gradient vectors per step (P × 4 bytes × parameters), which is what bounds
 * P. Plain full-batch training (P = 1) forms the same gradient with its sums in another order,
 * so it agrees only to rounding.
 *
 * <h2>Local SGD: {@link Builder#averageEvery averageEvery(K)}</h2>
 * A job costs tens of milliseconds of scheduling, more than a training step of a small model.
 * With K &gt; 0 each replica trains on its own share for K steps (a {@code Trainer} with the
 * same optimizer, schedule and clipping, on B/P sequences per step), then the driver averages the
 * replicas' weights and optimizer states (a plain mean, summed in partition order): one job per
 * K steps. It is not the single-process run (the replicas drift apart between averagings) and
 * converges differently; K = 1 with plain SGD is synchronous SGD to rounding.
 *
 * <h2>Faults and checks</h2>
 * Each task starts from what the driver broadcast and the batch index, so a task Spark retries
 * returns the same bits, and the run is unchanged. Before any job: B must be divisible by P,
 * and the source must fit the model ({@link Trainer.Builder#build}'s checks). On the executors:
 * the factory must build the driver's stream (same identity and batch size), and a partition whose
 * share of a batch is empty (a data set's short last batch of an epoch) fails the step; the
 * driver rethrows these as the {@link IllegalArgumentException} the executor threw.
 *
 * <p>Checkpoints ({@link #save}, {@link #load}) are the driver trainer's, the library's
 * ordinary ones: a run resumes from them distributed or on one machine (a synchronous run's,
 * with {@code microBatches(P)}, continues there bit for bit).
 *
 * <p>Not thread-safe: one thread drives a distributed trainer.
 */
public final class DistributedTrainer {
    private final JavaSparkContext sc;
    private final Trainer trainer;
    private final RunSpec spec;
    private final int averageEvery;
    private final JavaRDD<Integer> partitionsRdd;
    private final Gradients sum;

    private DistributedTrainer(Builder b, BatchSource source) {
        this.sc = b.sc;
        this.averageEvery = b.averageEvery;
        Trainer.Builder tb = Trainer.builder(b.model, source).optimizer(b.optimizer).clipNorm(b.clipNorm)
                .divergence(b.divergence).microBatches(averageEvery == 0 ? b.partitions : 1);
        if (b.schedule != null) {
            tb.schedule(b.schedule);
        }
        this.trainer = tb.build();
        RunSpec.LocalSgd local = averageEvery == 0 ? null : new RunSpec.LocalSgd(b.optimizer,
                trainer.schedule().toString(), b.clipNorm, b.divergence.lossFactor(),
                b.divergence.gradientNormFactor());
        this.spec = new RunSpec(UUID.randomUUID().toString(), ModelSpec.of(b.model), b.data, source.identity(),
                source.batchSize(), b.partitions, b.threadsPerTask, local);
        this.partitionsRdd = sc.parallelize(IntStream.range(0, b.partitions).boxed().toList(), b.partitions);
        this.sum = Gradients.zerosFor(b.model.parameters());
    }

    /**
     * Starts configuring the distributed training of {@code model} (which stays on the driver)
     * on the batches {@code data} builds, on {@code sc}'s executors.
     */
    public static Builder builder(JavaSparkContext sc, Model model, BatchSourceFactory data) {
        return new Builder(sc, model, data);
    }

    /** Configuration of a {@link DistributedTrainer}; everything but the context, model and data has a default. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private final Model model;
        private final BatchSourceFactory data;
        private int partitions;
        private OptimizerFactory optimizer = ps -> new Adam(ps, Adam.DEFAULT_LR);
        private LearningRateSchedule schedule;
        private double clipNorm;
        private DivergenceBound divergence = DivergenceBound.DEFAULT;
        private int averageEvery;
        private int threadsPerTask = 1;

        private Builder(JavaSparkContext sc, Model model, BatchSourceFactory data) {
            if (sc == null || model == null || data == null) {
                throw new IllegalArgumentException("Spark context, model and batch source factory must be non-null, "
                        + "got " + sc + ", " + model + ", " + data);
            }
            this.sc = sc;
            this.model = model;
            this.data = data;
            this.partitions = sc.defaultParallelism();
        }

        /** P: partitions (tasks) per job, each a share of B/P sequences (default: the context's default parallelism). */
        public Builder partitions(int p) {
            if (p < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, got " + p);
            }
            this.partitions = p;
            return this;
        }

        /** How the driver (and, for local SGD, each replica) makes its optimizer; default Adam at 1e-3. */
        public Builder optimizer(OptimizerFactory factory) {
            if (factory == null) {
                throw new IllegalArgumentException("optimizer factory is null");
            }
            this.optimizer = factory;
            return this;
        }

        /** The learning rate per update (default: constant at the optimizer's rate). */
        public Builder schedule(LearningRateSchedule schedule) {
            if (schedule == null) {
                throw new IllegalArgumentException("schedule is null");
            }
            this.schedule = schedule;
            return this;
        }

        /** Clip to this global gradient norm before each update (0, the default: off); see {@link Trainer.Builder#clipNorm}. */
        public Builder clipNorm(double maxNorm) {
            if (!(maxNorm >= 0) || !Double.isFinite(maxNorm)) {
                throw new IllegalArgumentException("clip norm must be finite and >= 0 (0 = off), got " + maxNorm);
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /** When a finite loss or gradient norm counts as diverged (default {@link DivergenceBound#DEFAULT}). */
        public Builder divergence(DivergenceBound bound) {
            if (bound == null) {
                throw new IllegalArgumentException("divergence bound is null");
            }
            this.divergence = bound;
            return this;
        }

        /**
         * K: 0 (the default) for synchronous training, one job per step; K &ge; 1 for local SGD,
         * replicas that train on their own and are averaged every K steps (see the class
         * description).
         */
        public Builder averageEvery(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("averageEvery must be >= 0 (0 = synchronous), got " + k);
            }
            this.averageEvery = k;
            return this;
        }

        /** Threads of each replica's team (default 1: Spark runs one task per core). */
        public Builder threadsPerTask(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threadsPerTask must be >= 1, got " + threads);
            }
            this.threadsPerTask = threads;
            return this;
        }

        /**
         * Builds the source on the driver, checks the configuration and builds the driver's
         * trainer. Runs no job.
         *
         * @throws IllegalArgumentException if B is not divisible by P, or as
         *     {@link Trainer.Builder#build} (the source does not fit the model, ...)
         */
        public DistributedTrainer build() {
            BatchSource source = data.create();
            if (source == null) {
                throw new IllegalArgumentException("the batch source factory returned null");
            }
            if (source.batchSize() % partitions != 0) {
                throw new IllegalArgumentException("batch size " + source.batchSize() + " of " + source.identity()
                        + " is not divisible by the " + partitions + " partitions: each partition computes on B/P "
                        + "sequences of every batch; choose a batch size that is a multiple of the partitions");
            }
            return new DistributedTrainer(this, source);
        }
    }

    /**
     * One Spark job: a synchronous step, or a round of local SGD of {@link #stepsPerJob()}
     * steps. Returns the step's loss (for a round, the mean loss of the replicas' steps).
     *
     * @throws dev.vecrnn.train.TrainingDivergedException as {@link Trainer#step()} (the update
     *     is not applied)
     * @throws IllegalArgumentException as an executor threw it (see the class description)
     */
    public double step() {
        return averageEvery == 0 ? synchronousStep() : averagingRound(averageEvery);
    }

    /**
     * Trains {@code steps} more steps, calling {@code afterJob} with the step count and the loss
     * after each job (may be null). A local-SGD run's last round is cut short so that exactly
     * {@code steps} are taken.
     */
    public void train(long steps, BiConsumer<Long, Double> afterJob) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        long end = trainer.stepCount() + steps;
        while (trainer.stepCount() < end) {
            double loss = averageEvery == 0 ? synchronousStep()
                    : averagingRound((int) Math.min(averageEvery, end - trainer.stepCount()));
            if (afterJob != null) {
                afterJob.accept(trainer.stepCount(), loss);
            }
        }
    }

    private double synchronousStep() {
        Model model = trainer.model();
        List<Parameter> ps = model.parameters();
        long passes = model.layer().dropoutPasses();
        Broadcast<GradientJob.Step> step = sc.broadcast(new GradientJob.Step(trainer.stepCount(), passes,
                ParameterVector.values(ps)));
        List<GradientJob.Share> shares;
        try {
            shares = SparkFailures.run(() -> partitionsRdd.mapPartitionsWithIndex(new GradientJob(spec, step), true)
                    .collect());
        } finally {
            step.destroy();
        }
        // in partition order, as Trainer.microBatches sums its slices
        sum.zero();
        double loss = 0;
        for (int p = 0; p < shares.size(); p++) {
            GradientJob.Share share = shares.get(p);
            checkOrder(share.partition(), p);
            ParameterVector.setGradients(ps, share.gradient());
            sum.addParameterGradients();
            loss += share.weight() * share.loss();
        }
        sum.copyToParameters();
        if (spec.model().drawsDropoutMasks()) {
            model.layer().setDropoutPasses(passes + shares.size());
        }
        trainer.applyGradients(loss);
        return loss;
    }

    private double averagingRound(int steps) {
        List<Parameter> ps = trainer.model().parameters();
        Optimizer optimizer = trainer.optimizer();
        long updates = optimizer.steps();
        Broadcast<AveragingJob.Round> round = sc.broadcast(new AveragingJob.Round(trainer.stepCount(), steps,
                ParameterVector.values(ps), ParameterVector.state(optimizer), updates));
        List<AveragingJob.Share> shares;
        try {
            shares = SparkFailures.run(() -> partitionsRdd.mapPartitionsWithIndex(new AveragingJob(spec, round), true)
                    .collect());
        } finally {
            round.destroy();
        }
        float[][] parameters = new float[shares.size()][];
        float[][] states = new float[shares.size()][];
        double loss = 0;
        for (int p = 0; p < shares.size(); p++) {
            AveragingJob.Share share = shares.get(p);
            checkOrder(share.partition(), p);
            parameters[p] = share.parameters();
            states[p] = share.optimizerState();
            for (double l : share.losses()) {
                loss += l;
            }
        }
        loss /= (double) shares.size() * steps;
        ParameterVector.setValues(ps, mean(parameters));
        ParameterVector.loadState(optimizer, mean(states), updates + steps);
        trainer.countStepsTakenElsewhere(steps, loss);
        return loss;
    }

    private static void checkOrder(int partition, int position) {
        if (partition != position) {
            throw new IllegalStateException("Spark returned partition " + partition + "'s result at position "
                    + position + "; collect() keeps the partition order, which the sums rely on");
        }
    }

    /** The element-wise mean of equally long vectors, summed in the given order in double. */
    static float[] mean(float[][] vectors) {
        int n = vectors[0].length;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (float[] v : vectors) {
                s += v[i];
            }
            out[i] = (float) (s / vectors.length);
        }
        return out;
    }

    /** Writes the driver trainer's checkpoint (an ordinary {@link Trainer} checkpoint) atomically. */
    public void save(Path file) throws IOException {
        trainer.save(file);
    }

    /**
     * Continues from a checkpoint, distributed or not: see {@link Trainer#load}.
     *
     * @throws IllegalArgumentException naming the file and the first mismatch of configuration
     */
    public void load(Path file) throws IOException {
        trainer.load(file);
    }

    /** The driver's trainer: its model, optimizer, step count, last loss and checkpoints. */
    public Trainer trainer() {
        return trainer;
    }

    /** P, the partitions of every job. */
    public int partitions() {
        return spec.partitions();
    }

    /** K, steps between averagings of local SGD; 0 for synchronous training. */
    public int averageEvery() {
        return averageEvery;
    }

    /** Steps one job takes: 1 when synchronous, K for local SGD. */
    public int stepsPerJob() {
        return averageEvery == 0 ? 1 : averageEvery;
    }

    @Override
    public String toString() {
        return "DistributedTrainer[" + spec.partitions() + " partitions, "
                + (averageEvery == 0 ? "synchronous" : "local SGD averaged every " + averageEvery + " steps") + ", "
                + trainer + "]";
    }
}
