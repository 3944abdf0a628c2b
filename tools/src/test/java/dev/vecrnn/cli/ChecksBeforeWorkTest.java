package dev.vecrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.vecrnn.mem.ThreadTeam;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command checks its options, input files and output paths before it does any work: one
 * line naming the option, the path and the reason, exit code 2, no output file and nothing on
 * standard output (no progress, no report).
 */
class ChecksBeforeWorkTest {
    static Path fixtures;
    @TempDir
    Path tmp;

    @BeforeAll
    static void find() throws URISyntaxException {
        fixtures = Path.of(ChecksBeforeWorkTest.class.getResource("/fixtures/manifest.json").toURI()).getParent();
    }

    private static final String FIXTURE = "lstm_l1_t9b3i7h13";

    private static Path fx(String suffix) {
        return fixtures.resolve(FIXTURE + suffix);
    }

    /** Runs the command and checks the shape every failure here has: exit 2, one line, no report. */
    private static String fails(String... args) {
        CliRun r = CliRun.of(args);
        assertThat(r.code()).as("exit code of %s; stderr: %s", String.join(" ", args), r.err()).isEqualTo(2);
        assertThat(r.err()).as(String.join(" ", args)).doesNotContain("\n").doesNotContain("\tat ")
                .doesNotContain("Exception");
        assertThat(r.out()).as("stdout of %s", String.join(" ", args)).isEmpty();
        return r.err();
    }

