package dev.vecrnn.soak;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.nn.RecurrentStream;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.train.Checkpoint;
import dev.vecrnn.train.Init;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Trainer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A soak test (run by {@code scripts/soak}, not by the test suite): many {@link RecurrentStream}s
 * on one shared {@link RecurrentStream.Weights}, stepped by several threads, next to a training
 * run that saves a checkpoint every few seconds, for minutes; it samples the heap after a full
 * collection and the thread count, and fails unless both are flat at the end.
 *
 * <p>Flat means: comparing the median of the last third of the samples with the median of the
 * first third (both after a warm-up of a fifth of the run but at least 30 s, when the JIT has
 * compiled the kernels — until then Vector API code allocates a box per vector — and the
 * workspaces and the streams' chunk buffers have reached their size), the live heap grew by at most
 * {@value #HEAP_TOLERANCE_MIB} MiB, and the thread count by at most {@value #THREAD_TOLERANCE}.
 * Why these: after warm-up nothing here allocates per step or per stream, so a leak shows as
 * steady growth — even 100 bytes per stream step is megabytes per second at these rates, far
 * above the tolerance — while what remains is noise of a few MiB (the JIT's and the sampler's own
 * objects, the collector's sizing). No thread is started after warm-up, so a thread leak is a
 * growing count; the JVM may start a service thread or two on its own (attach listener, a
 * notification thread), hence 2, not 0.
 *
 * <p>It also checks results: every few hundred steps a worker resets one of its streams, replays a
 * fixed input sequence and compares the outputs bit for bit with those of a stream run alone at
 * the start; and the training loss must stay finite.
 *
 * <p>Usage: {@code Soak [--minutes M] [--seconds S] [--streams N] [--workers W]}.
 */
public final class Soak {
    private static final int HEAP_TOLERANCE_MIB = 16;
    private static final int THREAD_TOLERANCE = 2;
    /** The JIT needs this long on a busy 2-core machine before the vector kernels stop allocating. */
    private static final double WARM_UP_SECONDS = 30;
    private static final int INPUT = 8;
    private static final int HIDDEN = 64;
    private static final int REPLAY_STEPS = 50;

    private Soak() {}

    public static void main(String[] args) throws Exception {
        double seconds = 180;
        int streams = 32;
        int workers = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> seconds = 60 * Double.parseDouble(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--streams" -> streams = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("soak: unknown argument " + args[i]
                            + " (--minutes M, --seconds S, --streams N, --workers W)");
                    System.exit(2);
                }
            }
        }
        System.exit(new Soak().run((long) (seconds * 1000), streams, workers) ? 0 : 1);
    }

    private final AtomicBoolean stop = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final AtomicLong streamSteps = new AtomicLong();
    private final AtomicLong replays = new AtomicLong();
    private final AtomicLong trainingSteps = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private volatile double firstLoss = Double.NaN;
    private volatile double lastLoss = Double.NaN;

    private record Sample(double seconds, long heapBytes, int threads) {}

    boolean run(long millis, int streamCount, int workerCount) throws Exception {
        RecurrentLayer streamed = RecurrentLayer.builder(CellType.LSTM, INPUT, HIDDEN).numLayers(2).seed(11).build();
        RecurrentStream.Weights weights = RecurrentStream.Weights.of(streamed);
        float[] replayInput = new float[REPLAY_STEPS * INPUT];
        for (int i = 0; i < replayInput.length; i++) {
            replayInput[i] = (float) Math.sin(0.37 * i);
        }
        float[] expected = replay(weights.newStream(1), replayInput);

        Path dir = Files.createTempDirectory("vecrnn-soak");
        List<Thread> threads = new ArrayList<>();
        int perWorker = Math.max(1, streamCount / workerCount);
        for (int w = 0; w < workerCount; w++) {
            int seed = w;
            threads.add(Thread.ofPlatform().name("soak-streams-" + w).start(
                    () -> guard(() -> stepStreams(weights, perWorker, seed, replayInput, expected))));
        }
        threads.add(Thread.ofPlatform().name("soak-training").start(() -> guard(() -> train(dir))));

        System.out.printf(Locale.ROOT, "soak: %d streams (LSTM %dx%d, 2 layers, one shared Weights) on %d threads,"
                + " training beside them, %.0f s; heap limit %d MiB%n", perWorker * workerCount, INPUT, HIDDEN,
                workerCount, millis / 1000.0, Runtime.getRuntime().maxMemory() >> 20);
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long period = Math.max(1000, millis / 30);
        while (errors.isEmpty()) {
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed >= millis) {
                break;
            }
            Thread.sleep(Math.min(period, millis - elapsed));
            samples.add(sample(start));
            Sample s = samples.get(samples.size() - 1);
            System.out.printf(Locale.ROOT, "  t=%5.1f s  heap after GC %7.2f MiB  threads %3d  stream steps %,d"
                    + "  replays %d  training steps %,d  loss %.4f  checkpoints %d%n", s.seconds(),
                    s.heapBytes() / 1048576.0, s.threads(), streamSteps.get(), replays.get(), trainingSteps.get(),
                    lastLoss, checkpoints.get());
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
        return verdict(samples);
    }

    private boolean verdict(List<Sample> samples) {
        List<String> failures = new ArrayList<>();
        for (Throwable t : errors) {
            failures.add("a worker failed: " + t);
            t.printStackTrace();
        }
        if (!(Double.isFinite(lastLoss))) {
            failures.add("training loss is " + lastLoss);
        }
        if (replays.get() == 0 || checkpoints.get() == 0) {
            failures.add("too short to check anything: " + replays.get() + " replays, " + checkpoints.get() + " checkpoints");
        }
        double total = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).seconds();
        double warmUp = Math.max(WARM_UP_SECONDS, total / 5);
        List<Sample> steady = samples.stream().filter(s -> s.seconds() >= warmUp).toList();
        if (steady.size() < 6) {
            failures.add("only " + steady.size() + " samples after the warm-up of " + (int) warmUp
                    + " s; run longer (at least a minute)");
        } else {
            int third = steady.size() / 3;
            List<Sample> early = steady.subList(0, third);
            List<Sample> late = steady.subList(steady.size() - third, steady.size());
            long heapEarly = median(early.stream().mapToLong(Sample::heapBytes).toArray());
            long heapLate = median(late.stream().mapToLong(Sample::heapBytes).toArray());
            long threadsEarly = median(early.stream().mapToLong(Sample::threads).toArray());
            long threadsLate = median(late.stream().mapToLong(Sample::threads).toArray());
            long growth = heapLate - heapEarly;
            boolean heapFlat = growth <= (long) HEAP_TOLERANCE_MIB << 20;
            boolean threadsFlat = threadsLate - threadsEarly <= THREAD_TOLERANCE;
            System.out.printf(Locale.ROOT, "heap after GC: %.2f MiB early, %.2f MiB late, growth %+.2f MiB "
                    + "(tolerance %d MiB): %s%n", heapEarly / 1048576.0, heapLate / 1048576.0, growth / 1048576.0,
                    HEAP_TOLERANCE_MIB, heapFlat ? "flat" : "GROWING");
            System.out.printf(Locale.ROOT, "threads: %d early, %d late (tolerance %d): %s%n", threadsEarly, threadsLate,
                    THREAD_TOLERANCE, threadsFlat ? "flat" : "GROWING");
            if (!heapFlat) {
                failures.add(String.format(Locale.ROOT, "heap grew by %.2f MiB", growth / 1048576.0));
            }
            if (!threadsFlat) {
                failures.add("thread count grew from " + threadsEarly + " to " + threadsLate);
            }
        }
        System.out.printf(Locale.ROOT, "streams: %,d steps, %d replays bitwise equal to the reference; training: "
                + "%,d steps, loss %.4f -> %.4f, %d checkpoints written and read back%n", streamSteps.get(),
                replays.get(), trainingSteps.get(), firstLoss, lastLoss, checkpoints.get());
        if (failures.isEmpty()) {
            System.out.println("soak: PASS");
            return true;
        }
        System.out.println("soak: FAIL: " + String.join("; ", failures));
        return false;
    }

    private static long median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static Sample sample(long start) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        return new Sample((System.nanoTime() - start) / 1e9, heap, threads);
    }

    private interface Work {
        void run() throws Exception;
    }

    private void guard(Work work) {
        try {
            work.run();
        } catch (Throwable t) {
            errors.add(t);
        }
    }

    /** Steps this worker's streams round-robin with a sine input; now and then replays and compares. */
    private void stepStreams(RecurrentStream.Weights weights, int count, int seed, float[] replayInput,
            float[] expected) {
        RecurrentStream[] mine = new RecurrentStream[count];
        for (int i = 0; i < count; i++) {
            mine[i] = weights.newStream(1);
        }
        float[] x = new float[INPUT];
        long step = 0;
        while (!stop.get()) {
            for (RecurrentStream s : mine) {
                for (int i = 0; i < INPUT; i++) {
                    x[i] = (float) Math.sin(0.01 * step + i + seed);
                }
                float[] h = s.step(x);
                if (!Float.isFinite(h[0])) {
                    throw new IllegalStateException("stream output " + h[0] + " at step " + step);
                }
            }
            step++;
            streamSteps.addAndGet(count);
            if (step % 500 == 0) {
                RecurrentStream s = mine[(int) (step / 500 % count)];
                float[] got = replay(s, replayInput);
                if (!Arrays.equals(got, expected)) {
                    throw new IllegalStateException("replay of a stream differs from the reference at step " + step);
                }
                replays.incrementAndGet();
            }
        }
    }

    /** The outputs of {@code s} over {@code input} from a zero state, flattened. */
    private static float[] replay(RecurrentStream s, float[] input) {
        s.reset();
        float[] all = new float[REPLAY_STEPS * HIDDEN];
        for (int t = 0; t < REPLAY_STEPS; t++) {
            System.arraycopy(s.step(input, t * INPUT), 0, all, t * HIDDEN, HIDDEN);
        }
        return all;
    }

    /** Trains an LSTM on the adding problem on a team of 2 threads, saving and reading back a checkpoint every 200 steps. */
    private void train(Path dir) throws IOException {
        try (ThreadTeam team = new ThreadTeam(2)) {
            AddingTask task = new AddingTask(30, 5);
            Model lstm = Model.builder(CellType.LSTM, task.inputSize(), 32).outputSize(task.outputSize())
                    .loss(task.lossKind()).init(Init.Scheme.ORTHOGONAL).forgetBias(1.0).seed(3).threads(team).build();
            Trainer trainer = Trainer.builder(lstm, task.batches(16)).clipNorm(1.0).build();
            Path file = dir.resolve("soak.ckpt.safetensors");
            while (!stop.get()) {
                double loss = trainer.step();
                if (Double.isNaN(firstLoss)) {
                    firstLoss = loss;
                }
                lastLoss = loss;
                if (trainingSteps.incrementAndGet() % 200 == 0) {
                    trainer.save(file);
                    if (Checkpoint.read(file).step() != trainer.stepCount()) {
                        throw new IllegalStateException("checkpoint read back has another step count");
                    }
                    checkpoints.incrementAndGet();
                }
            }
        }
    }
}
