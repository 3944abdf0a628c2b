package dev.vecrnn.nn;

import dev.vecrnn.kernel.GateKernels;
import dev.vecrnn.kernel.IdentityGateKernels;

/**
 * The one dispatch point from the time loops to the fused gate kernels ("post-GEMM" work): cell ×
 * {activations, identity}. The identity kernels are the "skip non-linear" test mode.
 *
 * <p>A static switch, not an interface per cell: the call sites stay monomorphic however many
 * cell types a JVM runs, and the kernels, static methods themselves, can be inlined into it.
 * Each method takes the union of the cells' arguments (see {@link GateKernels} for the layouts);
 * a cell ignores the arrays it has no use for, which may then be null.
 */
final class PostGemm {
    private PostGemm() {}

    /**
     * One forward tile of {@code rows x n} units: gates from {@code gx} (input projection plus
     * biases, gate stride {@code gsX}) and {@code gh} (recurrent product, gate stride
     * {@code gsH}), both with leading dimension {@code ldG}; writes the new state {@code h} (for
     * an LSTM with projections, r) and, for an LSTM, c. With {@code save} it keeps what backward
     * reads: the activations in {@code gx} and, for a GRU, {@code hn}.
     */
    static void forward(CellType cell, boolean identity, int rows, int n,
                        float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                        float[] bhn, int offBhn, float[] hPrev, int offHPrev,
                        float[] cPrev, int offCPrev, float[] c, int offC,
                        float[] h, int offH, float[] hn, int offHn, int ldS, boolean save) {
        switch (cell) {
            case LSTM -> {
                if (identity) {
                    IdentityGateKernels.lstmForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG,
                            cPrev, offCPrev, c, offC, h, offH, ldS, save);
                } else {
                    GateKernels.lstmForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG,
                            cPrev, offCPrev, c, offC, h, offH, ldS, save);
                }
            }
            case GRU -> {
                if (identity) {
                    IdentityGateKernels.gruForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG, bhn, offBhn,
                            hPrev, offHPrev, h, offH, hn, offHn, ldS, save);
                } else {
                    GateKernels.gruForward(rows, n, gx, offGx, gsX, gh, offGh, gsH, ldG, bhn, offBhn,
                            hPrev, offHPrev, h, offH, hn, offHn, ldS, save);
                }
            }
            case RNN_TANH -> {
                if (identity) {
                    IdentityGateKernels.rnnForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
                } else {
                    GateKernels.rnnTanhForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
                }
            }
            case RNN_RELU -> {
                if (identity) {
                    IdentityGateKernels.rnnForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
                } else {
                    GateKernels.rnnReluForward(rows, n, gx, offGx, gh, offGh, ldG, h, offH, ldS);
                }
            }
        }
    }

    /**
     * One backward tile of {@code rows x n} units: from the saved activations {@code act} and
     * states (LSTM: {@code cPrev}, {@code c}; GRU: {@code hn}, {@code hPrev}; RNN: the step's
     * output {@code h}), the output gradient {@code dout} and the recurrent gradient {@code dh},
     * writes the pre-activation gradients {@code dG} (gate stride {@code gs}, leading dimension
     * {@code ldG}; for an RNN state-shaped) and updates {@code dc} (LSTM) or {@code dh} and
     * {@code dnx} (GRU) as {@link GateKernels} describes.
     */
    static void backward(CellType cell, boolean identity, int rows, int n,
                         float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                         float[] cPrev, int offCPrev, float[] c, int offC,
                         float[] hn, int offHn, float[] hPrev, int offHPrev, float[] h, int offH,
                         float[] dout, int offDout, float[] dh, int offDh,
                         float[] dc, int offDc, float[] dnx, int offDnx, int ldS) {
        switch (cell) {
            case LSTM -> {
                if (identity) {
                    IdentityGateKernels.lstmBackward(rows, n, act, offAct, dG, offDG, gs, ldG, cPrev, offCPrev,
                            c, offC, dout, offDout, dh, offDh, dc, offDc, ldS);
                } else {
                    GateKernels.lstmBackward(rows, n, act, offAct, dG, offDG, gs, ldG, cPrev, offCPrev,
                            c, offC, dout, offDout, dh, offDh, dc, offDc, ldS);
                }
            }
            case GRU -> {
                if (identity) {
                    IdentityGateKernels.gruBackward(rows, n, act, offAct, dG, offDG, gs, ldG, hn, offHn,
                            hPrev, offHPrev, dout, offDout, dh, offDh, dnx, offDnx, ldS);
                } else {
                    GateKernels.gruBackward(rows, n, act, offAct, dG, offDG, gs, ldG, hn, offHn,
                            hPrev, offHPrev, dout, offDout, dh, offDh, dnx, offDnx, ldS);
                }
            }
            case RNN_TANH -> {
                if (identity) {
                    IdentityGateKernels.rnnBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
                } else {
                    GateKernels.rnnTanhBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
                }
            }
            case RNN_RELU -> {
                if (identity) {
                    IdentityGateKernels.rnnBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
                } else {
                    GateKernels.rnnReluBackward(rows, n, h, offH, dout, offDout, dh, offDh, dG, offDG, ldS);
                }
            }
        }
    }
}
