package dev.vecrnn.study;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Small studies the tests run in a second or two: a few tiny networks on short adding sequences. */
final class TinyStudies {
    private TinyStudies() {}

    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** Two cells, two lengths, two seeds: eight runs of {@code steps} steps, {@code jobs} at a time. */
    static StudyOptions options(Path out, int jobs, int steps) {
        return new StudyOptions("default", null, List.of("gru", "rnn_tanh"), List.of(6, 9), steps, 2, 3L, 6, 8,
                null, null, 1.0, 1, jobs, 10, true, out);
    }

    static StudyRunner.Outcome run(StudyConfig config, boolean resume, StudyRunner.Listener listener)
            throws IOException {
        return StudyRunner.run(config, new StudyRunner.Invocation("test", resume), new StudyProgress(QUIET, false),
                QUIET, listener);
    }

    /** Asserts that two runs measured the same numbers, bit for bit (times excepted). */
    static void assertSameNumbers(StudyRun.Result a, StudyRun.Result b) {
        org.assertj.core.api.Assertions.assertThat(b.key()).isEqualTo(a.key());
        String what = a.key().label();
        org.assertj.core.api.Assertions.assertThat(b.lossCurve()).as(what + " loss curve").isEqualTo(a.lossCurve());
        org.assertj.core.api.Assertions.assertThat(b.evalSteps()).as(what).isEqualTo(a.evalSteps());
        org.assertj.core.api.Assertions.assertThat(bits(b.evalMetrics())).as(what + " validation")
                .isEqualTo(bits(a.evalMetrics()));
        org.assertj.core.api.Assertions.assertThat(Double.doubleToRawLongBits(b.finalMetric())).as(what + " test")
                .isEqualTo(Double.doubleToRawLongBits(a.finalMetric()));
        org.assertj.core.api.Assertions.assertThat(b.stepsDone()).as(what).isEqualTo(a.stepsDone());
        org.assertj.core.api.Assertions.assertThat(b.solvedAtStep()).as(what).isEqualTo(a.solvedAtStep());
        org.assertj.core.api.Assertions.assertThat(bits(b.gradInit().hNorms())).as(what + " probe at init")
                .isEqualTo(bits(a.gradInit().hNorms()));
        org.assertj.core.api.Assertions.assertThat(bits(b.gradTrained().hNorms())).as(what + " probe trained")
                .isEqualTo(bits(a.gradTrained().hNorms()));
    }

    static long[] bits(double[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Double.doubleToRawLongBits(v[i]);
        }
        return out;
    }
}
