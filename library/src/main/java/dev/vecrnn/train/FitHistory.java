package dev.vecrnn.train;

import java.util.List;
import java.util.Locale;

/**
 * What {@link Model#fit} did: the numbers of every epoch, the best one, whether early stopping
 * ended the run, and the shuffling seed (to repeat the run).
 *
 * @param epochs      every epoch run, in order (unmodifiable)
 * @param bestEpoch   the 1-based epoch with the lowest monitored loss (validation loss if there
 *                    was validation, else training loss)
 * @param stoppedEarly whether early stopping ended the run before the last epoch
 * @param restoredBest whether the model was set back to the weights of {@code bestEpoch}
 * @param seed        the shuffling seed used
 */
public record FitHistory(List<Epoch> epochs, int bestEpoch, boolean stoppedEarly, boolean restoredBest, long seed) {
    /** Copies the list. */
    public FitHistory {
        epochs = List.copyOf(epochs);
    }

    /**
     * One epoch.
     *
     * @param epoch          1-based
     * @param ofEpochs       the epochs asked for
     * @param loss           mean training loss over the epoch's sequences (during the epoch, so
     *                       with the weights as they moved)
     * @param validationLoss loss on the validation data after the epoch; NaN without validation
     * @param steps          optimizer steps so far
     * @param seconds        wall time of the epoch, validation included
     * @param improved       whether the monitored loss reached a new best
     */
    public record Epoch(int epoch, int ofEpochs, double loss, double validationLoss, long steps, double seconds,
                        boolean improved) {
        /** One progress line, e.g. {@code epoch 3/30: loss 0.02310, validation 0.02190 (best), 1.2 s}. */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "epoch %d/%d: loss %s%s%s, %.1f s", epoch, ofEpochs, Numbers.format(loss),
                    Double.isNaN(validationLoss) ? "" : ", validation " + Numbers.format(validationLoss),
                    improved ? " (best)" : "", seconds);
        }
    }

    /** The last epoch's numbers. */
    public Epoch last() {
        return epochs.get(epochs.size() - 1);
    }

    /** The best epoch's numbers. */
    public Epoch best() {
        return epochs.get(bestEpoch - 1);
    }
}
