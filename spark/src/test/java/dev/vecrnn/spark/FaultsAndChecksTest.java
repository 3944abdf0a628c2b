package dev.vecrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.tasks.SineTask;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.Batch;
import dev.vecrnn.train.BatchSource;
import dev.vecrnn.train.Dataset;
import dev.vecrnn.train.Layout;
import dev.vecrnn.train.LossKind;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * A task that fails is retried by Spark without changing the run (synchronous and local SGD);
 * a batch size the partitions do not divide, a partition left without data, and a model or data
 * that do not match are refused with an error that names them.
 */
class FaultsAndChecksTest {
    /** Faults thrown so far by {@link FailsOnce} (the executors are threads of this JVM). */
    static final AtomicInteger FAULTS = new AtomicInteger();

    /**
     * The adding task's stream, except that the first attempt of partition 1's task at batch 3
     * fails, as a task does when its executor hits a transient error.
     */
    static final class FailsOnce implements BatchSource {
        private final BatchSource inner = new AddingTask(12, 5).batches(8);

        @Override
        public Batch batch(long index) {
            TaskContext task = TaskContext.get();
            if (index == 3 && task != null && task.partitionId() == 1 && task.attemptNumber() == 0) {
                FAULTS.incrementAndGet();
                throw new IllegalStateException("injected fault: first attempt of partition 1 at batch 3");
            }
            return inner.batch(index);
        }

        @Override public LossKind lossKind() { return inner.lossKind(); }
        @Override public int seqLen() { return inner.seqLen(); }
        @Override public int inputSize() { return inner.inputSize(); }
        @Override public int outputSize() { return inner.outputSize(); }
        @Override public int batchSize() { return inner.batchSize(); }
        @Override public String identity() { return inner.identity(); }
    }

    private static Model model(CellType cell) {
        return SynchronousTrainingTest.model(cell, 1, 0, 4);
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheSynchronousRunIsUnchanged() {
        Model reference = model(CellType.GRU);
        Trainer local = Trainer.builder(reference, new AddingTask(12, 5).batches(8))
                .optimizer(ps -> new Adam(ps, 0.01)).clipNorm(0.05).microBatches(2).build();
        Model driver = model(CellType.GRU);
        DistributedTrainer distributed = DistributedTrainer.builder(TestSpark.context(), driver, FailsOnce::new)
                .partitions(2).optimizer(ps -> new Adam(ps, 0.01)).clipNorm(0.05).build();
        int before = FAULTS.get();
        for (int s = 0; s < 6; s++) {
            assertThat(distributed.step()).as("step %d", s).isEqualTo(local.step());
        }
        assertThat(FAULTS.get() - before).as("faults thrown (and retried)").isEqualTo(1);
        SynchronousTrainingTest.assertSameWeights(reference, driver, "after a retried task");
    }

    @Test
    void aRoundThatFailsOnceIsRetriedAndLocalSgdIsUnchanged() {
        JavaSparkContext sc = TestSpark.context();
        Model clean = model(CellType.LSTM);
        DistributedTrainer reference = DistributedTrainer.builder(sc, clean, () -> new AddingTask(12, 5).batches(8))
                .partitions(2).averageEvery(2).build();
        Model driver = model(CellType.LSTM);
        DistributedTrainer faulty = DistributedTrainer.builder(sc, driver, FailsOnce::new).partitions(2)
                .averageEvery(2).build();
        int before = FAULTS.get();
        reference.train(6, null);
        faulty.train(6, null);
        assertThat(FAULTS.get() - before).as("faults thrown (and retried)").isEqualTo(1);
        assertThat(faulty.trainer().lastLoss()).isEqualTo(reference.trainer().lastLoss());
        SynchronousTrainingTest.assertSameWeights(clean, driver, "local SGD after a retried round");
    }

    @Test
    void aBatchSizeThePartitionsDoNotDivideIsRefusedBeforeAnyJob() {
        assertThatThrownBy(() -> DistributedTrainer.builder(TestSpark.context(), model(CellType.LSTM),
                () -> new AddingTask(12, 5).batches(10)).partitions(4).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch size 10 of adding")
                .hasMessageContaining("is not divisible by the 4 partitions");
    }

    /**
     * Ten sequences in batches of 4: each epoch ends with a batch of 2, which leaves two of four
     * partitions without data. The step fails on the executors, and the driver says which
     * partition and batch, and why, and has not applied the step.
     */
    @Test
    void aPartitionWithoutDataFailsTheStepNamingItAndChangesNothing() {
        float[] x = new float[10 * 3];
        float[] y = new float[10];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) Math.cos(i);
        }
        Model driver = Model.builder(CellType.LSTM, 1, 4).seed(2).threads(SynchronousTrainingTest.TEAM).build();
        DistributedTrainer t = DistributedTrainer.builder(TestSpark.context(), driver,
                () -> Dataset.of(LossKind.MSE_LAST, Layout.BATCH_FIRST, 10, 3, x, y).batches(4, 1)).partitions(4).build();
        t.step();
        t.step();
        float[] before = driver.parameters().get(0).value().clone();
        assertThatThrownBy(t::step).isInstanceOf(IllegalArgumentException.class)
                // partitions 2 and 3 both fail; the job reports the one whose retries ran out first
                .hasMessageMatching("(?s)partition [23] of 4 has no data in batch 2 of data set of 10 sequences.*")
                .hasMessageContaining("that batch holds 2 sequences, fewer than the 4 partitions");
        assertThat(t.trainer().stepCount()).isEqualTo(2);
        assertThat(driver.parameters().get(0).value()).containsExactly(before);
    }

