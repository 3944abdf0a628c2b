package dev.vecrnn.spark;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.study.StudyTask;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.BatchSource;
import dev.vecrnn.train.Model;
import java.io.Serializable;
import java.util.Locale;

/**
 * A training run of the command line: a generated task at a length, a model, the batch size,
 * Adam's learning rate, clipping and the seed. Serialisable, so that the executors build the same
 * batches from it.
 *
 * @param seed seeds the model's weights and the task's training stream; the held-out stream
 *             has its own seed derived from it
 */
record TrainingSetup(StudyTask task, int length, CellType cell, int hidden, int layers, int batch, double lr,
                     double clipNorm, long seed) implements Serializable {
    /** Added to the seed for the held-out stream, so that it never coincides with a training stream. */
    static final long HELD_OUT_SEED_OFFSET = 1_000_003;

    TrainingSetup {
        if (task == null || cell == null) {
            throw new IllegalArgumentException("task and cell must be given");
        }
        positive("--length", length);
        positive("--hidden", hidden);
        positive("--layers", layers);
        positive("--batch", batch);
        if (length < task.minLength) {
            throw new IllegalArgumentException("--length must be >= " + task.minLength + " for " + task.cliName
                    + ", got " + length);
        }
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("--lr must be finite and > 0, got " + lr);
        }
        if (!(clipNorm >= 0) || !Double.isFinite(clipNorm)) {
            throw new IllegalArgumentException("--clip must be finite and >= 0 (0 = off), got " + clipNorm);
        }
    }

    private static void positive(String option, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + v);
        }
    }

    /** The training stream, built alike on the driver and the executors. */
    BatchSourceFactory data() {
        StudyTask t = task;
        int n = length;
        long s = seed;
        int b = batch;
        return () -> t.create(n, s).batches(b);
    }

    /** The held-out stream the final loss is measured on. */
    BatchSource heldOut() {
        return task.create(length, seed + HELD_OUT_SEED_OFFSET).batches(batch);
    }

    /** A fresh model, the same for every run of this setup. */
    Model model(ThreadTeam team) {
        BatchSource shape = task.create(length, seed).batches(1);
        return Model.builder(cell, shape.inputSize(), hidden).numLayers(layers).outputSize(shape.outputSize())
                .loss(shape.lossKind()).seed(seed).threads(team).build();
    }

    /** Adam at the learning rate. */
    OptimizerFactory optimizer() {
        double rate = lr;
        return ps -> new Adam(ps, rate);
    }

    /** One line for reports. */
    String describe() {
        return String.format(Locale.ROOT, "%s T=%d, %s H=%d%s, B=%d, Adam lr %s%s, seed %d", task.cliName, length,
                cell.cliName(), hidden, layers > 1 ? " L=" + layers : "", batch, lr,
                clipNorm > 0 ? ", clip " + clipNorm : "", seed);
    }
}
