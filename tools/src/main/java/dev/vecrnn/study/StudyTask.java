package dev.vecrnn.study;

import dev.vecrnn.tasks.AddingTask;
import dev.vecrnn.tasks.CharLmTask;
import dev.vecrnn.tasks.CharText;
import dev.vecrnn.tasks.CopyTask;
import dev.vecrnn.tasks.SineTask;
import dev.vecrnn.train.Task;
import java.util.List;
import java.util.Locale;

/**
 * The tasks {@code vecrnn compare} can train on, with what "T" means for each and the name of
 * the metric its loss is.
 */
public enum StudyTask {
    /** Adding problem; T is the sequence length. */
    ADDING("adding", 2, List.of(50, 100, 200), "MSE"),
    /** Copy task; T is the delay (sequences have T + 20 steps). */
    COPY("copy", 1, List.of(50, 100), "CE nats/step"),
    /** Noisy sine sum, next value at the last step; T is the window length. */
    SINE("sine", 1, List.of(50, 100, 200), "MSE"),
    /** Character model on the bundled text; T is the window length. */
    CHARLM("charlm", 1, List.of(50, 100), "CE nats/char");

    public final String cliName;
    public final int minLength;
    public final List<Integer> defaultLengths;
    public final String metric;

    StudyTask(String cliName, int minLength, List<Integer> defaultLengths, String metric) {
        this.cliName = cliName;
        this.minLength = minLength;
        this.defaultLengths = defaultLengths;
        this.metric = metric;
    }

    private static volatile CharText text;

    /** A fresh stream of this task at length {@code t} seeded with {@code seed}. */
    public Task create(int t, long seed) {
        return switch (this) {
            case ADDING -> new AddingTask(t, seed);
            case COPY -> new CopyTask(t, seed);
            case SINE -> new SineTask(t, false, seed);
            case CHARLM -> new CharLmTask(bundledText(), t, seed);
        };
    }

    private static CharText bundledText() {
        CharText t = text;
        if (t == null) {
            synchronized (StudyTask.class) {
                t = text;
                if (t == null) {
                    t = CharText.bundled();
                    text = t;
                }
            }
        }
        return t;
    }

    /** The meaning of T for this task, for reports. */
    public String lengthMeaning() {
        return this == COPY ? "T = delay (sequences of T + 20 steps)" : "T = sequence length";
    }

    /**
     * The task named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static StudyTask parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            for (StudyTask t : values()) {
                if (t.cliName.equals(n)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("--task: unknown task '" + name + "'; valid: adding, copy, sine, charlm");
    }
}
