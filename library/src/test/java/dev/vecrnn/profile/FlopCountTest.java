package dev.vecrnn.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The project's one FLOP count ({@link CellType#forwardFlops}, {@link CellType#stackForwardFlops})
 * against numbers worked out by hand, and the profiler's per-phase counts ({@link LayerProbe}),
 * summed over real passes of every kind of stack, against that one count.
 */
class FlopCountTest {

    @Test
    void oneLayerIsTwoTBGHTimesIPlusH() {
        // 2·5·3 = 30 rows·2; G·H = 44; I+H = 18: 30·44·18
        assertThat(CellType.LSTM.forwardFlops(5, 3, 7, 11)).isEqualTo(23_760L);
        // 2·50·64 = 6400; G·H = 768; I+H = 768: 6400·768·768
        assertThat(CellType.GRU.forwardFlops(50, 64, 512, 256)).isEqualTo(3_774_873_600L);
        assertThat(CellType.RNN_TANH.forwardFlops(1, 1, 1, 1)).isEqualTo(4L);
        assertThat(CellType.RNN_RELU.forwardFlops(1, 1, 1, 1)).isEqualTo(4L);
        assertThat(CellType.GRU.stackForwardFlops(50, 64, 512, 256, 1, 1, 0))
                .isEqualTo(CellType.GRU.forwardFlops(50, 64, 512, 256));
    }

    @Test
    void laterLayersReadTheDirectionsTimesTheStateWidth() {
        // GRU, T=5 B=3 I=7 H=11, 3 layers, bidirectional: G·H = 33, 2·T·B = 30.
        // layer 0: 2 directions · 30 · 33 · (7 + 11) = 35 640
        // layers 1, 2 read 2·11 = 22: 2 · 30 · 33 · (22 + 11) = 65 340 each
        assertThat(CellType.GRU.stackForwardFlops(5, 3, 7, 11, 3, 2, 0)).isEqualTo(35_640L + 2 * 65_340L);
        // one direction, 2 layers of an RNN with I != H: 30·11·(7+11) + 30·11·(11+11) = 5 940 + 7 260,
        // not 2 · 5 940 (a one-layer count times the layers)
        assertThat(CellType.RNN_TANH.stackForwardFlops(5, 3, 7, 11, 2, 1, 0)).isEqualTo(13_200L);
    }

    @Test
    void projectionsNarrowTheStateAndAddTheProjectionProduct() {
        // LSTM T=5 B=3 I=7 H=11 P=4, 2 layers, bidirectional; G·H = 44, P·H = 44, 2·T·B = 30.
        // layer 0 per direction: 30 · (44·(7+4) + 44) = 30 · 528 = 15 840
        // layer 1 reads 2·P = 8:  30 · (44·(8+4) + 44) = 30 · 572 = 17 160
        assertThat(CellType.LSTM.stackForwardFlops(5, 3, 7, 11, 2, 2, 4)).isEqualTo(2 * 15_840L + 2 * 17_160L);
    }

    @Test
    void badSizesAreRejectedByName() {
        assertThatThrownBy(() -> CellType.LSTM.stackForwardFlops(5, 3, 7, 11, 0, 1, 0)).hasMessageContaining("layers");
        assertThatThrownBy(() -> CellType.LSTM.stackForwardFlops(5, 3, 7, 11, 1, 3, 0)).hasMessageContaining("directions");
        assertThatThrownBy(() -> CellType.LSTM.stackForwardFlops(5, 3, 7, 11, 1, 1, 11)).hasMessageContaining("projSize");
        assertThatThrownBy(() -> CellType.LSTM.forwardFlops(-1, 3, 7, 11)).hasMessageContaining("T=-1");
        assertThatThrownBy(() -> CellType.LSTM.forwardFlops(1L << 40, 1L << 40, 7, 11)).isInstanceOf(ArithmeticException.class);
    }

    static Stream<Arguments> stacks() {
        List<Arguments> a = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (int layers : new int[] {1, 3}) {
                for (int directions : new int[] {1, 2}) {
                    for (boolean lengths : new boolean[] {false, true}) {
                        a.add(Arguments.of(cell, layers, directions, 0, lengths));
                        if (cell == CellType.LSTM) {
                            a.add(Arguments.of(cell, layers, directions, 4, lengths));
                        }
                    }
                }
            }
        }
        return a.stream();
    }

    /**
     * A forward pass's phases sum to the one count over the real rows (the sum of the sequence
     * lengths), and a backward pass's to twice it, so a training step is three forwards. The one
     * difference: with projections the per-step products through {@code W_hr} (forward
     * {@code h = W_hr·m}, backward {@code dm = W_hrᵀ·dh}, {@code 2·N·D·P·H} per layer and pass) run
     * inside the time loop without a phase of their own, so the phases miss exactly those.
     */
    @ParameterizedTest(name = "{0} layers={1} directions={2} proj={3} lengths={4}")
    @MethodSource("stacks")
    void phasesOfAPassAddUpToTheOneCount(CellType cell, int layers, int directions, int proj, boolean lengths) {
        final int T = 6, B = 3, I = 7, H = 11;
        int[] len = lengths ? new int[] {6, 2, 5} : null;
        long rows = lengths ? 6 + 2 + 5 : (long) T * B;
        SplittableRandom rnd = new SplittableRandom(9);
        int state = proj > 0 ? proj : H;
        float[] x = uniform(rnd, T * B * I);
        float[] dout = uniform(rnd, T * B * directions * state);

        PhaseTotals forward = new PhaseTotals();
        PhaseTotals backward = new PhaseTotals();
        PhaseTotals previous = Profiling.install(forward);
        try (ThreadTeam team = new ThreadTeam(1)) {
            RecurrentLayer.Builder b = RecurrentLayer.builder(cell, I, H).numLayers(layers).bidirectional(directions == 2)
                    .seed(3).threads(team);
            if (proj > 0) {
                b.projSize(proj);
            }
            RecurrentLayer layer = b.build();
            layer.forward(x, T, B, len, null, null);
            Profiling.install(backward);
            layer.backward(dout, null, null);
        } finally {
            Profiling.install(previous);
        }

        long oneCount = cell.stackForwardFlops(rows, 1, I, H, layers, directions, proj);
        long inLoopProjection = proj > 0 ? (long) layers * directions * 2L * rows * proj * H : 0;
        assertThat(sum(forward)).as("forward phases").isEqualTo(oneCount - inLoopProjection);
        assertThat(sum(backward)).as("backward phases").isEqualTo(2 * oneCount - inLoopProjection);
        if (proj == 0) {
            assertThat(sum(forward) + sum(backward)).as("training step = 3x forward").isEqualTo(3 * oneCount);
        }
    }

    private static long sum(PhaseTotals totals) {
        long s = 0;
        for (Phase p : Phase.values()) {
            s += totals.flops(p);
        }
        return s;
    }

    private static float[] uniform(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }
}
