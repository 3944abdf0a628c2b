package dev.vecrnn.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The numerical contract under every micro-tile shape and blocking: whatever {@link SgemmPlan}
 * runs a product (any {@code rows x vectors} of {@link SgemmTiles}, tiny or large k/m/n blocks, a
 * second tile height), every element of C has exactly the bits of {@link ScalarSgemm} (and so of
 * every other plan), within rounding of a double-precision reference, and nothing outside C's
 * window is written. Awkward sizes reach every tail: 1, primes, 15, 17, 33 and a 1021 column case.
 */
class SgemmPlanTest {

    /** Every kernel shape as a main tile, with small blocks (many k, row and column blocks) and large ones. */
    static Stream<Arguments> plans() {
        List<Arguments> list = new ArrayList<>();
        if (!VectorSupport.ENABLED) {
            list.add(Arguments.of("scalar path", null));
            return list.stream();
        }
        int lanes = VectorSupport.FLOAT_LANES;
        for (int v = SgemmTiles.MIN_VECTORS; v <= SgemmTiles.MAX_VECTORS; v++) {
            int nr = v * lanes;
            for (int h : SgemmTiles.heights(v)) {
                list.add(Arguments.of(h + "x" + v + " small blocks", SgemmPlan.of(h, v, lanes, 7, 2 * h + 1, 2 * nr)));
                list.add(Arguments.of(h + "x" + v + " large blocks", SgemmPlan.of(h, v, lanes, 256, 384, 64 * nr)));
            }
        }
        // the machine's own choice and a second height (12 rows where M is a multiple of 12, not 8)
        list.add(Arguments.of("machine default", VectorSgemm.DEFAULT));
        list.add(Arguments.of("8x2 + 12x2", new SgemmPlan(8, 2, 12, lanes, 16, 24, 4 * 2 * lanes, 128 * 1024, 256 * 1024)));
        // tiny panel-order limits force the block order even for small M
        list.add(Arguments.of("6x2 block order", new SgemmPlan(6, 2, 0, lanes, 13, 12, 2 * 2 * lanes, 8, 8)));
        return list.stream();
    }

