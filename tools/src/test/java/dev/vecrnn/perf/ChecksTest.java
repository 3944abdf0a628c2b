package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tools' argument checks: each message names the setting, the rule and the value. */
class ChecksTest {
    @Test
    void countsAndLimits() {
        assertThat(Checks.positive("--reps", 1)).isEqualTo(1);
        assertThatThrownBy(() -> Checks.positive("--reps", 0)).hasMessage("--reps must be >= 1, got 0");
        assertThatThrownBy(() -> Checks.positive("--min", -5L)).hasMessage("--min must be >= 1, got -5");
        assertThat(Checks.nonNegative("--warmup-ms", 0L)).isZero();
        assertThatThrownBy(() -> Checks.nonNegative("--warmup-ms", -1L)).hasMessage("--warmup-ms must be >= 0, got -1");
    }

    @Test
    void durationsMustBeFinite() {
        assertThat(Checks.positive("--seconds", 0.5)).isEqualTo(0.5);
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Checks.positive("--seconds", bad)).hasMessage("--seconds must be > 0, got " + bad);
        }
        assertThat(Checks.nonNegative("--warmup-seconds", 0.0)).isZero();
        for (double bad : new double[] {-0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Checks.nonNegative("--warmup-seconds", bad))
                    .hasMessage("--warmup-seconds must be >= 0, got " + bad);
        }
        // a limit may be infinite: no limit
        assertThat(Checks.limit("--max-iqr", Double.POSITIVE_INFINITY)).isInfinite();
        assertThatThrownBy(() -> Checks.limit("--max-iqr", Double.NaN)).hasMessage("--max-iqr must be >= 0, got NaN");
        assertThatThrownBy(() -> Checks.limit("--max-iqr", -0.1)).hasMessage("--max-iqr must be >= 0, got -0.1");
    }

    @Test
    void vectorWidths() {
        for (int ok : new int[] {0, 128, 256, 512}) {
            assertThat(Checks.vectorBits("--vector-bits", ok)).isEqualTo(ok);
        }
        assertThatThrownBy(() -> Checks.vectorBits("--widths: each", 100))
                .hasMessage("--widths: each must be 0, 128, 256 or 512, got 100");
    }

    @Test
    void timingNamesEachBadOption() {
        assertThatThrownBy(() -> new Timing(-1, 3, 10, 1000, 2000, 3, 0.1, 0.15)).hasMessage("--warmup-ms must be >= 0, got -1");
        assertThatThrownBy(() -> new Timing(0, 3, 10, -1, 2000, 3, 0.1, 0.15)).hasMessage("--min-ms must be >= 0, got -1");
        assertThatThrownBy(() -> new Timing(0, 3, 10, 0, 5, 3, 0.1, 0.15)).hasMessage("--max-iters (5) must be >= --reps (10)");
        assertThatThrownBy(() -> new Timing(0, 3, 10, 0, 20, 3, -1, 0.15)).hasMessage("--max-foreign must be >= 0, got -1.0");
        assertThat(new Timing(0, 0, 1, 0, 1, 1, Double.POSITIVE_INFINITY, 0).maxForeign()).isInfinite();
    }

    @TempDir
    Path tmp;

    @Test
    void threadCountsStayWithinTheTeamsBound() {
        int max = ThreadTeam.maxThreads();
        assertThat(Checks.threads("--threads", max)).isEqualTo(max);
        assertThatThrownBy(() -> Checks.threads("--threads", 0)).hasMessage("--threads must be >= 1, got 0");
        assertThatThrownBy(() -> Checks.threads("--jobs", max + 1)).hasMessage("--jobs must be <= " + max + " ("
                + ThreadTeam.maxThreadsRule() + "), got " + (max + 1));
    }

    @Test
    void theOutputProbeLeavesAnExistingFileAndItsFolderAsTheyWere() throws IOException {
        Path file = Files.writeString(tmp.resolve("report.json"), "old");
        FileTime mtime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(file, mtime);
        assertThat(Checks.outputFile("--out", file, false)).isEqualTo(file);
        assertThat(Files.readString(file)).isEqualTo("old");
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(mtime);
        Path fresh = tmp.resolve("new.json");
        assertThat(Checks.outputFile("--out", fresh, false)).isEqualTo(fresh);
        assertThat(fresh).doesNotExist();
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("report.json");
        }
    }

    @Test
    void outputFilesNameWhatStandsInTheWay() throws IOException {
        Path dangling = Files.createSymbolicLink(tmp.resolve("link.json"), tmp.resolve("nowhere/x.json"));
        assertThatThrownBy(() -> Checks.outputFile("--out", dangling, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--out " + dangling + ": is a symbolic link to ").hasMessageContaining("does not exist");
        Path file = Files.writeString(tmp.resolve("f"), "x");
        // a writer that creates folders: the nearest existing one must be a folder
        assertThatThrownBy(() -> Checks.outputFile("--jfr", file.resolve("a/b.jfr"), true))
                .hasMessage("--jfr " + file.resolve("a/b.jfr") + ": cannot create the folder " + file.resolve("a") + ": "
                        + file + " is not a folder");
        Path deep = tmp.resolve("x/y/z.jfr");
        assertThat(Checks.outputFile("--jfr", deep, true)).isEqualTo(deep);
        assertThat(tmp.resolve("x")).doesNotExist();
        // a writer that does not: the folder must exist
        assertThatThrownBy(() -> Checks.outputFile("--out", deep, false))
                .hasMessage("--out " + deep + ": folder " + deep.getParent() + " does not exist");
    }

    @Test
    void outputFoldersAreCreatedAndTheirFilesChecked() throws IOException {
        Path dir = tmp.resolve("a/b");
        assertThat(Checks.outputFolder("--out", dir, "r.md", "r.json")).isEqualTo(dir);
        assertThat(dir).isDirectory().isEmptyDirectory();
        Files.createDirectory(dir.resolve("r.json"));
        assertThatThrownBy(() -> Checks.outputFolder("--out", dir, "r.md", "r.json"))
                .hasMessageStartingWith("--out " + dir.resolve("r.json") + ": is a directory, not a regular file");
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> Checks.outputFolder("--out", file))
                .hasMessage("--out " + file + ": is a file, not a folder; give a folder (it is created if missing)");
        assertThatThrownBy(() -> Checks.outputFolder("--out", file.resolve("sub")))
                .hasMessage("--out " + file.resolve("sub") + ": cannot create the folder: " + file + " is not a folder");
    }

    @Test
    void inputFilesMustBeReadableRegularFiles() throws IOException {
        Path file = Files.writeString(tmp.resolve("w.safetensors"), "x");
        assertThat(Checks.inputFile("--weights", file)).isEqualTo(file);
        assertThatThrownBy(() -> Checks.inputFile("--weights", tmp)).hasMessage("--weights " + tmp + ": is a directory, expected a file");
        assertThatThrownBy(() -> Checks.inputFile("--weights", tmp.resolve("no")))
                .hasMessage("--weights " + tmp.resolve("no") + ": no such file");
        assertThatThrownBy(() -> Checks.inputFile("--inputs", Path.of("/dev/null")))
                .hasMessage("--inputs /dev/null: is a special file (device, FIFO or socket), expected a regular file");
    }

    @Test
    void fileSystemReasonsKeepThePath() {
        assertThat(Checks.reason(new NoSuchFileException("a/b"))).isEqualTo("a/b: no such file or folder");
        assertThat(Checks.reason(new AccessDeniedException("a/b"))).isEqualTo("a/b: permission denied");
        assertThat(Checks.reason(new FileSystemException("a/b", null, "Is a directory"))).isEqualTo("a/b: Is a directory");
        assertThat(Checks.reason(new FileSystemException("a", "b", null))).isEqualTo("a -> b: FileSystemException");
        assertThat(Checks.reason(new IOException("w.safetensors: truncated"))).isEqualTo("w.safetensors: truncated");
        assertThat(Checks.reason(new IOException())).isEqualTo("IOException");
    }
}
