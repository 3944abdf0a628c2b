package dev.vecrnn.study;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.perf.Reports;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs a study: checks the output folder, picks up finished runs of an earlier session when
 * resuming, warms the JIT up, trains the remaining runs {@code jobs} at a time (each on its own
 * threads; or on another {@link RunExecutor}, such as a Spark cluster), writes
 * {@code results.json} after every finished run, and at the end the report and the plots.
 *
 * <p>Runs share no mutable state, so the numbers of a run do not depend on how many ran beside
 * it; only its times do, which is why every run records how many runs trained at the same time.
 */
public final class StudyRunner {
    private StudyRunner() {}

    /**
     * How the study was asked for.
     *
     * @param commandLine the command line, for the report
     * @param resume      continue the study in the output folder instead of starting a new one
     */
    public record Invocation(String commandLine, boolean resume) {}

    /** Told of every finished run, after it is in {@code results.json}. */
    public interface Listener {
        void finished(StudyRun.Result result, int finishedRuns, int plannedRuns);
    }

    /**
     * Where a study's runs train: on this machine's threads ({@link #ON_THIS_MACHINE}), or
     * elsewhere, e.g. as Spark tasks. Whatever the executor, a run must give the numbers
     * {@link StudyRun#run} gives it on this machine; only its times may differ.
     */
    public interface RunExecutor {
        /** How the runs train, for the log line of the plan, e.g. {@code "2 job(s) of 1 thread(s)"}. */
        String describe(StudyConfig config);

        /** Lets the JIT compile the training path where the runs will train; returns the seconds it took. */
        double warmUp(StudyConfig config, List<StudyConfig.RunKey> remaining) throws IOException;

        /**
         * Trains {@code keys}, given longest first, and hands each result to {@code finished} as
         * its run ends (from any thread; it records the run in {@code results.json}). A failure
         * of one run ends the study: the executor stops the others and throws it.
         */
        void train(StudyConfig config, List<StudyConfig.RunKey> keys, StudyProgress progress,
                   Consumer<StudyRun.Result> finished) throws IOException;
    }

    /** {@code config.jobs()} runs at a time on this machine, each on its own {@code config.threads()} threads. */
    public static final RunExecutor ON_THIS_MACHINE = new RunExecutor() {
        @Override
        public String describe(StudyConfig config) {
            return config.jobs() + " job(s) of " + config.threads() + " thread(s)";
        }

        @Override
        public double warmUp(StudyConfig config, List<StudyConfig.RunKey> remaining) {
            return StudyRunner.warmUp(config, remaining);
        }

        @Override
        public void train(StudyConfig config, List<StudyConfig.RunKey> keys, StudyProgress progress,
                          Consumer<StudyRun.Result> finished) throws IOException {
            StudyRunner.train(config, keys, progress, finished);
        }
    };

    /** What a study produced, earlier sessions' runs included. */
    public record Outcome(List<StudyRun.Result> results, List<StudySummary> summaries, List<String> findings,
                          List<String> charts, double totalSeconds, StudyFolder folder) {}

    /**
     * Runs the study {@code config} describes.
     *
     * @param progress where progress bars go
     * @param log      where the plan, the warm-up and notes go (standard error for the command)
     * @param listener told of each finished run (null for none)
     * @throws IllegalArgumentException for a bad output folder or a resume that does not fit,
     *     before anything is trained
     */
    public static Outcome run(StudyConfig config, Invocation invocation, StudyProgress progress, PrintStream log,
                              Listener listener) throws IOException {
        return run(config, invocation, progress, log, listener, ON_THIS_MACHINE);
    }

    /** Runs the study as {@link #run(StudyConfig, Invocation, StudyProgress, PrintStream, Listener)} does, its runs on {@code executor}. */
    public static Outcome run(StudyConfig config, Invocation invocation, StudyProgress progress, PrintStream log,
                              Listener listener, RunExecutor executor) throws IOException {
        long t0 = System.nanoTime();
        StudyFolder folder = StudyFolder.prepare(config.out());
        List<StudyRun.Result> earlier = earlierRuns(config, invocation, folder, log);
        Map<String, String> machine = MachineInfo.collect();
        double loadStart = loadAverage();
        String started = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);

        List<StudyConfig.RunKey> plan = config.runs();
        Set<StudyConfig.RunKey> done = new HashSet<>();
        earlier.forEach(r -> done.add(r.key()));
        List<StudyConfig.RunKey> remaining = plan.stream().filter(k -> !done.contains(k)).toList();
        log.printf(Locale.ROOT, "vecrnn compare: %d runs (%s), up to %d steps each%s, H = %d, B = %d; %s; "
                        + "load average %s on %s processors%n", config.runCount(), planText(config),
                config.steps(), config.stopWhenSolved() ? " (a run stops once solved)" : "", config.hidden(),
                config.batch(), executor.describe(config), Reports.fmt(loadStart), machine.get("processors"));
        if (!earlier.isEmpty()) {
            log.printf(Locale.ROOT, "vecrnn compare: resuming: %d runs finished earlier, %d to go%n", earlier.size(),
                    remaining.size());
        }

