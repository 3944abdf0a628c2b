package dev.vecrnn.cli;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.BackwardResult;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.ForwardResult;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.nn.StateDict;
import dev.vecrnn.perf.Checks;
import dev.vecrnn.perf.MemoryEstimate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn forward} and {@code vecrnn backward}: run a PyTorch-named weight set on inputs
 * from a safetensors file and write the results to another, for number-for-number comparison
 * with PyTorch.
 */
final class ParityCommand {
    private ParityCommand() {}

    abstract static class Base implements Callable<Integer> {
        @Option(names = "--cell", required = true, description = "lstm, gru, rnn_tanh or rnn_relu")
        String cell;

        @Option(names = "--weights", required = true, description = "safetensors file with PyTorch-named parameters")
        Path weights;

        @Option(names = "--inputs", required = true, description = "safetensors file with x [T,B,I], optionally h0 [D*L,B,H] ([D*L,B,P] for an "
                + "lstm with projections, i.e. weight_hr_l* weights), c0 [D*L,B,H] and "
                + "integer lengths [B] (each 1..T, for a variable-length batch); for backward also dout, optionally "
                + "dh_n, dc_n (forward ignores these)")
        Path inputs;

        @Option(names = "--out", required = true, description = "safetensors file to write (atomically)")
        Path out;

        @Option(names = "--threads", description = "worker threads, 1 to 4 per available processor (default: available processors)")
        Integer threads;

        abstract boolean backward();

