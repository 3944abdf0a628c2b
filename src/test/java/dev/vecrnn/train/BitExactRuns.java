package dev.vecrnn.train;

import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.tasks.SineTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The bit-exactness checks of the trainer, as a program that {@link BitExactTrainingTest} runs in
 * a JVM of its own (see there for why). Prints one {@code PASS name} or {@code FAIL name: why}
 * line per check and exits with status 1 if any failed.
 *
 * <p>Usage: {@code BitExactRuns <scratch folder for checkpoints>}
 */
public final class BitExactRuns {
    private final List<String> failures = new ArrayList<>();
    private final Path dir;

    private BitExactRuns(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws IOException {
        BitExactRuns runs = new BitExactRuns(Path.of(args[0]));
        runs.oneVersusTwoThreads();
        for (String kind : new String[] {"sgd", "rmsprop", "adam"}) {
            runs.resume(kind);
        }
        runs.resumeTruncated();
        System.out.flush();
        System.exit(runs.failures.isEmpty() ? 0 : 1);
    }

    private static Trainer adding(ThreadTeam team, int hidden, int batch, long initSeed, boolean initialize,
                                  Function<List<Parameter>, Optimizer> optimizer) {
        AddingTask task = new AddingTask(12, 9);
        Trainer.Builder b = Trainer.builder(
                        RecurrentLayer.builder(CellType.LSTM, 2, hidden).threads(team).seed(initSeed).build(), task)
                .optimizer(optimizer)
                .schedule(LearningRateSchedule.stepDecay(0.02, 7, 0.5))
                .clipNorm(0.5)
                .batchSize(batch);
        if (initialize) {
            b.initialize(Init.Scheme.ORTHOGONAL, 21).forgetBias(1.0);
        }
        return b.build();
    }

    private static Function<List<Parameter>, Optimizer> optimizer(String kind) {
        return switch (kind) {
            case "sgd" -> ps -> new Sgd(ps, 0.02, 0.9);
            case "rmsprop" -> ps -> new RmsProp(ps, 0.02);
            default -> ps -> new Adam(ps, 0.02);
        };
    }

    /**
     * Same seeds on a team of 1 and of 2 threads. H = 64, B = 16 is large enough that the layer
     * splits its time loop (0.5 MFLOP per step, threshold 0.2) and its weight-gradient GEMMs
     * (7 MFLOP, threshold 2) over the two workers.
     */
    private void oneVersusTwoThreads() {
        String name = "one-vs-two-threads";
        try (ThreadTeam one = new ThreadTeam(1); ThreadTeam two = new ThreadTeam(2)) {
            Trainer a = adding(one, 64, 16, 5, true, optimizer("adam"));
            Trainer b = adding(two, 64, 16, 5, true, optimizer("adam"));
            double[] la = new double[5];
            double[] lb = new double[5];
            for (int i = 0; i < la.length; i++) {
                la[i] = a.step();
                lb[i] = b.step();
            }
            report(name, compare(la, lb) + compareParameters(a, b));
        }
    }

    /** 20 steps straight against 10, a checkpoint, a fresh trainer loading it, and 10 more. */
    private void resume(String kind) throws IOException {
        String name = "resume-" + kind;
        try (ThreadTeam team = new ThreadTeam(2)) {
            Trainer straight = adding(team, 16, 8, 5, true, optimizer(kind));
            double[] expected = new double[20];
            for (int i = 0; i < 20; i++) {
                expected[i] = straight.step();
            }
            Trainer first = adding(team, 16, 8, 5, true, optimizer(kind));
            double[] losses = new double[20];
            for (int i = 0; i < 10; i++) {
                losses[i] = first.step();
            }
            Path file = dir.resolve(name + ".safetensors");
            first.save(file);
            // initialised from another seed and not re-initialised: everything must come from the file
            Trainer resumed = adding(team, 16, 8, 777, false, optimizer(kind));
            resumed.load(file);
            for (int i = 10; i < 20; i++) {
                losses[i] = resumed.step();
            }
            String state = "";
            for (Map.Entry<String, float[]> e : straight.optimizer().state().entrySet()) {
                if (!Arrays.equals(e.getValue(), resumed.optimizer().state().get(e.getKey()))) {
                    state += " optimizer buffer " + e.getKey() + " differs;";
                }
            }
            report(name, compare(expected, losses) + compareParameters(straight, resumed) + state);
        }
    }

    /** The same with truncated BPTT (chunks of 5 of 20 steps, a GRU, the noisy sine task). */
    private void resumeTruncated() throws IOException {
        try (ThreadTeam team = new ThreadTeam(2)) {
            IntFunction<Trainer> make = seed -> Trainer.builder(
                            RecurrentLayer.builder(CellType.GRU, 1, 12).seed(seed).threads(team).build(),
                            new SineTask(20, true, 2))
                    .initialize(Init.Scheme.XAVIER, 3)
                    .optimizer(ps -> new Adam(ps, 0.01))
                    .truncation(5)
                    .batchSize(4)
                    .build();
            Trainer straight = make.apply(1);
            double[] expected = new double[8];
            for (int i = 0; i < 8; i++) {
                expected[i] = straight.step();
            }
            Trainer first = make.apply(1);
            double[] losses = new double[8];
            for (int i = 0; i < 4; i++) {
                losses[i] = first.step();
            }
            Path file = dir.resolve("resume-truncated.safetensors");
            first.save(file);
            Trainer resumed = make.apply(99);
            resumed.load(file);
            for (int i = 4; i < 8; i++) {
                losses[i] = resumed.step();
            }
            report("resume-truncated", compare(expected, losses) + compareParameters(straight, resumed));
        }
    }

    private static String compare(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                return " loss of step " + i + " is " + actual[i] + ", expected " + expected[i] + ";";
            }
        }
        return "";
    }

    private static String compareParameters(Trainer expected, Trainer actual) {
        String out = "";
        for (int i = 0; i < expected.parameters().size(); i++) {
            if (!Arrays.equals(expected.parameters().get(i).value(), actual.parameters().get(i).value())) {
                out += " parameter " + expected.parameters().get(i).name() + " differs;";
            }
        }
        return out;
    }

    private void report(String name, String problems) {
        if (problems.isEmpty()) {
            System.out.println("PASS " + name);
        } else {
            System.out.println("FAIL " + name + ":" + problems);
            failures.add(name);
        }
    }
}
