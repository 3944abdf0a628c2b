package dev.vecrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vecrnn profile} from the command line: argument errors, the printed report and the .jfr
 * file (the breakdown itself is checked in {@code ProfilerTest}).
 */
class ProfileCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void badOptionsExitTwoNamingTheOption() {
        record Case(String expected, String... args) {}
        List<Case> cases = List.of(
                new Case("--T must be >= 1, got 0", "profile", "--T", "0"),
                new Case("--H must be >= 1, got -3", "profile", "--H", "-3"),
                new Case("--layers must be >= 1, got 0", "profile", "--layers", "0"),
                new Case("--threads must be >= 1, got 0", "profile", "--threads", "0"),
                new Case("--seconds must be > 0, got 0.0", "profile", "--seconds", "0"),
                new Case("--warmup-seconds must be >= 0, got -1.0", "profile", "--warmup-seconds", "-1"),
                new Case("--peak-gflops must be > 0, got -5.0", "profile", "--peak-gflops", "-5"),
                new Case("--warmup-steps must be >= 0, got -1", "profile", "--warmup-steps", "-1"),
                new Case("unknown cell type 'lstn'", "profile", "--cell", "lstn"));
        for (Case c : cases) {
            CliRun r = run(c.args());
            assertThat(r.code()).as(String.join(" ", c.args())).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", c.args())).contains("vecrnn profile: ").contains(c.expected());
            assertThat(r.out()).isEmpty();
        }
        CliRun dir = run("profile", "--jfr", tmp.toString());
        assertThat(dir.code()).isEqualTo(2);
        assertThat(dir.err()).contains("--jfr must name a file");
        CliRun typo = run("profile", "--T", "five");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("--T").contains("five");
    }

    @Test
    void commandPrintsTheTableAndWritesAParseableJfr() throws Exception {
        Path jfr = tmp.resolve("sub/out.jfr");
        CliRun r = run("profile", "--cell", "gru", "--T", "4", "--B", "2", "--I", "5", "--H", "9", "--train", "--threads", "1",
                "--seconds", "0.05", "--warmup-seconds", "0", "--peak-gflops", "50", "--jfr", jfr.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("# vecrnn profile: gru, T=4 B=2 I=5 H=9, 1 layer, training step")
                .contains("- cpu: ").contains("- FMA peak: 50.00 GFLOP/s (given by --peak-gflops)")
                .contains("| phase | calls | ms total | ms/step | share % | GFLOP/s | % peak |")
                .contains("| input projection |").contains("| optimizer step |").contains("| other (outside the timed phases) |")
                .contains("allocated per step: ").contains("wrote " + jfr);
        assertThat(jfr).isRegularFile();
        try (Stream<Path> files = Files.list(jfr.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("out.jfr");
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        List<String> names = events.stream().map(e -> e.getEventType().getName()).filter(n -> n.startsWith("vecrnn.")).distinct().toList();
        assertThat(names).contains("vecrnn.InputProjection", "vecrnn.RecurrentGemm", "vecrnn.GatePointwise",
                "vecrnn.BackwardPointwise", "vecrnn.WeightGradientGemm", "vecrnn.OptimizerStep", "vecrnn.Pass");
        RecordedEvent proj = events.stream().filter(e -> e.getEventType().getName().equals("vecrnn.InputProjection")).findFirst().orElseThrow();
        assertThat(proj.getString("cell")).isEqualTo("gru");
        assertThat(proj.getLong("flops")).isEqualTo(2L * 4 * 2 * 3 * 9 * 5);
    }
}
