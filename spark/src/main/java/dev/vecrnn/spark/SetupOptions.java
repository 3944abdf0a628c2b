package dev.vecrnn.spark;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.study.StudyTask;
import picocli.CommandLine.Option;

/**
 * The options that make a {@link TrainingSetup}, shared by {@code train} and {@code bench}; each
 * command starts from its own defaults (the initial field values).
 */
final class SetupOptions {
    @Option(names = "--task", description = "adding, copy, sine or charlm (default: ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--length", description = "T: sequence length (copy: the delay) (default: ${DEFAULT-VALUE})")
    int length;

    @Option(names = "--cell", description = "lstm, gru, rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--hidden", description = "H: hidden units (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--layers", description = "stacked layers (default: ${DEFAULT-VALUE})")
    int layers = 1;

    @Option(names = "--batch", description = "B: sequences per global batch, divisible by the partitions (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--clip", description = "global gradient-norm clipping, 0 = off (default: ${DEFAULT-VALUE})")
    double clip = 1.0;

    @Option(names = "--seed", description = "seed of the weights and the data (default: ${DEFAULT-VALUE})")
    long seed = 1;

    SetupOptions(String task, int length, String cell, int hidden, int batch, double lr) {
        this.task = task;
        this.length = length;
        this.cell = cell;
        this.hidden = hidden;
        this.batch = batch;
        this.lr = lr;
    }

    TrainingSetup toSetup() {
        return new TrainingSetup(StudyTask.parse(task), length, CellType.parse(cell), hidden, layers, batch, lr, clip,
                seed);
    }
}
