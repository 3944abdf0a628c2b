package dev.vecrnn.nn;

import dev.vecrnn.mem.ThreadTeam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.vecrnn.nn.TestData.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Forward outputs, final states, every parameter gradient and dx/dh0/dc0 are bitwise identical
 * for teams of 1, 2 and 3 threads. The unit blocks follow the team size (at 512 bits, panels of 32
 * columns: 64 + 6 units for one thread, 32 + 32 + 6 for two and three), so the teams also differ
 * in how the gate kernels and the recurrent product are cut, each with a ragged last block; the
 * layer is forced to use the team even for these small sizes.
 */
class ThreadDeterminismTest {
    private static final int T = 6;
    private static final int B = 5;
    private static final int I = 9;
    private static final int H = 70;
    private static final int L = 2;

    private static final ThreadTeam[] TEAMS = {new ThreadTeam(1), new ThreadTeam(2), new ThreadTeam(3)};

    @AfterAll
    static void closeTeams() {
        for (ThreadTeam t : TEAMS) {
            t.close();
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void identicalBitsForAnyTeamSize(CellType cell) {
        SplittableRandom rnd = new SplittableRandom(5);
        boolean lstm = cell == CellType.LSTM;
        float[] x = uniform(rnd, T * B * I, 1.0);
        float[] h0 = uniform(rnd, L * B * H, 0.5);
        float[] c0 = lstm ? uniform(rnd, L * B * H, 0.5) : null;
        float[] dout = uniform(rnd, T * B * H, 1.0);
        float[] dhN = uniform(rnd, L * B * H, 1.0);
        float[] dcN = lstm ? uniform(rnd, L * B * H, 1.0) : null;

        List<float[]> first = null;
        for (ThreadTeam team : TEAMS) {
            RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(L).seed(11).threads(team).build();
            layer.alwaysParallelForTesting();
            List<float[]> results = new ArrayList<>();
            // twice: the second pass reuses every buffer and packed matrix
            for (int pass = 0; pass < 2; pass++) {
                results.clear();
                layer.zeroGrad();
                ForwardResult fr = layer.forward(x, T, B, h0, c0);
                results.add(fr.out().clone());
                results.add(fr.hN().clone());
                if (lstm) {
                    results.add(fr.cN().clone());
                }
                BackwardResult br = layer.backward(dout, dhN, dcN);
                results.add(br.dx().clone());
                results.add(br.dh0().clone());
                if (lstm) {
                    results.add(br.dc0().clone());
                }
                for (Parameter p : layer.parameters()) {
                    results.add(p.grad().clone());
                }
                ForwardResult inf = layer.infer(x, T, B, h0, c0);
                results.add(inf.out().clone());
            }
            if (first == null) {
                first = new ArrayList<>(results);
            } else {
                assertThat(results).hasSameSizeAs(first);
                for (int i = 0; i < first.size(); i++) {
                    float[] got = results.get(i);
                    float[] want = first.get(i);
                    int diff = java.util.Arrays.mismatch(got, want);
                    assertThat(diff).as("%s: result %d with %d threads differs first at %d of %d (%s vs %s)", cell, i,
                            team.size(), diff, want.length, diff >= 0 ? got[diff] : 0, diff >= 0 ? want[diff] : 0)
                            .isEqualTo(-1);
                }
            }
        }
    }
}
