package dev.vecrnn.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vecrnn.perf.Reports;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The output folder of a study: checked before any training (so a bad {@code --out} costs
 * seconds, not the study), and the earlier runs a {@code --resume} continues from.
 */
public final class StudyFolder {
    /** The results file inside the folder. */
    public static final String RESULTS = "results.json";

    private final Path dir;

    private StudyFolder(Path dir) {
        this.dir = dir;
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** {@code results.json} in the folder. */
    public Path results() {
        return dir.resolve(RESULTS);
    }

    /**
     * Makes sure {@code dir} is a folder this process can write into, creating it (and its
     * parents) if missing, by writing and deleting a small probe file.
     *
     * @throws IllegalArgumentException naming {@code --out}, the path and what is wrong with it
     */
    public static StudyFolder prepare(Path dir) {
        Path abs = dir.toAbsolutePath();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new IllegalArgumentException("--out " + dir + ": " + kind(abs) + ", not a folder; give a folder "
                    + "(it is created if missing)");
        }
        try {
            Files.createDirectories(abs);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the folder: " + e.getFile()
                    + " exists and is not a folder");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the folder: permission denied for "
                    + e.getFile());
        } catch (FileSystemException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the folder: " + reason(e));
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the folder: " + e.getMessage());
        }
        Path results = abs.resolve(RESULTS);
        if (Files.exists(results, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(results, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("--out " + dir + ": " + results + " is " + kind(results)
                    + ", not a results file; move it away or choose another folder");
        }
        try {
            Path probe = Files.createTempFile(abs, ".vecrnn-compare-", ".probe");
            Files.delete(probe);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("--out " + dir + ": the folder is not writable (permission denied)");
        } catch (FileSystemException e) {
            throw new IllegalArgumentException("--out " + dir + ": the folder is not writable: " + reason(e));
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": the folder is not writable: " + e.getMessage());
        }
        return new StudyFolder(abs);
    }

    /** What a results file in the folder holds, if any. */
    public record Earlier(boolean exists, boolean complete, int planned, List<StudyRun.Result> runs,
                          JsonNode config) {
        static final Earlier NONE = new Earlier(false, false, 0, List.of(), null);
    }

    /**
     * Reads {@code results.json} if there is one.
     *
     * @throws IllegalArgumentException if it cannot be read as a study's results
     */
    public Earlier earlier() {
        Path f = results();
        if (!Files.exists(f)) {
            return Earlier.NONE;
        }
        JsonNode j;
        try {
            j = Reports.JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(f + " is not a readable results file: " + e.getMessage());
        }
        if (j == null || !j.isObject() || j.path("version").asInt() != StudyJson.VERSION || !j.path("runs").isArray()) {
            throw new IllegalArgumentException(f + " was not written by this version of vecrnn compare (expected "
                    + "\"version\": " + StudyJson.VERSION + " and a \"runs\" list)");
        }
        List<StudyRun.Result> runs = new ArrayList<>();
        int i = 0;
        for (JsonNode r : j.get("runs")) {
            try {
                runs.add(StudyJson.readRun(r));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f + ": runs[" + i + "]: " + e.getMessage());
            }
            i++;
        }
        return new Earlier(true, j.path("complete").asBoolean(false), j.path("runs_planned").asInt(), runs,
                j.get("config"));
    }

    /** Writes {@code results.json} atomically (readers never see half a file). */
    public void writeResults(Map<String, Object> json) throws IOException {
        Reports.writeJson(results(), json);
    }

    private static String kind(Path p) {
        if (Files.isSymbolicLink(p)) {
            return "a symbolic link";
        }
        if (Files.isDirectory(p)) {
            return "a folder";
        }
        if (Files.isRegularFile(p)) {
            return "a file";
        }
        return "a special file (device, FIFO or socket)";
    }

    private static String reason(FileSystemException e) {
        String r = e.getReason();
        return (e.getFile() != null ? e.getFile() + ": " : "") + (r != null ? r : e.getClass().getSimpleName());
    }
}
