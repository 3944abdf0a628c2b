package dev.vecrnn.study;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Task;
import dev.vecrnn.train.Trainer;
import dev.vecrnn.train.TrainingDivergedException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * One training run of {@code vecrnn compare}: one cell on one task at one length with one seed,
 * for at most the study's step budget, with validation along the way, a test metric at the end
 * and gradient-vs-lag profiles before and after.
 *
 * <p>Four independent streams of the task, all derived from the run's seed: training,
 * validation (decides when the run is solved), test (the reported metric) and the probe's
 * batch. The held-out streams are re-read from their start at every evaluation, so every
 * evaluation of a run, and every cell of a seed, scores the same sequences.
 *
 * <p>A run depends on nothing but its configuration and seed: runs on different threads at the
 * same time give the same bits as one after another.
 */
public final class StudyRun {
    private StudyRun() {}

    /** Called after each step with the step count so far, the step's loss and the last validation metric. */
    public interface Progress {
        void step(long done, double loss, double lastValidation);
    }

    /** Stream seeds: fixed offsets of the run seed so that every cell of a seed sees the same data. */
    public static long trainSeed(long seed) {
        return seed;
    }

    public static long validationSeed(long seed) {
        return seed + 0x5EED_0001L;
    }

    public static long testSeed(long seed) {
        return seed + 0x5EED_0002L;
    }

    public static long probeSeed(long seed) {
        return seed + 0x5EED_0003L;
    }

    public static long initSeed(long seed) {
        return seed + 0x1A17L;
    }

    /**
     * Everything a run measured. Times in seconds; metrics in the task's loss.
     *
     * @param key                what was trained
     * @param seqLen             steps per sequence
     * @param lr                 Adam learning rate
     * @param gateInit           gate-bias initialisation (as configured; a no-op for plain RNNs)
     * @param baseline           the task's memoryless baseline
     * @param threshold          the task's success threshold
     * @param finalMetric        test metric when the run ended (NaN if it could not be computed)
     * @param stepsDone          steps trained
     * @param firstBelowStep     first validation at or below the threshold, or null
     * @param solvedAtStep       the second of the first two consecutive validations at or below the
     *                           threshold (where a run that stops when solved stops), or null
     * @param divergedAtStep     the step whose loss or gradient was not finite (or exploded), or null
     * @param diverged           the trainer's message about it, or null
     * @param wallSeconds        wall time of the whole run (probes and evaluations included)
     * @param trainSeconds       wall time of the training steps alone
     * @param cpuSeconds         CPU time of the run's thread (the whole run), NaN if the JVM cannot say
     * @param meanConcurrentRuns runs training at the same time as this one, itself included,
     *                           averaged over its steps
     * @param flopsPerStep       DESIGN.md flops of one training step
     * @param batch              sequences per step
     * @param lossCurve          training loss of every step
     * @param evalSteps          steps at which validation ran
     * @param evalMetrics        validation metric at those steps
     * @param gradInit           gradient-vs-lag profile at initialisation
     * @param gradTrained        gradient-vs-lag profile at the end
     */
    public record Result(StudyConfig.RunKey key, int seqLen, double lr, GateInit gateInit, double baseline,
                         double threshold, double finalMetric, int stepsDone, Integer firstBelowStep,
                         Integer solvedAtStep, Long divergedAtStep, String diverged, double wallSeconds,
                         double trainSeconds, double cpuSeconds, double meanConcurrentRuns, double flopsPerStep,
                         int batch, float[] lossCurve, int[] evalSteps, double[] evalMetrics,
                         GradientLagProbe.Profile gradInit, GradientLagProbe.Profile gradTrained) {

        public StudyTask task() {
            return key.task();
        }

        public StudyCell cell() {
            return key.cell();
        }

        public int length() {
            return key.length();
        }

        public long seed() {
            return key.seed();
        }

        /** Solved: it did not diverge and its test metric is at or below the threshold. */
        public boolean solved() {
            return divergedAtStep == null && finalMetric <= threshold;
        }

        /** Training sequences per second of training time (evaluation and probes excluded). */
        public double sequencesPerSecond() {
            return trainSeconds > 0 ? (double) stepsDone * batch / trainSeconds : Double.NaN;
        }

        /** GFLOP/s of training by the DESIGN.md count. */
        public double gflops() {
            return trainSeconds > 0 ? flopsPerStep * stepsDone / trainSeconds / 1e9 : Double.NaN;
        }
    }

    /**
     * Flops of one training step by DESIGN.md: 3× the forward of the layer,
     * {@code 2·T·B·G·H·(I+H)}, plus 3× the head's forward, {@code 2·rows·H·O} over the scored rows.
     */
    public static double flopsPerStep(Task task, StudyCell cell, int hidden, int batch) {
        double t = task.seqLen();
        double layer = 2.0 * t * batch * cell.type.gates() * hidden * (task.inputSize() + (double) hidden);
        double rows = (double) task.lossKind().scoredSteps(task.seqLen()) * batch;
        double head = 2.0 * rows * hidden * task.outputSize();
        return 3 * (layer + head);
    }

