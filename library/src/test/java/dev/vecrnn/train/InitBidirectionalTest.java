package dev.vecrnn.train;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Parameter;
import dev.vecrnn.nn.RecurrentLayer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Every initialisation scheme covers the reverse direction of a bidirectional layer too. */
class InitBidirectionalTest {
    private static final int H = 5;

    private static RecurrentLayer bi(CellType cell) {
        // the builder fills every parameter with non-zero values, so an untouched tensor shows
        return RecurrentLayer.builder(cell, 3, H).numLayers(2).bidirectional(true).seed(1).build();
    }

    @Test
    void xavierAndOrthogonalZeroEveryBiasAndBoundEveryWeight() {
        for (Init.Scheme scheme : new Init.Scheme[] {Init.Scheme.XAVIER, Init.Scheme.ORTHOGONAL}) {
            RecurrentLayer layer = bi(CellType.GRU);
            Init.apply(scheme, layer, new SplittableRandom(2));
            for (Parameter p : layer.parameters()) {
                if (p.name().startsWith("bias_")) {
                    assertThat(p.value()).as(scheme + " " + p.name()).containsOnly(0f);
                }
            }
            // orthogonal W_hh blocks have unit row norms, in both directions
            if (scheme == Init.Scheme.ORTHOGONAL) {
                for (String name : new String[] {"weight_hh_l0", "weight_hh_l1_reverse"}) {
                    float[] w = layer.parameter(name).value();
                    for (int r = 0; r < 3 * H; r++) {
                        double norm = 0;
                        for (int c = 0; c < H; c++) {
                            norm += (double) w[r * H + c] * w[r * H + c];
                        }
                        assertThat(norm).as(name + " row " + r).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
                    }
                }
            }
        }
    }

    @Test
    void identityAndForgetBiasReachTheReverseDirection() {
        RecurrentLayer layer = bi(CellType.LSTM);
        Init.identity(layer, 0.9, new SplittableRandom(3));
        Init.forgetGateBias(layer, 1.0);
        for (String d : new String[] {"", "_reverse"}) {
            float[] whh = layer.parameter("weight_hh_l1" + d).value();
            for (int g = 0; g < 4; g++) {
                for (int i = 0; i < H; i++) {
                    for (int j = 0; j < H; j++) {
                        assertThat(whh[g * H * H + i * H + j]).isEqualTo(i == j ? 0.9f : 0f);
                    }
                }
            }
            float[] bih = layer.parameter("bias_ih_l0" + d).value();
            for (int j = 0; j < 4 * H; j++) {
                assertThat(bih[j]).as("bias_ih_l0" + d + "[" + j + "]").isEqualTo(j >= H && j < 2 * H ? 1f : 0f);
            }
        }
    }
}
