package dev.vecrnn.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Independent training runs (a sweep over cells, lengths, seeds, learning rates...) on Spark,
 * one run per task: each configuration becomes a Spark job of one task, all submitted at once in
 * list order, so the cluster's task slots fill with runs and a free slot takes the next run
 * (Spark's FIFO scheduler starts jobs in submission order: put the longest runs first to finish
 * early). The driver learns of each run as it finishes, to record it at once.
 *
 * <p>A run must be a function of its configuration alone (seeds included), as vecrnn's training
 * is: then its result is the same bits as the same run on one machine, however the runs were
 * spread, and a task that fails and is retried by Spark gives the same result. Configurations
 * and results are serialised between the driver and the executors.
 */
public final class DistributedSweep {
    private static final long POLL_MILLIS = 50;

    private DistributedSweep() {}

    /** One run of a sweep, shipped to the executors: serialisable, and deterministic in its configuration. */
    @FunctionalInterface
    public interface Run<C, R> extends Serializable {
        /** Trains the run {@code config} describes and returns what it measured. */
        R run(C config) throws Exception;
    }

    /** Told on the driver of every run that finished, in the order they finish. */
    @FunctionalInterface
    public interface Listener<R> {
        /** Run {@code index} (its position in the configurations) finished with {@code result}. */
        void finished(int index, R result);
    }

    /**
     * Runs {@code run} on every configuration, one Spark task each, and returns the results in the
     * configurations' order. If a run fails (after Spark's retries), the runs still going are
     * cancelled and its error is thrown: an {@link IllegalArgumentException} or a
     * {@code TrainingDivergedException} as the run threw it.
     *
     * @param listener told of each run as it finishes (may be null)
     */
    public static <C extends Serializable, R extends Serializable> List<R> run(JavaSparkContext sc, List<C> configs,
                                                                              Run<C, R> run, Listener<R> listener) {
        if (sc == null || configs == null || run == null) {
            throw new IllegalArgumentException("Spark context, configurations and run must be non-null");
        }
        List<JavaFutureAction<List<R>>> jobs = new ArrayList<>(configs.size());
        try {
            for (int i = 0; i < configs.size(); i++) {
                sc.setJobDescription("vecrnn sweep run " + (i + 1) + " of " + configs.size() + ": " + configs.get(i));
                jobs.add(sc.parallelize(List.of(configs.get(i)), 1).map(run::run).collectAsync());
            }
        } finally {
            sc.setJobDescription(null);
        }
        List<R> results = new ArrayList<>(Collections.nCopies(configs.size(), null));
        boolean[] done = new boolean[configs.size()];
        int remaining = configs.size();
        try {
            while (remaining > 0) {
                boolean any = false;
                for (int i = 0; i < jobs.size(); i++) {
                    if (!done[i] && jobs.get(i).isDone()) {
                        R r = jobs.get(i).get().get(0);
                        results.set(i, r);
                        done[i] = true;
                        remaining--;
                        any = true;
                        if (listener != null) {
                            listener.finished(i, r);
                        }
                    }
                }
                if (!any) {
                    Thread.sleep(POLL_MILLIS);
                }
            }
        } catch (ExecutionException e) {
            cancel(jobs);
            throw SparkFailures.rethrown(e.getCause());
        } catch (InterruptedException e) {
            cancel(jobs);
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the sweep's runs");
        } catch (RuntimeException | Error e) {
            cancel(jobs);
            throw e;
        }
        return results;
    }

    private static void cancel(List<? extends JavaFutureAction<?>> jobs) {
        for (JavaFutureAction<?> j : jobs) {
            if (!j.isDone()) {
                j.cancel(true);
            }
        }
    }
}
