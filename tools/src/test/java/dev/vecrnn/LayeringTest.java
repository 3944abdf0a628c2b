package dev.vecrnn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layering of the design ("Layers of the code", arrows point only downwards): no
 * class of the artifacts' {@code src/main/java} (the library's, the tools' and the Spark
 * module's) refers to a package above its own, {@code cli} and {@code spark} sit side by side at
 * the top and never refer to each other, and the JMH module uses the library and {@code perf},
 * never {@code cli} or {@code study}. Read from the sources, so a
 * cycle (such as the one {@code train <-> tasks} once had) fails here with the file, line and
 * offending reference, and a new package must be placed in {@link #LAYERS} before it builds.
 */
class LayeringTest {
    /**
     * Top to bottom, as in the design document; a package may use only those after it, except
     * that {@link #BESIDE} pairs share a level. The Spark module's {@code spark} sits at the top
     * beside {@code cli} (it trains through the library and runs the study's sweeps through
     * {@code study} and {@code perf}); the tools artifact's packages ({@code cli}, {@code study},
     * {@code perf}) sit above every package of the library, so the library can never need the
     * tools or Spark. The profiling probes and JFR events ({@code profile}) sit at the bottom:
     * the layers and the optimizer call them, and they use no other package of ours.
     */
    static final List<String> LAYERS = List.of("cli", "spark", "study", "perf", "tasks", "train", "nn", "io", "kernel",
            "mem", "profile");

    /** Packages on one level: neither may refer to the other (the command line and Spark know nothing of each other). */
    static final List<List<String>> BESIDE = List.of(List.of("cli", "spark"));

    /** The packages of the tools artifact. */
    static final List<String> TOOLS_PACKAGES = List.of("cli", "study", "perf");
    /** The packages of the Spark module; every package of {@link #LAYERS} in neither list is the library's. */
    static final List<String> SPARK_PACKAGES = List.of("spark");

    private static final Path TOOLS = Path.of(System.getProperty("basedir", "."));
    private static final Path TOOLS_ROOT = TOOLS.resolve("src/main/java/dev/vecrnn");
    private static final Path SPARK_ROOT = TOOLS.resolveSibling("spark").resolve("src/main/java/dev/vecrnn");
    /** The source roots of the three artifacts; the test runs in the tools module, beside the others. */
    private static final List<Path> SOURCE_ROOTS = List.of(TOOLS_ROOT,
            TOOLS.resolveSibling("library").resolve("src/main/java/dev/vecrnn"), SPARK_ROOT);
    /** A reference to a class of one of our packages: an import or a qualified name in code. */
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.vecrnn\\.([a-z]+)\\.[A-Za-z*]");

    @Test
    void everyPackageIsInTheLayeringAndInItsArtifact() throws IOException {
        for (Path root : SOURCE_ROOTS) {
            boolean tools = root.equals(TOOLS_ROOT);
            boolean spark = root.equals(SPARK_ROOT);
            try (Stream<Path> dirs = Files.list(root)) {
                List<String> packages = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
                assertThat(packages).as("packages under %s", root).isNotEmpty();
                assertThat(LAYERS).as("the layering must place every package").containsAll(packages);
                for (String pkg : packages) {
                    assertThat(TOOLS_PACKAGES.contains(pkg)).as("package %s lives in %s", pkg, root).isEqualTo(tools);
                    assertThat(SPARK_PACKAGES.contains(pkg)).as("package %s lives in %s", pkg, root).isEqualTo(spark);
                }
            }
        }
    }

    @Test
    void noPackageRefersToAHigherOne() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (Path root : SOURCE_ROOTS) {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path file : all.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Path rel = root.relativize(file);
                    if (rel.getNameCount() < 2) {
                        continue;
                    }
                    files++;
                    violations.addAll(upwardReferences(rel.getName(0).toString(), rel.toString(), Files.readAllLines(file)));
                }
            }
        }
        assertThat(files).as("source files read under %s", SOURCE_ROOTS).isGreaterThan(50);
        assertThat(violations).as("references to a higher layer (order %s)", LAYERS).isEmpty();
    }

    /** The lines of one file of package {@code pkg} that refer to a package above it or beside it. */
    static List<String> upwardReferences(String pkg, String file, List<String> lines) {
        int own = LAYERS.indexOf(pkg);
        List<String> out = new ArrayList<>();
        for (Reference r : references(lines)) {
            int layer = LAYERS.indexOf(r.target());
            boolean beside = !pkg.equals(r.target())
                    && BESIDE.stream().anyMatch(level -> level.contains(pkg) && level.contains(r.target()));
            if (own < 0 || layer < 0 || layer < own || beside) {
                out.add(file + ":" + r.line() + " (" + pkg + ") refers to " + r.target() + ": " + r.code());
            }
        }
        return out;
    }

    /** A reference in code (comments dropped) to package {@code target} of ours, on 1-based {@code line}. */
    record Reference(int line, String target, String code) {}

    /** Every reference to one of our packages in the code of {@code lines}. */
    static List<Reference> references(List<String> lines) {
        List<Reference> out = new ArrayList<>();
        boolean inComment = false;
        for (int i = 0; i < lines.size(); i++) {
            String code = lines.get(i);
            // Drop comments: a Javadoc link is no dependency. Strings are not parsed; none of ours
            // spells a package name followed by a class.
            StringBuilder kept = new StringBuilder();
            int at = 0;
            while (at < code.length()) {
                if (inComment) {
                    int end = code.indexOf("*/", at);
                    if (end < 0) {
                        at = code.length();
                    } else {
                        inComment = false;
                        at = end + 2;
                    }
                } else {
                    int block = code.indexOf("/*", at);
                    int line = code.indexOf("//", at);
                    if (line >= 0 && (block < 0 || line < block)) {
                        kept.append(code, at, line);
                        at = code.length();
                    } else if (block >= 0) {
                        kept.append(code, at, block);
                        inComment = true;
                        at = block + 2;
                    } else {
                        kept.append(code, at, code.length());
                        at = code.length();
                    }
                }
            }
            Matcher m = REFERENCE.matcher(kept);
            while (m.find()) {
                out.add(new Reference(i + 1, m.group(1), code.strip()));
            }
        }
        return out;
    }

    /**
     * The JMH module builds on the library and {@code perf} only: its sources (benchmarks,
     * summary and their tests) never refer to the command line, the study or Spark.
     */
    @Test
    void benchmarksNeverReferToTheCommandLineOrTheStudy() throws IOException {
        Path jmh = TOOLS.resolveSibling("jmh").resolve("src");
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> all = Files.walk(jmh)) {
            for (Path file : all.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                violations.addAll(benchmarkViolations(jmh.relativize(file).toString(), Files.readAllLines(file)));
            }
        }
        assertThat(files).as("source files read under %s", jmh).isGreaterThan(5);
        assertThat(violations).as("benchmark references to %s", NOT_FOR_BENCHMARKS).isEmpty();
    }

    /** The packages the JMH module must not use. */
    static final List<String> NOT_FOR_BENCHMARKS = List.of("cli", "study", "spark");

    /** The lines of one JMH source file that refer to {@link #NOT_FOR_BENCHMARKS}. */
    static List<String> benchmarkViolations(String file, List<String> lines) {
        List<String> out = new ArrayList<>();
        for (Reference r : references(lines)) {
            if (NOT_FOR_BENCHMARKS.contains(r.target())) {
                out.add(file + ":" + r.line() + " refers to " + r.target() + ": " + r.code());
            }
        }
        return out;
    }

    /** The checker itself must be able to fail: a made-up upward import and a downward one. */
    @Test
    void theCheckFindsAnUpwardReferenceAndAllowsADownwardOne() {
        List<String> src = List.of(
                "package dev.vecrnn.train;",
                "import dev.vecrnn.nn.RecurrentLayer;",
                "/** See {@link dev.vecrnn.cli.Main}. */",
                "import dev.vecrnn.tasks.AddingTask;",
                "class X { Object o = dev.vecrnn.cli.Main.class; // dev.vecrnn.cli.Main",
                "}");
        assertThat(upwardReferences("train", "X.java", src))
                .hasSize(2)
                .anySatisfy(v -> assertThat(v).startsWith("X.java:4 (train) refers to tasks"))
                .anySatisfy(v -> assertThat(v).startsWith("X.java:5 (train) refers to cli"));
        assertThat(upwardReferences("cli", "Y.java", src)).isEmpty();
        assertThat(upwardReferences("mem", "Z.java", List.of("import dev.vecrnn.kernel.Lanes;"))).hasSize(1);
        // Spark and the command line sit side by side: neither may use the other; Spark may use the study
        assertThat(upwardReferences("cli", "C.java", List.of("import dev.vecrnn.spark.SparkMain;")))
                .containsExactly("C.java:1 (cli) refers to spark: import dev.vecrnn.spark.SparkMain;");
        assertThat(upwardReferences("spark", "S.java", List.of("import dev.vecrnn.cli.Main;"))).hasSize(1);
        assertThat(upwardReferences("spark", "S.java", List.of("import dev.vecrnn.study.StudyTask;",
                "import dev.vecrnn.train.Trainer;"))).isEmpty();
        assertThat(upwardReferences("train", "T.java", List.of("import dev.vecrnn.spark.DistributedTrainer;")))
                .hasSize(1);

        List<String> bench = List.of(
                "package dev.vecrnn.bench;",
                "import dev.vecrnn.perf.RnnWorkload;",
                "/** Like {@link dev.vecrnn.cli.Main}. */",
                "class B { Object m = dev.vecrnn.study.StudyRun.class; }",
                "import dev.vecrnn.cli.Main;");
        assertThat(benchmarkViolations("B.java", bench)).containsExactly(
                "B.java:4 refers to study: class B { Object m = dev.vecrnn.study.StudyRun.class; }",
                "B.java:5 refers to cli: import dev.vecrnn.cli.Main;");
    }
}
