package dev.vecrnn.perf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vecrnn.io.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** How the tools write their reports, and the small formatting rules every report shares. */
public final class Reports {
    private Reports() {}

    /** Reads and writes the reports' JSON (indented, as every report file is written). */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Replaces (or creates) {@code file}, and any missing folders above it, with what
     * {@code writer} writes to a temporary path: the one way the tools write a file. It is the
     * library's atomic write ({@link AtomicFiles#writeVia}: temporary file beside the target,
     * forced to disk, renamed over it; never replaces a directory or special file; temporary files
     * of crashed runs cleaned), plus the folders a report path may not have yet.
     *
     * @throws IOException naming the target if it is not a regular file or cannot be written
     */
    public static void write(Path file, AtomicFiles.PathWriter writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        AtomicFiles.writeVia(file, writer);
    }

    /** {@link #write(Path, AtomicFiles.PathWriter)} of {@code content}. */
    public static void write(Path file, byte[] content) throws IOException {
        write(file, tmp -> Files.write(tmp, content));
    }

    /** {@link #write(Path, AtomicFiles.PathWriter)} of {@code text} in UTF-8. */
    public static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #write(Path, AtomicFiles.PathWriter)} of {@code value} as indented JSON. */
    public static void writeJson(Path file, Object value) throws IOException {
        write(file, JSON.writeValueAsBytes(value));
    }

    /** {@link #write(Path, AtomicFiles.PathWriter)} of {@code chart} as a PNG image. */
    public static void writePng(Path file, Chart<?, ?> chart) throws IOException {
        write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }

    /** {@link #write(Path, AtomicFiles.PathWriter)} of {@code charts} as one PNG image, a grid of {@code rows} × {@code cols}. */
    public static void writePng(Path file, List<? extends Chart<?, ?>> charts, int rows, int cols) throws IOException {
        write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(charts, rows, cols, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }

    /**
     * A measured quantity (milliseconds, GFLOP/s, ratios, seconds): three significant-ish digits,
     * 1234.5, 12.35, 0.1235, and scientific notation from a million up and below 0.001, where a
     * fixed-point form would run to many digits or show nothing (7.40e+14, 3.00e-07); NaN is
     * empty.
     */
    public static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(v);
        if (a != 0 && (a >= 1e6 || a < 1e-3)) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
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
