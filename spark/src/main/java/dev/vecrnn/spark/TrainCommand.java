package dev.vecrnn.spark;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.perf.Checks;
import dev.vecrnn.train.Model;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train}: one data-parallel training run on Spark, with checkpoints. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains a model on a generated task data-parallel over Spark partitions: synchronous "
                + "(bit for bit the one-machine run with the same micro-batches) or local SGD (--average-every K).",
            "The checkpoint is an ordinary vecrnn trainer checkpoint."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    SetupOptions setup = new SetupOptions("adding", 50, "lstm", 64, 64, 1e-3);

    @Option(names = "--steps", defaultValue = "1000", description = "training steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--partitions", description = "P: tasks per job, each computing on B/P sequences (default: the context's default parallelism)")
    Integer partitions;

    @Option(names = "--average-every", defaultValue = "0", description = "K: 0 = synchronous, one job per step; K >= 1 = local SGD, replicas averaged every K steps (default: ${DEFAULT-VALUE})")
    int averageEvery;

    @Option(names = "--threads-per-task", defaultValue = "1", description = "threads of each replica (default: ${DEFAULT-VALUE})")
    int threadsPerTask;

    @Option(names = "--checkpoint", description = "checkpoint file, written atomically every --checkpoint-every steps and at the end")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "500", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    long checkpointEvery;

    @Option(names = "--resume", description = "continue from --checkpoint when it exists (the run's configuration must match)")
    boolean resume;

    @Option(names = "--eval-batches", defaultValue = "20", description = "held-out batches the final loss is measured on (default: ${DEFAULT-VALUE})")
    int evalBatches;

    @Option(names = "--master", description = "Spark master, e.g. local[2] or spark://host:7077 (default: spark-submit's, else local[*])")
    String master;

    @Override
    public Integer call() throws Exception {
        TrainingSetup s = setup.toSetup();
        if (steps < 1 || checkpointEvery < 1 || evalBatches < 1) {
            throw new IllegalArgumentException("--steps, --checkpoint-every and --eval-batches must be >= 1, got "
                    + steps + ", " + checkpointEvery + ", " + evalBatches);
        }
        if (resume && checkpoint == null) {
            throw new IllegalArgumentException("--resume needs --checkpoint FILE");
        }
        if (checkpoint != null) {
            if (resume && Files.exists(checkpoint)) {
                Checks.inputFile("--checkpoint", checkpoint);
            }
            Checks.outputFile("--checkpoint", checkpoint, false);
        }
        JavaSparkContext sc = SparkContexts.start("vecrnn train", master);
        try {
            return run(sc, s);
        } finally {
            sc.stop();
        }
    }

    /** The run on {@code sc}, whose owner stops it. */
    int run(JavaSparkContext sc, TrainingSetup s) throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (ThreadTeam team = new ThreadTeam(1)) {
            Model model = s.model(team);
            DistributedTrainer.Builder b = DistributedTrainer.builder(sc, model, s.data())
                    .optimizer(s.optimizer()).clipNorm(s.clipNorm()).averageEvery(averageEvery)
                    .threadsPerTask(threadsPerTask);
            if (partitions != null) {
                b.partitions(partitions);
            }
            DistributedTrainer t = b.build();
            if (resume && Files.exists(checkpoint)) {
                t.load(checkpoint);
                out.printf(Locale.ROOT, "resumed from %s at step %d%n", checkpoint, t.trainer().stepCount());
            }
            out.printf(Locale.ROOT, "training %s on %s: %s%n", s.describe(), sc.master(), t);
            out.flush();
            long end = Math.max(steps, t.trainer().stepCount());
            long t0 = System.nanoTime();
            long first = t.trainer().stepCount();
            long[] nextCheckpoint = {first + checkpointEvery};
            long reportEvery = Math.max(1, steps / 20);
            long[] nextReport = {first + reportEvery};
            t.train(end - first, (step, loss) -> {
                if (step >= nextReport[0] || step == end) {
                    double sec = (System.nanoTime() - t0) / 1e9;
                    out.printf(Locale.ROOT, "step %d/%d: loss %.5g (%.1f s, %.0f sequences/s)%n", step, end, loss,
                            sec, (step - first) * (double) s.batch() / sec);
                    out.flush();
                    nextReport[0] = step + reportEvery;
                }
                if (checkpoint != null && step >= nextCheckpoint[0]) {
                    save(t, checkpoint);
                    nextCheckpoint[0] = step + checkpointEvery;
                }
            });
            if (checkpoint != null) {
                save(t, checkpoint);
                out.printf(Locale.ROOT, "wrote %s (step %d)%n", checkpoint, t.trainer().stepCount());
            }
            out.printf(Locale.ROOT, "held-out loss %.6g (%d batches; the task's baseline %.4g)%n",
                    model.evaluate(s.heldOut(), evalBatches), evalBatches, s.task().create(s.length(), 0).baseline());
            out.flush();
        }
        return 0;
    }

    private static void save(DistributedTrainer t, Path file) {
        try {
            t.save(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
