package dev.vecrnn.perf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** How the tools write their reports, and the small formatting rules every report shares. */
public final class Reports {
    private Reports() {}

    /** Reads and writes the reports' JSON (indented, as every report file is written). */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes the whole content of a file to a path, for APIs that only write to paths (a JFR dump, a chart). */
    @FunctionalInterface
    public interface PathWriter {
        /** Writes the content to {@code temporaryFile}, an existing empty regular file that may be overwritten. */
        void writeTo(Path temporaryFile) throws IOException;
    }

    /**
     * Replaces (or creates) {@code file}, and any missing folders above it, with what
     * {@code writer} writes: the one way the tools write a file. The content goes to a temporary
     * file beside the target, is forced to disk and renamed over the target in one step, so a
     * reader or a crash sees the old file or the complete new one, never a half-written one. A
     * directory, device or other non-regular file at the target is never replaced. On any failure
     * the temporary file is deleted and the target is left as it was.
     *
     * @throws IOException naming the target if it is not a regular file or cannot be written
     */
    public static void write(Path file, PathWriter writer) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || target.getFileName() == null) {
            throw new IOException(file + ": not a file path");
        }
        Files.createDirectories(dir);
        refuseNonRegular(file, target);
        String name = target.getFileName().toString();
        Path tmp = dir.resolve("." + (name.length() > 100 ? name.substring(0, 100) : name) + "."
                + ProcessHandle.current().pid() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
        Files.createFile(tmp);
        try {
            writer.writeTo(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                // without this a crash soon after the rename can leave the name on a file whose data never reached the disk
                ch.force(true);
            }
            refuseNonRegular(file, target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true); // makes the rename itself durable where a folder can be opened (Linux, macOS)
        } catch (IOException | RuntimeException e) {
            // not supported on this platform; the file's content is on disk already
        }
    }

    private static void refuseNonRegular(Path file, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target)) {
            throw new IOException(file + ": not a regular file (" + (Files.isDirectory(target) ? "a directory" : "a special file")
                    + "); refusing to replace it");
        }
    }

    /** {@link #write(Path, PathWriter)} of {@code content}. */
    public static void write(Path file, byte[] content) throws IOException {
        write(file, tmp -> Files.write(tmp, content));
    }

    /** {@link #write(Path, PathWriter)} of {@code text} in UTF-8. */
    public static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #write(Path, PathWriter)} of {@code value} as indented JSON. */
    public static void writeJson(Path file, Object value) throws IOException {
        write(file, JSON.writeValueAsBytes(value));
    }

    /** {@link #write(Path, PathWriter)} of {@code chart} as a PNG image. */
    public static void writePng(Path file, Chart<?, ?> chart) throws IOException {
        write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }

    /** {@link #write(Path, PathWriter)} of {@code charts} as one PNG image, a grid of {@code rows} × {@code cols}. */
    public static void writePng(Path file, List<? extends Chart<?, ?>> charts, int rows, int cols) throws IOException {
        write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(charts, rows, cols, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }

    /** Three significant-ish digits: 1234.5, 12.35, 0.1235; NaN is empty. */
    public static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.4f", v);
    }

    /** The machine facts a report starts with, as a Markdown list. */
    public static String machineMarkdown(Map<String, String> info) {
        StringBuilder sb = new StringBuilder();
        for (String k : new String[] {"cpu", "cpu.flags", "processors", "jdk", "vector.preferred",
            "vector.intrinsified", "jvm.flags"}) {
            if (info.containsKey(k)) {
                sb.append("- ").append(k).append(": ").append(info.get(k)).append('\n');
            }
        }
        return sb.toString();
    }

    /** Makes AWT render charts without a display; must run before any AWT class loads. */
    public static void headless() {
        System.setProperty("java.awt.headless", "true");
    }
}
