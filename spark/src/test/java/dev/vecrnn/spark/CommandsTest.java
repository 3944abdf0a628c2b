package dev.vecrnn.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.train.Adam;
import dev.vecrnn.train.Checkpoint;
import dev.vecrnn.train.Model;
import dev.vecrnn.train.Trainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line on the tests' Spark context: {@code train} trains what its options say (its
 * checkpoint holds the weights of the single-process micro-batch run of the same setup, and
 * {@code --resume} continues it), {@code bench} times the same run every way and its rows agree
 * with each other, and bad options fail in one line with exit code 2 before Spark starts.
 */
class CommandsTest {
    private static final String[] SETUP = {"--task", "adding", "--length", "12", "--cell", "lstm", "--hidden", "8",
        "--batch", "8", "--lr", "0.01", "--clip", "0.05", "--seed", "3"};

    private static String[] args(String... more) {
        String[] all = new String[SETUP.length + more.length];
        System.arraycopy(SETUP, 0, all, 0, SETUP.length);
        System.arraycopy(more, 0, all, SETUP.length, more.length);
        return all;
    }

    private static String train(StringWriter out, String... more) throws Exception {
        TrainCommand cmd = new TrainCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out));
        cl.parseArgs(args(more));
        assertThat(cmd.run(TestSpark.context(), cmd.setup.toSetup())).isZero();
        return out.toString();
    }

    /** The single-process run the command's must equal: the same model, data and micro-batches. */
    private static Trainer reference() {
        Model m = Model.builder(CellType.LSTM, 2, 8).seed(3).build();
        return Trainer.builder(m, new AddingTask(12, 3).batches(8)).optimizer(ps -> new Adam(ps, 0.01)).clipNorm(0.05)
                .microBatches(2).build();
    }

    @Test
    void trainWritesTheCheckpointOfTheSingleProcessRunAndResumesIt() throws Exception {
        Path dir = Files.createTempDirectory("spark-train");
        Path ckpt = dir.resolve("run.safetensors");
        String out = train(new StringWriter(), "--steps", "6", "--partitions", "2", "--checkpoint", ckpt.toString(),
                "--checkpoint-every", "4", "--eval-batches", "2");
        Trainer ref = reference();
        for (int i = 0; i < 6; i++) {
            ref.step();
        }
        assertThat(Checkpoint.read(ckpt).step()).isEqualTo(6);
        SynchronousTrainingTest.assertSameWeights(ref.model(), Model.load(ckpt), "train --steps 6");
        double heldOut = ref.model().evaluate(new AddingTask(12, 3 + TrainingSetup.HELD_OUT_SEED_OFFSET).batches(8), 2);
        assertThat(out).contains("step 6/6: loss " + String.format(Locale.ROOT, "%.5g", ref.lastLoss()))
                .contains("wrote " + ckpt + " (step 6)")
                .contains(String.format(Locale.ROOT, "held-out loss %.6g (2 batches", heldOut));

        String resumed = train(new StringWriter(), "--steps", "8", "--partitions", "2", "--checkpoint", ckpt.toString(),
                "--resume", "--eval-batches", "2");
        ref.step();
        ref.step();
        assertThat(resumed).contains("resumed from " + ckpt + " at step 6").contains("step 8/8");
        SynchronousTrainingTest.assertSameWeights(ref.model(), Model.load(ckpt), "train --resume --steps 8");
    }

    @Test
    void benchTimesTheSameRunEveryWayAndTheRowsAgree() throws Exception {
        BenchCommand cmd = new BenchCommand();
        CommandLine cl = new CommandLine(cmd);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.parseArgs(args("--steps", "4", "--warmup-seconds", "0", "--average-every", "2", "--eval-batches", "2"));
        List<BenchCommand.Row> rows = cmd.run(TestSpark.context(), cmd.setup.toSetup());
        assertThat(rows).extracting(BenchCommand.Row::run).containsExactly("one machine, 1 thread",
                "one machine, 2 threads", "local[2,2], synchronous", "local[2,2], local SGD K=2");
        assertThat(rows).extracting(BenchCommand.Row::jobs).containsExactly(4L, 4L, 4L, 2L);
        for (BenchCommand.Row r : rows) {
            assertThat(r.sequencesPerSecond()).as(r.run()).isCloseTo(4 * 8 / r.seconds(),
                    org.assertj.core.data.Percentage.withPercentage(1e-9));
            assertThat(r.msPerJob() * r.jobs()).as(r.run()).isCloseTo(r.seconds() * 1e3,
                    org.assertj.core.data.Percentage.withPercentage(1e-9));
        }
        // results do not depend on the thread count; the distributed run sums in another order
        assertThat(rows.get(1).heldOutLoss()).isEqualTo(rows.get(0).heldOutLoss());
        assertThat(rows.get(2).heldOutLoss()).isCloseTo(rows.get(0).heldOutLoss(),
                org.assertj.core.data.Percentage.withPercentage(1e-3));
        assertThat(out.toString()).contains("| run | jobs | wall s | sequences/s | × 1 thread |")
                .contains("| local[2,2], local SGD K=2 | 2 |");
    }

    @Test
    void theOverheadColumnIsTheJobTimeBeyondItsShareOfTheOneThreadCompute() {
        List<BenchCommand.Row> rows = List.of(
                new BenchCommand.Row("one machine, 1 thread", false, 10, 1.0, 640, 100, 100, 0.5, 0.5),
                new BenchCommand.Row("local[2], local SGD K=8", true, 2, 0.5, 1280, 50, 400, 0.5, 0.5));
        String table = BenchCommand.table(rows, 2);
        // K=8 steps per job at 100/2 ms each leave 400 - 8 * 50 = 0 ms
        assertThat(table).contains("| local[2], local SGD K=8 | 2 | 0.50 | 1280 | 2.00 | 50.00 | 400.00 | 0.0 |")
                .contains("| one machine, 1 thread | 10 | 1.00 | 640 | 1.00 | 100.00 | 100.00 | – |");
    }

    @Test
    void badOptionsFailInOneLineWithExitCodeTwoBeforeSparkStarts() throws Exception {
        StringWriter err = new StringWriter();
        int code = run(err, "train", "--steps", "0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("vecrnn-spark train: --steps, --checkpoint-every and "
                + "--eval-batches must be >= 1, got 0, 500, 20");
        Path dir = Files.createTempDirectory("spark-bench");
        StringWriter err2 = new StringWriter();
        assertThat(run(err2, "bench", "--json", dir.toString())).isEqualTo(2);
        assertThat(err2.toString()).startsWith("vecrnn-spark bench: --json " + dir + ": is a directory");
        StringWriter err3 = new StringWriter();
        assertThat(run(err3, "bench", "--batch", "9")).isEqualTo(2);
        assertThat(err3.toString().strip()).isEqualTo("vecrnn-spark bench: --batch 9 must be divisible by --partitions 2");
    }

    private static int run(StringWriter err, String... args) {
        return SparkMain.commandLine().setErr(new PrintWriter(err, true)).execute(args);
    }
}
