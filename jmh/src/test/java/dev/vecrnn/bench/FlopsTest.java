package dev.vecrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FlopsTest {

    @Test
    void shapeParameterAndSeparateParametersGiveTheSameCount() {
        // LSTM forward 2·T·B·4·H·(I+H) = 2·50·64·4·256·(512+256)
        double expected = 2.0 * 50 * 64 * 4 * 256 * (512 + 256);
        assertThat(Flops.of("RnnBench.step", Map.of("cell", "lstm", "shape", "50x64x512x256", "mode", "inference")))
                .isEqualTo(expected);
        assertThat(Flops.of("RnnBench.step", Map.of("cell", "lstm", "T", "50", "B", "64", "I", "512", "H", "256",
                "mode", "inference"))).isEqualTo(expected);
    }

    @Test
    void trainingIsThreeForwardsAndGatesFollowTheCell() {
        double fwd = 2.0 * 25 * 16 * 1024 * 2048;
        assertThat(Flops.of("RnnDeepBench.step", Map.of("cell", "lstm", "shape", "25x16x1024x1024", "mode", "training")))
                .isEqualTo(3 * 4 * fwd);
        assertThat(Flops.of("RnnSmallBatchBench.step", Map.of("cell", "gru", "shape", "25x16x1024x1024", "mode", "inference")))
                .isEqualTo(3 * fwd);
        assertThat(Flops.of("RnnBench.step", Map.of("cell", "rnn_relu", "shape", "25x16x1024x1024", "mode", "inference",
                "L", "2"))).isEqualTo(2 * fwd);
    }

    /** Layers after the first read H, not I: an L-layer count is not L one-layer counts. */
    @Test
    void stackedLayersWithInputWidthUnlikeHiddenWidth() {
        // RNN, T=5 B=3 I=7 H=11: layer 0 2·5·3·11·(7+11) = 5 940, layer 1 2·5·3·11·(11+11) = 7 260
        assertThat(Flops.of("RnnBench.step", Map.of("cell", "rnn_tanh", "shape", "5x3x7x11", "mode", "inference",
                "L", "2"))).isEqualTo(13_200.0);
        // LSTM training, 3 layers: 3 · (2·5·3·44·18 + 2 · 2·5·3·44·22) = 3 · (23 760 + 58 080)
        assertThat(Flops.of("RnnBench.step", Map.of("cell", "lstm", "shape", "5x3x7x11", "mode", "training",
                "L", "3"))).isEqualTo(245_520.0);
    }

    @Test
    void streamingBenchmarksCountOneStepPerOperation() {
        // no T: one timestep, 2·B·G·H·(I+H)
        assertThat(Flops.of("StreamBench.step", Map.of("cell", "lstm", "B", "1", "I", "256", "H", "256")))
                .isEqualTo(2.0 * 4 * 256 * 512);
        assertThat(Flops.of("DenormalBench.step", Map.of("cell", "gru", "shape", "10x2x8x8", "mode", "training",
                "data", "tiny"))).isEqualTo(3 * 2.0 * 10 * 2 * 3 * 8 * 16);
    }

    @Test
    void gemmAndUnknownBenchmarks() {
        assertThat(Flops.of("GemmBench.sgemm", Map.of("m", "3", "n", "5", "k", "7"))).isEqualTo(2.0 * 3 * 5 * 7);
        assertThat(Flops.of("ActivationBench.tanh", Map.of("n", "4096"))).isZero();
    }
}
