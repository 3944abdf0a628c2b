package dev.vecrnn.kernel;

/**
 * The gate kernels of {@link GateKernels} with every activation (sigmoid, tanh, relu) replaced
 * by the identity, and no flush to zero: a testing mode only (oneDNN's "skip non-linear").
 * A vanilla RNN becomes exactly linear and LSTM/GRU become low-degree polynomials per step, so
 * gradients through hundreds of timesteps neither vanish nor saturate and can be checked
 * tightly against a reference. Same signatures and layouts as {@link ScalarGateKernels}.
 */
public final class IdentityGateKernels {
    private IdentityGateKernels() {}

    public static void lstmForward(int rows, int n,
                                   float[] gx, int offGx, int gsX, float[] gh, int offGh, int gsH, int ldG,
                                   float[] cPrev, int offCPrev, float[] c, int offC, float[] h, int offH, int ldS,
                                   boolean save) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                float i = gx[x + j] + gh[y + j];
                float f = gx[x + gsX + j] + gh[y + gsH + j];
                float g = gx[x + 2 * gsX + j] + gh[y + 2 * gsH + j];
                float o = gx[x + 3 * gsX + j] + gh[y + 3 * gsH + j];
                float cNew = f * cPrev[offCPrev + s + j] + i * g;
                c[offC + s + j] = cNew;
                h[offH + s + j] = o * cNew;
                if (save) {
                    gx[x + j] = i;
                    gx[x + gsX + j] = f;
                    gx[x + 2 * gsX + j] = g;
                    gx[x + 3 * gsX + j] = o;
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
                float cj = c[offC + s + j];
                float dhT = dout[offDout + s + j] + dh[offDh + s + j];
                float dcT = dc[offDc + s + j] + dhT * o;
                dG[d + j] = dcT * g;
                dG[d + gs + j] = dcT * cPrev[offCPrev + s + j];
                dG[d + 2 * gs + j] = dcT * i;
                dG[d + 3 * gs + j] = dhT * cj;
                dc[offDc + s + j] = dcT * f;
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
                float rg = gx[x + j] + gh[y + j];
                float z = gx[x + gsX + j] + gh[y + gsH + j];
                float hnj = gh[y + 2 * gsH + j] + bhn[offBhn + j];
                float nn = gx[x + 2 * gsX + j] + rg * hnj;
                float hp = hPrev[offHPrev + s + j];
                h[offH + s + j] = nn + z * (hp - nn);
                if (save) {
                    gx[x + j] = rg;
                    gx[x + gsX + j] = z;
                    gx[x + 2 * gsX + j] = nn;
                    hn[offHn + s + j] = hnj;
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
                float dnPre = dhT * (1f - z);
                float dzPre = dhT * (hPrev[offHPrev + s + j] - nn);
                float drPre = dnPre * hn[offHn + s + j];
                dG[d + j] = drPre;
                dG[d + gs + j] = dzPre;
                dG[d + 2 * gs + j] = dnPre * rg;
                dnx[offDnx + s + j] = dnPre;
                dh[offDh + s + j] = dhT * z;
            }
        }
    }

    public static void rnnForward(int rows, int n, float[] gx, int offGx, float[] gh, int offGh, int ldG,
                                  float[] h, int offH, int ldS) {
        for (int r = 0; r < rows; r++) {
            int x = offGx + r * ldG;
            int y = offGh + r * ldG;
            int s = offH + r * ldS;
            for (int j = 0; j < n; j++) {
                h[s + j] = gx[x + j] + gh[y + j];
            }
        }
    }

    public static void rnnBackward(int rows, int n, float[] h, int offH, float[] dout, int offDout,
                                   float[] dh, int offDh, float[] dG, int offDG, int ldS) {
        for (int r = 0; r < rows; r++) {
            int s = r * ldS;
            for (int j = 0; j < n; j++) {
                dG[offDG + s + j] = dout[offDout + s + j] + dh[offDh + s + j];
            }
        }
    }
}
