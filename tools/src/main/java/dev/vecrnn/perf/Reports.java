package dev.vecrnn.perf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;

/** Small helpers the benchmark commands share for writing their reports. */
public final class Reports {
    private Reports() {}

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes through a temporary file in the same folder and an atomic rename: never a half-written report. */
    public static void write(Path file, byte[] content) throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(tmp, content);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeJson(Path file, Object value) throws IOException {
        write(file, JSON.writeValueAsBytes(value));
    }

    /** Three significant-ish digits: 1234.5, 12.35, 0.1235. */
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
