package dev.vecrnn.nn;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.mem.ThreadTeam;

import java.util.Arrays;

/**
 * The weight, bias and input gradients of one layer after its backward time loop, each one GEMM
 * or reduction over all rows, a team job on a {@link BackwardFrame}. The weight-gradient GEMMs
 * split by rows of the weight matrices (gate rows of all directions), {@code dX} by rows of the
 * pass; no reduction over rows is split, so the sums are the same for any team size.
 */
final class WeightGradients implements ThreadTeam.Job {
    private final BackwardFrame f;

    WeightGradients(BackwardFrame frame) {
        this.f = frame;
    }

    @Override
    public void run(int worker, int workers) {
        final LayerConf conf = f.conf;
        final LayerParameters p = f.params;
        final int N = f.layout.rows;
        final int H = conf.hidden;
        final int GH = conf.gh;
        final int D = conf.directions;
        final int DH = conf.dh;
        final int S = conf.state;
        final int DS = conf.ds;
        final int DGH = conf.dgh;
        final int in = f.in;
        final int k = f.layer;
        final float[] dG = f.dG;
        final float[] bsum = f.bsum;
        final int m0 = ThreadTeam.split(DGH, TeamSplit.GATE_ROW_GRANULE, worker, workers);
        final int m1 = ThreadTeam.split(DGH, TeamSplit.GATE_ROW_GRANULE, worker + 1, workers);
        final int r0 = ThreadTeam.split(N, TeamSplit.ROW_GRANULE, worker, workers);
        final int r1 = ThreadTeam.split(N, TeamSplit.ROW_GRANULE, worker + 1, workers);

        if (f.gatherPrev) {
            gatherPrevious(r0, r1);
            TeamSplit.sync(f.team, workers);
        }
        // hidden side: dW_hh += dGhᵀ·H_prev, db_hh += column sums of dGh
        for (int d = 0; d < D; d++) {
            int a = Math.max(m0, d * GH);
            int b = Math.min(m1, (d + 1) * GH);
            if (b > a) {
                Sgemm.sgemm(true, false, b - a, S, N, 1f, dG, a, DGH, f.prev, f.prevOff[d], DS,
                        1f, p.gWhh[conf.slot(k, d)], (a - d * GH) * S, S);
            }
        }
        if (conf.projected) {
            // projections: dW_hr += dHᵀ·R over all rows, split by rows of W_hr of all directions
            final int q0 = ThreadTeam.split(DS, TeamSplit.GATE_ROW_GRANULE, worker, workers);
            final int q1 = ThreadTeam.split(DS, TeamSplit.GATE_ROW_GRANULE, worker + 1, workers);
            for (int d = 0; d < D; d++) {
                int a = Math.max(q0, d * S);
                int b = Math.min(q1, (d + 1) * S);
                if (b > a) {
                    Sgemm.sgemm(true, false, b - a, H, N, 1f, f.dhTotal, a, DS, f.r, d * H, DH,
                            1f, p.gWhr[conf.slot(k, d)], (a - d * S) * H, H);
                }
            }
        }
        if (m1 > m0) {
            Arrays.fill(bsum, m0, m1, 0f);
            Blas1.columnSums(N, m1 - m0, dG, m0, DGH, bsum, m0);
            addBias(p.gBhh, m0, m1);
        }
        if (conf.gru) {
            // turn dGh into dGx: the n gate's input-side gradient lacks the factor r
            TeamSplit.sync(f.team, workers);
            for (int r = r0; r < r1; r++) {
                for (int d = 0; d < D; d++) {
                    System.arraycopy(f.dnx, r * DH + d * H, dG, r * DGH + d * GH + 2 * H, H);
                }
            }
            TeamSplit.sync(f.team, workers);
            if (m1 > m0) {
                Arrays.fill(bsum, m0, m1, 0f);
                Blas1.columnSums(N, m1 - m0, dG, m0, DGH, bsum, m0);
            }
        }
        // input side: db_ih (equal to db_hh except GRU's n gate), dW_ih += dGxᵀ·X, dX = dGx·W_ih
        if (m1 > m0) {
            addBias(p.gBih, m0, m1);
        }
        for (int d = 0; d < D; d++) {
            int a = Math.max(m0, d * GH);
            int b = Math.min(m1, (d + 1) * GH);
            if (b > a) {
                Sgemm.sgemm(true, false, b - a, in, N, 1f, dG, a, DGH, f.layerIn, f.layerInOff, in,
                        1f, p.gWih[conf.slot(k, d)], (a - d * GH) * in, in);
            }
        }
        if (r1 > r0) {
            Sgemm.sgemmPacked(false, r1 - r0, 1f, dG, r0 * DGH, DGH, f.inputBack, 0, in, 0f, f.dx, r0 * in, in);
        }
    }

    /** Adds bsum[m0, m1) (gate rows of all directions) into the bias gradients of the frame's layer. */
    private void addBias(float[][] grads, int m0, int m1) {
        final LayerConf conf = f.conf;
        final int GH = conf.gh;
        for (int d = 0; d < conf.directions; d++) {
            int a = Math.max(m0, d * GH);
            int b = Math.min(m1, (d + 1) * GH);
            if (b > a) {
                Blas1.axpy(b - a, 1f, f.bsum, a, grads[conf.slot(f.layer, d)], a - d * GH);
            }
        }
    }

    /** Copies each row's previous h (both directions) into row r of the gathered buffer, rows [r0, r1). */
    private void gatherPrevious(int r0, int r1) {
        final SequenceLayout l = f.layout;
        final int S = f.conf.state;
        final int DS = f.conf.ds;
        final float[] states = f.states;
        final float[] prev = f.prev;
        for (int t = 0; t < l.steps; t++) {
            int lo = Math.max(r0, l.rowStart[t]);
            int hi = Math.min(r1, l.rowStart[t + 1]);
            for (int r = lo; r < hi; r++) {
                int i = r - l.rowStart[t];
                int fwd = l.previousBase(0, t) + i;
                System.arraycopy(states, fwd * DS, prev, r * DS, S);
                if (f.conf.directions == 2) {
                    int rev = i < l.continuingRows(1, t) ? l.previousBase(1, t) + i : l.reverseInitialBase() + i;
                    System.arraycopy(states, rev * DS + S, prev, r * DS + S, S);
                }
            }
        }
    }
}
