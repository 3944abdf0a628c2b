package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.train.AllocationProbe;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Warm bidirectional, variable-length training steps with dropout (forward, backward, infer)
 * allocate nothing, for every cell, on a team of two, with the lengths changing every step.
 *
 * <p>Everything this layer does (sorting, packing, both directions, row segments, dropout,
 * buffers) runs with the identity gate kernels (the "skip non-linear" test mode, plain Java):
 * the vector gate kernels are left out on purpose, because on a loaded machine C1 can fail to
 * compile them ("out of virtual registers") and leave them below C2, where every vector is a
 * heap object; that is a property of those kernels, not of this layer. The vector GEMM remains,
 * so, as SgemmTest does, the test waits (up to a deadline) for C2 to compile it.
 */
class SequenceAllocationTest {
    private static final int T = 7;
    private static final int B = 5;
    private static final int I = 9;
    private static final int H = 67;
    private static final int L = 2;

    @Test
    void warmBidirectionalVariableLengthTrainingStepsAllocateNothing() {
        // three length sets in turn, one of them all T (the largest total length), so that every
        // buffer reaches its final size during warm-up
        int[][] lengthSets = {{4, 7, 1, 6, 4}, {2, 5, 7, 1, 3}, null};
        try (ThreadTeam team = new ThreadTeam(2)) {
            List<Runnable> steps = new ArrayList<>();
            for (CellType cell : CellType.values()) {
                SplittableRandom rnd = new SplittableRandom(277 + cell.ordinal());
                RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(L).bidirectional(true).seed(8)
                        .dropout(0.25).dropoutSeed(3).threads(team).build();
                layer.alwaysParallelForTesting();
                layer.skipNonlinearForTesting(true);
                boolean lstm = cell == CellType.LSTM;
                int state = 2 * L * B * H;
                float[] x = uniform(rnd, T * B * I, 1.0);
                float[] h0 = uniform(rnd, state, 0.5);
                float[] c0 = lstm ? uniform(rnd, state, 0.5) : null;
                float[] dout = uniform(rnd, T * B * 2 * H, 1.0);
                float[] dhN = uniform(rnd, state, 1.0);
                float[] dcN = lstm ? uniform(rnd, state, 1.0) : null;
                int[] round = {0};
                steps.add(() -> {
                    int[] lengths = lengthSets[round[0]++ % lengthSets.length];
                    layer.forward(x, T, B, lengths, h0, c0);
                    layer.backward(dout, dhN, dcN);
                    layer.infer(x, T, B, lengths, h0, c0);
                });
            }
            Runnable[] each = steps.toArray(new Runnable[0]);
            Runnable all = () -> {
                for (int i = 0; i < each.length; i++) { // no iterator: the loop itself must not allocate
                    each[i].run();
                }
            };
            long bytes = AllocationProbe.bytesAllocated(150, 12, all);
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (bytes > 0 && System.nanoTime() < deadline) {
                bytes = AllocationProbe.bytesAllocated(0, 12, all);
            }
            assertThat(bytes).as("bytes allocated by 12 warm steps of each cell").isZero();
        }
    }
}
