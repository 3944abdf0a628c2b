package dev.vecrnn.spark;

import dev.vecrnn.train.Batch;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * One synchronous step on the executors: partition {@code p} sets its replica to the driver's
 * weights, takes its slice of the step's global batch and returns the slice's weighted gradient,
 * computed from zero, exactly as one micro-batch of {@code Trainer.microBatches(P)}. Nothing
 * depends on the attempt or the executor, so a retried task returns the same bits.
 */
final class GradientJob implements Function2<Integer, Iterator<Integer>, Iterator<GradientJob.Share>> {
    private final RunSpec spec;
    private final Broadcast<Step> step;

    /**
     * What the driver broadcasts for a step.
     *
     * @param index         the step, which is also the index of its global batch
     * @param dropoutPasses the driver's dropout pass counter before the step
     * @param parameters    the driver's weights, flat
     */
    record Step(long index, long dropoutPasses, float[] parameters) implements Serializable {}

    /**
     * A partition's result.
     *
     * @param rows     sequences in its slice
     * @param weight   {@code rows / B'} for a global batch of {@code B'} sequences
     * @param loss     the slice's mean loss
     * @param gradient {@code weight} times the gradient of the slice's mean loss, flat
     */
    record Share(int partition, int rows, double weight, double loss, float[] gradient) implements Serializable {}

    GradientJob(RunSpec spec, Broadcast<Step> step) {
        this.spec = spec;
        this.step = step;
    }

    @Override
    public Iterator<Share> call(Integer partition, Iterator<Integer> ignored) {
        Step s = step.value();
        Replica r = Replicas.borrow(spec, partition);
        Share result;
        try {
            ParameterVector.setValues(r.model.parameters(), s.parameters());
            if (spec.model().drawsDropoutMasks()) {
                // micro-batch p of a step is training pass p of that step
                r.model.layer().setDropoutPasses(s.dropoutPasses() + partition);
            }
            Batch slice = r.share.batch(s.index());
            double weight = (double) slice.batchSize() / r.share.lastGlobalRows();
            r.model.zeroGrad();
            double loss = r.model.accumulateGradient(slice, weight);
            result = new Share(partition, slice.batchSize(), weight, loss,
                    ParameterVector.gradients(r.model.parameters()));
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
        Replicas.release(spec, partition, r);
        return List.of(result).iterator();
    }
}
