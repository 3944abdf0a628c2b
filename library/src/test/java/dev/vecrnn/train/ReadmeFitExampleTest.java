package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vecrnn.io.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use it from Maven" example, kept honest: README.md shows, line for line (after
 * removing the common indentation), the code between the markers of {@link ReadmeFitExample},
 * which is also the code of the separate Maven project in {@code examples/}; and that code,
 * compiled with the tests, runs here in a JVM of its own and beats "repeat the last value". The
 * README's PyTorch lines are likewise those of {@code examples/pytorch/check_sine.py}, which
 * {@code scripts/example} runs.
 */
class ReadmeFitExampleTest {
    // Surefire runs in the library module: the project is one folder up
    private static final Path ROOT = Path.of("..");

    @TempDir
    Path dir;

    /** The lines between two marker lines, without code fences, with their common indentation removed. */
    static List<String> block(Path file, String start, String end) throws IOException {
        List<String> lines = Files.readAllLines(file);
        int s = -1;
        int e = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(start) && s < 0) {
                s = i;
            } else if (lines.get(i).strip().equals(end) && s >= 0) {
                e = i;
                break;
            }
        }
        assertThat(s).as("%s in %s", start, file).isNotNegative();
        assertThat(e).as("%s in %s", end, file).isGreaterThan(s);
        List<String> body = lines.subList(s + 1, e).stream().filter(l -> !l.startsWith("```")).toList();
        int indent = body.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        List<String> out = new ArrayList<>();
        for (String l : body) {
            out.add(l.isBlank() ? "" : l.substring(indent));
        }
        return out;
    }

    @Test
    void readmeShowsTheCodeThatRunsHereAndInTheExamplesProject() throws IOException {
        List<String> here = block(Path.of("src/test/java/dev/vecrnn/train/ReadmeFitExample.java"),
                "// example:start", "// example:end");
        assertThat(here.size()).as("lines of the example").isLessThanOrEqualTo(30);
        assertThat(block(ROOT.resolve("README.md"), "<!-- fit-example:start -->", "<!-- fit-example:end -->"))
                .isEqualTo(here);
        assertThat(block(ROOT.resolve("examples/src/main/java/dev/vecrnn/examples/Sine.java"),
                "// example:start", "// example:end")).isEqualTo(here);
        List<String> python = block(ROOT.resolve("examples/pytorch/check_sine.py"), "# example:start", "# example:end");
        assertThat(block(ROOT.resolve("README.md"), "<!-- pytorch-example:start -->", "<!-- pytorch-example:end -->"))
                .isEqualTo(python);
        assertThat(here.size() + python.size()).as("Java and Python lines together").isLessThanOrEqualTo(40);
    }

    /**
     * Repeating the last value scores
     * {@code 2·0.1² + (1 - cos 0.3) ≈ 0.065} in expectation; the noise on the target alone costs
     * {@code 0.1² = 0.01} (more with the noise on the inputs). Measured: early stopping ends the run
     * at epoch 51 (best epoch 41), test MSE 0.0170 against 0.0667 for repeating the last value.
     */
    @Test
    void theExampleTrainsBeatsRepeatingTheLastValueAndSaves() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), ReadmeFitExample.class.getName()))
                .directory(dir.toFile());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("stdout: %s%nstderr: %s", out, err).isZero();
        assertThat(out).contains("epoch 1/100: loss ");
        Matcher m = Pattern.compile("test MSE (\\S+), repeating the last value (\\S+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        double mse = Double.parseDouble(m.group(1));
        double repeat = Double.parseDouble(m.group(2));
        assertThat(repeat).isBetween(0.05, 0.08);
        assertThat(mse).isBetween(0.009, repeat / 3);
        assertThat(out).contains("reloaded predictions identical: true");
        Map<String, String> meta = SafeTensors.readMetadata(dir.resolve("sine.safetensors"));
        assertThat(meta).containsEntry("cell", "lstm").containsEntry("hidden_size", "32");
        assertThat(SafeTensors.read(dir.resolve("sine.safetensors")).keySet()).containsExactly(
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "head.weight", "head.bias");
    }
}
