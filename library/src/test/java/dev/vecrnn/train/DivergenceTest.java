package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.tasks.AddingTask;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Divergence without NaN: a finite loss or gradient norm beyond the {@link DivergenceBound}
 * relative to the run's first stops training naming the step and the value in scientific
 * notation, leaves the weights of the last good step, and a resumed run keeps the references.
 */
class DivergenceTest {
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @TempDir
    Path dir;

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static Model lstm(Task task) {
        return Model.builder(CellType.LSTM, task.inputSize(), 16).outputSize(task.outputSize())
                .loss(task.lossKind()).seed(1).threads(TEAM).build();
    }

    /** {@code compare --lr 1e6}, in small: SGD at 10^6 takes the adding problem's loss up ten orders in one step. */
    @Test
    void anExplodingFiniteLossStopsTheRunAtTheStepItHappens() {
        Task task = new AddingTask(10, 1);
        Trainer t = Trainer.builder(lstm(task), task.batches(16)).optimizer(ps -> new Sgd(ps, 1e6)).build();
        double first = t.step();
        float[][] afterFirst = t.parameters().stream().map(p -> p.value().clone()).toArray(float[][]::new);
        TrainingDivergedException e = org.junit.jupiter.api.Assertions.assertThrows(TrainingDivergedException.class,
                t::step);
        assertThat(e.step()).isEqualTo(1);
        assertThat(e.quantity()).isEqualTo("loss");
        assertThat(e.value()).isFinite().isGreaterThan(1e4 * first);
        assertThat(e.getMessage()).matches("training diverged at step 1: loss \\d\\.\\d{3}e\\+\\d\\d is more than "
                + "1\\.000e\\+04 times the run's first loss \\S+ \\(bound \\S+\\); the update "
                + "was not applied \\(lower the learning rate or clip gradients\\)");
        assertThat(e.getMessage()).contains(Numbers.format(e.value()));
        assertThat(t.stepCount()).isEqualTo(1);
        for (int i = 0; i < afterFirst.length; i++) {
            assertThat(t.parameters().get(i).value()).containsExactly(afterFirst[i]);
        }
    }

    /** A gradient norm beyond its bound stops a run whose loss is within its own. */
    @Test
    void anExplodingGradientNormStopsTheRun() {
        Task task = new AddingTask(8, 2);
        Trainer t = Trainer.builder(lstm(task), task.batches(8)).optimizer(ps -> new Sgd(ps, 0.0))
                .divergence(new DivergenceBound(Double.POSITIVE_INFINITY, 50)).build();
        t.step();
        double firstNorm = t.lastGradientNorm();
        // a head 10^3 times larger: the same loss surface scaled, gradients far beyond 50x
        for (float[] w : new float[][] {t.model().head().dense().weight().value()}) {
            for (int i = 0; i < w.length; i++) {
                w[i] *= 1000;
            }
        }
        assertThatThrownBy(t::step).isInstanceOf(TrainingDivergedException.class)
                .hasMessageMatching("training diverged at step 1: gradient norm \\S+ is more than 50\\.00 times the run's "
                        + "first gradient norm \\S+ \\(bound \\S+\\).*")
                .satisfies(x -> {
                    TrainingDivergedException d = (TrainingDivergedException) x;
                    assertThat(d.quantity()).isEqualTo("gradient norm");
                    assertThat(d.value()).isGreaterThan(50 * firstNorm);
                });
    }

    /** The references travel with the checkpoint: a resumed run stops where the straight one does. */
    @Test
    void aResumedRunKeepsItsReferences() throws IOException {
        Task task = new AddingTask(10, 1);
        Trainer first = Trainer.builder(lstm(task), task.batches(16)).optimizer(ps -> new Sgd(ps, 1e-3)).build();
        first.step();
        first.step();
        Path file = dir.resolve("ref.safetensors");
        first.save(file);
        Checkpoint cp = Checkpoint.read(file);
        assertThat(Double.parseDouble(cp.metadata().get("reference_loss"))).isPositive();
        assertThat(Double.parseDouble(cp.metadata().get("reference_gradient_norm"))).isPositive();
        assertThat(cp.metadata()).containsEntry("divergence", "10000.0,1.0E8");
        // a fresh trainer with a loss bound of 10, whose very first step is far above the file's reference:
        // only the file's reference can stop it there (a run's own first loss sets no bound for itself)
        double reference = Double.parseDouble(cp.metadata().get("reference_loss"));
        Trainer resumed = Trainer.builder(lstm(task), task.batches(16)).optimizer(ps -> new Sgd(ps, 1e-3))
                .divergence(new DivergenceBound(10, Double.POSITIVE_INFINITY)).build();
        resumed.load(file);
        java.util.Arrays.fill(resumed.model().head().dense().bias().value(), 10f);   // predicts ~10, targets ~1
        assertThatThrownBy(resumed::step).isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("training diverged at step 2: loss ")
                .hasMessageContaining("times the run's first loss " + Numbers.format(reference));
        Trainer fresh = Trainer.builder(lstm(task), task.batches(16)).optimizer(ps -> new Sgd(ps, 1e-3))
                .divergence(new DivergenceBound(10, Double.POSITIVE_INFINITY)).build();
        java.util.Arrays.fill(fresh.model().head().dense().bias().value(), 10f);
        assertThat(fresh.step()).isGreaterThan(10 * reference);
    }

    @Test
    void boundsMustExceedOne() {
        assertThatThrownBy(() -> new DivergenceBound(1, 10)).hasMessageContaining("loss factor must be > 1");
        assertThatThrownBy(() -> new DivergenceBound(10, Double.NaN)).hasMessageContaining("gradient norm factor");
        assertThat(Numbers.format(7.4e14)).isEqualTo("7.400e+14");
        assertThat(Numbers.format(1.66)).isEqualTo("1.660");
        assertThat(Numbers.format(2.3e11)).isEqualTo("2.300e+11");
        assertThat(Numbers.format(Double.NaN)).isEqualTo("NaN");
    }
}
