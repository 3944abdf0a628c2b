package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one benchmark workload: what a step returns, reproducibility, and the optimizer update. */
class RnnWorkloadTest {
    private static final RnnShape SHAPE = new RnnShape(4, 3, 5, 6);

    @Test
    void inferenceReturnsTheOutputsAndTrainingTheInputGradient() {
        try (RnnWorkload inf = new RnnWorkload(RnnWorkload.Config.single(CellType.GRU, SHAPE, BenchMode.INFERENCE, 1, 5));
             RnnWorkload train = new RnnWorkload(RnnWorkload.Config.single(CellType.GRU, SHAPE, BenchMode.TRAINING, 1, 5))) {
            // built as documented: weights from the seed, Gaussian inputs from seed + 1
            Random rnd = new Random(6);
            float[] x = new float[4 * 3 * 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            assertThat(inf.input()).containsExactly(x);
            float[] out = inf.run().clone();
            try (ThreadTeam one = new ThreadTeam(1)) {
                RecurrentLayer same = RecurrentLayer.builder(CellType.GRU, 5, 6).seed(5).threads(one).build();
                assertThat(out).hasSize(4 * 3 * 6).containsExactly(same.infer(x, 4, 3, null, null).out());
            }
            assertThat(train.run()).hasSize(4 * 3 * 5);
            // the same seed builds the same weights and inputs
            assertThat(train.input()).containsExactly(inf.input());
            assertThat(train.layer().parameter("weight_hh_l0").value()).containsExactly(inf.layer().parameter("weight_hh_l0").value());
        }
    }

    @Test
    void theChecksumAddsTheFirstElementOfEveryStep() {
        try (RnnWorkload a = new RnnWorkload(RnnWorkload.Config.single(CellType.LSTM, SHAPE, BenchMode.TRAINING, 2, 1));
             RnnWorkload b = new RnnWorkload(RnnWorkload.Config.single(CellType.LSTM, SHAPE, BenchMode.TRAINING, 1, 1))) {
            float sum = 0;
            for (int i = 0; i < 3; i++) {
                a.step();
                sum += b.run()[0];
            }
            // no update: every step is the same, and 2 threads give the 1-thread bits
            assertThat(a.checksum()).isEqualTo(sum).isEqualTo(3 * b.run()[0]);
        }
    }

    @Test
    void onlyAnUpdatingTrainingWorkloadChangesItsWeights() {
        RnnWorkload.Config update = new RnnWorkload.Config(CellType.RNN_TANH, SHAPE, BenchMode.TRAINING, 1, 2, 2, true);
        try (RnnWorkload w = new RnnWorkload(update);
             RnnWorkload still = new RnnWorkload(new RnnWorkload.Config(CellType.RNN_TANH, SHAPE, BenchMode.TRAINING, 1, 2, 2, false))) {
            assertThat(w.layer().numLayers()).isEqualTo(2);
            Parameter p = w.layer().parameter("weight_ih_l1");
            float[] before = p.value().clone();
            float[] stillBefore = still.layer().parameter("weight_ih_l1").value().clone();
            w.step();
            still.step();
            assertThat(p.value()).isNotEqualTo(before);
            assertThat(still.layer().parameter("weight_ih_l1").value()).containsExactly(stillBefore);
        }
    }
}