    private String forward(Path weights, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("forward", "--cell", "lstm", "--weights", weights.toString(),
                "--inputs", fx(".inputs.safetensors").toString(), "--out", out.toString()));
        args.addAll(List.of(more));
        return fails(args.toArray(String[]::new));
    }

    @Test
    void threadCountsAboveTheMachineBoundAreRefusedByEveryCommand() {
        int max = ThreadTeam.maxThreads();
        String bound = "must be <= " + max + " (4 per available processor, " + Runtime.getRuntime().availableProcessors()
                + " here";
        Path out = tmp.resolve("o.safetensors");
        assertThat(forward(fx(".weights.safetensors"), out, "--threads", "10000"))
                .startsWith("vecrnn forward: --threads " + bound).endsWith("got 10000");
        assertThat(fails("backward", "--cell", "lstm", "--weights", fx(".weights.safetensors").toString(), "--inputs",
                fx(".inputs.safetensors").toString(), "--out", out.toString(), "--threads", Integer.toString(max + 1)))
                .startsWith("vecrnn backward: --threads " + bound);
        assertThat(out).doesNotExist();
        assertThat(fails("profile", "--threads", "10000")).startsWith("vecrnn profile: --threads " + bound);
        assertThat(fails("bench", "rnn", "--threads", "10000")).startsWith("vecrnn bench rnn: --threads " + bound);
        assertThat(fails("bench", "peak", "--threads-max", "10000", "--out", tmp.resolve("p.json").toString()))
                .startsWith("vecrnn bench peak: --threads-max " + bound);
        assertThat(fails("bench", "scaling", "--threads-max", "10000", "--out", tmp.resolve("s").toString()))
                .startsWith("vecrnn bench scaling: --threads-max " + bound);
        assertThat(fails("bench", "compare-pytorch", "--threads", "1,10000", "--torch-command", "/bin/false",
                "--out", tmp.resolve("c").toString())).startsWith("vecrnn bench compare-pytorch: --threads: each " + bound);
        assertThat(tmp.resolve("p.json")).doesNotExist();
        assertThat(tmp.resolve("s")).doesNotExist();
        assertThat(tmp.resolve("c")).doesNotExist();
    }

    @Test
    void theDefaultThreadCountPropertyIsCheckedToo() {
        String old = System.getProperty(ThreadTeam.THREADS_PROPERTY);
        System.setProperty(ThreadTeam.THREADS_PROPERTY, "100000");
        try {
            assertThat(forward(fx(".weights.safetensors"), tmp.resolve("o.safetensors")))
                    .startsWith("vecrnn forward: vecrnn.threads must be an integer from 1 to " + ThreadTeam.maxThreads())
                    .endsWith("got '100000'");
        } finally {
            if (old == null) {
                System.clearProperty(ThreadTeam.THREADS_PROPERTY);
            } else {
                System.setProperty(ThreadTeam.THREADS_PROPERTY, old);
            }
        }
    }

    @Test
    void outputPathsThatCannotBeWrittenAreRefusedBeforeTheInputsAreRead() throws IOException {
        // weights that fail to parse: had the command read them before checking --out, it would say so
        Path junk = tmp.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        Path dir = Files.createDirectory(tmp.resolve("a-folder"));
        assertThat(forward(junk, dir)).isEqualTo("vecrnn forward: --out " + dir
                + ": is a directory, not a regular file; refusing to replace it (choose a file path)");
        Path missing = tmp.resolve("no-such-folder/o.safetensors");
        assertThat(forward(junk, missing)).isEqualTo("vecrnn forward: --out " + missing + ": folder "
                + missing.getParent() + " does not exist");
        Path underFile = junk.resolve("o.safetensors");
        assertThat(forward(junk, underFile)).isEqualTo("vecrnn forward: --out " + underFile + ": " + junk
                + " is not a folder");
        assertThat(forward(junk, Path.of("/dev/null"))).isEqualTo("vecrnn forward: --out /dev/null: is a character "
                + "device, not a regular file; refusing to replace it (choose a file path)");
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("junk.safetensors", "a-folder");
        }
    }

    @Test
    void anUnwritableFolderIsNamedWithTheReason() throws IOException {
        Path locked = Files.createDirectory(tmp.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(locked), "permissions do not stop this user (root) from writing");
            Path out = locked.resolve("o.safetensors");
            assertThat(forward(fx(".weights.safetensors"), out)).isEqualTo("vecrnn forward: --out " + out
                    + ": cannot create a temporary file in " + locked + ": permission denied");
            assertThat(fails("bench", "scaling", "--out", locked.resolve("sub").toString()))
                    .isEqualTo("vecrnn bench scaling: --out " + locked.resolve("sub") + ": cannot create the folder: "
                            + "permission denied in " + locked);
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void inputFilesThatCannotBeReadAreNamedWithTheReason() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("weights-folder"));
        Path out = tmp.resolve("o.safetensors");
        assertThat(forward(dir, out)).isEqualTo("vecrnn forward: --weights " + dir + ": is a directory, expected a file");
        Path missing = tmp.resolve("missing.safetensors");
        assertThat(forward(missing, out)).isEqualTo("vecrnn forward: --weights " + missing + ": no such file");
        assertThat(fails("backward", "--cell", "lstm", "--weights", fx(".weights.safetensors").toString(), "--inputs",
                "/dev/null", "--out", out.toString()))
                .isEqualTo("vecrnn backward: --inputs /dev/null: is a special file (device, FIFO or socket), expected a "
                        + "regular file");
        assertThat(out).doesNotExist();
    }

    @Test
    void reportPathsOfTheMeasuringCommandsAreCheckedBeforeMeasuring() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "keep");
        // profile: its .jfr below a regular file; nothing printed, no peak measured
        assertThat(fails("profile", "--T", "2", "--B", "1", "--I", "3", "--H", "4", "--jfr", file.resolve("p.jfr").toString()))
                .isEqualTo("vecrnn profile: --jfr " + file.resolve("p.jfr") + ": cannot create the folder " + file
                        + ": " + file + " is not a folder");
        // bench peak: the JSON file is a folder
        Path dir = Files.createDirectory(tmp.resolve("peak.json"));
        assertThat(fails("bench", "peak", "--threads-max", "1", "--out", dir.toString()))
                .startsWith("vecrnn bench peak: --out " + dir + ": is a directory");
        // bench scaling: the folder is a file; or one of its files is a folder
        assertThat(fails("bench", "scaling", "--shape", "2x1x2x2", "--threads-max", "1", "--out", file.toString()))
                .isEqualTo("vecrnn bench scaling: --out " + file + ": is a file, not a folder; give a folder (it is "
                        + "created if missing)");
        Path sweep = Files.createDirectories(tmp.resolve("sweep/scaling.json"));
        assertThat(fails("bench", "scaling", "--shape", "2x1x2x2", "--threads-max", "1", "--out", sweep.getParent().toString()))
                .startsWith("vecrnn bench scaling: --out " + sweep + ": is a directory");
        // compare-pytorch: the folder is a file (the timer, /bin/false, would fail at once if it ran)
        assertThat(fails("bench", "compare-pytorch", "--quick", "--shapes", "2x1x2x2", "--torch-command", "/bin/false",
                "--out", file.toString())).startsWith("vecrnn bench compare-pytorch: --out " + file + ": is a file");
        assertThat(Files.readString(file)).isEqualTo("keep");
        try (Stream<Path> files = Files.list(tmp.resolve("sweep"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("scaling.json");
        }
    }
}
