package dev.vecrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vecrnn.mem.InsufficientMemoryException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Layers check the memory they are about to take: a stack or a pass too large for the heap fails
 * at once with the estimate and what to do, before anything is allocated, and the layer stays
 * usable for shapes that fit.
 */
class MemoryCheckTest {
    private static final long GIB = 1L << 30;

    @Test
    void weightsLargerThanAJavaArrayAreNamed() {
        // W_hh of an LSTM with H = 30000 has 4·30000·30000 = 3.6e9 elements
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.LSTM, 1, 30_000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hidden 30000").hasMessageContaining("120000 x 30000 floats")
                .hasMessageContaining("Java array");
    }

    @Test
    void parametersBeyondTheHeapFailBeforeAllocating() {
        // values and gradients of W_hh alone: 2 · 4 bytes · 4·20000·20000 = 12.8 GB
        assumeTrue(Runtime.getRuntime().maxMemory() < 12 * GIB, "needs a heap below 12 GiB");
        assertThatThrownBy(() -> RecurrentLayer.builder(CellType.LSTM, 1, 20_000).build())
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessageContaining("parameters and their gradients")
                .hasMessageContaining("-Xmx")
                .satisfies(e -> assertThat(((InsufficientMemoryException) e).requiredBytes())
                        .isEqualTo(2L * 4 * 4 * 20_000 * (1 + 20_000 + 2)));
    }

    @Test
    void aPassTooLargeForAJavaArrayIsNamed() {
        // gates [N, 4H] with N = T·B = 2^20 rows and 4H = 4096: 2^32 floats
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, 1, 1024).seed(1).build();
        int T = 1024, B = 1024;
        float[] x = new float[T * B];
        assertThatThrownBy(() -> layer.forward(x, T, B, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than a Java array holds");
        assertStillWorks(layer, RecurrentLayer.builder(CellType.LSTM, 1, 1024).seed(1).build());
    }

    @Test
    void aPassBeyondTheHeapFailsBeforeAllocatingAndTheLayerStaysUsable() {
        // gates alone: N · 4H floats = 204800 · 8192 · 4 bytes = 6.7 GB, under the array limit
        assumeTrue(Runtime.getRuntime().maxMemory() < 6 * GIB, "needs a heap below 6 GiB");
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, 1, 2048).seed(1).build();
        int T = 2048, B = 100;
        float[] x = new float[T * B];
        assertThatThrownBy(() -> layer.forward(x, T, B, null, null))
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessageContaining("training pass with T=2048, B=100")
                .hasMessageContaining("-Xmx");
        assertThatThrownBy(() -> layer.infer(x, T, B, null, null))
                .isInstanceOf(InsufficientMemoryException.class)
                .hasMessageContaining("inference pass");
        assertStillWorks(layer, RecurrentLayer.builder(CellType.LSTM, 1, 2048).seed(1).build());
    }

    /** A small pass after a refused one gives the same bits as a fresh layer with the same weights. */
    private static void assertStillWorks(RecurrentLayer layer, RecurrentLayer fresh) {
        int T = 3, B = 2, I = layer.inputSize(), H = layer.hiddenSize();
        float[] x = TestData.uniform(new SplittableRandom(5), T * B * I, 1.0);
        float[] dout = TestData.uniform(new SplittableRandom(6), T * B * H, 1.0);
        for (RecurrentLayer l : new RecurrentLayer[] {layer, fresh}) {
            l.zeroGrad();
        }
        float[] out = layer.forward(x, T, B, null, null).out().clone();
        float[] dx = layer.backward(dout, null, null).dx().clone();
        float[] freshOut = fresh.forward(x, T, B, null, null).out();
        float[] freshDx = fresh.backward(dout, null, null).dx();
        assertThat(java.util.Arrays.copyOf(out, T * B * H)).isEqualTo(java.util.Arrays.copyOf(freshOut, T * B * H));
        assertThat(java.util.Arrays.copyOf(dx, T * B * I)).isEqualTo(java.util.Arrays.copyOf(freshDx, T * B * I));
        assertThat(layer.parameter("weight_hh_l0").grad()).isEqualTo(fresh.parameter("weight_hh_l0").grad());
        float[] inferred = layer.infer(x, T, B, null, null).out();
        assertThat(java.util.Arrays.copyOf(inferred, T * B * H)).isEqualTo(java.util.Arrays.copyOf(out, T * B * H));
    }
}
