package dev.vecrnn.spark;

import dev.vecrnn.train.DivergenceBound;
import dev.vecrnn.train.LearningRateSchedule;
import dev.vecrnn.train.Trainer;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * One round of local SGD on the executors: partition {@code p} starts its replica from the
 * driver's averaged weights and optimizer state, trains it for the round's steps on its own share
 * of each global batch, as a {@link Trainer} with the run's optimizer, schedule and clipping, and
 * returns the weights and optimizer state it reached. Everything starts from what the driver
 * broadcast, so a retried task returns the same bits.
 */
final class AveragingJob implements Function2<Integer, Iterator<Integer>, Iterator<AveragingJob.Share>> {
    private final RunSpec spec;
    private final Broadcast<Round> round;

    /**
     * What the driver broadcasts for a round.
     *
     * @param firstStep       the first step of the round, the index of its first global batch
     * @param steps           steps in the round
     * @param parameters      the averaged weights, flat
     * @param optimizerState  the averaged optimizer buffers, flat
     * @param optimizerSteps  the optimizer's update count
     */
    record Round(long firstStep, int steps, float[] parameters, float[] optimizerState, long optimizerSteps)
            implements Serializable {}

    /** A partition's result: where its replica got to, and the loss of each of its steps. */
    record Share(int partition, float[] parameters, float[] optimizerState, double[] losses) implements Serializable {}

    AveragingJob(RunSpec spec, Broadcast<Round> round) {
        this.spec = spec;
        this.round = round;
    }

    @Override
    public Iterator<Share> call(Integer partition, Iterator<Integer> ignored) {
        Round rd = round.value();
        RunSpec.LocalSgd local = spec.local();
        Replica r = Replicas.borrow(spec, partition);
        Share result;
        try {
            ParameterVector.setValues(r.model.parameters(), rd.parameters());
            if (spec.model().drawsDropoutMasks()) {
                // each replica draws its own masks: its own seed, passes counted from the round's first step
                r.model.layer().setDropout(spec.model().dropout(), spec.model().dropoutSeed() + partition);
                r.model.layer().setDropoutPasses(rd.firstStep());
            }
            Trainer trainer = Trainer.builder(r.model, r.share)
                    .optimizer(local.optimizer())
                    .schedule(LearningRateSchedule.parse(local.schedule()))
                    .clipNorm(local.clipNorm())
                    .divergence(new DivergenceBound(local.lossFactor(), local.gradientNormFactor()))
                    .build();
            ParameterVector.loadState(trainer.optimizer(), rd.optimizerState(), rd.optimizerSteps());
            if (rd.firstStep() > 0) {
                // the steps before the round were taken by the replicas together: batches and messages continue from there
                trainer.countStepsTakenElsewhere(rd.firstStep(), Double.NaN);
            }
            double[] losses = new double[rd.steps()];
            for (int k = 0; k < losses.length; k++) {
                losses[k] = trainer.step();
            }
            result = new Share(partition, ParameterVector.values(r.model.parameters()),
                    ParameterVector.state(trainer.optimizer()), losses);
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
        Replicas.release(spec, partition, r);
        return List.of(result).iterator();
    }
}