        @Override
        public Integer call() throws IOException {
            CellType cellType = CellType.parse(cell);
            int teamSize = Checks.threads("--threads", threads == null ? ThreadTeam.defaultThreads() : threads);
            Checks.inputFile("--weights", weights);
            Checks.inputFile("--inputs", inputs);
            Checks.outputFile("--out", out, false);
            Map<String, Tensor> w = SafeTensors.read(weights);
            Map<String, Tensor> in = SafeTensors.read(inputs);
            // forward accepts (and ignores) the upstream gradients, so one inputs file serves both commands
            Set<String> allowed = Set.of("x", "h0", "c0", "lengths", "dout", "dh_n", "dc_n");
            for (String name : in.keySet()) {
                if (!allowed.contains(name)) {
                    throw new IllegalArgumentException("unknown tensor '" + name + "' in " + inputs
                            + " (expected " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
            double weightFloats = w.values().stream().mapToDouble(Tensor::numel).sum();
            MemoryEstimate.check(MemoryEstimate.bytes(2 * weightFloats), "a layer with the " + w.size()
                    + " tensors of " + weights + " (values and gradients)");
            try (ThreadTeam team = new ThreadTeam(teamSize)) {
                RecurrentLayer layer = StateDict.load(cellType, w, team);
                int L = layer.numDirections() * layer.numLayers(); // state layers, PyTorch's D*L
                int H = layer.hiddenSize();
                int S = layer.stateSize(); // hidden state: P when the weights have weight_hr_l* (proj_size), else H
                int outSize = layer.outputSize();
                int I = layer.inputSize();
                Tensor x = require(in, "x", inputs);
                if (x.rank() != 3 || x.dim(2) != I) {
                    throw shape("x", inputs, "[T,B," + I + "]", x.shape());
                }
                float[] xs = floats(x, "x", inputs);
                int T = x.dim(0);
                int B = x.dim(1);
                int[] lengths = lengths(in, inputs, T, B);
                float[] h0 = optional(in, "h0", inputs, L, B, S);
                float[] c0 = optional(in, "c0", inputs, L, B, H);
                if (c0 != null && cellType != CellType.LSTM) {
                    throw new IllegalArgumentException("c0 given in " + inputs + " but cell " + cellType.cliName()
                            + " has no cell state");
                }
                float[] douts = null;
                float[] dhN = null;
                float[] dcN = null;
                if (backward()) {
                    Tensor dout = require(in, "dout", inputs);
                    if (!dout.hasShape(T, B, outSize)) {
                        throw shape("dout", inputs, dims(T, B, outSize), dout.shape());
                    }
                    douts = floats(dout, "dout", inputs);
                    dhN = optional(in, "dh_n", inputs, L, B, S);
                    dcN = optional(in, "dc_n", inputs, L, B, H);
                    if (dcN != null && cellType != CellType.LSTM) {
                        throw new IllegalArgumentException("dc_n given in " + inputs + " but cell "
                                + cellType.cliName() + " has no cell state");
                    }
                }
                checkMemory(layer, T, B);
                Map<String, Tensor> result = new LinkedHashMap<>();
                if (!backward()) {
                    ForwardResult f = layer.infer(xs, T, B, lengths, h0, c0);
                    putForward(result, f, cellType, T, B, L, H, S, outSize);
                } else {
                    ForwardResult f = layer.forward(xs, T, B, lengths, h0, c0);
                    putForward(result, f, cellType, T, B, L, H, S, outSize);
                    layer.zeroGrad();
                    BackwardResult g = layer.backward(douts, dhN, dcN);
                    for (Parameter p : layer.parameters()) {
                        if (!w.containsKey(p.name())) {
                            continue; // a bias PyTorch did not have (bias=False): no gradient to report
                        }
                        result.put("grad." + p.name(), Tensor.of(p.grad().clone(), p.shape()));
                    }
                    result.put("grad.x", Tensor.of(g.dx().clone(), T, B, I));
                    result.put("grad.h0", Tensor.of(Arrays.copyOf(g.dh0(), L * B * S), L, B, S));
                    if (cellType == CellType.LSTM) {
                        result.put("grad.c0", Tensor.of(Arrays.copyOf(g.dc0(), L * B * H), L, B, H));
                    }
                }
                SafeTensors.write(out, result);
            }
            return 0;
        }

        /**
         * Checks that the heap can hold the pass and the copies of its results that are written:
         * before the pass, which is what takes memory in proportion to T·B.
         */
        private void checkMemory(RecurrentLayer layer, int T, int B) {
            MemoryEstimate.Stack stack = MemoryEstimate.Stack.of(layer);
            double states = (double) layer.numDirections() * layer.numLayers() * B * (layer.stateSize() + layer.hiddenSize());
            double copies = (double) T * B * layer.outputSize() + states;
            if (backward()) {
                copies += stack.parameterFloats() + (double) T * B * layer.inputSize() + states;
            }
            long bytes = MemoryEstimate.plus(stack.passBytes(T, B, backward()), MemoryEstimate.bytes(copies));
            MemoryEstimate.check(bytes, (backward() ? "forward and backward" : "forward") + " of " + stack.describe()
                    + " on T=" + T + ", B=" + B);
        }

        private static void putForward(Map<String, Tensor> result, ForwardResult f, CellType cell,
                                       int T, int B, int L, int H, int S, int out) {
            result.put("out", Tensor.of(Arrays.copyOf(f.out(), T * B * out), T, B, out));
            result.put("h_n", Tensor.of(Arrays.copyOf(f.hN(), L * B * S), L, B, S));
            if (cell == CellType.LSTM) {
                result.put("c_n", Tensor.of(Arrays.copyOf(f.cN(), L * B * H), L, B, H));
            }
        }
    }

    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = "Run the network on the inputs; write out, h_n and (LSTM) c_n.")
    static final class Forward extends Base {
        @Override
        boolean backward() {
            return false;
        }
    }

    @Command(name = "backward", mixinStandardHelpOptions = true,
            description = "Forward, then backpropagation through time from dout (and dh_n, dc_n); write the "
                    + "forward results and grad.<parameter>, grad.x, grad.h0, grad.c0.")
    static final class Backward extends Base {
        @Override
        boolean backward() {
            return true;
        }
    }

    /** The optional integer tensor {@code lengths [B]} (I32 or I64), range-checked by the layer. */
    static int[] lengths(Map<String, Tensor> in, Path file, int T, int B) {
        Tensor t = in.get("lengths");
        if (t == null) {
            return null;
        }
        if (t.dtype().isFloating()) {
            throw new IllegalArgumentException("tensor 'lengths' in " + file + " is " + t.dtype()
                    + ", expected an integer tensor (I64 or I32)");
        }
        if (!t.hasShape(B)) {
            throw shape("lengths", file, dims(B), t.shape());
        }
        int[] lengths;
        try {
            lengths = t.toInts();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("tensor 'lengths' in " + file + ": " + e.getMessage());
        }
        for (int b = 0; b < B; b++) {
            if (lengths[b] < 1 || lengths[b] > T) {
                throw new IllegalArgumentException("tensor 'lengths' in " + file + ": lengths[" + b + "] = "
                        + lengths[b] + " is outside [1, T] = [1, " + T + "]");
            }
        }
        return lengths;
    }

    static Tensor require(Map<String, Tensor> in, String name, Path file) {
        Tensor t = in.get(name);
        if (t == null) {
            throw new IllegalArgumentException("missing tensor '" + name + "' in " + file);
        }
        return t;
    }

    static float[] optional(Map<String, Tensor> in, String name, Path file, int... shape) {
        Tensor t = in.get(name);
        if (t == null) {
            return null;
        }
        if (!t.hasShape(shape)) {
            throw shape(name, file, dims(shape), t.shape());
        }
        return floats(t, name, file);
    }

    /**
     * The float data of tensor {@code name} (the tensor's own array): integer data is refused, as
     * it is for weights, since a silent conversion would hide a wrong file.
     */
    static float[] floats(Tensor t, String name, Path file) {
        try {
            return t.requireFloats(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    static IllegalArgumentException shape(String name, Path file, String expected, int[] actual) {
        return new IllegalArgumentException("tensor '" + name + "' in " + file + " has shape "
                + Arrays.toString(actual) + ", expected " + expected);
    }

    static String dims(int... d) {
        return Arrays.toString(d);
    }
}
