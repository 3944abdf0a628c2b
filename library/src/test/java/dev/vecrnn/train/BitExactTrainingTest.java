package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.tasks.SineTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bit-exactness of training: the same seeds give the same loss curve and weights, bit for bit,
 * on 1 and on 2 threads; and a run resumed from a checkpoint (full BPTT with each optimizer, and
 * truncated BPTT) continues exactly as the uninterrupted run.
 *
 * <p>The compared runs execute one after the other, so the first may run kernels interpreted
 * that the second runs compiled: this also checks that the kernels round the same on every JIT
 * tier (an earlier version of the gate kernels, using the Vector API's lanewise EXP/TANH, failed
 * here in about one full test run in six for exactly that reason).
 */
class BitExactTrainingTest {
    @TempDir
    Path dir;

    private static Trainer adding(ThreadTeam team, int hidden, int batch, long layerSeed, boolean initialize,
                                  Function<List<Parameter>, Optimizer> optimizer) {
        Model.Builder m = Model.builder(CellType.LSTM, 2, hidden).threads(team).seed(layerSeed);
        if (initialize) {
            m.init(Init.Scheme.ORTHOGONAL).seed(21).forgetBias(1.0);
        }
        return Trainer.builder(m.build(), new AddingTask(12, 9).batches(batch))
                .optimizer(optimizer)
                .schedule(LearningRateSchedule.stepDecay(0.02, 7, 0.5))
                .clipNorm(0.5)
                .build();
    }

    static Stream<String> optimizers() {
        return Stream.of("sgd", "rmsprop", "adam");
    }

    private static Function<List<Parameter>, Optimizer> optimizer(String kind) {
        return switch (kind) {
            case "sgd" -> ps -> new Sgd(ps, 0.02, 0.9);
            case "rmsprop" -> ps -> new RmsProp(ps, 0.02);
            default -> ps -> new Adam(ps, 0.02);
        };
    }

    private static void assertSameBits(double[] actual, double[] expected) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.doubleToRawLongBits(actual[i])).as("loss of step " + i + ": " + actual[i] + " vs " + expected[i])
                    .isEqualTo(Double.doubleToRawLongBits(expected[i]));
        }
    }

    private static void assertSameParameters(Trainer expected, Trainer actual) {
        for (int i = 0; i < expected.parameters().size(); i++) {
            assertThat(actual.parameters().get(i).value()).as(expected.parameters().get(i).name())
                    .containsExactly(expected.parameters().get(i).value());
        }
    }

    /**
     * H = 64, B = 16 is large enough that the layer splits its time loop (0.5 MFLOP per step,
     * threshold 0.2) and its weight-gradient GEMMs (7 MFLOP, threshold 2) over the two workers.
     */
    @Test
    void theLossCurveIsTheSameOnOneAndTwoThreads() {
        try (ThreadTeam one = new ThreadTeam(1); ThreadTeam two = new ThreadTeam(2)) {
            Trainer a = adding(one, 64, 16, 5, true, optimizer("adam"));
            double[] la = new double[5];
            for (int i = 0; i < la.length; i++) {
                la[i] = a.step();
            }
            Trainer b = adding(two, 64, 16, 5, true, optimizer("adam"));
            double[] lb = new double[5];
            for (int i = 0; i < lb.length; i++) {
                lb[i] = b.step();
            }
            assertSameBits(lb, la);
            assertSameParameters(a, b);
        }
    }

    /** 20 steps straight against 10, a checkpoint, a fresh trainer loading it, and 10 more. */
    @ParameterizedTest
    @MethodSource("optimizers")
    void resumingFromACheckpointContinuesTheRunExactly(String kind) throws IOException {
        try (ThreadTeam team = new ThreadTeam(2)) {
            Trainer straight = adding(team, 16, 8, 5, true, optimizer(kind));
            double[] expected = new double[20];
            for (int i = 0; i < 20; i++) {
                expected[i] = straight.step();
            }
            Trainer first = adding(team, 16, 8, 5, true, optimizer(kind));
            double[] losses = new double[20];
            for (int i = 0; i < 10; i++) {
                losses[i] = first.step();
            }
            Path file = dir.resolve(kind + ".safetensors");
            first.save(file);
            // another layer seed and no initialisation: everything must come from the file
            Trainer resumed = adding(team, 16, 8, 777, false, optimizer(kind));
            resumed.load(file);
            for (int i = 10; i < 20; i++) {
                losses[i] = resumed.step();
            }
            assertSameBits(losses, expected);
            assertSameParameters(straight, resumed);
            straight.optimizer().state().forEach((k, v) ->
                    assertThat(resumed.optimizer().state().get(k)).as(k).containsExactly(v));
        }
    }

    /** The same with truncated BPTT: chunks of 5 of 20 steps, a GRU, the noisy sine task. */
    @Test
    void truncatedBpttResumesExactlyToo() throws IOException {
        try (ThreadTeam team = new ThreadTeam(2)) {
            IntFunction<Trainer> make = seed -> Trainer.builder(
                            Model.builder(CellType.GRU, 1, 12).loss(LossKind.MSE_EVERY_STEP).init(Init.Scheme.XAVIER)
                                    .seed(seed).threads(team).build(),
                            new SineTask(20, true, 2).batches(4))
                    .optimizer(ps -> new Adam(ps, 0.01))
                    .truncation(5)
                    .build();
            Trainer straight = make.apply(3);
            double[] expected = new double[8];
            for (int i = 0; i < 8; i++) {
                expected[i] = straight.step();
            }
            Trainer first = make.apply(3);
            double[] losses = new double[8];
            for (int i = 0; i < 4; i++) {
                losses[i] = first.step();
            }
            Path file = dir.resolve("truncated.safetensors");
            first.save(file);
            Trainer resumed = make.apply(99);
            resumed.load(file);
            assertThat(resumed.optimizer().steps()).isEqualTo(16);   // 4 chunks per step
            for (int i = 4; i < 8; i++) {
                losses[i] = resumed.step();
            }
            assertSameBits(losses, expected);
            assertSameParameters(straight, resumed);
        }
    }
}
