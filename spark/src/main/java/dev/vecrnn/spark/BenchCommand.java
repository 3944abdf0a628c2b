package dev.vecrnn.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vecrnn.io.AtomicFiles;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.perf.Checks;
import dev.vecrnn.perf.MachineInfo;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: the same training run on one machine (1 and 2 threads) and on Spark
 * (synchronous, and local SGD for each K), side by side: sequences per second, the ratio to one
 * thread, time per step and per job, the per-job overhead, and the held-out loss every run
 * reaches. Every run starts from the same weights and trains on the same stream for the same
 * number of steps; a warm-up on both sides first lets the JIT compile the training path (the
 * replicas of {@code local[N]} run in this JVM, so they use the same compiled code).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Times one training run on one machine (1 and 2 threads) and on Spark (synchronous and "
                + "local SGD every K steps) and prints a table: sequences/s, ratio to 1 thread, ms per step and "
                + "per job, per-job overhead, held-out loss.",
            "Run it alone on the machine: it measures time."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    SetupOptions setup = new SetupOptions("charlm", 100, "lstm", 256, 64, 2e-3);

    @Option(names = "--steps", defaultValue = "160", description = "training steps of every run (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup-seconds", defaultValue = "6", description = "untimed training before the runs, on one machine, then half as long in synchronous jobs on Spark: the JIT compiles the training path in a few seconds (default: ${DEFAULT-VALUE})")
    double warmupSeconds;

    @Option(names = "--partitions", defaultValue = "2", description = "P (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--average-every", split = ",", defaultValue = "1,8,16", description = "local SGD's K values, one run each (default: ${DEFAULT-VALUE})")
    List<Integer> averageEvery;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default: ${DEFAULT-VALUE})")
    String master;

    @Option(names = "--eval-batches", defaultValue = "20", description = "held-out batches of the final loss (default: ${DEFAULT-VALUE})")
    int evalBatches;

    @Option(names = "--json", description = "also write the rows and the machine to this JSON file")
    Path json;

    /** One timed run. */
    record Row(String run, boolean onSpark, long jobs, double seconds, double sequencesPerSecond, double msPerStep, double msPerJob,
               double heldOutLoss, double lastLoss) {}

    @Override
    public Integer call() throws Exception {
        TrainingSetup s = setup.toSetup();
        if (steps < 1 || !(warmupSeconds >= 0) || evalBatches < 1) {
            throw new IllegalArgumentException("--steps and --eval-batches must be >= 1 and --warmup-seconds >= 0, got "
                    + steps + ", " + evalBatches + ", " + warmupSeconds);
        }
        for (int k : averageEvery) {
            if (k < 1) {
                throw new IllegalArgumentException("--average-every: every K must be >= 1, got " + k);
            }
        }
        if (s.batch() % partitions != 0) {
            throw new IllegalArgumentException("--batch " + s.batch() + " must be divisible by --partitions " + partitions);
        }
        if (json != null) {
            Checks.outputFile("--json", json, false);
        }
        JavaSparkContext sc = SparkContexts.start("vecrnn bench", master);
        try {
            run(sc, s);
        } finally {
            sc.stop();
        }
        return 0;
    }

    /** The runs, Spark's on {@code sc} (whose owner stops it); returns the rows. */
    List<Row> run(JavaSparkContext sc, TrainingSetup s) throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "vecrnn spark bench: %s, %d steps per run, P = %d on %s%n", s.describe(), steps,
                partitions, sc.master());
        out.flush();
        List<Row> rows = new ArrayList<>();
        try (ThreadTeam one = new ThreadTeam(1); ThreadTeam two = new ThreadTeam(2)) {
            Trainer warm = Trainer.builder(s.model(one), s.data().create()).optimizer(s.optimizer())
                    .clipNorm(s.clipNorm()).build();
            warmUp(warm::step, warmupSeconds);
            rows.add(runLocally(s, one, steps));
            print(out, rows.getLast());
            rows.add(runLocally(s, two, steps));
            print(out, rows.getLast());
            DistributedTrainer warmOnSpark = DistributedTrainer.builder(sc, s.model(one), s.data())
                    .partitions(partitions).optimizer(s.optimizer()).clipNorm(s.clipNorm()).build();
            warmUp(warmOnSpark::step, warmupSeconds / 2);
            rows.add(runOnSpark(sc, s, one, 0, steps));
            print(out, rows.getLast());
            for (int k : averageEvery) {
                rows.add(runOnSpark(sc, s, one, k, steps));
                print(out, rows.getLast());
            }
        }
        out.println();
        out.print(table(rows, partitions));
        out.flush();
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("setup", s.describe());
            doc.put("steps", steps);
            doc.put("partitions", partitions);
            doc.put("master", sc.master());
            doc.put("machine", MachineInfo.collect());
            doc.put("rows", rows);
            AtomicFiles.write(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(doc));
            out.println("wrote " + json);
        }
        out.flush();
        return rows;
    }

    /** Repeats {@code run} until {@code seconds} have passed, at least once. */
    private static void warmUp(java.util.function.DoubleSupplier run, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            run.getAsDouble();
        } while (System.nanoTime() < end);
    }

    private Row runLocally(TrainingSetup s, ThreadTeam team, int n) {
        Model model = s.model(team);
        Trainer t = Trainer.builder(model, s.data().create()).optimizer(s.optimizer()).clipNorm(s.clipNorm()).build();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            t.step();
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        return row("one machine, " + team.size() + (team.size() == 1 ? " thread" : " threads"), false, s, n, n, sec,
                model, t.lastLoss());
    }

    private Row runOnSpark(JavaSparkContext sc, TrainingSetup s, ThreadTeam driverTeam, int k, int n) {
        Model model = s.model(driverTeam);
        DistributedTrainer t = DistributedTrainer.builder(sc, model, s.data()).partitions(partitions)
                .optimizer(s.optimizer()).clipNorm(s.clipNorm()).averageEvery(k).build();
        long[] jobs = {0};
        long t0 = System.nanoTime();
        t.train(n, (step, loss) -> jobs[0]++);
        double sec = (System.nanoTime() - t0) / 1e9;
        String name = sc.master() + (k == 0 ? ", synchronous" : ", local SGD K=" + k);
        return row(name, true, s, n, jobs[0], sec, model, t.trainer().lastLoss());
    }

    private Row row(String name, boolean onSpark, TrainingSetup s, int n, long jobs, double sec, Model model,
                    double lastLoss) {
        return new Row(name, onSpark, jobs, sec, (double) n * s.batch() / sec, 1e3 * sec / n, 1e3 * sec / jobs,
                model.evaluate(s.heldOut(), evalBatches), lastLoss);
    }

    private static void print(PrintWriter out, Row r) {
        out.printf(Locale.ROOT, "  %s: %.2f s, %.0f sequences/s, held-out loss %.5g%n", r.run(), r.seconds(),
                r.sequencesPerSecond(), r.heldOutLoss());
        out.flush();
    }

    /**
     * The table. "overhead ms/job" is the time of a job beyond its share of the one-thread
     * compute: {@code ms/job - K * (1-thread ms/step) / P}, what scheduling, broadcasting and
     * collecting cost per job if the partitions computed at the one-thread speed.
     */
    static String table(List<Row> rows, int partitions) {
        Row base = rows.getFirst();
        StringBuilder sb = new StringBuilder();
        sb.append("| run | jobs | wall s | sequences/s | × 1 thread | ms/step | ms/job | overhead ms/job | held-out loss | last training loss |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            double stepsPerJob = r.msPerJob() / r.msPerStep();
            String overhead = r.onSpark() ? String.format(Locale.ROOT, "%.1f",
                    r.msPerJob() - stepsPerJob * base.msPerStep() / partitions) : "–";
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.0f | %.2f | %.2f | %.2f | %s | %.5g | %.5g |%n",
                    r.run(), r.jobs(), r.seconds(), r.sequencesPerSecond(),
                    r.sequencesPerSecond() / base.sequencesPerSecond(), r.msPerStep(), r.msPerJob(), overhead,
                    r.heldOutLoss(), r.lastLoss()));
        }
        return sb.toString();
    }
}
