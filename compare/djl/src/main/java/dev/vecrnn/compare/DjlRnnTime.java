package dev.vecrnn.compare;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RNN;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Times one RNN/LSTM/GRU configuration in PyTorch 2.7.1 (libtorch CPU, MKL + oneDNN) through Deep
 * Java Library and prints one JSON line: the DJL twin of {@code scripts/lib/torch_rnn_time.py},
 * with the same options, workload, timing rules and output fields, so that
 * {@code vecrnn bench compare-pytorch --torch-command ...} can use either.
 *
 * <p>Workload: one layer, unidirectional, with biases, input x[T, B, I] time-major, zero initial
 * states (DJL passes them to torch's fused {@code rnn_tanh}/{@code rnn_relu}/{@code lstm}/{@code gru}
 * ops). Inference: forward with autograd off. Training: forward, loss = sum(out * R) for a fixed
 * random R, backward with x requiring a gradient so dL/dx is computed; no optimizer step. One
 * difference from the Python timer: DJL cannot reset gradients to None (its zeroGrad zeroes in
 * place, which would cost more), so each backward adds into the previous step's gradients: one
 * memory-bound element-wise add over the weights and x per step, estimated well under 1 % of a
 * batched standard shape's step and a few percent at batch 1 (100x1x256x256), against PyTorch.
 *
 * <p>Extra fields beyond the Python timer's: {@code engine} ("pytorch-djl") and {@code djl_version}.
 * {@code --check} instead verifies the four cells' forward output and dL/dx against a
 * double-precision reference on a tiny problem and exits 1 on a mismatch.
 */
public final class DjlRnnTime {
    private DjlRnnTime() {}

    static final String TORCH_VERSION = "2.7.1";

    /** Gates per cell: rows of the weight matrices are G*H. */
    static int gates(String cell) {
        return switch (cell) {
            case "lstm" -> 4;
            case "gru" -> 3;
            case "rnn_tanh", "rnn_relu" -> 1;
            default -> throw new UsageException("--cell must be one of gru, lstm, rnn_relu, rnn_tanh, got '" + cell + "'");
        };
    }

    /** A command-line mistake: reported on stderr with exit code 2, like argparse does. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The options of torch_rnn_time.py, with its defaults. */
    static final class Options {
        String cell;
        int[] shape;
        String mode;
        int threads;
        long seed = 1;
        double warmupMs = 4000;
        int minWarmupIters = 3;
        int reps = 10;
        double minMs = 1000;
        int maxIters = 2000;
        int tries = 3;
        double maxForeign = 0.1;
        double maxIqr = 0.15;
        boolean check;

        static Options parse(String... args) {
            Options o = new Options();
            Integer threads = null;
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                String value = null;
                int eq = name.indexOf('=');
                if (name.startsWith("--") && eq > 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (name.equals("--check")) {
                    o.check = true;
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException(name + ": expected a value");
                    }
                    value = args[++i];
                }
                switch (name) {
                    case "--cell" -> {
                        gates(value);
                        o.cell = value;
                    }
                    case "--shape" -> o.shape = parseShape(value);
                    case "--mode" -> {
                        if (!value.equals("inference") && !value.equals("training")) {
                            throw new UsageException("--mode must be inference or training, got '" + value + "'");
                        }
                        o.mode = value;
                    }
                    case "--threads" -> threads = intOf(name, value);
                    case "--seed" -> o.seed = longOf(name, value);
                    case "--warmup-ms" -> o.warmupMs = doubleOf(name, value);
                    case "--min-warmup-iters" -> o.minWarmupIters = intOf(name, value);
                    case "--reps" -> o.reps = intOf(name, value);
                    case "--min-ms" -> o.minMs = doubleOf(name, value);
                    case "--max-iters" -> o.maxIters = intOf(name, value);
                    case "--tries" -> o.tries = intOf(name, value);
                    case "--max-foreign" -> o.maxForeign = doubleOf(name, value);
                    case "--max-iqr" -> o.maxIqr = doubleOf(name, value);
                    default -> throw new UsageException("unknown option " + name);
                }
            }
            if (o.check) {
                o.threads = threads == null ? 1 : threads;
                return o;
            }
            if (o.cell == null || o.shape == null || o.mode == null || threads == null) {
                throw new UsageException("the following arguments are required: --cell, --shape, --mode, --threads");
            }
            o.threads = threads;
            if (o.threads < 1 || o.reps < 1 || o.tries < 1 || o.maxIters < o.reps) {
                throw new UsageException("--threads, --reps, --tries must be >= 1 and --max-iters >= --reps");
            }
            return o;
        }

