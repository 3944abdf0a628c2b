package dev.vecrnn.study;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.Task;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Trainer;
import dev.vecrnn.train.TrainingDivergedException;
import java.util.Arrays;

/**
 * One training run of {@code vecrnn compare}: one cell on one task at one length, for a fixed
 * number of steps, with validation along the way, a final test metric and gradient-vs-lag
 * profiles before and after.
 *
 * <p>Four independent streams of the task, all derived from the study's seed: training,
 * validation (decides "reached at step"), test (the final metric) and the probe's batch. The
 * held-out streams are re-read from their start at every evaluation, so every evaluation of a
 * run and every run of a study scores the same sequences.
 */
public final class StudyRun {
    private StudyRun() {}

    /** Called after each step with the step count so far, the step's loss and the last validation metric. */
    public interface Progress {
        void step(long done, double loss, double lastValidation);
    }

    /** Stream seeds: fixed offsets of the study seed so that every cell sees the same data. */
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

    /** Everything a run measured. Times in seconds; metrics in the task's loss. */
    public record Result(StudyTask task, StudyCell cell, int length, int seqLen, double lr, double baseline,
                  double threshold, double finalMetric, int stepsDone, Integer reachedAtStep, double wallSeconds,
                  double trainSeconds, double flopsPerStep, int batch, float[] lossCurve, int[] evalSteps,
                  double[] evalMetrics, GradientLagProbe.Profile gradInit, GradientLagProbe.Profile gradTrained,
                  String diverged) {

        /** Training sequences per second of training time (evaluation and probes excluded). */
        public double sequencesPerSecond() {
            return trainSeconds > 0 ? (double) stepsDone * batch / trainSeconds : Double.NaN;
        }

        /** GFLOP/s of training by the DESIGN.md count. */
        public double gflops() {
            return trainSeconds > 0 ? flopsPerStep * stepsDone / trainSeconds / 1e9 : Double.NaN;
        }

        public boolean reached() {
            return reachedAtStep != null;
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

    /** Trains {@code cell} on {@code task} at length {@code length} as {@code config} says. */
    public static Result run(StudyConfig config, StudyTask task, StudyCell cell, int length, ThreadTeam team,
                      Progress progress) {
        long wallStart = System.nanoTime();
        long seed = config.seed();
        Task train = task.create(length, trainSeed(seed));
        Task validation = task.create(length, validationSeed(seed));
        Task test = task.create(length, testSeed(seed));
        Task probeData = task.create(length, probeSeed(seed));
        double lr = config.lr(cell);
        Model.Builder mb = Model.builder(cell.type, train.inputSize(), config.hidden())
                .outputSize(train.outputSize()).loss(train.lossKind())
                .init(cell.init).seed(initSeed(seed)).threads(team);
        if (cell == StudyCell.LSTM) {
            mb.forgetBias(StudyCell.FORGET_BIAS);
        }
        Model model = mb.build();
        RecurrentLayer layer = model.layer();
        Trainer trainer = Trainer.builder(model, train.batches(config.batch()))
                .optimizer(ps -> new Adam(ps, lr))
                .clipNorm(config.clipNorm())
                .build();
        GradientLagProbe probe = new GradientLagProbe(layer, model.head().dense(), probeData,
                config.probeBatch(), GradientLagProbe.spacedLags(train.seqLen(), config.probeLags()));
        GradientLagProbe.Profile gradInit = probe.measure();

        int steps = config.steps();
        float[] losses = new float[steps];
        int evals = steps / config.evalEvery() + (steps % config.evalEvery() == 0 ? 0 : 1);
        int[] evalSteps = new int[evals];
        double[] evalMetrics = new double[evals];
        int evalCount = 0;
        Integer reached = null;
        String diverged = null;
        long trainNanos = 0;
        int done = 0;
        double lastVal = Double.NaN;
        try {
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                double loss = trainer.step();
                trainNanos += System.nanoTime() - t0;
                losses[s] = (float) loss;
                done = s + 1;
                if (done % config.evalEvery() == 0 || done == steps) {
                    lastVal = model.evaluate(validation.batches(config.batch()), config.evalBatches());
                    evalSteps[evalCount] = done;
                    evalMetrics[evalCount] = lastVal;
                    evalCount++;
                    if (reached == null && lastVal <= train.successThreshold()) {
                        reached = done;
                    }
                }
                progress.step(done, loss, lastVal);
            }
        } catch (TrainingDivergedException e) {
            // the update was not applied, so the weights are still those of the last good step
            diverged = e.getMessage();
        }
        GradientLagProbe.Profile gradTrained = probe.measure();
        double finalMetric = model.evaluate(test.batches(config.batch()), config.testBatches());
        double wall = (System.nanoTime() - wallStart) / 1e9;
        float[] curve = done == steps ? losses : Arrays.copyOf(losses, done);
        return new Result(task, cell, length, train.seqLen(), lr, train.baseline(), train.successThreshold(),
                finalMetric, done, reached, wall, trainNanos / 1e9,
                flopsPerStep(train, cell, config.hidden(), config.batch()), config.batch(), curve,
                Arrays.copyOf(evalSteps, evalCount), Arrays.copyOf(evalMetrics, evalCount),
                gradInit, gradTrained, diverged);
    }

    /**
     * A few steps of {@code cell} on a throwaway network so that the JIT compiles the kernels
     * before anything is timed; returns the seconds it took.
     */
    public static double warmUp(StudyConfig config, StudyTask task, StudyCell cell, int length, ThreadTeam team) {
        long t0 = System.nanoTime();
        Task data = task.create(length, config.seed() ^ 0x3A3AL);
        Model model = Model.builder(cell.type, data.inputSize(), config.hidden()).outputSize(data.outputSize())
                .loss(data.lossKind()).init(cell.init).seed(1).threads(team).build();
        Trainer trainer = Trainer.builder(model, data.batches(config.batch()))
                .optimizer(ps -> new Adam(ps, config.lr(cell))).clipNorm(config.clipNorm()).build();
        try {
            for (int s = 0; s < config.warmupSteps(); s++) {
                trainer.step();
            }
            model.evaluate(task.create(length, 7).batches(config.batch()), 1);
        } catch (TrainingDivergedException ignored) {
            // a warm-up only needs the code paths to run
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
