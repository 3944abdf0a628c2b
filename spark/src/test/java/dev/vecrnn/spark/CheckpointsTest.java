package dev.vecrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.Checkpoint;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * A distributed run's checkpoints are the library's ordinary ones: a synchronous run resumes on
 * one machine or distributed, and a single-process run resumes distributed, each continuing bit
 * for bit as the uninterrupted run; a local-SGD checkpoint resumes distributed bit for bit and
 * loads as an ordinary model and trainer.
 */
class CheckpointsTest {
    private static final int PARTITIONS = 2;

    private static Model model(long seed) {
        return SynchronousTrainingTest.model(CellType.LSTM, 1, 0, seed);
    }

    private static Trainer local(Model m) {
        return Trainer.builder(m, new AddingTask(12, 3).batches(8)).optimizer(ps -> new Adam(ps, 0.01)).clipNorm(0.1)
                .microBatches(PARTITIONS).build();
    }

    private static DistributedTrainer distributed(Model m, int averageEvery) {
        return DistributedTrainer.builder(TestSpark.context(), m, () -> new AddingTask(12, 3).batches(8))
                .partitions(PARTITIONS).optimizer(ps -> new Adam(ps, 0.01)).clipNorm(0.1).averageEvery(averageEvery)
                .build();
    }

    @Test
    void aSynchronousRunResumesOnOneMachineOrDistributedBitForBit() throws IOException {
        Path dir = Files.createTempDirectory("spark-resume");
        Model uninterrupted = model(1);
        Trainer whole = local(uninterrupted);
        for (int s = 0; s < 10; s++) {
            whole.step();
        }

        Model first = model(1);
        DistributedTrainer d = distributed(first, 0);
        d.train(6, null);
        d.save(dir.resolve("distributed.safetensors"));
        assertThat(Checkpoint.read(dir.resolve("distributed.safetensors")).step()).isEqualTo(6);

        Model onOneMachine = model(99);
        Trainer resumedLocally = local(onOneMachine);
        resumedLocally.load(dir.resolve("distributed.safetensors"));
        Model onSpark = model(98);
        DistributedTrainer resumedDistributed = distributed(onSpark, 0);
        resumedDistributed.load(dir.resolve("distributed.safetensors"));
        for (int s = 6; s < 10; s++) {
            double l = resumedLocally.step();
            assertThat(resumedDistributed.step()).as("step %d", s).isEqualTo(l);
        }
        assertThat(resumedLocally.lastLoss()).isEqualTo(whole.lastLoss());
        SynchronousTrainingTest.assertSameWeights(uninterrupted, onOneMachine, "resumed on one machine");
        SynchronousTrainingTest.assertSameWeights(uninterrupted, onSpark, "resumed distributed");

        // and the other way: a single-process checkpoint continues on Spark
        Model started = model(1);
        Trainer begun = local(started);
        for (int s = 0; s < 6; s++) {
            begun.step();
        }
        begun.save(dir.resolve("local.safetensors"));
        Model continued = model(97);
        DistributedTrainer fromLocal = distributed(continued, 0);
        fromLocal.load(dir.resolve("local.safetensors"));
        fromLocal.train(4, null);
        SynchronousTrainingTest.assertSameWeights(uninterrupted, continued, "a local checkpoint resumed distributed");
    }

    @Test
    void aLocalSgdRunResumesDistributedBitForBitAndLoadsAsAnOrdinaryCheckpoint() throws IOException {
        Path dir = Files.createTempDirectory("spark-resume-avg");
        JavaSparkContext sc = TestSpark.context();
        assertThat(sc.isLocal()).isTrue();
        Model uninterrupted = model(5);
        distributed(uninterrupted, 3).train(9, null);

        Model first = model(5);
        DistributedTrainer d = distributed(first, 3);
        d.train(6, null);
        d.save(dir.resolve("avg.safetensors"));
        Model resumed = model(55);
        DistributedTrainer again = distributed(resumed, 3);
        again.load(dir.resolve("avg.safetensors"));
        assertThat(again.trainer().stepCount()).isEqualTo(6);
        again.train(3, null);
        SynchronousTrainingTest.assertSameWeights(uninterrupted, resumed, "local SGD resumed");

        Model loaded = Model.load(dir.resolve("avg.safetensors"));
        SynchronousTrainingTest.assertSameWeights(first, loaded, "Model.load of a local-SGD checkpoint");
        Trainer onOneMachine = local(model(56));
        onOneMachine.load(dir.resolve("avg.safetensors"));
        assertThat(onOneMachine.stepCount()).isEqualTo(6);
        assertThat(onOneMachine.optimizer().steps()).isEqualTo(6);
        assertThat(onOneMachine.optimizer().state().get("exp_avg.weight_hh_l0"))
                .containsExactly(d.trainer().optimizer().state().get("exp_avg.weight_hh_l0"));
        assertThat(Double.isFinite(onOneMachine.step())).isTrue();
    }
}
