package dev.vecrnn.nn;

import dev.vecrnn.kernel.MatVec;
import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.mem.ThreadTeam;

/**
 * The forward pass of one layer, on one worker of a team: the input projection, then the time
 * loop. Both a layer's passes and a stream's steps run it, on a {@link ForwardFrame}.
 *
 * <p>The time loop: per step, each worker multiplies {@code h_{t-1}} by its columns of the
 * gate-interleaved {@code W_hhᵀ} (all gates of its own block-aligned hidden units, see
 * {@link PackedWeights}) and runs the fused gate kernel over its units, for the forward direction
 * at step {@code s} and the reverse direction at step {@code steps-1-s} together, and meets the
 * others at one barrier. With projections the gate kernels write {@code r_t}, and after a second
 * barrier each worker projects its columns of P: {@code h_t = r_t·W_hrᵀ}.
 *
 * <p>Products are GEMMs ({@code Sgemm.sgemmPacked}); a stream's products of one row are
 * matrix-vector products ({@code MatVec}, see {@link ForwardFrame#matVecForOneRow}). Both compute
 * every element by the same sequence of fused multiply-adds, so the choice changes no bit.
 */
final class ForwardLoop {
    private ForwardLoop() {}

    /** The input projection, this worker's share of the rows: biases first, then += X·W_ihᵀ. */
    static void projectRows(ForwardFrame f, int worker, int workers) {
        final int dgh = f.conf.dgh;
        final int in = f.conf.inputWidth(f.packed.layer);
        final int N = f.layout.rows;
        final float[] gx = f.gates;
        final float[] bias = f.packed.bias;
        int r0 = share(N, TeamSplit.ROW_GRANULE, worker, workers);
        int r1 = share(N, TeamSplit.ROW_GRANULE, worker + 1, workers);
        for (int r = r0; r < r1; r++) {
            System.arraycopy(bias, 0, gx, r * dgh, dgh);
        }
        if (r1 > r0) {
            product(f, r1 - r0, f.x, f.xOff + r0 * in, in, f.packed.input, 0, dgh, 1f, gx, r0 * dgh, dgh);
        }
    }

    /**
     * The input projection of every row, this worker's units {@code [u0, u1)} of every gate and
     * direction: for few rows (a stream's step), where splitting rows would leave workers idle.
     * The time loop over the same units reads only these columns, so no barrier is needed between.
     */
    static void projectColumns(ForwardFrame f, int u0, int u1) {
        if (u1 <= u0) {
            return;
        }
        final LayerConf conf = f.conf;
        final int dgh = conf.dgh;
        final int in = conf.inputWidth(f.packed.layer);
        final int N = f.layout.rows;
        final int n = u1 - u0;
        final float[] gx = f.gates;
        final float[] bias = f.packed.bias;
        for (int d = 0; d < conf.directions; d++) {
            for (int g = 0; g < conf.gates; g++) {
                int c0 = d * conf.gh + g * conf.hidden + u0;
                for (int r = 0; r < N; r++) {
                    System.arraycopy(bias, c0, gx, r * dgh + c0, n);
                }
                product(f, N, f.x, f.xOff, in, f.packed.input, c0, c0 + n, 1f, gx, 0, dgh);
            }
        }
    }

    /** First hidden unit of {@code worker}'s share: whole interleaving blocks. */
    static int unitStart(ForwardFrame f, int worker, int workers) {
        return share(f.conf.hidden, f.packed.unitBlock, worker, workers);
    }

    /** First column of P of {@code worker}'s share: whole panels of the packed W_hrᵀ (0 without projections). */
    static int projStart(ForwardFrame f, int worker, int workers) {
        return f.conf.projected ? share(f.conf.proj, f.packed.projectionGranule(), worker, workers) : 0;
    }

    /** {@link ThreadTeam#split}, without its divisions for a worker alone (a stream's every step). */
    private static int share(int n, int granule, int worker, int workers) {
        return workers == 1 ? (worker == 0 ? 0 : n) : ThreadTeam.split(n, granule, worker, workers);
    }

    /**
     * The time loop over this worker's hidden units: forward step s and reverse step steps-1-s
     * together. Workers meet between steps; with {@code syncAfterLastStep} also after the last (when
     * another layer reads this one's outputs within the same team job).
     */
    static void run(ForwardFrame f, int worker, int workers, boolean syncAfterLastStep) {
        final LayerConf conf = f.conf;
        final int steps = f.layout.steps;
        final boolean reverse = conf.directions == 2;
        final int u0 = unitStart(f, worker, workers);
        final int u1 = unitStart(f, worker + 1, workers);
        final int p0 = projStart(f, worker, workers);
        final int p1 = projStart(f, worker + 1, workers);
        for (int s = 0; s < steps; s++) {
            if (u0 < u1) {
                step(f, 0, s, u0, u1);
                if (reverse) {
                    step(f, 1, steps - 1 - s, u0, u1);
                }
            }
            if (conf.projected) {
                // h_t = r_t·W_hrᵀ needs r_t of every unit: a second barrier per step
                TeamSplit.sync(f.team, workers);
                if (p0 < p1) {
                    projectHidden(f, 0, s, p0, p1);
                    if (reverse) {
                        projectHidden(f, 1, steps - 1 - s, p0, p1);
                    }
                }
            }
            if (s < steps - 1 || syncAfterLastStep) {
                TeamSplit.sync(f.team, workers);
            }
        }
    }

