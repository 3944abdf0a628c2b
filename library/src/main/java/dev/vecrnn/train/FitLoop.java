package dev.vecrnn.train;

import dev.vecrnn.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@link Model#fit}: epochs of a {@link Trainer} over a data set's shuffled batches, validation
 * after each epoch, early stopping on the monitored loss.
 */
final class FitLoop {
    private FitLoop() {}

    static FitHistory run(Model model, Dataset data, Fit options) {
        model.checkFits(data.lossKind(), data.inputSize(), data.outputSize(), "training data");
        Dataset train = data;
        Dataset validation = options.validationData();
        if (validation == null && options.validationSplit() > 0) {
            int trainCount = (int) (data.count() * (1 - options.validationSplit()));
            if (trainCount < 1 || trainCount >= data.count()) {
                throw new IllegalArgumentException("validation split " + options.validationSplit() + " of "
                        + data.count() + " sequences leaves " + trainCount + " to train on and "
                        + (data.count() - trainCount) + " to validate on; each needs at least one");
            }
            train = data.subset(0, trainCount);
            validation = data.subset(trainCount, data.count());
        }
        if (validation != null) {
            model.checkFits(validation.lossKind(), validation.inputSize(), validation.outputSize(), "validation data");
        }
        long seed = options.seed() != null ? options.seed() : new SplittableRandom().nextLong();
        DatasetBatches batches = new DatasetBatches(train, options.batchSize(), seed, true);
        Trainer trainer = Trainer.builder(model, batches)
                .optimizer(options.optimizerFactory())
                .clipNorm(options.clipNorm())
                .microBatches(options.microBatches())
                .divergence(options.divergence())
                .build();

        List<Parameter> params = model.parameters();
        float[][] bestWeights = null;
        if (options.patience() > 0 && options.restoreBest()) {
            bestWeights = new float[params.size()][];
            for (int i = 0; i < bestWeights.length; i++) {
                bestWeights[i] = new float[params.get(i).size()];
            }
        }
        List<FitHistory.Epoch> epochs = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        int sinceBest = 0;
        boolean stoppedEarly = false;
        int total = options.epochs();
        for (int e = 1; e <= total; e++) {
            long start = System.nanoTime();
            double sum = 0;
            for (int j = 0; j < batches.perEpoch(); j++) {
                int rows = batches.rows(trainer.stepCount());
                sum += trainer.step() * rows;
            }
            double loss = sum / train.count();
            double validationLoss = validation != null ? model.evaluate(validation) : Double.NaN;
            double monitored = validation != null ? validationLoss : loss;
            boolean improved = monitored < best;
            if (improved) {
                best = monitored;
                bestEpoch = e;
                sinceBest = 0;
                if (bestWeights != null) {
                    for (int i = 0; i < bestWeights.length; i++) {
                        System.arraycopy(params.get(i).value(), 0, bestWeights[i], 0, bestWeights[i].length);
                    }
                }
            } else {
                sinceBest++;
            }
            FitHistory.Epoch epoch = new FitHistory.Epoch(e, total, loss, validationLoss, trainer.stepCount(),
                    (System.nanoTime() - start) / 1e9, improved);
            epochs.add(epoch);
            if (options.onEpoch() != null) {
                options.onEpoch().accept(epoch);
            }
            if (options.patience() > 0 && sinceBest >= options.patience()) {
                stoppedEarly = e < total;
                break;
            }
        }
        boolean restored = false;
        if (bestWeights != null && bestEpoch != epochs.size()) {
            for (int i = 0; i < bestWeights.length; i++) {
                System.arraycopy(bestWeights[i], 0, params.get(i).value(), 0, bestWeights[i].length);
            }
            restored = true;
        }
        return new FitHistory(epochs, bestEpoch, stoppedEarly, restored, seed);
    }
}
