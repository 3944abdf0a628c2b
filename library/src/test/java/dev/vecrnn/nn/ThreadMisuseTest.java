package dev.vecrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A layer or a stream used by two threads at once fails with a message that says what to do,
 * instead of returning garbage: one thread is held inside a call (a test hook waits on a latch
 * there), then another thread calls in. Deterministic: the second call happens while the first
 * is certainly inside. Afterwards both objects work again, bit for bit as before.
 */
class ThreadMisuseTest {
    private static final int T = 4;
    private static final int B = 2;
    private static final int I = 5;
    private static final int H = 9;

    private ExecutorService other;

    @BeforeEach
    void start() {
        other = Executors.newSingleThreadExecutor(r -> new Thread(r, "holder"));
    }

    @AfterEach
    void stop() {
        other.shutdownNow();
    }

    /** Latches of a call held inside: {@code inside} opens when it is, {@code release} lets it finish. */
    private static final class Hold implements Runnable {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed = true;

        @Override
        public void run() {
            if (!armed) {
                return;
            }
            armed = false;
            inside.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aSecondThreadCannotEnterALayerThatIsRunningAPass() throws Exception {
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, I, H).seed(3).build();
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x = TestData.uniform(rnd, T * B * I, 1);
        float[] dout = TestData.uniform(rnd, T * B * H, 1);
        float[] expected = layer.infer(x, T, B, null, null).out().clone();
        layer.forward(x, T, B, null, null);

        Hold hold = new Hold();
        layer.onPassEntryForTesting(hold);
        Future<float[]> held = other.submit(() -> layer.infer(x, T, B, null, null).out().clone());
        assertThat(hold.inside.await(30, TimeUnit.SECONDS)).as("the holder is inside infer()").isTrue();
        assertThatThrownBy(() -> layer.forward(x, T, B, null, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("forward()").hasMessageContaining("thread 'holder'")
                .hasMessageContaining("one pass at a time").hasMessageContaining("its own RecurrentLayer")
                .hasMessageContaining("RecurrentStream");
        assertThatThrownBy(() -> layer.infer(x, T, B, null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("infer()");
        assertThatThrownBy(() -> layer.backward(dout, null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("backward()");
        hold.release.countDown();
        assertThat(held.get(30, TimeUnit.SECONDS)).as("the held pass itself is unharmed").isEqualTo(expected);

        // the guard is released: this thread may run passes again, with the same results
        assertThat(layer.infer(x, T, B, null, null).out()).isEqualTo(expected);
        layer.forward(x, T, B, null, null);
        layer.backward(dout, null, null);
    }

    @Test
    void aFailedPassReleasesTheLayerAndAPassInsideAPassIsRefused() {
        RecurrentLayer layer = RecurrentLayer.builder(CellType.GRU, I, H).seed(5).build();
        float[] x = TestData.uniform(new SplittableRandom(6), T * B * I, 1);
        assertThatThrownBy(() -> layer.infer(new float[3], T, B, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> layer.backward(new float[1], null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("preceding forward");
        float[] out = layer.infer(x, T, B, null, null).out().clone();
        // re-entry from the same thread (e.g. a callback) is refused too, and leaves no trace
        layer.onPassEntryForTesting(new Runnable() {
            boolean nested;

            @Override
            public void run() {
                if (!nested) {
                    nested = true;
                    assertThatThrownBy(() -> layer.infer(x, T, B, null, null))
                            .isInstanceOf(IllegalStateException.class).hasMessageContaining("this thread");
                }
            }
        });
        assertThat(layer.infer(x, T, B, null, null).out()).isEqualTo(out);
        layer.onPassEntryForTesting(() -> {
            throw new IllegalStateException("hook failed");
        });
        assertThatThrownBy(() -> layer.infer(x, T, B, null, null)).hasMessage("hook failed");
        layer.onPassEntryForTesting(null);
        assertThat(layer.infer(x, T, B, null, null).out()).isEqualTo(out);
    }

    @Test
    void aSecondThreadCannotUseAStreamThatIsStepping() throws Exception {
        RecurrentLayer layer = RecurrentLayer.builder(CellType.LSTM, I, H).numLayers(2).seed(7).build();
        RecurrentStream.Weights weights = RecurrentStream.Weights.of(layer);
        RecurrentStream stream = weights.newStream(B);
        RecurrentStream twin = weights.newStream(B);
        float[] xt = TestData.uniform(new SplittableRandom(8), B * I, 1);

        Hold hold = new Hold();
        stream.onStepEntryForTesting(hold);
        Future<float[]> held = other.submit(() -> stream.step(xt).clone());
        assertThat(hold.inside.await(30, TimeUnit.SECONDS)).as("the holder is inside step()").isTrue();
        assertThatThrownBy(() -> stream.step(xt))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("step()").hasMessageContaining("thread 'holder'")
                .hasMessageContaining("one thread at a time").hasMessageContaining("newStream");
        assertThatThrownBy(() -> stream.steps(xt, 0, 1, new float[B * H], 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("steps()");
        assertThatThrownBy(stream::reset).isInstanceOf(IllegalStateException.class).hasMessageContaining("reset()");
        assertThatThrownBy(() -> stream.setState(null, null)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(stream::hiddenState).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> stream.setWeights(weights)).isInstanceOf(IllegalStateException.class);
        // another stream on the same weights is another object: no conflict
        float[] expected = twin.step(xt).clone();
        hold.release.countDown();
        assertThat(held.get(30, TimeUnit.SECONDS)).isEqualTo(expected);

        // released: the stream continues from the held step's state
        stream.onStepEntryForTesting(null);
        assertThat(stream.step(xt)).isEqualTo(twin.step(xt));
        assertThat(stream.hiddenState()).isEqualTo(twin.hiddenState());
    }
}
