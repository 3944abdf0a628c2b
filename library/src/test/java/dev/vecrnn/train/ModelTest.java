package dev.vecrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.io.Tensor;
import dev.vecrnn.io.TensorFileException;
import dev.vecrnn.mem.ThreadTeam;
import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.ForwardResult;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import dev.vecrnn.nn.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model: one seed decides every weight and nothing overwrites it, the head lets gradients
 * through from the first step, predictions are the layer's inference pass plus the head (checked
 * against a double-precision evaluation of the head), in either layout and any chunking, and the
 * gradient weight scales the gradient.
 */
class ModelTest {
    private static final ThreadTeam TEAM = new ThreadTeam(2);

    @TempDir
    Path dir;

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static float[] uniform(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        return a;
    }

    // ---------------------------------------------------------------------------------------
    // initialisation

    @Test
    void theSeedDecidesEveryWeightAndIsNeverOverwritten() {
        for (CellType cell : CellType.values()) {
            Model a = Model.builder(cell, 3, 7).numLayers(2).outputSize(2).seed(11).threads(TEAM).build();
            // the stack's weights are exactly those of the layer builder with the same seed
            RecurrentLayer plain = RecurrentLayer.builder(cell, 3, 7).numLayers(2).seed(11).threads(TEAM).build();
            for (Parameter p : plain.parameters()) {
                assertThat(a.layer().parameter(p.name()).value()).as(cell + " " + p.name()).containsExactly(p.value());
            }
            // the head continues the same generator: nn.Linear's default, U(±1/sqrt(fan_in))
            SplittableRandom rng = new SplittableRandom(11);
            Init.pytorchDefault(plain, rng);
            Dense head = new Dense(Model.HEAD_NAME, 7, 2);
            head.initialize(rng);
            assertThat(a.head().dense().weight().value()).containsExactly(head.weight().value());
            assertThat(a.head().dense().bias().value()).containsExactly(head.bias().value());
            double bound = 1 / Math.sqrt(7);
            for (float w : a.head().dense().weight().value()) {
                assertThat((double) Math.abs(w)).isLessThanOrEqualTo(bound);
            }
            assertThat(a.head().dense().weight().value()).doesNotContain(0f);
            // same seed, same model; another seed, another model
            Model b = Model.builder(cell, 3, 7).numLayers(2).outputSize(2).seed(11).threads(TEAM).build();
            Model c = Model.builder(cell, 3, 7).numLayers(2).outputSize(2).seed(12).threads(TEAM).build();
            for (int i = 0; i < a.parameters().size(); i++) {
                assertThat(b.parameters().get(i).value()).containsExactly(a.parameters().get(i).value());
                assertThat(c.parameters().get(i).value()).isNotEqualTo(a.parameters().get(i).value());
            }
        }
    }

    @Test
    void otherSchemesAndTheForgetBiasFollowTheSameSeed() {
        Model m = Model.builder(CellType.LSTM, 2, 6).init(Init.Scheme.ORTHOGONAL).forgetBias(1.0).seed(5)
                .threads(TEAM).build();
        RecurrentLayer ref = RecurrentLayer.builder(CellType.LSTM, 2, 6).seed(5).threads(TEAM).build();
        SplittableRandom rng = new SplittableRandom(5);
        Init.orthogonal(ref, rng);
        Dense head = new Dense(Model.HEAD_NAME, 6, 1);
        head.initialize(rng);
        Init.forgetGateBias(ref, 1.0);
        for (Parameter p : ref.parameters()) {
            assertThat(m.layer().parameter(p.name()).value()).as(p.name()).containsExactly(p.value());
        }
        assertThat(m.head().dense().weight().value()).containsExactly(head.weight().value());
        assertThatThrownBy(() -> Model.builder(CellType.GRU, 2, 6).forgetBias(1.0).build())
                .hasMessageContaining("lstm");
    }

