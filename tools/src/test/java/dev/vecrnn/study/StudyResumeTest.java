package dev.vecrnn.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vecrnn.perf.Reports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results land in {@code results.json} as runs finish, so an interrupted study keeps them, and
 * {@code --resume} finishes the rest without rerunning them, with the numbers an uninterrupted
 * study gives.
 */
class StudyResumeTest {
    @TempDir
    Path tmp;

    /** Stands for the process being killed: thrown from the listener after a number of runs. */
    private static final class Killed extends RuntimeException {
        Killed() {
            super("killed");
        }
    }

    private static JsonNode read(Path file) {
        try {
            return Reports.JSON.readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void eachFinishedRunIsOnDiskAtOnceAndResumeRunsOnlyTheRest() throws Exception {
        Path dir = tmp.resolve("study");
        StudyConfig config = TinyStudies.options(dir, 1, 40).toConfig();
        List<Integer> onDisk = new ArrayList<>();
        assertThatThrownBy(() -> TinyStudies.run(config, false, (r, finished, planned) -> {
            JsonNode j = read(dir.resolve("results.json"));
            onDisk.add(j.path("runs").size());
            assertThat(j.path("complete").asBoolean()).isFalse();
            assertThat(planned).isEqualTo(8);
            if (finished == 3) {
                throw new Killed();
            }
        })).isInstanceOf(Killed.class);
        // every finished run was in the file when the listener heard of it
        assertThat(onDisk).containsExactly(1, 2, 3);
        JsonNode partial = Reports.JSON.readTree(dir.resolve("results.json").toFile());
        assertThat(partial.path("runs").size()).isEqualTo(3);
        assertThat(partial.path("runs_planned").asInt()).isEqualTo(8);
        assertThat(Files.exists(dir.resolve("report.md"))).isFalse();

        // a new study in the same folder would lose them: refused, with the way out
        assertThatThrownBy(() -> TinyStudies.run(config, false, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unfinished study (3 of 8 runs finished)").hasMessageContaining("--resume");

        // a resume with other settings is refused and says which
        StudyConfig other = TinyStudies.options(dir, 1, 50).toConfig();
        assertThatThrownBy(() -> TinyStudies.run(other, true, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--resume").hasMessageContaining("steps: 40 there, 50 now");

        List<StudyConfig.RunKey> rerun = new ArrayList<>();
        // other --jobs is fine: it does not change the numbers
        StudyConfig resumed = TinyStudies.options(dir, 2, 40).toConfig();
        StudyRunner.Outcome done = TinyStudies.run(resumed, true, (r, finished, planned) -> rerun.add(r.key()));
        assertThat(rerun).hasSize(5);
        List<StudyConfig.RunKey> before = new ArrayList<>();
        for (JsonNode r : partial.path("runs")) {
            before.add(StudyJson.readRun(r).key());
        }
        assertThat(rerun).doesNotContainAnyElementsOf(before);

        StudyRunner.Outcome fresh = TinyStudies.run(TinyStudies.options(tmp.resolve("fresh"), 1, 40).toConfig(),
                false, null);
        assertThat(done.results()).hasSize(8);
        for (int i = 0; i < 8; i++) {
            TinyStudies.assertSameNumbers(fresh.results().get(i), done.results().get(i));
        }
        JsonNode complete = Reports.JSON.readTree(dir.resolve("results.json").toFile());
        assertThat(complete.path("complete").asBoolean()).isTrue();
        assertThat(complete.path("runs").size()).isEqualTo(8);
        assertThat(complete.path("runs_from_earlier_sessions").asInt()).isEqualTo(3);
        assertThat(Files.readString(dir.resolve("report.md"))).contains("3 runs from an earlier session");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp") || n.endsWith(".probe")))
                    .isEmpty();
        }

        // a finished study may be replaced by a new one
        TinyStudies.run(TinyStudies.options(dir, 1, 20).toConfig(), false, null);
        assertThat(Reports.JSON.readTree(dir.resolve("results.json").toFile()).path("config").path("steps").asInt())
                .isEqualTo(20);
    }

    @Test
    void runsRoundTripThroughTheFileExactly() throws Exception {
        StudyRunner.Outcome o = TinyStudies.run(TinyStudies.options(tmp.resolve("rt"), 2, 30).toConfig(), false, null);
        JsonNode runs = Reports.JSON.readTree(tmp.resolve("rt").resolve("results.json").toFile()).path("runs");
        assertThat(runs.size()).isEqualTo(o.results().size());
        for (int i = 0; i < runs.size(); i++) {
            StudyRun.Result a = o.results().get(i);
            StudyRun.Result b = StudyJson.readRun(runs.get(i));
            TinyStudies.assertSameNumbers(a, b);
            assertThat(b.lr()).isEqualTo(a.lr());
            assertThat(b.gateInit()).isEqualTo(a.gateInit());
            assertThat(b.firstBelowStep()).isEqualTo(a.firstBelowStep());
            assertThat(b.cpuSeconds()).isEqualTo(a.cpuSeconds());
            assertThat(b.meanConcurrentRuns()).isEqualTo(a.meanConcurrentRuns());
            assertThat(b.flopsPerStep()).isEqualTo(a.flopsPerStep());
            assertThat(b.gradTrained().lags()).isEqualTo(a.gradTrained().lags());
        }
    }
}
