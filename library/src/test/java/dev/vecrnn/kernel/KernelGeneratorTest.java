package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed generated kernels are exactly what {@link KernelGenerator} writes now. */
class KernelGeneratorTest {

    @Test
    void committedFilesEqualTheGeneratorsOutput() throws IOException {
        Path dir = Path.of("src/main/java/dev/vecrnn/kernel");
        for (Map.Entry<String, String> e : KernelGenerator.files().entrySet()) {
            String committed = Files.readString(dir.resolve(e.getKey()), StandardCharsets.UTF_8);
            assertThat(committed).as("%s is stale: run scripts/generate-kernels", e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void everyTileShapeHasItsKernel() {
        for (int v = SgemmTiles.MIN_VECTORS; v <= SgemmTiles.MAX_VECTORS; v++) {
            String source = KernelGenerator.sgemmKernels(v);
            for (int h : SgemmTiles.heights(v)) {
                assertThat(source).contains("static void k" + h + "x" + v + "(");
            }
            assertThat(source).contains("static void gemv" + v + "x" + SgemmTiles.gemvPanels(v) + "(");
            assertThat(source).contains("static void gemv" + v + "x1(");
        }
    }
}