    @Test
    void dataThatDoesNotFitTheModelIsRefusedBeforeAnyJob() {
        assertThatThrownBy(() -> DistributedTrainer.builder(TestSpark.context(), model(CellType.LSTM),
                () -> new SineTask(12, true, 1).batches(8)).partitions(2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 input features")
                .hasMessageContaining("the model has input size 2");
    }

    /** A factory that builds other data on the executors than on the driver is caught at the first step. */
    @Test
    void executorsThatBuildOtherDataThanTheDriverAreRefused() {
        DistributedTrainer seeds = DistributedTrainer.builder(TestSpark.context(), model(CellType.LSTM),
                () -> new AddingTask(12, TaskContext.get() == null ? 5 : 6).batches(8)).partitions(2).build();
        assertThatThrownBy(seeds::step).isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(?s)partition [01] of 2: the batch source built here is 'adding.*seed 6.*' with "
                        + "batches of 8, but the driver's is 'adding.*seed 5.*'.*");
        DistributedTrainer shapes = DistributedTrainer.builder(TestSpark.context(), model(CellType.LSTM),
                () -> TaskContext.get() == null ? new AddingTask(12, 5).batches(8) : new SineTask(12, false, 5).batches(8))
                .partitions(2).build();
        assertThatThrownBy(shapes::step).isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(?s)partition [01] of 2: the batch source built here \\(.*\\) has 1 input "
                        + "features, 1 outputs and loss MSE_LAST, but the driver's model has input size 2.*");
    }

    @Test
    void aCheckpointOfAnotherConfigurationIsRefusedNamingTheDifference() throws Exception {
        Path dir = Files.createTempDirectory("spark-ckpt");
        Trainer gru = Trainer.builder(model(CellType.GRU), new AddingTask(12, 5).batches(8)).build();
        gru.step();
        gru.save(dir.resolve("gru.safetensors"));
        DistributedTrainer lstm = DistributedTrainer.builder(TestSpark.context(), model(CellType.LSTM),
                () -> new AddingTask(12, 5).batches(8)).partitions(2).build();
        assertThatThrownBy(() -> lstm.load(dir.resolve("gru.safetensors"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gru.safetensors")
                .hasMessageContaining("'cell' is gru");
    }
}
