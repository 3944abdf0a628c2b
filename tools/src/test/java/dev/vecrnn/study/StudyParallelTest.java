package dev.vecrnn.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --jobs}: runs trained side by side give the numbers they give one after another. */
class StudyParallelTest {
    @TempDir
    Path tmp;

    @Test
    void parallelRunsAreBitForBitTheSequentialOnes() throws Exception {
        StudyRunner.Outcome sequential = TinyStudies.run(TinyStudies.options(tmp.resolve("seq"), 1, 60).toConfig(),
                false, null);
        StudyRunner.Outcome parallel = TinyStudies.run(TinyStudies.options(tmp.resolve("par"), 3, 60).toConfig(),
                false, null);
        List<StudyRun.Result> a = sequential.results();
        List<StudyRun.Result> b = parallel.results();
        assertThat(a).hasSize(8);
        assertThat(b).hasSize(8);
        for (int i = 0; i < a.size(); i++) {
            TinyStudies.assertSameNumbers(a.get(i), b.get(i));
            assertThat(a.get(i).meanConcurrentRuns()).isEqualTo(1.0);
        }
        // the parallel study really overlapped its runs (eight runs on three threads)
        assertThat(b.stream().mapToDouble(StudyRun.Result::meanConcurrentRuns).max().orElseThrow()).isGreaterThan(1.0);
        // and the seeds differ from each other: the comparison is not between copies of one run
        assertThat(a.get(0).lossCurve()).isNotEqualTo(a.get(1).lossCurve());
        assertThat(a.get(0).seed()).isNotEqualTo(a.get(1).seed());
    }
}
