package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.io.TensorFileException;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.nn.StateDict;
import dev.vecrnn.tasks.SineTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoints keep every parameter of every configuration (every cell, several layers,
 * bidirectional, projections) and record the configuration: the layers load back complete, a
 * mismatched trainer or model is refused naming the difference, and a run resumed from any of
 * them — dropout and a shuffled in-memory data set included — continues bit for bit.
 */
class CheckpointConfigurationsTest {
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @TempDir
    Path dir;

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    record Config(CellType cell, int layers, boolean bidirectional, int proj) {
        Model.Builder builder(Task task) {
            return Model.builder(cell, task.inputSize(), 6).numLayers(layers).bidirectional(bidirectional)
                    .projSize(proj).outputSize(task.outputSize()).loss(task.lossKind()).threads(TEAM);
        }

        @Override
        public String toString() {
            return cell.cliName() + " L=" + layers + (bidirectional ? " bi" : "") + (proj > 0 ? " P=" + proj : "");
        }
    }

    static Stream<Config> configurations() {
        List<Config> out = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (int layers : new int[] {1, 3}) {
                for (boolean bi : new boolean[] {false, true}) {
                    out.add(new Config(cell, layers, bi, 0));
                    if (cell == CellType.LSTM) {
                        out.add(new Config(cell, layers, bi, 4));
                    }
                }
            }
        }
        return out.stream();
    }

    private static Trainer trainer(Model model, Task task) {
        return Trainer.builder(model, task.batches(3)).optimizer(ps -> new Adam(ps, 0.01)).clipNorm(1.0).build();
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void everyParameterIsKeptAndTheConfigurationRecorded(Config c) throws IOException {
        Task task = new SineTask(5, true, 1);
        Trainer t = trainer(c.builder(task).seed(1).build(), task);
        t.step();
        t.step();
        Path file = dir.resolve("c.safetensors");
        t.save(file);
        Checkpoint cp = Checkpoint.read(file);
        assertThat(cp.format()).isEqualTo(Checkpoint.FORMAT);
        assertThat(cp.config()).isEqualTo(t.model().config());
        assertThat(cp.metadata()).containsEntry("bidirectional", Boolean.toString(c.bidirectional()))
                .containsEntry("proj_size", Integer.toString(c.proj())).containsEntry("num_layers", Integer.toString(c.layers()))
                .containsEntry("output_size", "1").containsEntry("loss", "mse_every_step");
        // the layer part is complete: every direction, every projection, every layer
        RecurrentLayer layer = t.model().layer();
        Map<String, Tensor> layerTensors = cp.layerParameters();
        assertThat(layerTensors.keySet()).containsExactlyElementsOf(layer.parameters().stream().map(Parameter::name).toList());
        RecurrentLayer loaded = StateDict.load(cp.cell(), layerTensors, TEAM);
        assertThat(loaded.bidirectional()).isEqualTo(c.bidirectional());
        assertThat(loaded.projSize()).isEqualTo(c.proj());
        assertThat(loaded.numLayers()).isEqualTo(c.layers());
        for (Parameter p : layer.parameters()) {
            assertThat(loaded.parameter(p.name()).value()).as(p.name()).containsExactly(p.value());
        }
        // the whole model loads from the checkpoint
        Model m = Model.load(file, TEAM);
        for (int i = 0; i < m.parameters().size(); i++) {
            assertThat(m.parameters().get(i).value()).containsExactly(t.model().parameters().get(i).value());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void resumingContinuesBitForBit(Config c) throws IOException {
        Task task = new SineTask(5, true, 2);
        Trainer straight = trainer(c.builder(task).seed(1).build(), task);
        double[] expected = new double[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = straight.step();
        }
        Trainer first = trainer(c.builder(task).seed(1).build(), task);
        for (int i = 0; i < 3; i++) {
            assertThat(first.step()).isEqualTo(expected[i]);
        }
        Path file = dir.resolve("r.safetensors");
        first.save(file);
        Trainer resumed = trainer(c.builder(task).seed(99).build(), task);
        resumed.load(file);
        for (int i = 3; i < 6; i++) {
            assertThat(Double.doubleToRawLongBits(resumed.step())).as(c + " step " + i)
                    .isEqualTo(Double.doubleToRawLongBits(expected[i]));
        }
        for (int i = 0; i < straight.parameters().size(); i++) {
            assertThat(resumed.parameters().get(i).value()).containsExactly(straight.parameters().get(i).value());
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void aMismatchedTrainerIsRefusedNamingTheDifference(Config c) throws IOException {
        Task task = new SineTask(5, true, 1);
        Trainer t = trainer(c.builder(task).seed(1).build(), task);
        t.step();
        Path file = dir.resolve("m.safetensors");
        t.save(file);
        // the same stack with the other direction count, and with one layer more
        Config flipped = new Config(c.cell(), c.layers(), !c.bidirectional(), c.proj());
        Trainer other = trainer(flipped.builder(task).seed(1).build(), task);
        float[] before = other.parameters().get(0).value().clone();
        assertThatThrownBy(() -> other.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("'bidirectional' is " + c.bidirectional() + " in the file but "
                        + !c.bidirectional() + " in this model");
        assertThat(other.parameters().get(0).value()).containsExactly(before);
        assertThat(other.stepCount()).isZero();
        Trainer deeper = trainer(new Config(c.cell(), c.layers() + 1, c.bidirectional(), c.proj()).builder(task).seed(1)
                .build(), task);
        assertThatThrownBy(() -> deeper.load(file)).hasMessageContaining("'num_layers' is " + c.layers());
        if (c.cell() == CellType.LSTM) {
            Trainer projected = trainer(new Config(c.cell(), c.layers(), c.bidirectional(), c.proj() == 0 ? 3 : 0)
                    .builder(task).seed(1).build(), task);
            assertThatThrownBy(() -> projected.load(file)).hasMessageContaining("'proj_size' is " + c.proj());
        }
    }

    /** Dropout between layers: the masks continue where the checkpoint left them. */
    @Test
    void resumingWithDropoutContinuesTheMasks() throws IOException {
        Task task = new SineTask(6, true, 3);
        Model.Builder b = Model.builder(CellType.LSTM, 1, 8).numLayers(3).dropout(0.3).loss(LossKind.MSE_EVERY_STEP)
                .threads(TEAM);
        Trainer straight = trainer(b.seed(4).build(), task);
        double[] expected = new double[8];
        for (int i = 0; i < 8; i++) {
            expected[i] = straight.step();
        }
        Trainer first = trainer(b.seed(4).build(), task);
        for (int i = 0; i < 4; i++) {
            first.step();
        }
        Path file = dir.resolve("dropout.safetensors");
        first.save(file);
        assertThat(Checkpoint.read(file).metadata()).containsEntry("dropout", "0.3").containsEntry("dropout_passes", "4");
        Trainer resumed = trainer(b.seed(77).build(), task);   // another seed: another dropout seed too
        resumed.load(file);
        for (int i = 4; i < 8; i++) {
            assertThat(resumed.step()).as("step " + i).isEqualTo(expected[i]);
        }
        Trainer noDropout = trainer(Model.builder(CellType.LSTM, 1, 8).numLayers(3).loss(LossKind.MSE_EVERY_STEP)
                .seed(4).threads(TEAM).build(), task);
        assertThatThrownBy(() -> noDropout.load(file)).hasMessageContaining("'dropout' is '0.3'");
    }

    /** A shuffled in-memory data set, resumed in the middle of an epoch. */
    @Test
    void resumingOnADataSetContinuesItsShuffle() throws IOException {
        Dataset data = FitTest.sineWindows(45, 4);
        Model.Builder b = Model.builder(CellType.GRU, 1, 6).threads(TEAM);
        Trainer straight = Trainer.builder(b.seed(1).build(), data.batches(10, 3)).build();
        double[] expected = new double[12];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = straight.step();
        }
        Trainer first = Trainer.builder(b.seed(1).build(), data.batches(10, 3)).build();
        for (int i = 0; i < 7; i++) {
            first.step();
        }
        Path file = dir.resolve("data.safetensors");
        first.save(file);
        Trainer resumed = Trainer.builder(b.seed(2).build(), data.batches(10, 3)).build();
        resumed.load(file);
        for (int i = 7; i < expected.length; i++) {
            assertThat(resumed.step()).as("step " + i).isEqualTo(expected[i]);
        }
        // other data, or another shuffle, is another stream
        Trainer otherShuffle = Trainer.builder(b.seed(2).build(), data.batches(10, 4)).build();
        assertThatThrownBy(() -> otherShuffle.load(file)).hasMessageContaining("'data'").hasMessageContaining("seed 3");
        Trainer otherData = Trainer.builder(b.seed(2).build(), FitTest.sineWindows(45, 5).batches(10, 3)).build();
        assertThatThrownBy(() -> otherData.load(file)).hasMessageContaining("fingerprint");
    }

    /** A checkpoint of the first format reads, and its layers load, but a trainer will not guess its configuration. */
    @Test
    void firstFormatCheckpointsAreReadButNotResumed() throws IOException {
        Task task = new SineTask(5, true, 1);
        Trainer t = trainer(new Config(CellType.LSTM, 2, true, 3).builder(task).seed(1).build(), task);
        t.step();
        Path file = dir.resolve("v2.safetensors");
        t.save(file);
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.readMetadata(file));
        meta.put("format", Checkpoint.FORMAT_1);
        for (String key : new String[] {"bidirectional", "proj_size", "output_size", "loss"}) {
            meta.remove(key);
        }
        Path old = dir.resolve("v1.safetensors");
        SafeTensors.write(old, SafeTensors.read(file), meta);
        Checkpoint cp = Checkpoint.read(old);
        RecurrentLayer layer = StateDict.load(cp.cell(), cp.layerParameters(), TEAM);
        assertThat(layer.bidirectional()).isTrue();
        assertThat(layer.projSize()).isEqualTo(3);
        assertThatThrownBy(() -> t.load(old)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("predates recorded model configurations");
    }
}
