package dev.vecrnn.perf;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Where benchmark commands write by default: {@code target/bench} of the checkout the code runs from. */
public final class BenchPaths {
    private BenchPaths() {}

    /**
     * The project's top-level {@code target} folder (beside {@code scripts/}), so output lands in
     * the project however the launcher was called; {@code ./target} when the code does not run
     * from a checkout.
     */
    public static Path targetDir() {
        return projectRoot().resolve("target");
    }

    /** {@code target/bench}. */
    public static Path benchDir() {
        return targetDir().resolve("bench");
    }

    /**
     * The checkout the code runs from: the nearest folder above the jar or classes folder that
     * holds {@code scripts/vecrnn}; else the working directory.
     */
    public static Path projectRoot() {
        try {
            var src = BenchPaths.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                for (Path p = Path.of(src.getLocation().toURI()).toAbsolutePath(); p != null; p = p.getParent()) {
                    if (Files.isRegularFile(p.resolve("scripts").resolve("vecrnn"))) {
                        return p;
                    }
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through: not loaded from a file we can place
        }
        return Path.of("").toAbsolutePath();
    }

    /** The default peak file written by {@code bench peak} and read by the JMH summary. */
    public static Path peakFile() {
        return benchDir().resolve("peak.json");
    }

    /** A UTC timestamp usable as a folder name, e.g. {@code 20250101T120000Z}. */
    public static String stamp() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
    }
}