    /** (m, n, k) triples: single rows and columns, primes, every tail of the tiles and panels. */
    private static final int[][] SIZES = {
        {1, 1, 1}, {1, 67, 33}, {2, 17, 15}, {3, 1021, 17}, {5, 33, 61}, {7, 15, 1}, {12, 31, 16},
        {13, 16, 37}, {17, 67, 29}, {24, 47, 8}, {33, 19, 43},
    };

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void everyPlanGivesTheScalarTwinsBitsAndIsAccurate(String name, SgemmPlan plan) {
        assumeTrue(plan != null, "vector path disabled in this JVM");
        int idx = 0;
        for (int[] s : SIZES) {
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 1) != 0;
                boolean transB = (t & 2) != 0;
                float alpha = new float[] {1f, -0.5f, 0f}[idx % 3];
                float beta = new float[] {0f, 1f, 2f}[idx / 3 % 3];
                SgemmTest.Problem p = new SgemmTest.Problem(idx * 17L + s[0], transA, transB, s[0], s[1], s[2],
                        alpha, beta, false);
                float[] scalar = p.scalar();
                float[] vector = p.c0.clone();
                VectorSgemm.sgemm(plan, transA, transB, p.m, 0, p.n, p.k, alpha, p.a, p.offA, p.lda, p.b, p.offB,
                        p.ldb, beta, vector, p.offC, p.ldc);
                p.assertMatchesReference(vector, name + " sgemm");
                assertBitwise(vector, scalar, name + " sgemm vs ScalarSgemm " + p);
                PackedMatrix packed = VectorSgemm.newPacked(plan, p.k, p.n);
                VectorSgemm.pack(packed, transB, p.b, p.offB, p.ldb);
                assertThat(packed.panelWidth()).isEqualTo(plan.nr());
                float[] viaPacked = p.c0.clone();
                VectorSgemm.sgemmPacked(plan, transA, p.m, alpha, p.a, p.offA, p.lda, packed, 0, p.n, beta, viaPacked,
                        p.offC, p.ldc);
                assertBitwise(viaPacked, scalar, name + " sgemmPacked " + p);
                // column ranges cut inside panels and at panel boundaries
                float[] ranges = p.c0.clone();
                int[] cuts = {0, Math.min(p.n, 3), Math.min(p.n, plan.nr() + 1), Math.min(p.n, 2 * plan.nr()), p.n};
                for (int c = 0; c + 1 < cuts.length; c++) {
                    VectorSgemm.sgemmPacked(plan, transA, p.m, alpha, p.a, p.offA, p.lda, packed, cuts[c], cuts[c + 1],
                            beta, ranges, p.offC, p.ldc);
                }
                assertBitwise(ranges, scalar, name + " sgemmPacked in column ranges " + p);
                idx++;
            }
        }
    }

    /** One row of A against a packed B: the matrix-vector kernels of every panel width, every range. */
    @ParameterizedTest(name = "{0} vectors")
    @MethodSource("panelWidths")
    void oneRowProductsMatchTheScalarTwinInEveryColumnRange(int vectors) {
        assumeTrue(VectorSupport.ENABLED, "vector path disabled in this JVM");
        int lanes = VectorSupport.FLOAT_LANES;
        SgemmPlan plan = SgemmPlan.of(SgemmTiles.heights(vectors)[0], vectors, lanes, 32, 24, 8 * vectors * lanes);
        int nr = plan.nr();
        for (int n : new int[] {1, nr - 1, nr, 4 * nr + 3, 9 * nr, 1021}) {
            for (int k : new int[] {1, 17, 300}) {
                for (float beta : new float[] {0f, 1f, -2f}) {
                    SgemmTest.Problem p = new SgemmTest.Problem(n * 31L + k, k % 2 == 0, false, 1, n, k, -0.75f, beta,
                            false);
                    float[] scalar = p.scalar();
                    PackedMatrix packed = VectorSgemm.newPacked(plan, k, n);
                    VectorSgemm.pack(packed, false, p.b, p.offB, p.ldb);
                    int[] starts = {0, 1, Math.min(n, nr - 1), Math.min(n, nr), Math.min(n, 3 * nr + 2)};
                    for (int n0 : starts) {
                        for (int n1 : new int[] {n0, Math.min(n, n0 + 1), Math.min(n, n0 + nr + 5), n}) {
                            float[] c = p.c0.clone();
                            VectorSgemm.sgemmPacked(plan, p.transA, 1, p.alpha, p.a, p.offA, p.lda, packed, n0, n1,
                                    beta, c, p.offC, p.ldc);
                            for (int j = 0; j < c.length; j++) {
                                int col = j - p.offC;
                                boolean inRange = col >= n0 && col < n1;
                                float want = inRange ? scalar[j] : p.c0[j];
                                if (Float.floatToRawIntBits(c[j]) != Float.floatToRawIntBits(want)) {
                                    throw new AssertionError("n=" + n + " k=" + k + " beta=" + beta + " range [" + n0
                                            + ", " + n1 + "): index " + j + " is " + c[j] + ", want " + want);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static Stream<Integer> panelWidths() {
        return Stream.of(2, 3, 4);
    }

    @Test
    void packedMatrixOfAnotherPanelWidthIsRejected() {
        assumeTrue(VectorSupport.ENABLED, "vector path disabled in this JVM");
        int lanes = VectorSupport.FLOAT_LANES;
        PackedMatrix three = VectorSgemm.newPacked(SgemmPlan.of(8, 3, lanes, 64, 64, 3 * lanes), 4, 5);
        SgemmPlan two = SgemmPlan.of(8, 2, lanes, 64, 64, 2 * lanes);
        assertThatThrownBy(() -> VectorSgemm.sgemmPacked(two, false, 2, 1f, new float[8], 0, 4, three, 0, 5, 0f,
                new float[10], 0, 5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("panels of");
    }

    @Test
    void tailHeightsAndMainRowsFollowTheTiles() {
        SgemmPlan p = new SgemmPlan(8, 2, 12, 16, 256, 384, 2048, 1024, 4096);
        assertThat(p.mainTileRows(32)).isEqualTo(8);
        assertThat(p.mainTileRows(36)).isEqualTo(12);
        assertThat(p.mainTileRows(24)).isEqualTo(8);
        assertThat(p.mainTileRows(7)).isEqualTo(8);
        assertThat(p.tailHeight(5)).isEqualTo(5);
        assertThat(p.tailHeight(11)).isEqualTo(12);
        assertThat(p.tailHeight(2)).isEqualTo(4);
        assertThat(p.tailHeight(7)).isEqualTo(8);
        assertThat(p.paddedRows(20, 8)).isEqualTo(16 + 4);
        assertThat(SgemmTiles.tailHeight(4, 5)).isEqualTo(6);
        assertThat(SgemmTiles.tailHeight(3, 3)).isEqualTo(3);
        assertThat(SgemmTiles.tailHeight(3, 2)).isEqualTo(3);
        assertThat(SgemmTiles.tailHeight(4, 2)).isEqualTo(2);
        assertThatThrownBy(() -> new SgemmPlan(7, 2, 0, 8, 64, 64, 16, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("7x2");
        assertThatThrownBy(() -> new SgemmPlan(8, 2, 0, 8, 64, 64, 20, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiple of 16");
    }

    private static void assertBitwise(float[] actual, float[] expected, String what) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError(what + ": differs at index " + i + ": " + actual[i] + " vs " + expected[i]);
            }
        }
    }
}