        Recorder recorder = new Recorder(config, folder, machine, invocation.commandLine(), started, loadStart,
                earlier, listener, t0);
        double warmup = 0;
        if (!remaining.isEmpty()) {
            warmup = executor.warmUp(config, remaining);
            recorder.warmupSeconds = warmup;
            log.printf(Locale.ROOT, "vecrnn compare: JIT warm-up %s s%n", Reports.fmt(warmup));
            recorder.write(false, List.of());
            executor.train(config, longestFirst(config, remaining), progress, recorder::finished);
        }
        List<StudyRun.Result> results = recorder.results();
        List<String> charts = StudyCharts.writeAll(config, results, folder.dir());
        double total = (System.nanoTime() - t0) / 1e9;
        StudyJson.Meta meta = recorder.meta(true, charts, total);
        List<StudySummary> summaries = StudySummary.of(results);
        Reports.write(folder.dir().resolve("report.md"), StudyReport.markdown(config, results, machine, meta));
        recorder.write(true, charts);
        return new Outcome(results, summaries, StudyReport.findings(summaries, results), charts, total, folder);
    }

    /** The finished runs to keep from the folder's results file, after checking they belong to this study. */
    private static List<StudyRun.Result> earlierRuns(StudyConfig config, Invocation invocation, StudyFolder folder,
                                                     PrintStream log) {
        if (!invocation.resume()) {
            StudyFolder.Earlier e;
            try {
                e = folder.earlier();
            } catch (IllegalArgumentException unreadable) {
                log.println("vecrnn compare: replacing " + folder.results() + " (" + unreadable.getMessage() + ")");
                return List.of();
            }
            if (e.exists() && !e.complete() && !e.runs().isEmpty()) {
                throw new IllegalArgumentException("--out " + config.out() + " holds an unfinished study ("
                        + e.runs().size() + " of " + e.planned() + " runs finished); continue it with --resume, or "
                        + "choose another --out (or delete " + folder.results() + ") to start a new one");
            }
            if (e.exists()) {
                log.println("vecrnn compare: a new study replaces the one in " + folder.dir());
            }
            return List.of();
        }
        StudyFolder.Earlier e = folder.earlier();
        if (!e.exists()) {
            log.println("vecrnn compare: --resume: no " + StudyFolder.RESULTS + " in " + folder.dir()
                    + " yet; starting the study");
            return List.of();
        }
        List<String> diffs = StudyJson.configDifferences(e.config(), config);
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + folder.results() + " belongs to a study with other "
                    + "settings; resume with the same options (only --jobs, --threads may change) or start a new "
                    + "study in another --out. Differences: " + String.join("; ", diffs));
        }
        Set<StudyConfig.RunKey> planned = new HashSet<>(config.runs());
        Set<StudyConfig.RunKey> seen = new HashSet<>();
        for (StudyRun.Result r : e.runs()) {
            if (!planned.contains(r.key()) || !seen.add(r.key())) {
                throw new IllegalArgumentException("--resume: " + folder.results() + " holds a run this study does "
                        + "not plan (or holds it twice): " + r.key().label());
            }
        }
        return e.runs();
    }

    private static double warmUp(StudyConfig config, List<StudyConfig.RunKey> remaining) {
        long w0 = System.nanoTime();
        StudyTask first = remaining.get(0).task();
        int warmLength = Math.max(first.minLength, Math.min(20, remaining.get(0).length()));
        try (ThreadTeam team = new ThreadTeam(config.threads())) {
            for (StudyCell cell : remaining.stream().map(StudyConfig.RunKey::cell).distinct().toList()) {
                StudyRun.warmUp(config, first, cell, warmLength, team);
            }
        }
        return (System.nanoTime() - w0) / 1e9;
    }

    /** The runs, longest (most flops per step) first: the usual way to finish a batch of unequal jobs early. */
    private static List<StudyConfig.RunKey> longestFirst(StudyConfig config, List<StudyConfig.RunKey> keys) {
        List<StudyConfig.RunKey> order = new ArrayList<>(keys);
        Map<StudyConfig.RunKey, Double> cost = new HashMap<>();
        for (StudyConfig.RunKey k : order) {
            var task = k.task().create(k.length(), 0);
            cost.put(k, StudyRun.flopsPerStep(task, k.cell(), config.hidden(), config.batch()));
        }
        order.sort(Comparator.comparingDouble((StudyConfig.RunKey k) -> -cost.get(k)));
        return order;
    }

    /**
     * Trains {@code order} on {@code config.jobs()} threads, in that order; any failure stops
     * the other runs at their next step.
     */
    private static void train(StudyConfig config, List<StudyConfig.RunKey> order, StudyProgress progress,
                              Consumer<StudyRun.Result> finished) throws IOException {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger threadIds = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.jobs(), order.size()), r -> {
            Thread t = new Thread(r, "vecrnn-study-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (StudyConfig.RunKey key : order) {
                futures.add(pool.submit(() -> {
                    try {
                        trainOne(config, key, progress, finished, active, failed);
                    } catch (RuntimeException | Error e) {
                        if (!(e instanceof CancellationException)) {
                            failed.set(true);
                        }
                        throw e;
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failed.set(true);
                    Throwable cause = e.getCause();
                    if (cause instanceof CancellationException) {
                        continue;
                    }
                    awaitOthers(futures);
                    if (cause instanceof UncheckedIOException u) {
                        throw u.getCause();
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                } catch (InterruptedException e) {
                    failed.set(true);
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the runs", e);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void trainOne(StudyConfig config, StudyConfig.RunKey key, StudyProgress progress,
                                 Consumer<StudyRun.Result> finished, AtomicInteger active, AtomicBoolean failed) {
        if (failed.get()) {
            throw new CancellationException("another run failed");
        }
        active.incrementAndGet();
        StudyRun.Result r;
        try (ThreadTeam team = new ThreadTeam(config.threads());
             StudyProgress.Bar bar = progress.open(key, config.steps())) {
            r = StudyRun.run(config, key, team, active::get, (done, loss, val) -> {
                if (failed.get()) {
                    throw new CancellationException("another run failed");
                }
                bar.step(done, loss, val);
            });
            bar.finish(r);
        } finally {
            active.decrementAndGet();
        }
        finished.accept(r);
    }

    /** Waits until the other runs noticed the failure and stopped (they stop at their next step). */
    private static void awaitOthers(List<Future<?>> futures) {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException | CancellationException ignored) {
                // already failing; the first failure is the one reported
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Collects finished runs and keeps {@code results.json} up to date; safe to call from every job. */
    private static final class Recorder {
        private final StudyConfig config;
        private final StudyFolder folder;
        private final Map<String, String> machine;
        private final String commandLine;
        private final String started;
        private final double loadStart;
        private final int fromEarlier;
        private final Listener listener;
        private final long t0;
        private final List<StudyConfig.RunKey> planOrder;
        private final List<StudyRun.Result> results = new ArrayList<>();
        private volatile double warmupSeconds;

        Recorder(StudyConfig config, StudyFolder folder, Map<String, String> machine, String commandLine,
                 String started, double loadStart, List<StudyRun.Result> earlier, Listener listener, long t0) {
            this.config = config;
            this.folder = folder;
            this.machine = machine;
            this.commandLine = commandLine;
            this.started = started;
            this.loadStart = loadStart;
            this.fromEarlier = earlier.size();
            this.listener = listener;
            this.t0 = t0;
            this.planOrder = config.runs();
            this.results.addAll(earlier);
            sort();
        }

        synchronized void finished(StudyRun.Result r) {
            results.add(r);
            sort();
            try {
                write(false, List.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (listener != null) {
                listener.finished(r, results.size(), config.runCount());
            }
        }

        synchronized List<StudyRun.Result> results() {
            return List.copyOf(results);
        }

        synchronized void write(boolean complete, List<String> charts) throws IOException {
            double total = (System.nanoTime() - t0) / 1e9;
            folder.writeResults(StudyJson.study(config, results, machine, meta(complete, charts, total)));
        }

        StudyJson.Meta meta(boolean complete, List<String> charts, double total) {
            return new StudyJson.Meta(commandLine, started, total, warmupSeconds, loadStart, loadAverage(),
                    fromEarlier, complete, charts);
        }

        private void sort() {
            results.sort(Comparator.comparingInt(r -> planOrder.indexOf(r.key())));
        }
    }

    /** "adding T = 50, 100, 200 × rnn_tanh, lstm × 3 seeds". */
    static String planText(StudyConfig config) {
        List<String> parts = new ArrayList<>();
        config.plan().forEach((t, ls) -> parts.add(t.cliName + " T = " + ls.toString().replaceAll("[\\[\\]]", "")));
        return String.join("; ", parts) + " × " + config.cells().stream().map(c -> c.cliName).toList()
                .toString().replaceAll("[\\[\\]]", "") + " × " + config.seeds() + " seed" + (config.seeds() > 1 ? "s" : "");
    }

    /** The 1-minute system load average (NaN where the OS does not say). */
    static double loadAverage() {
        double v = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return v >= 0 ? v : Double.NaN;
    }
}
