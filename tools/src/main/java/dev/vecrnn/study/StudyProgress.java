package dev.vecrnn.study;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar per running run on standard error. On a terminal the bars of runs that train at
 * the same time stand one below the other and redraw in place; in a log (not a terminal) each
 * bar prints a whole line now and then instead of carriage returns and colours.
 */
public final class StudyProgress {
    private final PrintStream err;
    private final boolean interactive;

    /** Bars on {@code err}; {@code interactive}: whether it is a terminal that can redraw lines. */
    public StudyProgress(PrintStream err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    /** Bars on {@code System.err}, redrawn in place if the process runs on a terminal. */
    public static StudyProgress console() {
        // Console.isTerminal: stdin and stdout are a terminal (stderr usually follows them)
        return new StudyProgress(System.err, System.console() != null && System.console().isTerminal());
    }

    /** A bar for one run, open until {@link Bar#close}. */
    public Bar open(StudyConfig.RunKey key, int steps) {
        ProgressBarBuilder pbb = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "%s %-8s T=%-4d s%-3d", key.task().cliName, key.cell().cliName,
                        key.length(), key.seed()))
                .setInitialMax(steps)
                .setUnit(" steps", 1);
        if (interactive) {
            pbb.setUpdateIntervalMillis(250).setConsumer(new InteractiveConsoleProgressBarConsumer(err));
        } else {
            String[] last = {""};
            pbb.setUpdateIntervalMillis(10_000).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new DelegatingProgressBarConsumer(line -> {
                        // the bar renders its final state twice on close; a log needs it once
                        synchronized (last) {
                            if (!line.equals(last[0])) {
                                err.println(line);
                                last[0] = line;
                            }
                        }
                    }, 120));
        }
        return new Bar(pbb.build());
    }

    /** One run's bar: feeds it steps and shows the smoothed loss and the last validation. */
    public static final class Bar implements StudyRun.Progress, AutoCloseable {
        private final ProgressBar bar;
        private double smooth = Double.NaN;

        private Bar(ProgressBar bar) {
            this.bar = bar;
        }

        @Override
        public void step(long done, double loss, double lastValidation) {
            // exponential average over ~20 steps: single-batch losses are too noisy to read
            smooth = Double.isNaN(smooth) ? loss : 0.95 * smooth + 0.05 * loss;
            bar.stepTo(done);
            bar.setExtraMessage("loss " + StudyFormat.metric(smooth) + " val " + StudyFormat.metric(lastValidation));
        }

        /** Shows how the run ended. */
        public void finish(StudyRun.Result r) {
            String how = r.divergedAtStep() != null ? " (diverged at step " + r.divergedAtStep() + ")"
                    : r.solvedAtStep() != null ? " (solved at " + r.solvedAtStep() + ")" : "";
            bar.setExtraMessage("test " + StudyFormat.metric(r.finalMetric()) + how);
        }

        @Override
        public void close() {
            bar.close();
        }
    }
}
