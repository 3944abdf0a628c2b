package dev.vecrnn.spark;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.train.BatchSource;
import dev.vecrnn.train.LossKind;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.ModelConfig;
import java.io.Serializable;

/**
 * What an executor needs to build a replica of the driver's model: its {@link ModelConfig} and
 * dropout, in a serialisable form. The replica's weights are overwritten by the driver's before
 * every use, so its own initialisation does not matter.
 */
record ModelSpec(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional, int projSize,
                 int outputSize, LossKind loss, double dropout, long dropoutSeed) implements Serializable {

    static ModelSpec of(Model model) {
        ModelConfig c = model.config();
        RecurrentLayer layer = model.layer();
        return new ModelSpec(c.cell(), c.inputSize(), c.hiddenSize(), c.numLayers(), c.bidirectional(), c.projSize(),
                c.outputSize(), c.loss(), layer.dropout(), layer.dropoutSeed());
    }

    /** A model of this configuration on {@code team}, with the driver's dropout and its seed. */
    Model build(ThreadTeam team) {
        Model m = Model.builder(cell, inputSize, hiddenSize).numLayers(numLayers).bidirectional(bidirectional)
                .projSize(projSize).dropout(dropout).outputSize(outputSize).loss(loss).threads(team).seed(0).build();
        m.layer().setDropout(dropout, dropoutSeed);
        return m;
    }

    /** Whether a training pass draws dropout masks (and so advances the layer's pass counter). */
    boolean drawsDropoutMasks() {
        return dropout > 0 && numLayers > 1;
    }

    /** The configuration, as model files record it. */
    ModelConfig config() {
        return new ModelConfig(cell, inputSize, hiddenSize, numLayers, bidirectional, projSize, outputSize, loss);
    }

    /**
     * Throws unless {@code source} fits a model of this configuration and is the stream the
     * driver trains on: same identity and batch size.
     */
    void checkSource(BatchSource source, String driverIdentity, int driverBatchSize, String where) {
        if (source == null) {
            throw new IllegalArgumentException(where + ": the batch source factory returned null");
        }
        if (source.lossKind() != loss || source.inputSize() != inputSize || source.outputSize() != outputSize) {
            throw new IllegalArgumentException(where + ": the batch source built here (" + source.identity() + ") has "
                    + source.inputSize() + " input features, " + source.outputSize() + " outputs and loss "
                    + source.lossKind() + ", but the driver's model has input size " + inputSize + ", output size "
                    + outputSize + " and loss " + loss + "; the factory must build the driver's data everywhere");
        }
        if (!source.identity().equals(driverIdentity) || source.batchSize() != driverBatchSize) {
            throw new IllegalArgumentException(where + ": the batch source built here is '" + source.identity()
                    + "' with batches of " + source.batchSize() + ", but the driver's is '" + driverIdentity
                    + "' with batches of " + driverBatchSize + "; the factory must build the same data everywhere");
        }
    }
}