        private static int intOf(String name, String v) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new UsageException(name + ": invalid int value '" + v + "'");
            }
        }

        private static long longOf(String name, String v) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new UsageException(name + ": invalid int value '" + v + "'");
            }
        }

        private static double doubleOf(String name, String v) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new UsageException(name + ": invalid float value '" + v + "'");
            }
        }
    }

    /** TxBxIxH, each a positive integer. */
    static int[] parseShape(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split("x", -1);
        int[] v = new int[parts.length];
        boolean ok = parts.length == 4;
        for (int i = 0; ok && i < 4; i++) {
            try {
                v[i] = Integer.parseInt(parts[i].trim());
                ok = v[i] >= 1;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new UsageException("--shape must be TxBxIxH with positive integers, got '" + text + "'");
        }
        return v;
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (UsageException e) {
            System.err.println("djl_rnn_time: " + e.getMessage());
            System.exit(2);
            return;
        }
        configureDjl(o.threads);
        int code = o.check ? DjlSelfCheck.run() : time(o);
        System.exit(code);
    }

    /**
     * DJL reads these when its engine loads: run from the libtorch jar on the class path (never
     * download), and size torch's intra-op pool. Values given with -D win.
     */
    static void configureDjl(int threads) {
        setDefault("ai.djl.offline", "true");
        setDefault("PYTORCH_VERSION", TORCH_VERSION);
        setDefault("PYTORCH_FLAVOR", "cpu");
        setDefault("ai.djl.pytorch.num_threads", Integer.toString(threads));
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** Builds the block DJL maps onto torch's fused op for {@code cell}. */
    static RecurrentBlock block(String cell, int hidden) {
        return switch (cell) {
            case "lstm" -> LSTM.builder().setStateSize(hidden).setNumLayers(1).optBatchFirst(false).build();
            case "gru" -> GRU.builder().setStateSize(hidden).setNumLayers(1).optBatchFirst(false).build();
            case "rnn_tanh" -> RNN.builder().setStateSize(hidden).setNumLayers(1).optBatchFirst(false)
                    .setActivation(RNN.Activation.TANH).build();
            case "rnn_relu" -> RNN.builder().setStateSize(hidden).setNumLayers(1).optBatchFirst(false)
                    .setActivation(RNN.Activation.RELU).build();
            default -> throw new UsageException("unknown cell " + cell);
        };
    }

    private static int time(Options o) {
        int T = o.shape[0];
        int B = o.shape[1];
        int I = o.shape[2];
        int H = o.shape[3];
        boolean training = o.mode.equals("training");
        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(o.threads); // torch.set_num_threads, as the Python timer calls it
        engine.setRandomSeed((int) o.seed);
        double[] checksum = {0};
        Timer.Window best;
        int tries;
        try (NDManager base = NDManager.newBaseManager()) {
            RecurrentBlock layer = block(o.cell, H);
            // PyTorch's default RNN initialisation: every weight and bias uniform in ±1/sqrt(H).
            UniformInitializer init = new UniformInitializer((float) (1 / Math.sqrt(H)));
            layer.setInitializer(init, Parameter.Type.WEIGHT);
            layer.setInitializer(init, Parameter.Type.BIAS);
            layer.initialize(base, DataType.FLOAT32, new Shape(T, B, I));
            ParameterStore params = new ParameterStore(base, false);
            NDArray x = base.randomNormal(new Shape(T, B, I));
            Runnable step;
            if (!training) {
                step = () -> {
                    // Results of an op live in the manager of its first input: attaching x to a
                    // per-step manager frees the step's tensors when it closes.
                    try (NDManager sub = base.newSubManager()) {
                        x.tempAttach(sub);
                        boolean grad = JniUtils.isGradMode();
                        JniUtils.setGradMode(false); // torch.no_grad()
                        try {
                            NDArray out = layer.forward(params, new NDList(x), false).head();
                            checksum[0] += out.getFloat(0, 0, 0);
                        } finally {
                            JniUtils.setGradMode(grad);
                        }
                    }
                };
            } else {
                NDArray r = base.randomNormal(new Shape(T, B, H));
                x.setRequiresGradient(true);
                step = () -> {
                    try (NDManager sub = base.newSubManager(); GradientCollector gc = engine.newGradientCollector()) {
                        x.tempAttach(sub);
                        r.tempAttach(sub);
                        NDArray out = layer.forward(params, new NDList(x), true).head();
                        gc.backward(out.mul(r).sum());
                        checksum[0] += x.getGradient().getFloat(0, 0, 0);
                    }
                };
            }
            Timer timer = new Timer(o);
            best = null;
            tries = 0;
            while (tries < o.tries) {
                Timer.Window w = timer.window(step);
                tries++;
                if (best == null || timer.better(w, best)) {
                    best = w;
                }
                if (timer.clean(w)) {
                    break;
                }
            }
        }

        double[] times = best.timesMs();
        double flops = 2.0 * T * B * gates(o.cell) * H * (double) (I + H) * (training ? 3 : 1);
        double median = Timer.median(times);
        Json j = new Json();
        j.put("framework", "pytorch");
        j.put("version", engine.getVersion());
        j.put("cell", o.cell);
        j.put("shape", T + "x" + B + "x" + I + "x" + H);
        j.put("T", T);
        j.put("B", B);
        j.put("I", I);
        j.put("H", H);
        j.put("mode", o.mode);
        j.put("threads", o.threads);
        j.put("flops", flops);
        j.put("warmup_iters", best.warmupIters());
        j.put("iters", times.length);
        j.put("median_ms", median);
        j.put("min_ms", Arrays.stream(times).min().orElseThrow());
        j.put("max_ms", Arrays.stream(times).max().orElseThrow());
        j.put("iqr_over_median", Timer.iqrOverMedian(times));
        j.put("foreign_cpu", best.foreign());
        j.put("tries", tries);
        j.put("gflops", flops / (median * 1e-3) / 1e9);
        j.put("times_ms", times);
        j.put("torch_threads", JniUtils.getNumThreads());
        j.put("mkldnn", JniUtils.getFeatures().stream().anyMatch(f -> f.toUpperCase(Locale.ROOT).contains("MKLDNN")
                || f.toUpperCase(Locale.ROOT).contains("ONEDNN")));
        j.put("blas", loadedMathLibraries());
        Json env = new Json();
        for (String k : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY",
                "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")) {
            env.put(k, System.getenv(k));
        }
        j.put("env", env);
        j.put("checksum", checksum[0]);
        j.put("engine", "pytorch-djl");
        j.put("djl_version", Engine.getDjlVersion());
        System.out.println(j);
        System.out.flush();
        return 0;
    }

    /**
     * BLAS, MKL, oneDNN and OpenMP libraries mapped into this process, as the Python timer lists
     * them (libtorch links MKL and oneDNN statically, so typically only its libgomp shows).
     */
    static List<String> loadedMathLibraries() {
        TreeSet<String> libs = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                // The file name only: a folder such as "compare/" must not count as "omp".
                String lower = line.substring(line.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
                boolean math = lower.contains("blas") || lower.contains("mkl") || lower.contains("dnnl")
                        || lower.contains("gomp") || lower.contains("omp");
                if (math && line.contains(".so")) {
                    String[] f = line.trim().split("\\s+");
                    libs.add(f[f.length - 1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return new ArrayList<>(libs);
    }

    /**
     * The Python timer's windows: warm up for at least warmup-ms and min-warmup-iters steps, then
     * time at least reps steps and on until min-ms have passed (at most max-iters); record how
     * many cores other processes used meanwhile.
     */
    static final class Timer {
        private final Options o;
        private final com.sun.management.OperatingSystemMXBean os;

        Timer(Options o) {
            this.o = o;
            this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean m
                    ? m : null;
        }

        record Window(double[] timesMs, int warmupIters, Double foreign) {}

        Window window(Runnable step) {
            long t0 = System.nanoTime();
            int warm = 0;
            while (warm < o.minWarmupIters || System.nanoTime() - t0 < o.warmupMs * 1e6) {
                step.run();
                warm++;
            }
            double[] times = new double[Math.max(o.reps, 16)];
            int n = 0;
            double busy0 = machineBusySeconds();
            double own0 = ownCpuSeconds();
            long start = System.nanoTime();
            while (n < o.reps || (System.nanoTime() - start < o.minMs * 1e6 && n < o.maxIters)) {
                long s = System.nanoTime();
                step.run();
                if (n == times.length) {
                    times = Arrays.copyOf(times, 2 * n);
                }
                times[n++] = (System.nanoTime() - s) * 1e-6;
            }
            double wall = (System.nanoTime() - start) * 1e-9;
            double busy1 = machineBusySeconds();
            double own1 = ownCpuSeconds();
            double foreign = Math.max(0.0, (busy1 - busy0) - (own1 - own0)) / wall;
            return new Window(Arrays.copyOf(times, n), warm, Double.isNaN(foreign) ? null : foreign);
        }

        private boolean loaded(Window w) {
            return w.foreign() != null && w.foreign() > o.maxForeign;
        }

        /** Neither loaded by other processes nor noisy: no further try needed. */
        boolean clean(Window w) {
            return !loaded(w) && iqrOverMedian(w.timesMs()) <= o.maxIqr;
        }

        /** Cleaner first (no foreign load, then low noise), then faster: the rule of both other timers. */
        boolean better(Window a, Window b) {
            if (loaded(a) != loaded(b)) {
                return !loaded(a);
            }
            boolean noisyA = iqrOverMedian(a.timesMs()) > o.maxIqr;
            boolean noisyB = iqrOverMedian(b.timesMs()) > o.maxIqr;
            if (noisyA != noisyB) {
                return !noisyA;
            }
            return median(a.timesMs()) < median(b.timesMs());
        }

        /** Python's statistics.median: the mean of the middle two for an even count. */
        static double median(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            int n = s.length;
            return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
        }

        /** (s[3n/4] - s[n/4]) / median, the Python timer's definition. */
        static double iqrOverMedian(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            int n = s.length;
            return (s[(3 * n) / 4] - s[n / 4]) / median(s);
        }

        /** Machine-wide busy seconds incl. steal from /proc/stat, NaN if unreadable. */
        private static double machineBusySeconds() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
                long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])
                        + Long.parseLong(f[6]) + Long.parseLong(f[7]) + (f.length > 8 ? Long.parseLong(f[8]) : 0);
                return busy * 0.01; // USER_HZ is 100 on every mainstream Linux architecture
            } catch (IOException | RuntimeException e) {
                return Double.NaN;
            }
        }

        /** This process's CPU seconds, all threads (libtorch's OpenMP workers included). */
        private double ownCpuSeconds() {
            long ns = os == null ? -1 : os.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns * 1e-9;
        }
    }

    /** A JSON object written in insertion order; enough for the fields above. */
    static final class Json {
        private final java.util.LinkedHashMap<String, Object> fields = new java.util.LinkedHashMap<>();

        void put(String key, Object value) {
            fields.put(key, value);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            write(sb, this);
            return sb.toString();
        }

        private static void write(StringBuilder sb, Object v) {
            switch (v) {
                case null -> sb.append("null");
                case Json j -> {
                    sb.append('{');
                    boolean first = true;
                    for (Map.Entry<String, Object> e : j.fields.entrySet()) {
                        sb.append(first ? "" : ", ");
                        first = false;
                        writeString(sb, e.getKey());
                        sb.append(": ");
                        write(sb, e.getValue());
                    }
                    sb.append('}');
                }
                case String s -> writeString(sb, s);
                case Boolean b -> sb.append(b);
                case Integer i -> sb.append(i);
                case Long l -> sb.append(l);
                case Number d -> {
                    double x = d.doubleValue();
                    sb.append(Double.isFinite(x) ? Double.toString(x) : "null");
                }
                case double[] a -> {
                    sb.append('[');
                    for (int i = 0; i < a.length; i++) {
                        sb.append(i == 0 ? "" : ", ");
                        write(sb, a[i]);
                    }
                    sb.append(']');
                }
                case List<?> list -> {
                    sb.append('[');
                    for (int i = 0; i < list.size(); i++) {
                        sb.append(i == 0 ? "" : ", ");
                        write(sb, list.get(i));
                    }
                    sb.append(']');
                }
                default -> writeString(sb, v.toString());
            }
        }

        private static void writeString(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    case '\r' -> sb.append("\\r");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
    }
}
