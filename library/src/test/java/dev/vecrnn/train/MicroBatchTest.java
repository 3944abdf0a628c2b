package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.tasks.CopyTask;
import dev.vecrnn.tasks.SineTask;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Gradient accumulation: P micro-batches give the whole batch's gradient and loss to rounding
 * (uneven slices, MSE and cross-entropy), and the pieces a distributed run composes —
 * a gradient computed from zero on another model, summed with {@link Gradients#add}, then
 * {@link Trainer#applyGradients} — give the trainer's micro-batch step bit for bit.
 */
class MicroBatchTest {
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static Model model(Task task, long seed) {
        return Model.builder(CellType.LSTM, task.inputSize(), 10).numLayers(2).outputSize(task.outputSize())
                .loss(task.lossKind()).seed(seed).threads(TEAM).build();
    }

    /** The gradient the trainer applied in its last step, read back by a zero-learning-rate SGD step. */
    private static float[][] gradientsOfOneStep(Task task, int batch, int microBatches, double[] loss) {
        Model m = model(task, 3);
        Trainer t = Trainer.builder(m, task.batches(batch)).optimizer(ps -> new Sgd(ps, 0.0))
                .microBatches(microBatches).build();
        loss[0] = t.step();
        return m.parameters().stream().map(p -> p.grad().clone()).toArray(float[][]::new);
    }

    @Test
    void microBatchesGiveTheWholeBatchGradientToRounding() {
        for (Task task : List.<Task>of(new SineTask(7, false, 1), new SineTask(7, true, 1), new CopyTask(3, 1))) {
            double[] wholeLoss = new double[1];
            float[][] whole = gradientsOfOneStep(task, 10, 1, wholeLoss);
            for (int p : new int[] {2, 3, 4, 10, 16}) {   // 3 and 4 split 10 unevenly; 16 > B gives 10 slices of 1
                double[] loss = new double[1];
                float[][] micro = gradientsOfOneStep(task, 10, p, loss);
                assertThat(loss[0]).as(task.name() + " P=" + p).isCloseTo(wholeLoss[0],
                        org.assertj.core.data.Offset.offset(1e-6 * wholeLoss[0]));
                double scale = 0;
                for (float[] g : whole) {
                    for (float v : g) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                }
                for (int i = 0; i < whole.length; i++) {
                    for (int k = 0; k < whole[i].length; k++) {
                        assertThat((double) micro[i][k]).as(task.name() + " P=" + p + " param " + i + "[" + k + "]")
                                .isCloseTo(whole[i][k], org.assertj.core.data.Offset.offset(1e-5 * scale));
                    }
                }
            }
        }
    }

    /**
     * What a data-parallel run does: each worker has its own copy of the model, computes one
     * slice's weighted gradient from zero; the driver sums them in slice order into a
     * {@link Gradients}, copies the sum into its parameters and applies the update. Two
     * steps of that equal two steps of a trainer with the same micro-batches, bit for bit.
     */
    @Test
    void gradientsSummedElsewhereGiveTheSameStepBitForBit() {
        Task task = new SineTask(6, true, 4);
        int batch = 9;
        int p = 2;   // slices of 5 and 4
        Model reference = model(task, 5);
        Trainer local = Trainer.builder(reference, task.batches(batch)).clipNorm(0.5).microBatches(p).build();

        Model driver = model(task, 5);
        Trainer remote = Trainer.builder(driver, task.batches(batch)).clipNorm(0.5).build();
        Model[] workers = {model(task, 5), model(task, 5)};
        BatchSource source = task.batches(batch);
        for (int step = 0; step < 2; step++) {
            double expectedLoss = local.step();
            Batch b = source.batch(step);
            Gradients sum = Gradients.zerosFor(driver.parameters());
            double loss = 0;
            int first = 0;
            for (int w = 0; w < p; w++) {
                int rows = batch / p + (w < batch % p ? 1 : 0);
                // the worker receives the driver's current weights
                for (int i = 0; i < driver.parameters().size(); i++) {
                    float[] v = driver.parameters().get(i).value();
                    System.arraycopy(v, 0, workers[w].parameters().get(i).value(), 0, v.length);
                }
                Batch slice = new Batch(b.kind(), b.seqLen(), rows, b.inputSize(), b.outputSize());
                slice.copyRowsFrom(b, first);
                double weight = (double) rows / batch;
                workers[w].zeroGrad();
                loss += weight * workers[w].accumulateGradient(slice, weight);
                Gradients g = Gradients.zerosFor(workers[w].parameters());
                g.addParameterGradients();
                sum.add(g);
                first += rows;
            }
            sum.copyToParameters();
            remote.applyGradients(loss);
            assertThat(Double.doubleToRawLongBits(loss)).isEqualTo(Double.doubleToRawLongBits(expectedLoss));
            assertThat(remote.lastGradientNorm()).isEqualTo(local.lastGradientNorm());
            for (int i = 0; i < reference.parameters().size(); i++) {
                Parameter want = reference.parameters().get(i);
                assertThat(driver.parameters().get(i).value()).as("step " + step + " " + want.name())
                        .containsExactly(want.value());
            }
        }
        assertThat(remote.stepCount()).isEqualTo(2);
        assertThat(remote.lastLoss()).isEqualTo(local.lastLoss());
    }

    /**
     * Steps taken on a copy of the model (as the replicas of local SGD take them), copied back
     * with the optimizer state and counted, leave the trainer exactly where the copy's own
     * trainer is: the same checkpointed step and parameters, and the same next steps.
     */
    @Test
    void stepsTakenElsewhereAreCountedAndTheRunContinuesFromThem() throws java.io.IOException {
        Task task = new SineTask(5, true, 3);
        Model copy = model(task, 8);
        Trainer elsewhere = Trainer.builder(copy, task.batches(6)).clipNorm(1.0).build();
        Model main = model(task, 8);
        Trainer here = Trainer.builder(main, task.batches(6)).clipNorm(1.0).build();
        double last = 0;
        for (int i = 0; i < 3; i++) {
            last = elsewhere.step();
        }
        for (int i = 0; i < main.parameters().size(); i++) {
            float[] v = copy.parameters().get(i).value();
            System.arraycopy(v, 0, main.parameters().get(i).value(), 0, v.length);
        }
        here.optimizer().loadState(elsewhere.optimizer().state(), elsewhere.optimizer().steps());
        here.countStepsTakenElsewhere(3, last);
        assertThat(here.stepCount()).isEqualTo(3);
        assertThat(here.lastLoss()).isEqualTo(last);

        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("elsewhere");
        here.save(dir.resolve("c.safetensors"));
        Model resumedModel = model(task, 99);
        Trainer resumed = Trainer.builder(resumedModel, task.batches(6)).clipNorm(1.0).build();
        resumed.load(dir.resolve("c.safetensors"));
        assertThat(resumed.stepCount()).isEqualTo(3);
        for (int i = 0; i < 2; i++) {
            double want = elsewhere.step();
            assertThat(here.step()).isEqualTo(want);
            assertThat(resumed.step()).isEqualTo(want);
        }
        for (int i = 0; i < main.parameters().size(); i++) {
            assertThat(main.parameters().get(i).value()).containsExactly(copy.parameters().get(i).value());
            assertThat(resumedModel.parameters().get(i).value()).containsExactly(copy.parameters().get(i).value());
        }
        assertThatThrownBy(() -> here.countStepsTakenElsewhere(0, 1.0)).hasMessageContaining("must be >= 1, got 0");
    }

    @Test
    void gradientsOfAnotherShapeAreRefused() {
        Task task = new SineTask(4, true, 1);
        Gradients a = Gradients.zerosFor(model(task, 1).parameters());
        Gradients b = Gradients.zerosFor(Model.builder(CellType.GRU, 1, 10).numLayers(2).loss(task.lossKind()).seed(1)
                .threads(TEAM).build().parameters());
        assertThatThrownBy(() -> a.add(b)).hasMessageContaining("has 30 values, expected 40");
        assertThatThrownBy(() -> Gradients.zerosFor(List.of())).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> Trainer.builder(model(task, 1), task.batches(4)).microBatches(0))
                .hasMessageContaining("microBatches must be >= 1");
    }

    @Test
    void warmMicroBatchStepsAllocateNothing() {
        Task task = new SineTask(8, true, 2);
        Trainer t = Trainer.builder(model(task, 1), task.batches(10)).microBatches(2).clipNorm(1.0).build();
        assertThat(AllocationProbe.bytesAllocated(300, 50, t::step)).isLessThan(1024);
    }
}
