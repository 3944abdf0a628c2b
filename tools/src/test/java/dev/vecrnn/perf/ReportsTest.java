package dev.vecrnn.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The one way the tools write a file: whole or not at all, never over a directory, no temporary files left. */
class ReportsTest {
    @TempDir
    Path tmp;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesCreatesFoldersAndReplaces() throws Exception {
        Path file = tmp.resolve("a/b/report.md");
        Reports.write(file, "first");
        assertThat(Files.readString(file)).isEqualTo("first");
        Reports.write(file, "second, longer than the first");
        assertThat(Files.readString(file)).isEqualTo("second, longer than the first");
        Reports.writeJson(tmp.resolve("r.json"), Map.of("k", 1));
        assertThat(Files.readString(tmp.resolve("r.json"))).isEqualToIgnoringWhitespace("{\"k\" : 1}");
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("report.md");
        }
    }

    /** An API that writes to a path (as a JFR dump does) may overwrite the temporary file it is given. */
    @Test
    void aPathWriterOverwritesTheTemporaryFile() throws Exception {
        Path file = tmp.resolve("run.jfr");
        Reports.write(file, p -> Files.write(p, new byte[] {1, 2, 3}));
        assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
        assertThat(names()).containsExactly("run.jfr");
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Path file = tmp.resolve("keep.md");
        Reports.write(file, "old");
        assertThatThrownBy(() -> Reports.write(file, p -> {
            Files.writeString(p, "half");
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("disk full");
        assertThatThrownBy(() -> Reports.write(file, p -> {
            throw new IllegalStateException("bug");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readString(file)).isEqualTo("old");
        assertThat(names()).containsExactly("keep.md");
    }

    @Test
    void aDirectoryIsNeverReplaced() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("out.md"));
        Files.writeString(dir.resolve("inside"), "kept");
        assertThatThrownBy(() -> Reports.write(dir, "text")).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("not a regular file");
        assertThat(Files.readString(dir.resolve("inside"))).isEqualTo("kept");
        assertThat(names()).containsExactly("out.md");
    }

    @Test
    void chartsArePngFiles() throws Exception {
        Reports.headless();
        XYChart chart = new XYChartBuilder().width(120).height(80).title("t").build();
        chart.addSeries("s", new double[] {1, 2}, new double[] {3, 4});
        Path one = tmp.resolve("one.png");
        Path grid = tmp.resolve("grid.png");
        Reports.writePng(one, chart);
        Reports.writePng(grid, List.of(chart, chart), 1, 2);
        for (Path p : List.of(one, grid)) {
            byte[] b = Files.readAllBytes(p);
            assertThat(new String(b, 1, 3, StandardCharsets.US_ASCII)).as(p.toString()).isEqualTo("PNG");
        }
        assertThat(names()).containsExactly("grid.png", "one.png");
    }

    @Test
    void numbersHaveThreeSignificantishDigits() {
        assertThat(Reports.fmt(1234.56)).isEqualTo("1234.6");
        assertThat(Reports.fmt(12.345)).isEqualTo("12.35");
        assertThat(Reports.fmt(0.12345)).isEqualTo("0.1235");
        assertThat(Reports.fmt(Double.NaN)).isEmpty();
        assertThat(Reports.fmt(741932885166824.6)).isEqualTo("7.42e+14");
        assertThat(Reports.fmt(999_999.0)).isEqualTo("999999.0");
        assertThat(Reports.fmt(3e-7)).isEqualTo("3.00e-07");
        assertThat(Reports.fmt(0)).isEqualTo("0.0000");
        assertThat(Reports.fmt(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
    }
}
