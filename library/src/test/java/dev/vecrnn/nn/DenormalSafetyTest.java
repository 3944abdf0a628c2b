package dev.vecrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the engine guarantees about denormal floats, which Java cannot make the CPU flush to zero
 * and which slow arithmetic on many cores by orders of magnitude:
 * <ol>
 *   <li>Every value a gate kernel stores — hidden and cell states of every step (so the outputs,
 *   final states and a stream's states), the saved gate activations, and the recurrent gradients
 *   it hands back (LSTM's {@code dc}, GRU's direct {@code dh} term, the gate gradients) — is zero
 *   or normal, <em>whatever the data</em>: values below {@code Float.MIN_NORMAL} are flushed to
 *   zero where they are stored. This covers the classic sources: a cell state that decays by a
 *   forget factor each step, sigmoids saturated towards 0, gradients through saturated gates.
 *   <li>From data in the normal range (here: PyTorch initialisation, inputs up to 2, biases up to
 *   ±100, states decaying geometrically) no public result holds a denormal: not the outputs,
 *   states, {@code dx}, {@code dh0}, {@code dc0}, nor any parameter gradient.
 *   <li>Products of the caller's data are the caller's: when inputs and weights are themselves
 *   so small that their products are denormal (both scaled by 1e-20), the GEMM results built from
 *   them ({@code dx}, {@code dh0}, weight gradients) are returned as computed, not flushed (they are
 *   the true values). Guarantee 1 still holds for everything a gate kernel stores.
 * </ol>
 */
class DenormalSafetyTest {
    private static final int I = 24;
    private static final int H = 40;
    private static final int B = 2;

    enum Data {
        /** PyTorch's initialisation, inputs U(-2, 2). */
        NORMAL,
        /** Inputs and every parameter scaled by 1e-20: the products x·w and w·h are ~1e-40, denormal. */
        TINY,
        /** Scaled by 1e-30: the products (~1e-60) underflow to zero. */
        TINY30,
        /** bias_ih = -80 (bias_hh 0): sigmoid outputs ~1.8e-35, tanh saturated at -1. */
        SATURATED_80,
        /** bias_ih = -100: sigmoid(-100) = 3.7e-44 would be denormal; must be flushed. */
        SATURATED_100,
        /** bias_ih = +100: sigmoids at 1, exp(-100) underflows inside the activation. */
        SATURATED_POS,
        /** States that halve every step from 1 (forget gate / update gate / W_hh = 0.5): denormal after ~126 steps. */
        DECAY
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Data d : Data.values()) {
            for (CellType cell : CellType.values()) {
                out.add(Arguments.of(d, cell));
            }
        }
        return out.stream();
    }

    /** Fails on the first denormal (non-zero, below the smallest normal float) or non-finite value. */
    static void assertNoDenormal(String what, float[] a) {
        if (a == null) {
            return;
        }
        for (int i = 0; i < a.length; i++) {
            float v = a[i];
            if (!Float.isFinite(v) || (v != 0f && Math.abs(v) < Float.MIN_NORMAL)) {
                fail(what + "[" + i + "] = " + v + " is " + (Float.isFinite(v) ? "denormal" : "not finite"));
            }
        }
    }

    /** A two-layer stack, its input and initial states, set up for one kind of data. */
    private record Setup(RecurrentLayer layer, float[] x, int T, float[] h0, float[] c0, float[] dout) {}

    private static Setup setup(Data data, CellType cell) {
        int T = data == Data.DECAY ? 300 : 40;
        RecurrentLayer layer = RecurrentLayer.builder(cell, I, H).numLayers(2).seed(13).build();
        SplittableRandom rnd = new SplittableRandom(17);
        float[] x = TestData.uniform(rnd, T * B * I, 2.0);
        float[] dout = TestData.uniform(rnd, T * B * H, 1.0);
        float[] h0 = null;
        float[] c0 = null;
        switch (data) {
            case NORMAL -> { }
            case TINY -> scaleAll(layer, x, 1e-20f);
            case TINY30 -> scaleAll(layer, x, 1e-30f);
            case SATURATED_80 -> setBiases(layer, -80f);
            case SATURATED_100 -> setBiases(layer, -100f);
            case SATURATED_POS -> setBiases(layer, 100f);
            case DECAY -> {
                decay(layer, cell);
                Arrays.fill(x, 0f);
                h0 = new float[2 * B * H];
                Arrays.fill(h0, 1f);
                if (cell == CellType.LSTM) {
                    c0 = new float[2 * B * H];
                    Arrays.fill(c0, 1f);
                }
                // a gradient only at the last step, so that the recurrent gradients decay backwards too
                Arrays.fill(dout, 0, (T - 1) * B * H, 0f);
            }
        }
        return new Setup(layer, x, T, h0, c0, dout);
    }

    private static void scaleAll(RecurrentLayer layer, float[] x, float scale) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= scale;
        }
        for (Parameter p : layer.parameters()) {
            float[] v = p.value();
            for (int i = 0; i < v.length; i++) {
                v[i] *= scale;
            }
        }
    }

    private static void setBiases(RecurrentLayer layer, float bih) {
        for (Parameter p : layer.parameters()) {
            if (p.name().startsWith("bias_ih")) {
                Arrays.fill(p.value(), bih);
            } else if (p.name().startsWith("bias_hh")) {
                Arrays.fill(p.value(), 0f);
            }
        }
    }

    /**
     * Weights under which every state halves per step from 1 with zero input: LSTM f = σ(0) = 0.5,
     * i = σ(-80) ≈ 0, o = σ(20) ≈ 1; GRU z = σ(0) = 0.5, n = tanh(0) = 0; RNN {@code W_hh = 0.5·I}.
     */
    private static void decay(RecurrentLayer layer, CellType cell) {
        for (Parameter p : layer.parameters()) {
            Arrays.fill(p.value(), 0f);
        }
        for (int k = 0; k < 2; k++) {
            switch (cell) {
                case LSTM -> {
                    float[] b = layer.parameter("bias_ih_l" + k).value();
                    Arrays.fill(b, 0, H, -80f);          // i
                    Arrays.fill(b, 3 * H, 4 * H, 20f);   // o
                }
                case GRU -> { } // all zero: r = z = 0.5, n = 0, h' = h/2
                case RNN_TANH, RNN_RELU -> {
                    float[] w = layer.parameter("weight_hh_l" + k).value();
                    for (int j = 0; j < H; j++) {
                        w[j * H + j] = 0.5f;
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void statesAndActivationsAreNeverDenormal(Data data, CellType cell) {
        Setup s = setup(data, cell);
        ForwardResult f = s.layer.forward(s.x, s.T, B, s.h0, s.c0);
        assertNoDenormal("forward out", f.out());
        assertNoDenormal("forward hN", f.hN());
        assertNoDenormal("forward cN", f.cN());
        if (data == Data.DECAY) {
            // the flush really happened: the states decayed all the way to exactly zero
            assertThat(f.hN()).containsOnly(0f);
        }
        ForwardResult inf = s.layer.infer(s.x, s.T, B, s.h0, s.c0);
        assertNoDenormal("infer out", inf.out());
        assertNoDenormal("infer hN", inf.hN());
        assertNoDenormal("infer cN", inf.cN());

        RecurrentStream stream = RecurrentStream.of(s.layer, B);
        stream.setState(s.h0, s.c0);
        float[] hState = new float[2 * B * H];
        float[] cState = cell == CellType.LSTM ? new float[2 * B * H] : null;
        for (int t = 0; t < s.T; t++) {
            assertNoDenormal("stream h at step " + t, stream.step(s.x, t * B * I));
            stream.copyState(hState, cState);
            assertNoDenormal("stream state h at step " + t, hState);
            assertNoDenormal("stream state c at step " + t, cState);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gradientsAreNeverDenormalFromNormalRangeData(Data data, CellType cell) {
        Setup s = setup(data, cell);
        s.layer.zeroGrad();
        s.layer.forward(s.x, s.T, B, s.h0, s.c0);
        BackwardResult b = s.layer.backward(s.dout, null, null);
        // dc is a gate kernel's output for any data (guarantee 1)
        assertNoDenormal("dc0", b.dc0());
        if (data == Data.TINY) {
            // guarantee 3: products of 1e-20 inputs and 1e-20 weights are denormal and returned as such
            return;
        }
        assertNoDenormal("dx", b.dx());
        assertNoDenormal("dh0", b.dh0());
        for (Parameter p : s.layer.parameters()) {
            assertNoDenormal(p.name() + ".grad", p.grad());
        }
    }
}
