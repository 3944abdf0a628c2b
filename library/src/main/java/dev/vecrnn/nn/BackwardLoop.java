package dev.vecrnn.nn;

import dev.vecrnn.kernel.Blas1;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.mem.ThreadTeam;

/**
 * The backward time loop of one layer, a team job on a {@link BackwardFrame}: the forward
 * direction from its last step down, the reverse direction from step 0 up, together. Per step
 * each worker runs the fused gate backward over its hidden units (one segment per group of rows
 * sharing where their previous state is, as in the forward loop), meets the others at a barrier,
 * then forms its columns of {@code dh_{t-1} = dG_t·W_hh}.
 *
 * <p>With projections each step starts with one more phase and barrier: each worker sums
 * {@code dL/dh_t} (output plus recurrent gradient, saved for {@code dW_hr}) over its columns of
 * P; the gate phase then forms {@code dr_t = dh_t·W_hr} for the worker's units and takes it as
 * the gate kernel's output gradient; and the recurrent-gradient columns are columns of P.
 */
final class BackwardLoop implements ThreadTeam.Job {
    private final BackwardFrame f;

    BackwardLoop(BackwardFrame frame) {
        this.f = frame;
    }

    @Override
    public void run(int worker, int workers) {
        final LayerConf conf = f.conf;
        final int steps = f.layout.steps;
        final boolean reverse = conf.directions == 2;
        final boolean projected = conf.projected;
        final int block = f.packs.unitBlock(f.layer);
        final int u0 = ThreadTeam.split(conf.hidden, block, worker, workers);
        final int u1 = ThreadTeam.split(conf.hidden, block, worker + 1, workers);
        final int granule = projected ? Math.max(1, f.packs.projectionBack(0).panelWidth()) : 1;
        final int p0 = projected ? ThreadTeam.split(conf.proj, granule, worker, workers) : 0;
        final int p1 = projected ? ThreadTeam.split(conf.proj, granule, worker + 1, workers) : 0;
        // the columns of dh this worker forms: hidden units, or with projections columns of P
        final int c0 = projected ? p0 : u0;
        final int c1 = projected ? p1 : u1;
        // only the worker owning unit 0 times the steps (LayerProbe), and only without projections
        final boolean timed = !projected && u0 == 0 && u0 < u1 && f.probe.on();
        for (int s = 0; s < steps; s++) {
            int tf = steps - 1 - s;
            if (projected) {
                if (p0 < p1) {
                    totalGradient(0, tf, p0, p1);
                    if (reverse) {
                        totalGradient(1, s, p0, p1);
                    }
                }
                TeamSplit.sync(f.team, workers);
            }
            final long t0 = timed ? System.nanoTime() : 0L;
            if (u0 < u1) {
                gates(0, tf, u0, u1);
                if (reverse) {
                    gates(1, s, u0, u1);
                }
            }
            final long t1 = timed ? System.nanoTime() : 0L;
            TeamSplit.sync(f.team, workers);
            final long t2 = timed ? System.nanoTime() : 0L;
            if (c0 < c1) {
                recurrentGradient(0, tf, c0, c1);
                if (reverse) {
                    recurrentGradient(1, s, c0, c1);
                }
            }
            if (timed) {
                f.probe.step(System.nanoTime() - t2, t1 - t0);
            }
        }
    }

    /** Projections: dhTotal[rows of step t, columns p0..p1) = dout_t + dh (the recurrent gradient). */
    private void totalGradient(int d, int t, int p0, int p1) {
        final SequenceLayout l = f.layout;
        final int DS = f.conf.ds;
        final int n = p1 - p0;
        final int col = d * f.conf.state + p0;
        for (int i = 0; i < l.active[t]; i++) {
            int row = (l.rowStart[t] + i) * DS + col;
            System.arraycopy(f.dout, row, f.dhTotal, row, n);
            Blas1.axpy(n, 1f, f.dh, i * DS + col, f.dhTotal, row);
        }
    }

    /**
     * The gate backward of step t, direction d, units [u0, u1), as its (at most two) row segments;
     * with projections first {@code dr_t = dhTotal_t·W_hr} for those units.
     */
    private void gates(int d, int t, int u0, int u1) {
        final LayerConf conf = f.conf;
        final SequenceLayout l = f.layout;
        if (conf.projected) {
            Sgemm.sgemmPacked(false, l.active[t], 1f, f.dhTotal, l.rowStart[t] * conf.ds + d * conf.state, conf.ds,
                    f.packs.projectionBack(d), u0, u1, 0f, f.dr, d * conf.hidden, conf.dh);
        }
        int rows = l.active[t];
        int cont = l.continuingRows(d, t);
        segment(d, t, 0, cont, l.previousBase(d, t), u0, u1);
        if (cont < rows) {
            segment(d, t, cont, rows, l.reverseInitialBase(), u0, u1);
        }
    }

    /** The fused gate backward of rows [r0, r1) of step t, direction d (previous states at state row prevBase + r). */
    private void segment(int d, int t, int r0, int r1, int prevBase, int u0, int u1) {
        if (r1 <= r0) {
            return;
        }
        final LayerConf conf = f.conf;
        final int H = conf.hidden;
        final int DH = conf.dh;
        final int DGH = conf.dgh;
        final int m = r1 - r0;
        final int n = u1 - u0;
        final int gRow = f.layout.rowStart[t] + r0;
        final int offG = gRow * DGH + d * conf.gh + u0;
        // state-shaped offsets: S == H for every cell whose kernel reads h here
        final int offPrev = (prevBase + r0) * DH + d * H + u0;
        final int offCur = (f.layout.B + gRow) * DH + d * H + u0;
        final int offRow = gRow * DH + d * H + u0;
        final int offDh = r0 * DH + d * H + u0;
        // with projections the whole gradient of r_t is in dr (one row per sequence); the recurrent input is zero
        final float[] dout = conf.projected ? f.dr : f.dout;
        final int offDout = conf.projected ? offDh : offRow;
        final float[] dh = conf.projected ? f.zeros : f.dh;
        PostGemm.backward(conf.cell, f.identity, m, n, f.act, offG, f.dG, offG, H, DGH,
                f.cells, offPrev, f.cells, offCur, f.hn, offRow, f.states, offPrev, f.states, offCur,
                dout, offDout, dh, offDh, f.dc, offDh, f.dnx, offRow, DH);
    }

    /**
     * dh[rows of step t, columns c0..c1) (+)= dG_t · W_hh: the gradient reaching the previous
     * states (columns are hidden units, or with projections columns of P).
     */
    private void recurrentGradient(int d, int t, int c0, int c1) {
        final LayerConf conf = f.conf;
        final SequenceLayout l = f.layout;
        // GRU's dL/dh_{t-1} has a direct term dh*z that the kernel leaves in dh; the GEMM adds to it
        final float beta = conf.gru ? 1f : 0f;
        Sgemm.sgemmPacked(false, l.active[t], 1f, f.dG, l.rowStart[t] * conf.dgh + d * conf.gh, conf.dgh,
                f.packs.recurrentBack(d), c0, c1, beta, f.dh, d * conf.state, conf.ds);
    }
}
