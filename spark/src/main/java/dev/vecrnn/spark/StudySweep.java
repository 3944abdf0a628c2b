package dev.vecrnn.spark;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.perf.Reports;
import dev.vecrnn.study.StudyConfig;
import dev.vecrnn.study.StudyJson;
import dev.vecrnn.study.StudyProgress;
import dev.vecrnn.study.StudyRun;
import dev.vecrnn.study.StudyRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The study's runs ({@code vecrnn compare}) as Spark tasks, one run per task, through
 * {@link DistributedSweep}: {@code StudyRunner.run(config, invocation, progress, log, listener,
 * new StudySweep(sc))} writes the same {@code results.json}, report and plots as a study on one
 * machine, each run recorded as it finishes (so {@code --resume} works as there), and every run
 * gives the numbers it gives on one machine: {@link StudyRun#run} depends on the configuration and
 * the run's seed alone. A run's result travels back as its {@code results.json} entry (the form
 * {@code --resume} reads), which keeps every number exactly.
 */
public final class StudySweep implements StudyRunner.RunExecutor {
    /** Runs training in this JVM right now, for each result's {@code concurrent_runs}. */
    private static final AtomicInteger ACTIVE = new AtomicInteger();

    private final JavaSparkContext sc;

    /** Runs a study's runs on {@code sc}'s executors. */
    public StudySweep(JavaSparkContext sc) {
        if (sc == null) {
            throw new IllegalArgumentException("Spark context is null");
        }
        this.sc = sc;
    }

    @Override
    public String describe(StudyConfig config) {
        return "Spark " + sc.master() + ", one task per run (" + sc.defaultParallelism() + " task slots), "
                + config.threads() + " thread(s) each";
    }

    /**
     * In {@code local[N]} the tasks run in this JVM, so the study's own warm-up here serves them;
     * on a cluster each task slot runs it once (as a task of its own), and the longest counts.
     */
    @Override
    public double warmUp(StudyConfig config, List<StudyConfig.RunKey> remaining) throws IOException {
        if (sc.isLocal()) {
            return StudyRunner.ON_THIS_MACHINE.warmUp(config, remaining);
        }
        ShippedStudy.Config shipped = ShippedStudy.Config.of(config);
        ArrayList<ShippedStudy.Key> keys = new ArrayList<>(remaining.stream().map(ShippedStudy.Key::of).toList());
        List<WarmUp> slots = Collections.nCopies(sc.defaultParallelism(), new WarmUp(shipped, keys));
        return DistributedSweep.run(sc, slots, WarmUp::run, null).stream().mapToDouble(Double::doubleValue).max()
                .orElse(0);
    }

    /** The study's warm-up on an executor. */
    record WarmUp(ShippedStudy.Config config, ArrayList<ShippedStudy.Key> remaining) implements java.io.Serializable {
        Double run() throws IOException {
            return StudyRunner.ON_THIS_MACHINE.warmUp(config.toConfig(),
                    remaining.stream().map(ShippedStudy.Key::toKey).toList());
        }
    }

    @Override
    public void train(StudyConfig config, List<StudyConfig.RunKey> keys, StudyProgress progress,
                      Consumer<StudyRun.Result> finished) {
        ShippedStudy.Config shipped = ShippedStudy.Config.of(config);
        List<Run> runs = keys.stream().map(k -> new Run(shipped, ShippedStudy.Key.of(k))).toList();
        DistributedSweep.run(sc, runs, Run::train, (index, json) -> {
            StudyRun.Result r = parse(json);
            try (StudyProgress.Bar bar = progress.open(r.key(), config.steps())) {
                bar.step(r.stepsDone(), r.lossCurve().length > 0 ? r.lossCurve()[r.lossCurve().length - 1] : Double.NaN,
                        r.evalMetrics().length > 0 ? r.evalMetrics()[r.evalMetrics().length - 1] : Double.NaN);
                bar.finish(r);
            }
            finished.accept(r);
        });
    }

    /** One run of the study, as a task: returns its {@code results.json} entry. */
    record Run(ShippedStudy.Config config, ShippedStudy.Key key) implements java.io.Serializable {
        String train() throws IOException {
            ACTIVE.incrementAndGet();
            try (ThreadTeam team = new ThreadTeam(config.threads())) {
                StudyRun.Result r = StudyRun.run(config.toConfig(), key.toKey(), team, ACTIVE::get, (d, l, v) -> {});
                return Reports.JSON.writeValueAsString(StudyJson.run(r));
            } finally {
                ACTIVE.decrementAndGet();
            }
        }

        @Override
        public String toString() {
            return key.toString();
        }
    }

    static StudyRun.Result parse(String json) {
        try {
            return StudyJson.readRun(Reports.JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
