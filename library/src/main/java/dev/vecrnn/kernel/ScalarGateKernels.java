package dev.vecrnn.kernel;

/**
 * Scalar twins of the fused gate kernels in {@link GateKernels} (same signatures, same layouts;
 * see there for the meaning of every argument): per element the operations of the vector kernels
 * ({@link VectorGateKernels}) in the same order, with the activations of {@link ScalarActivations},
 * so every output has exactly the bits of the vector path at any width. The scalar path
 * ({@code -Dvecrnn.vectorBits=0}, or no {@code jdk.incubator.vector}), and the vector kernels' tails.
 * Like them, the forward kernels write the activated gates to {@code gx} with {@code save} and
 * otherwise to the scratch {@code gh} tile.
 *
 * <p>Stored states and gradients are flushed to zero below the float normal range ({@link #ftz}):
 * a cell state that decays by a forget factor every step would otherwise become denormal after
 * a few hundred steps and slow every later operation on it by orders of magnitude. The flushed
 * magnitudes are below 1.2e-38, far under any tolerance.
 */
public final class ScalarGateKernels {
    private ScalarGateKernels() {}

    /** {@code x}, or 0 if {@code |x|} is below the smallest normal float (NaN stays NaN). */
    static float ftz(float x) {
        return Math.abs(x) < Float.MIN_NORMAL ? 0f : x;
    }

    public static void lstmForward(int rows, int n,
                                   float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                                   float[] cPrev, int offCPrev, float[] c, int offC, float[] h, int offH, int ldS,
                                   boolean save) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                float i = ScalarActivations.sigmoid(gx[x + j] + gh[y + j]);
                float f = ScalarActivations.sigmoid(gx[x + gsX + j] + gh[y + gsH + j]);
                float g = ScalarActivations.tanh(gx[x + 2 * gsX + j] + gh[y + 2 * gsH + j]);
                float o = ScalarActivations.sigmoid(gx[x + 3 * gsX + j] + gh[y + 3 * gsH + j]);
                float cNew = ftz(f * cPrev[offCPrev + s + j] + i * g);
                c[offC + s + j] = cNew;
                h[offH + s + j] = ftz(o * ScalarActivations.tanh(cNew));
                if (save) {
                    gx[x + j] = i;
                    gx[x + gsX + j] = f;
                    gx[x + 2 * gsX + j] = g;
                    gx[x + 3 * gsX + j] = o;
                } else {
                    gh[y + j] = i;
                    gh[y + gsH + j] = f;
                    gh[y + 2 * gsH + j] = g;
                    gh[y + 3 * gsH + j] = o;
                }
            }
        }
    }

    public static void lstmBackward(int rows, int n,
                                    float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                                    float[] cPrev, int offCPrev, float[] c, int offC,
                                    float[] dout, int offDout, float[] dh, int offDh, float[] dc, int offDc, int ldS) {
        for (int r = 0; r < rows; r++) {
            int a = offAct + r * ldG;
            int d = offDG + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                float i = act[a + j];
                float f = act[a + gs + j];
                float g = act[a + 2 * gs + j];
                float o = act[a + 3 * gs + j];
                float tc = ScalarActivations.tanh(c[offC + s + j]);
                float dhT = dout[offDout + s + j] + dh[offDh + s + j];
                float dcT = dc[offDc + s + j] + dhT * o * (1f - tc * tc);
                dG[d + j] = ftz(dcT * g * i * (1f - i));
                dG[d + gs + j] = ftz(dcT * cPrev[offCPrev + s + j] * f * (1f - f));
                dG[d + 2 * gs + j] = ftz(dcT * i * (1f - g * g));
                dG[d + 3 * gs + j] = ftz(dhT * tc * o * (1f - o));
                dc[offDc + s + j] = ftz(dcT * f);
            }
        }
    }

    public static void gruForward(int rows, int n,
                                  float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                                  float[] bhn, int offBhn,
                                  float[] hPrev, int offHPrev, float[] h, int offH, float[] hn, int offHn, int ldS,
                                  boolean save) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                float rg = ScalarActivations.sigmoid(gx[x + j] + gh[y + j]);
                float z = ScalarActivations.sigmoid(gx[x + gsX + j] + gh[y + gsH + j]);
                float hnj = gh[y + 2 * gsH + j] + bhn[offBhn + j];
                float nn = ScalarActivations.tanh(gx[x + 2 * gsX + j] + rg * hnj);
                float hp = hPrev[offHPrev + s + j];
                h[offH + s + j] = ftz(nn + z * (hp - nn));
                if (save) {
                    gx[x + j] = rg;
                    gx[x + gsX + j] = z;
                    gx[x + 2 * gsX + j] = nn;
                    hn[offHn + s + j] = hnj;
                } else {
                    gh[y + j] = rg;
                    gh[y + gsH + j] = z;
                }
            }
        }
    }

    public static void gruBackward(int rows, int n,
                                   float[] act, int offAct, float[] dG, int offDG, int gs, int ldG,
                                   float[] hn, int offHn, float[] hPrev, int offHPrev,
                                   float[] dout, int offDout, float[] dh, int offDh, float[] dnx, int offDnx, int ldS) {
        for (int r = 0; r < rows; r++) {
            int a = offAct + r * ldG;
            int d = offDG + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                float rg = act[a + j];
                float z = act[a + gs + j];
                float nn = act[a + 2 * gs + j];
                float dhT = dout[offDout + s + j] + dh[offDh + s + j];
                float dnPre = dhT * (1f - z) * (1f - nn * nn);
                float dzPre = dhT * (hPrev[offHPrev + s + j] - nn) * z * (1f - z);
                float drPre = dnPre * hn[offHn + s + j] * rg * (1f - rg);
                dG[d + j] = ftz(drPre);
                dG[d + gs + j] = ftz(dzPre);
                dG[d + 2 * gs + j] = ftz(dnPre * rg);
                dnx[offDnx + s + j] = ftz(dnPre);
                dh[offDh + s + j] = ftz(dhT * z);
            }
        }
    }

    public static void rnnTanhForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                                      float[] h, int offH, int ldS) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = offH + r * ldS;
            for (int j = 0; j < n; j++) {
                h[s + j] = ScalarActivations.tanh(gx[x + j] + gh[y + j]); // never denormal: no flush (it would turn -0 into +0)
            }
        }
    }

    public static void rnnReluForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                                      float[] h, int offH, int ldS) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = offH + r * ldS;
            for (int j = 0; j < n; j++) {
                float p = gx[x + j] + gh[y + j];
                h[s + j] = p < 0f ? 0f : ftz(p);
            }
        }
    }

    public static void rnnTanhBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                       float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        for (int r = 0; r < rows; r++) {
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                float y = h[offH + s + j];
                float dhT = dout[offDout + s + j] + dh[offDh + s + j];
                dG[offDG + s + j] = ftz(dhT * (1f - y * y));
            }
        }
    }

    public static void rnnReluBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                       float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        for (int r = 0; r < rows; r++) {
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                float dhT = dout[offDout + s + j] + dh[offDh + s + j];
                dG[offDG + s + j] = h[offH + s + j] > 0f ? ftz(dhT) : 0f;
            }
        }
    }
}