    /** The first gradient reaches the recurrent stack (a zero head would stop it at exactly 0). */
    @Test
    void theFirstGradientReachesTheRecurrentStack() {
        Model m = Model.builder(CellType.LSTM, 1, 8).seed(3).threads(TEAM).build();
        Batch b = new Batch(LossKind.MSE_LAST, 5, 4, 1, 1);
        System.arraycopy(uniform(1, 20), 0, b.x(), 0, 20);
        System.arraycopy(uniform(2, 4), 0, b.targets(), 0, 4);
        m.zeroGrad();
        double loss = m.accumulateGradient(b, 1.0);
        assertThat(loss).isPositive();
        for (Parameter p : m.layer().parameters()) {
            double sum = 0;
            for (float g : p.grad()) {
                sum += Math.abs(g);
            }
            assertThat(sum).as(p.name()).isPositive();
        }
    }

    // ---------------------------------------------------------------------------------------
    // prediction

    /** The head applied in double to the layer's (float) inference outputs. */
    private static double[] headReference(Model m, float[] out, int rows, int firstRow) {
        Dense d = m.head().dense();
        int h = d.inputSize();
        int o = d.outputSize();
        double[] y = new double[rows * o];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < o; j++) {
                double s = d.bias().value()[j];
                for (int k = 0; k < h; k++) {
                    s += (double) d.weight().value()[j * h + k] * out[(firstRow + r) * h + k];
                }
                y[r * o + j] = s;
            }
        }
        return y;
    }

    @Test
    void predictIsTheInferencePassThenTheHeadInEitherLayout() {
        int t = 6;
        int n = 5;
        int in = 3;
        Model m = Model.builder(CellType.GRU, in, 9).bidirectional(true).outputSize(2).seed(4).threads(TEAM).build();
        float[] timeMajor = uniform(9, t * n * in);
        float[] batchFirst = new float[timeMajor.length];
        for (int s = 0; s < n; s++) {
            for (int step = 0; step < t; step++) {
                System.arraycopy(timeMajor, (step * n + s) * in, batchFirst, (s * t + step) * in, in);
            }
        }
        float[] last = m.predict(batchFirst, n, Layout.BATCH_FIRST);
        assertThat(m.predict(timeMajor, n, Layout.TIME_MAJOR)).containsExactly(last);
        ForwardResult fr = m.layer().infer(timeMajor, t, n, null, null);
        double[] expected = headReference(m, fr.out(), n, (t - 1) * n);
        assertThat(last).hasSize(n * 2);
        for (int i = 0; i < last.length; i++) {
            assertThat((double) last[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        // every step: [T, n, O] time-major, [n, T, O] batch-first
        double[] all = headReference(m, fr.out(), t * n, 0);
        float[] everyTm = m.predictEveryStep(timeMajor, n, Layout.TIME_MAJOR);
        float[] everyBf = m.predictEveryStep(batchFirst, n, Layout.BATCH_FIRST);
        for (int step = 0; step < t; step++) {
            for (int s = 0; s < n; s++) {
                for (int j = 0; j < 2; j++) {
                    double want = all[(step * n + s) * 2 + j];
                    assertThat((double) everyTm[(step * n + s) * 2 + j]).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5));
                    assertThat(everyBf[(s * t + step) * 2 + j]).isEqualTo(everyTm[(step * n + s) * 2 + j]);
                }
            }
        }
        assertThatThrownBy(() -> m.predict(new float[t * n * in + 1], n, Layout.BATCH_FIRST))
                .hasMessageContaining("count 5 x T x input size 3");
    }

    @Test
    void predictionsInChunksMatchOnePassPerSequence() {
        int n = Model.INFERENCE_BATCH + 37;
        int t = 3;
        Model m = Model.builder(CellType.LSTM, 2, 5).seed(6).threads(TEAM).build();
        float[] x = uniform(10, n * t * 2);
        float[] y = m.predict(x, n, Layout.BATCH_FIRST);
        // a sequence on its own, in the last (partial) chunk and in the first
        for (int s : new int[] {0, 200, n - 1}) {
            float[] one = java.util.Arrays.copyOfRange(x, s * t * 2, (s + 1) * t * 2);
            float[] alone = m.predict(one, 1, Layout.BATCH_FIRST);
            assertThat((double) y[s]).as("sequence " + s).isCloseTo(alone[0], org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    // ---------------------------------------------------------------------------------------
    // gradients

    @Test
    void theGradientWeightScalesEveryGradientButNotTheLoss() {
        Model m = Model.builder(CellType.RNN_TANH, 2, 6).numLayers(2).seed(8).threads(TEAM).build();
        Batch b = new Batch(LossKind.MSE_LAST, 4, 3, 2, 1);
        System.arraycopy(uniform(3, b.x().length), 0, b.x(), 0, b.x().length);
        System.arraycopy(uniform(4, 3), 0, b.targets(), 0, 3);
        m.zeroGrad();
        double full = m.accumulateGradient(b, 1.0);
        float[][] g1 = m.parameters().stream().map(p -> p.grad().clone()).toArray(float[][]::new);
        m.zeroGrad();
        double quarter = m.accumulateGradient(b, 0.25);
        assertThat(quarter).isEqualTo(full);
        for (int i = 0; i < g1.length; i++) {
            float[] g = m.parameters().get(i).grad();
            for (int k = 0; k < g.length; k++) {
                // a power of two: scaling is exact up to the rounding of the accumulations
                assertThat((double) g[k]).isCloseTo(0.25 * g1[i][k], org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        // accumulating adds: two passes of weight 1 give twice the gradient
        m.zeroGrad();
        m.accumulateGradient(b, 1.0);
        m.accumulateGradient(b, 1.0);
        for (int i = 0; i < g1.length; i++) {
            float[] g = m.parameters().get(i).grad();
            for (int k = 0; k < g.length; k++) {
                assertThat((double) g[k]).isCloseTo(2.0 * g1[i][k], org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        assertThatThrownBy(() -> m.accumulateGradient(new Batch(LossKind.MSE_LAST, 4, 3, 5, 1), 1.0))
                .hasMessageContaining("5 input features").hasMessageContaining("input size 2");
        assertThatThrownBy(() -> m.accumulateGradient(b, -1.0)).hasMessageContaining("gradient scale");
    }

    // ---------------------------------------------------------------------------------------
    // files

    @Test
    void savedModelsLoadBackBitForBitWithPyTorchNames() throws IOException {
        Model m = Model.builder(CellType.LSTM, 3, 8).numLayers(2).bidirectional(true).projSize(5).outputSize(4)
                .loss(LossKind.CE_EVERY_STEP).dropout(0.25).seed(9).threads(TEAM).build();
        Path file = dir.resolve("m.safetensors");
        m.save(file);
        Map<String, String> meta = SafeTensors.readMetadata(file);
        assertThat(meta).containsEntry("format", Model.FORMAT).containsEntry("cell", "lstm")
                .containsEntry("input_size", "3").containsEntry("hidden_size", "8").containsEntry("num_layers", "2")
                .containsEntry("bidirectional", "true").containsEntry("proj_size", "5")
                .containsEntry("output_size", "4").containsEntry("loss", "ce_every_step")
                .containsEntry("dropout", "0.25");
        Map<String, Tensor> tensors = SafeTensors.read(file);
        assertThat(tensors).containsKeys("weight_ih_l1_reverse", "weight_hr_l1_reverse", "head.weight", "head.bias");
        assertThat(tensors.get("head.weight").shape()).containsExactly(4, 10);
        // the stack part is a PyTorch nn.LSTM state dict
        Map<String, Tensor> stack = new LinkedHashMap<>(tensors);
        stack.remove("head.weight");
        stack.remove("head.bias");
        RecurrentLayer l = StateDict.load(CellType.LSTM, stack, TEAM);
        assertThat(l.bidirectional()).isTrue();
        assertThat(l.projSize()).isEqualTo(5);

        Model back = Model.load(file, TEAM);
        assertThat(back.config()).isEqualTo(m.config());
        assertThat(back.layer().dropout()).isEqualTo(0.25);
        assertThat(back.layer().dropoutSeed()).isEqualTo(m.layer().dropoutSeed());
        for (int i = 0; i < m.parameters().size(); i++) {
            assertThat(back.parameters().get(i).value()).containsExactly(m.parameters().get(i).value());
        }
        float[] x = uniform(1, 4 * 2 * 3);
        assertThat(back.predictEveryStep(x, 2, Layout.TIME_MAJOR)).containsExactly(m.predictEveryStep(x, 2, Layout.TIME_MAJOR));
    }

    @Test
    void loadingIntoAnotherConfigurationNamesTheDifferenceAndChangesNothing() throws IOException {
        Model base = Model.builder(CellType.GRU, 3, 8).seed(1).threads(TEAM).build();
        Path file = dir.resolve("gru.safetensors");
        base.save(file);
        record Case(Model.Builder builder, String difference) {}
        Case[] cases = {
            new Case(Model.builder(CellType.LSTM, 3, 8), "'cell' is gru in the file but lstm in this model"),
            new Case(Model.builder(CellType.GRU, 4, 8), "'input_size' is 3 in the file but 4"),
            new Case(Model.builder(CellType.GRU, 3, 9), "'hidden_size' is 8 in the file but 9"),
            new Case(Model.builder(CellType.GRU, 3, 8).numLayers(2), "'num_layers' is 1 in the file but 2"),
            new Case(Model.builder(CellType.GRU, 3, 8).bidirectional(true), "'bidirectional' is false in the file but true"),
            new Case(Model.builder(CellType.GRU, 3, 8).outputSize(2), "'output_size' is 1 in the file but 2"),
            new Case(Model.builder(CellType.GRU, 3, 8).loss(LossKind.MSE_EVERY_STEP),
                    "'loss' is mse_last in the file but mse_every_step"),
        };
        for (Case c : cases) {
            Model other = c.builder().seed(2).threads(TEAM).build();
            float[][] before = other.parameters().stream().map(p -> p.value().clone()).toArray(float[][]::new);
            assertThatThrownBy(() -> other.loadWeights(file)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining(c.difference());
            for (int i = 0; i < before.length; i++) {
                assertThat(other.parameters().get(i).value()).containsExactly(before[i]);
            }
        }
        Model same = Model.builder(CellType.GRU, 3, 8).seed(2).threads(TEAM).build();
        same.loadWeights(file);
        for (int i = 0; i < same.parameters().size(); i++) {
            assertThat(same.parameters().get(i).value()).containsExactly(base.parameters().get(i).value());
        }
        // metadata that lies about the tensors: a bidirectional stack's tensors under a one-direction configuration
        Model bi = Model.builder(CellType.GRU, 3, 8).bidirectional(true).seed(1).threads(TEAM).build();
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.readMetadata(file));
        Path lying = dir.resolve("lying.safetensors");
        SafeTensors.write(lying, bi.stateDict(), meta);
        assertThatThrownBy(() -> Model.load(lying, TEAM)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight_hh_l0_reverse");
        // a plain state dict is not a model file
        Path plain = dir.resolve("plain.safetensors");
        StateDict.save(base.layer(), plain);
        assertThatThrownBy(() -> Model.load(plain, TEAM)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("not a vecrnn model");
        // a first-format checkpoint is refused with the way to its tensors
        meta.put("format", Checkpoint.FORMAT_1);
        Path old = dir.resolve("old.safetensors");
        SafeTensors.write(old, base.stateDict(), meta);
        assertThatThrownBy(() -> Model.load(old, TEAM)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("layerParameters");
    }
}
