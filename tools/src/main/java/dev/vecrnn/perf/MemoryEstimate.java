package dev.vecrnn.perf;

import dev.vecrnn.mem.InsufficientMemoryException;
import dev.vecrnn.mem.MemoryBudget;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import java.util.Locale;

/**
 * The heap a recurrent layer stack and its passes take, estimated from the sizes alone, so that a
 * command can compare it with what the heap has ({@link MemoryBudget}) before it builds anything:
 * a request that cannot fit fails at once with one line, instead of an {@link OutOfMemoryError}
 * after seconds or minutes of work.
 *
 * <pre>{@code
 * MemoryEstimate.Stack s = new MemoryEstimate.Stack(CellType.LSTM, 512, 1024, 0, 2, false);
 * MemoryEstimate.check(s.parameterBytes() + s.passBytes(50, 64, true), "an lstm of 2 layers, T=50 B=64");
 * }</pre>
 *
 * <p>The figures follow what the layer allocates: every parameter with its gradient, the packed
 * copies of the weights a pass makes, the buffers a pass carves from the layer's workspace (a
 * training pass keeps every layer's gates, states and cell states for backward; inference keeps
 * one layer's) and the result arrays. Terms that do not grow with the sequence, the batch or the
 * weights (a few vectors of {@code G·H}) are left out. A test compares the estimates with the
 * bytes the layer really allocates.
 */
public final class MemoryEstimate {
    private MemoryEstimate() {}

    private static final double FLOAT = Float.BYTES;

    /** The last estimate {@link #check} passed, for an {@link OutOfMemoryError} that happens anyway. */
    private static volatile Checked last;

    /**
     * An estimate that {@link #check} let through.
     *
     * @param bytes the estimate
     * @param what  what needed them, as given to {@link #check}
     */
    public record Checked(long bytes, String what) {}

    /**
     * The sizes of a layer stack, as {@link RecurrentLayer} has them.
     *
     * @param projSize LSTM projection size P, 0 without projections
     */
    public record Stack(CellType cell, int inputSize, int hiddenSize, int projSize, int layers, boolean bidirectional) {

        /** The sizes of {@code layer}. */
        public static Stack of(RecurrentLayer layer) {
            return new Stack(layer.cell(), layer.inputSize(), layer.hiddenSize(), layer.projSize(), layer.numLayers(),
                    layer.bidirectional());
        }

        private int directions() {
            return bidirectional ? 2 : 1;
        }

        private double state() {
            return projSize > 0 ? projSize : hiddenSize;
        }

        /** Floats of every parameter (PyTorch's {@code state_dict}), without gradients. */
        public double parameterFloats() {
            double gh = (double) cell.gates() * hiddenSize;
            double s = state();
            double sum = 0;
            for (int k = 0; k < layers; k++) {
                double in = k == 0 ? inputSize : directions() * s;
                sum += gh * in + gh * s + 2 * gh + (double) projSize * hiddenSize;
            }
            return sum * directions();
        }

        /** Bytes of the parameters and their gradients, which building the stack allocates. */
        public long parameterBytes() {
            return bytes(2 * parameterFloats());
        }

        /**
         * Bytes a pass over {@code T} steps of {@code B} sequences allocates beyond the parameters:
         * the packed weights, the workspace and the results; with {@code training}, a forward pass
         * that saves what backward needs plus that backward pass.
         */
        public long passBytes(long T, long B, boolean training) {
            double d = directions();
            double g = cell.gates();
            double h = hiddenSize;
            double s = state();
            double i = inputSize;
            double n = (double) T * B;
            double dgh = d * g * h;
            double ds = d * s;
            double dh = d * h;
            double stateRows = n + d * B; // initial states, every step's state, the reverse direction's start
            double slices = d * layers * B;
            boolean lstm = cell == CellType.LSTM;
            boolean gru = cell == CellType.GRU;
            boolean proj = projSize > 0;
            double inRest = layers > 1 ? ds : 0;

            // weights packed for the kernels: input projections (layer 0 and one of the layers above),
            // the copies they are packed from (both directions stacked; W_hh gate-interleaved),
            // recurrent and projection weights
            double packs = dgh * (i + inRest) + (d > 1 ? dgh * Math.max(i, inRest) : 0) + d * g * h * s + g * h * s
                    + (proj ? d * h * projSize : 0);
            if (layers == 1 && !training) {
                packs += d * (g * h * i + g * h * s + (proj ? projSize * h : 0)); // the copy that lets infer skip repacking
            }
            double results = n * ds + slices * s + (lstm ? slices * h : 0);
            double work;
            if (training) {
                double perLayer = stateRows * ds + n * dgh + (lstm ? stateRows * dh : 0) + (gru || proj ? n * dh : 0);
                work = n * i + layers * perLayer;
                // backward: packs of the transposed weights, then its own scratch and results
                packs += dgh * (i + inRest) + d * g * h * s + (proj ? d * h * projSize : 0);
                work += n * ds + n * dgh + (gru ? n * dh : 0) + (proj ? n * ds : 0) + (layers > 1 ? n * ds : 0);
                results += n * i + slices * s + (lstm ? slices * h : 0);
            } else {
                work = n * dgh + (layers > 1 ? 2 : 1) * stateRows * ds;
            }
            work += B * dgh + (lstm || proj ? 2 * B * dh : 0);
            return bytes(packs + work + results);
        }

        /**
         * Bytes of training the stack with Adam (or another optimizer with two moments per
         * parameter) on batches of {@code B} sequences of {@code T} steps: {@link #parameterBytes},
         * {@link #passBytes} of a training pass, and the moments.
         */
        public long trainingBytes(long T, long B) {
            return plus(plus(parameterBytes(), passBytes(T, B, true)), bytes(2 * parameterFloats()));
        }

        /** {@code "an lstm of 2 layers (I=512, H=1024)"}, for messages. */
        public String describe() {
            return String.format(Locale.ROOT, "%s %s%s of %d layer%s (I=%d, H=%d%s)", cell == CellType.LSTM ? "an" : "a",
                    bidirectional ? "bidirectional " : "", cell.cliName(), layers, layers == 1 ? "" : "s", inputSize,
                    hiddenSize, projSize > 0 ? ", P=" + projSize : "");
        }
    }

    /** Bytes of {@code floats} floats, saturated at {@link Long#MAX_VALUE}. */
    public static long bytes(double floats) {
        double b = Math.ceil(floats * FLOAT);
        return b >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) b;
    }

    /** {@code a + b}, saturated at {@link Long#MAX_VALUE}. */
    public static long plus(long a, long b) {
        long s = a + b;
        return ((a ^ s) & (b ^ s)) < 0 ? Long.MAX_VALUE : s;
    }

    /**
     * Returns if the heap can give {@code bytes} now ({@link MemoryBudget#check}), and remembers the
     * estimate for {@link #last()}.
     *
     * @param what what needs them, for the message, e.g. {@code "forward of an lstm ... on T=50, B=64"}
     * @throws InsufficientMemoryException with one line naming {@code what}, the estimate, the heap
     *     and the {@code -Xmx} that would do
     */
    public static void check(long bytes, String what) {
        MemoryBudget.heap().check(bytes, what);
        last = new Checked(bytes, what);
    }

    /** The last estimate {@link #check} let through in this JVM, or null. */
    public static Checked last() {
        return last;
    }

    /** {@code "8.50 GiB"}, {@code "12.0 MiB"} or {@code "512 bytes"}. */
    public static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }
}