    /**
     * Step t of direction d as its (at most two) row segments, split by where their previous
     * states are: the rows that continue a sequence (their previous state is a row of the step
     * before, or, forward at t = 0, of the initial block), then, in the reverse direction, the rows
     * whose sequence starts at step t and so read the reverse initial block.
     */
    private static void step(ForwardFrame f, int d, int t, int u0, int u1) {
        final SequenceLayout l = f.layout;
        final ForwardFrame.StateRows h = f.h;
        final ForwardFrame.StateRows c = f.c;
        final int rows = l.active[t];
        final int cont = l.continuingRows(d, t);
        if (d == 0 && t == 0) {
            segment(f, 0, 0, 0, rows, h.init, h.initOff, c.init, c.initOff, u0, u1);
        } else {
            int prev = l.rowStart[d == 0 ? t - 1 : t + 1];
            segment(f, d, t, 0, cont, h.steps, h.stepsOff + prev * f.conf.ds, c.steps, c.stepsOff + prev * f.conf.dh,
                    u0, u1);
        }
        if (cont < rows) {
            segment(f, d, t, cont, rows, h.init, h.reverseInitOff, c.init, c.reverseInitOff, u0, u1);
        }
    }

    /**
     * Rows [r0, r1) of step t, direction d, whose previous h is row r of {@code hPrev} from
     * {@code hPrevBase} (and previous c likewise, unless c is updated in place).
     */
    private static void segment(ForwardFrame f, int d, int t, int r0, int r1, float[] hPrev, int hPrevBase,
                                float[] cPrev, int cPrevBase, int u0, int u1) {
        if (r1 <= r0) {
            return;
        }
        final LayerConf conf = f.conf;
        final int H = conf.hidden;
        final int G = conf.gates;
        final int GH = conf.gh;
        final int DGH = conf.dgh;
        final int DH = conf.dh;
        final int DS = conf.ds;
        final PackedWeights w = f.packed;
        final ForwardFrame.StateRows h = f.h;
        final ForwardFrame.StateRows c = f.c;
        final boolean save = f.save;
        final int m = r1 - r0;
        final int gRow = f.layout.rowStart[t] + r0;
        // only the worker owning unit 0 times the steps (LayerProbe)
        final boolean timed = u0 == 0 && f.probe.on();
        final long t0 = timed ? System.nanoTime() : 0L;
        final int hPrevAt = hPrevBase + r0 * DS + d * conf.state;
        product(f, m, hPrev, hPrevAt, DS, w.recurrent[d], G * u0, G * u1, 0f, f.gh, r0 * DGH + d * GH, DGH);
        final long t1 = timed ? System.nanoTime() : 0L;
        // offsets of row r0, unit 0 of direction d (h-shaped ones have S == H wherever a kernel reads them)
        final int hNextAt = h.stepsOff + gRow * DS + d * conf.state;
        final float[] cPrevRows = c.inPlace ? c.init : cPrev;
        final int cPrevAt = (c.inPlace ? c.initOff : cPrevBase) + r0 * DH + d * H;
        final int cNextAt = c.inPlace ? cPrevAt : c.stepsOff + gRow * DH + d * H;
        // with projections the kernel's output is r, which projectHidden() turns into h
        final float[] out = conf.projected ? f.r : h.steps;
        final int outAt = conf.projected ? (save ? gRow : r0) * DH + d * H : hNextAt;
        final int gxAt = gRow * DGH + d * GH;
        final int ghAt = r0 * DGH + d * GH;
        final int hnAt = gRow * DH + d * H;
        // one gate: interleaving leaves the columns in unit order, so one kernel call covers every block
        final int block = G == 1 ? u1 - u0 : w.unitBlock;
        for (int ub = u0; ub < u1; ub += block) {
            int width = Math.min(block, u1 - ub);
            PostGemm.forward(conf.cell, f.identity, m, width, f.gates, gxAt + ub, H, f.gh, ghAt + G * ub, width, DGH,
                    w.bhn, d * H + ub, hPrev, hPrevAt + ub, cPrevRows, cPrevAt + ub, c.steps, cNextAt + ub,
                    out, outAt + ub, f.hn, hnAt + ub, DH, save);
        }
        if (timed) {
            f.probe.step(t1 - t0, System.nanoTime() - t1);
        }
    }

    /** Projections: columns [p0, p1) of h_t = r_t·W_hrᵀ for every row of step t, direction d. */
    private static void projectHidden(ForwardFrame f, int d, int t, int p0, int p1) {
        final LayerConf conf = f.conf;
        final SequenceLayout l = f.layout;
        final int rRow = f.save ? l.rowStart[t] : 0;
        product(f, l.active[t], f.r, rRow * conf.dh + d * conf.hidden, conf.dh, f.packed.projection[d], p0, p1,
                0f, f.h.steps, f.h.stepsOff + l.rowStart[t] * conf.ds + d * conf.state, conf.ds);
    }

    /**
     * {@code C[:, n0:n1] = A·B[:, n0:n1] + beta*C[:, n0:n1]} for {@code m} rows of A: a GEMM, or a
     * matrix-vector product for one row where the frame asks for it.
     */
    private static void product(ForwardFrame f, int m, float[] a, int offA, int lda, PackedMatrix b, int n0, int n1,
                                float beta, float[] c, int offC, int ldc) {
        if (m == 1 && f.matVecForOneRow) {
            MatVec.packed(1f, a, offA, b, n0, n1, beta, c, offC);
        } else {
            Sgemm.sgemmPacked(false, m, 1f, a, offA, lda, b, n0, n1, beta, c, offC, ldc);
        }
    }
}