    /** A trainer for {@code key} as {@code config} says, weights initialised from the run's seed. */
    static Trainer trainer(StudyConfig config, StudyConfig.RunKey key, Task train, ThreadTeam team) {
        StudyCell cell = key.cell();
        double lr = config.lr(cell);
        Model model = Model.builder(cell.type, train.inputSize(), config.hidden())
                .outputSize(train.outputSize()).loss(train.lossKind())
                .init(cell.init).seed(initSeed(key.seed())).threads(team).build();
        Trainer trainer = Trainer.builder(model, train.batches(config.batch()))
                .optimizer(ps -> new Adam(ps, lr))
                .clipNorm(config.clipNorm())
                .build();
        // after the weight scheme, before the first step (the optimizer has no state yet)
        config.gateInit(cell).apply(cell, model.layer(), train.seqLen(), key.seed());
        return trainer;
    }

    /**
     * Trains the run {@code key} as {@code config} says, on the calling thread (and the team's).
     *
     * @param concurrentRuns how many runs are training right now, sampled once per step
     */
    public static Result run(StudyConfig config, StudyConfig.RunKey key, ThreadTeam team, IntSupplier concurrentRuns,
                             Progress progress) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean cpuKnown = threads.isCurrentThreadCpuTimeSupported();
        long cpuStart = cpuKnown ? threads.getCurrentThreadCpuTime() : 0;
        long wallStart = System.nanoTime();
        long seed = key.seed();
        StudyTask task = key.task();
        Task train = task.create(key.length(), trainSeed(seed));
        Task validation = task.create(key.length(), validationSeed(seed));
        Task test = task.create(key.length(), testSeed(seed));
        Task probeData = task.create(key.length(), probeSeed(seed));
        Trainer trainer = trainer(config, key, train, team);
        Model model = trainer.model();
        GradientLagProbe probe = new GradientLagProbe(model.layer(), model.head().dense(), probeData,
                config.probeBatch(), GradientLagProbe.spacedLags(train.seqLen(), config.probeLags()));
        GradientLagProbe.Profile gradInit = probe.measure();

        int steps = config.steps();
        float[] losses = new float[steps];
        int evals = steps / config.evalEvery() + 1;
        int[] evalSteps = new int[evals];
        double[] evalMetrics = new double[evals];
        int evalCount = 0;
        Integer firstBelow = null;
        Integer solvedAt = null;
        boolean lastBelow = false;
        Long divergedAt = null;
        String diverged = null;
        long trainNanos = 0;
        long concurrencySum = 0;
        int done = 0;
        double lastVal = Double.NaN;
        try {
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                double loss = trainer.step();
                trainNanos += System.nanoTime() - t0;
                concurrencySum += concurrentRuns.getAsInt();
                losses[s] = (float) loss;
                done = s + 1;
                boolean stop = false;
                if (done % config.evalEvery() == 0 || done == steps) {
                    lastVal = model.evaluate(validation.batches(config.batch()), config.evalBatches());
                    evalSteps[evalCount] = done;
                    evalMetrics[evalCount] = lastVal;
                    evalCount++;
                    boolean below = lastVal <= train.successThreshold();
                    if (below && firstBelow == null) {
                        firstBelow = done;
                    }
                    if (below && lastBelow && solvedAt == null) {
                        solvedAt = done;
                        stop = config.stopWhenSolved();
                    }
                    lastBelow = below;
                }
                progress.step(done, loss, lastVal);
                if (stop) {
                    break;
                }
            }
        } catch (TrainingDivergedException e) {
            // the failing update was not applied: the weights are those of the last good step
            divergedAt = e.step();
            diverged = e.getMessage();
        }
        GradientLagProbe.Profile gradTrained = probe.measure();
        double finalMetric = model.evaluate(test.batches(config.batch()), config.testBatches());
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double cpu = cpuKnown ? (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9 : Double.NaN;
        return new Result(key, train.seqLen(), config.lr(key.cell()), config.gateInit(key.cell()), train.baseline(),
                train.successThreshold(), finalMetric, done, firstBelow, solvedAt, divergedAt, diverged, wall,
                trainNanos / 1e9, cpu, done > 0 ? (double) concurrencySum / done : 1.0,
                flopsPerStep(train, key.cell(), config.hidden(), config.batch()), config.batch(),
                Arrays.copyOf(losses, done), Arrays.copyOf(evalSteps, evalCount), Arrays.copyOf(evalMetrics, evalCount),
                gradInit, gradTrained);
    }

    /**
     * A few steps of {@code cell} on a throwaway network so that the JIT compiles the kernels
     * before anything is timed; returns the seconds it took.
     */
    public static double warmUp(StudyConfig config, StudyTask task, StudyCell cell, int length, ThreadTeam team) {
        long t0 = System.nanoTime();
        StudyConfig.RunKey key = new StudyConfig.RunKey(task, cell, length, config.firstSeed() ^ 0x3A3AL);
        Task data = task.create(length, key.seed());
        Trainer trainer = trainer(config, key, data, team);
        try {
            for (int s = 0; s < config.warmupSteps(); s++) {
                trainer.step();
            }
            trainer.model().evaluate(task.create(length, 7).batches(config.batch()), 1);
        } catch (TrainingDivergedException ignored) {
            // a warm-up only needs the code paths to run
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
