package dev.vecrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.study.StudyTask;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Trainer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.Test;

/**
 * A sweep of training configurations on Spark, one run per task: every run's numbers are those of
 * the same run on one machine, whatever the order runs finish in; a run whose task fails once is
 * retried with the same result; a run that fails for good stops the sweep with its own error.
 */
class DistributedSweepTest {
    static final AtomicInteger FAULTS = new AtomicInteger();

    /** A configuration of the sweep: a setup, and whether the first attempt of its task fails. */
    record Config(TrainingSetup setup, boolean failFirstAttempt) implements Serializable {}

    /** What a run measured. */
    record Outcome(double[] losses, float[] weights, double heldOut) implements Serializable {}

    /** Six steps of the setup on one thread, as one run of the sweep. */
    static Outcome train(Config c) {
        TaskContext task = TaskContext.get();
        if (c.failFirstAttempt() && task != null && task.attemptNumber() == 0) {
            FAULTS.incrementAndGet();
            throw new IllegalStateException("injected fault in the first attempt of " + c);
        }
        if (c.setup().seed() == 13) {
            throw new IllegalArgumentException("seed 13 is refused by this run");
        }
        TrainingSetup s = c.setup();
        try (ThreadTeam team = new ThreadTeam(1)) {
            Model m = s.model(team);
            Trainer t = Trainer.builder(m, s.data().create()).optimizer(s.optimizer()).clipNorm(s.clipNorm()).build();
            double[] losses = new double[6];
            for (int i = 0; i < losses.length; i++) {
                losses[i] = t.step();
            }
            return new Outcome(losses, ParameterVector.values(m.parameters()), m.evaluate(s.heldOut(), 2));
        }
    }

    private static TrainingSetup setup(CellType cell, long seed) {
        return new TrainingSetup(StudyTask.ADDING, 10, cell, 8, 1, 8, 0.01, 0.5, seed);
    }

    @Test
    void everyRunIsTheSameRunOnOneMachineAndARetriedTaskChangesNothing() {
        List<Config> configs = List.of(new Config(setup(CellType.LSTM, 1), false),
                new Config(setup(CellType.GRU, 1), true),
                new Config(setup(CellType.LSTM, 2), false),
                new Config(setup(CellType.RNN_TANH, 3), false));
        List<Integer> finished = new ArrayList<>();
        int faultsBefore = FAULTS.get();
        List<Outcome> results = DistributedSweep.run(TestSpark.context(), configs, DistributedSweepTest::train,
                (index, r) -> finished.add(index));
        assertThat(FAULTS.get() - faultsBefore).as("faults injected and retried").isEqualTo(1);
        assertThat(finished).containsExactlyInAnyOrder(0, 1, 2, 3);
        for (int i = 0; i < configs.size(); i++) {
            Outcome want = train(new Config(configs.get(i).setup(), false));
            Outcome got = results.get(i);
            assertThat(got.losses()).as("run %d", i).containsExactly(want.losses());
            assertThat(got.weights()).as("run %d", i).containsExactly(want.weights());
            assertThat(got.heldOut()).as("run %d", i).isEqualTo(want.heldOut());
        }
        assertThat(results.get(0).losses()).isNotEqualTo(results.get(2).losses());
    }

    @Test
    void aRunThatFailsForGoodStopsTheSweepWithItsError() {
        List<Config> configs = List.of(new Config(setup(CellType.LSTM, 1), false),
                new Config(setup(CellType.LSTM, 13), false));
        assertThatThrownBy(() -> DistributedSweep.run(TestSpark.context(), configs, DistributedSweepTest::train, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("seed 13 is refused by this run");
    }
}
