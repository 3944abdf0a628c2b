package dev.vecrnn.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --out} is checked before any training, with a message that names the path and the reason. */
class StudyFolderTest {
    @TempDir
    Path tmp;

    private void refusedBeforeTraining(Path out, String... expected) {
        AtomicInteger runs = new AtomicInteger();
        StudyConfig config = TinyStudies.options(out, 1, 2000).toConfig();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> TinyStudies.run(config, false, (r, f, p) -> runs.incrementAndGet()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--out " + out)
                .hasMessageContainingAll(expected);
        assertThat(runs).hasValue(0);
        // eight runs of 2000 steps would take many seconds; a check takes milliseconds
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
    }

    @Test
    void aFileIsNotAFolder() throws Exception {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
        refusedBeforeTraining(file, "a file, not a folder");
        assertThat(Files.readString(file)).isEqualTo("mine");
    }

    @Test
    void aFolderUnderAFileCannotBeCreated() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        refusedBeforeTraining(file.resolve("report"), "cannot create the folder", file.toString());
    }

    @Test
    void aResultsFileThatIsAFolderIsRefused() throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out.resolve("results.json"));
        refusedBeforeTraining(out, "results.json is a folder");
    }

    @Test
    void anUnwritableFolderIsRefused() throws Exception {
        // root writes anywhere: the permission check only means something for other users
        assumeThat(System.getProperty("user.name")).isNotEqualTo("root");
        Path out = Files.createDirectories(tmp.resolve("locked"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            refusedBeforeTraining(out, "not writable");
        } finally {
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aMissingFolderIsCreated() {
        Path out = tmp.resolve("a").resolve("b");
        StudyFolder f = StudyFolder.prepare(out);
        assertThat(Files.isDirectory(out)).isTrue();
        assertThat(f.results()).isEqualTo(out.toAbsolutePath().resolve("results.json"));
    }
}
