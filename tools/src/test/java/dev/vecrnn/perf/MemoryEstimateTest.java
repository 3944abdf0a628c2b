package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.InsufficientMemoryException;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The estimates against the heap a layer really holds after a pass. */
class MemoryEstimateTest {
    record Case(MemoryEstimate.Stack stack, int T, int B, boolean training) {}

    /**
     * Heap the stack holds after building it and running one pass: what the estimate is about
     * (the layer keeps every buffer of a pass for the next one). Measured as live heap after full
     * collections, since allocation counts would include the boxed vectors of not yet compiled
     * Vector API code.
     */
    private static long retained(Case c, ThreadTeam team) {
        MemoryEstimate.Stack s = c.stack();
        float[] x = new float[c.T() * c.B() * s.inputSize()];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] dout = null;
        long before = liveHeap();
        RecurrentLayer layer = RecurrentLayer.builder(s.cell(), s.inputSize(), s.hiddenSize()).numLayers(s.layers())
                .bidirectional(s.bidirectional()).projSize(s.projSize()).seed(3).threads(team).build();
        if (c.training()) {
            dout = layer.forward(x, c.T(), c.B(), null, null).out().clone();
            layer.backward(dout, null, null);
        } else {
            layer.infer(x, c.T(), c.B(), null, null);
        }
        long after = liveHeap();
        Reference.reachabilityFence(layer);
        Reference.reachabilityFence(x);
        return after - before - (dout == null ? 0 : 16 + (long) dout.length * Float.BYTES);
    }

    private static long liveHeap() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void estimatesAreWithinATenthOfWhatTheLayerHolds() {
        List<Case> cases = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (boolean training : new boolean[] {false, true}) {
                cases.add(new Case(new MemoryEstimate.Stack(cell, 40, 96, 0, 1, false), 200, 64, training));
                cases.add(new Case(new MemoryEstimate.Stack(cell, 40, 96, 0, 2, true), 100, 32, training));
                cases.add(new Case(new MemoryEstimate.Stack(cell, 1400, 600, 0, 1, false), 4, 2, training)); // weights dominate
                cases.add(new Case(new MemoryEstimate.Stack(cell, 3, 40, 0, 3, false), 500, 64, training)); // sequence dominates
            }
        }
        for (boolean training : new boolean[] {false, true}) {
            cases.add(new Case(new MemoryEstimate.Stack(CellType.LSTM, 40, 96, 24, 2, true), 100, 32, training));
        }
        try (ThreadTeam team = new ThreadTeam(1)) {
            retained(cases.getFirst(), team); // loads and initialises the classes a pass uses, whose statics stay
            for (Case c : cases) {
                long estimate = c.stack().parameterBytes() + c.stack().passBytes(c.T(), c.B(), c.training());
                assertClose(c.toString(), estimate, () -> retained(c, team));
            }
        }
    }

    /**
     * Asserts that {@code estimate} is within a tenth (plus 512 KiB) of what {@code measure}
     * returns. Other threads of the test JVM allocate and free during a measurement, so up to three
     * measurements are taken until one is close.
     */
    private static void assertClose(String what, long estimate, java.util.function.LongSupplier measure) {
        long real = 0;
        for (int attempt = 0; attempt < 3; attempt++) {
            real = measure.getAsLong();
            if (Math.abs(estimate - real) <= real / 10 + (512 << 10)) {
                return;
            }
        }
        assertThat(estimate).as("%s: estimate %d bytes, retained %d", what, estimate, real)
                .isBetween(real - real / 10 - (512 << 10), real + real / 10 + (512 << 10));
    }

    @Test
    void workloadEstimatesCoverInputsAndOptimizerMoments() {
        List<RnnWorkload.Config> configs = List.of(
                new RnnWorkload.Config(CellType.LSTM, new RnnShape(60, 32, 48, 80), BenchMode.TRAINING, 1, 1, 2, true),
                RnnWorkload.Config.single(CellType.GRU, new RnnShape(60, 32, 48, 80), BenchMode.TRAINING, 1, 1),
                RnnWorkload.Config.single(CellType.RNN_TANH, new RnnShape(60, 32, 48, 80), BenchMode.INFERENCE, 1, 1));
        for (RnnWorkload.Config c : configs) {
            assertClose(c.toString(), RnnWorkload.estimatedBytes(c), () -> {
                long before = liveHeap();
                try (RnnWorkload w = new RnnWorkload(c)) {
                    w.step();
                    w.step();
                    return liveHeap() - before;
                }
            });
        }
    }

    @Test
    void checkRefusesWhatCannotFitAndRemembersWhatItLetThrough() {
        long small = 1 << 20;
        MemoryEstimate.check(small, "a small test request");
        assertThat(MemoryEstimate.last()).isEqualTo(new MemoryEstimate.Checked(small, "a small test request"));
        long huge = MemoryEstimate.bytes(4.0 * Runtime.getRuntime().maxMemory());
        assertThatThrownBy(() -> MemoryEstimate.check(huge, "a huge test request"))
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessageStartingWith("a huge test request needs about ").hasMessageContaining("-Xmx");
        assertThat(MemoryEstimate.last().what()).isEqualTo("a small test request");
    }

    @Test
    void hugeSizesSaturateInsteadOfOverflowing() {
        MemoryEstimate.Stack s = new MemoryEstimate.Stack(CellType.LSTM, 1, 20000, 0, 1, false);
        assertThat(s.parameterBytes()).isEqualTo(2L * Float.BYTES * (4L * 20000 * (1 + 20000) + 8L * 20000));
        assertThat(s.passBytes(Integer.MAX_VALUE, Integer.MAX_VALUE, true)).isEqualTo(Long.MAX_VALUE);
        assertThat(MemoryEstimate.plus(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
        assertThat(MemoryEstimate.plus(3, 4)).isEqualTo(7);
    }
}
