package dev.vecrnn.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Where benchmark commands write by default: {@code target/bench} of the project the code runs from. */
final class BenchPaths {
    private BenchPaths() {}

    /**
     * The build's {@code target} folder: the folder holding {@code vecrnn.jar} or {@code classes}
     * (so output lands in the project however the launcher was called), else {@code ./target}.
     */
    static Path targetDir() {
        try {
            var src = BenchPaths.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                Path parent = Path.of(src.getLocation().toURI()).toAbsolutePath().getParent();
                if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("target")) {
                    return parent;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through: not loaded from a file we can place
        }
        return Path.of("target").toAbsolutePath();
    }

    /** {@code target/bench}. */
    static Path benchDir() {
        return targetDir().resolve("bench");
    }

    /** The project root (the parent of {@code target}). */
    static Path projectRoot() {
        Path p = targetDir().getParent();
        return p != null ? p : Path.of("").toAbsolutePath();
    }

    /** The default peak file written by {@code bench peak} and read by the JMH summary. */
    static Path peakFile() {
        return benchDir().resolve("peak.json");
    }

    /** A UTC timestamp usable as a folder name, e.g. {@code 20250101T120000Z}. */
    static String stamp() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
    }
}
