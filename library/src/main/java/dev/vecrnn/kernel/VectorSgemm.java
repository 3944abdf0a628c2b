package dev.vecrnn.kernel;

import java.util.Arrays;

/**
 * The Vector API SGEMM: GotoBLAS/BLIS structure with packed operands and register-blocked
 * micro-kernels ({@link SgemmMicroKernels}). Arguments are validated by {@link Sgemm}; this class
 * only runs when {@link VectorSupport#ENABLED}. The tile and block sizes come from an
 * {@link SgemmPlan}: the machine's ({@link #DEFAULT}, see {@link KernelContext}) or, in tests, any
 * other.
 *
 * <p><b>Blocking.</b> {@code op(B)} is cut into panels of {@code nr} = V vectors of columns
 * (V = {@link SgemmPlan#vectors()}), a panel's k rows contiguous ({@code nr} floats per k step);
 * {@code op(A)} into row tiles of {@code h} rows ({@code h} floats per k step, alpha applied while
 * packing). The k dimension is cut into blocks of at most {@link SgemmPlan#kc()} so that one B
 * panel block stays in L1 while every row tile runs over it. Two loop orders:
 * <ul>
 * <li><i>Panel order</i>, for small M (the RNN step {@code h[B,H] x W^T}, M = batch): all of the
 * packed A (at most {@link SgemmPlan#aResident()} floats) stays in L2; each B panel is then
 * streamed once, front to back through its k blocks, its C tile staying in L1. B, the big operand
 * here, is read exactly once and sequentially. A single row (M = 1) with a pre-packed B is a
 * matrix-vector product: {@link #gemv}, several panels at a time, no packing of A at all.
 * <li><i>Block order</i> (GotoBLAS), otherwise: column blocks of {@link SgemmPlan#nc()}, k blocks,
 * row blocks of {@link SgemmPlan#mc()} whose packed A stays in L2, then panels, then row tiles.
 * </ul>
 * B comes pre-packed ({@link PackedMatrix}, panels 64-byte aligned) or is packed per call into a
 * per-thread scratch. The main tile is {@code rows x V} ({@link SgemmPlan#mainTileRows}).
 *
 * <p><b>Tails.</b> A last row tile of r &lt; rows rows uses the smallest kernel height h &ge; r
 * ({@link SgemmTiles#tailHeight}) with zero rows packed below; a panel that sticks out of the
 * column range is computed with zero-padded B. Such a partial tile is computed into a small
 * scratch tile (valid C values copied in, results copied out), so the kernel never reads or
 * writes C outside the requested rows and columns. The K tail is simply a shorter k loop; the k
 * blocks are balanced ({@code k/ceil(k/kc)}), which is free because of the next point.
 *
 * <p><b>Determinism.</b> Every C element gets exactly this arithmetic, whatever kernel, tile,
 * k block, row or column split, thread count or vector width computes it:
 * {@code c = (beta == 0 ? 0 : beta == 1 ? C : beta*C)}, then for p = 0, 1, ..., k-1 in order
 * {@code c = fma(alpha*A[i][p], B[p][j], c)}, rounded to float after every step. A k block ends
 * by storing c to C and the next one resumes from it, which rounds nothing (c is already a
 * float), so blocking cannot change the value; zero padding only feeds lanes that are thrown
 * away. {@link ScalarSgemm} performs the same operations one element at a time, so the scalar
 * path gives the same bits as well.
 */
final class VectorSgemm {
    private VectorSgemm() {}

    /** Accumulators start at zero; C is not read (beta == 0 on the first k block). */
    static final int ZERO = 0;
    /** Accumulators start from C (beta == 1, or a later k block). */
    static final int LOAD = 1;
    /** Accumulators start from beta*C (first k block, beta not 0 or 1). */
    static final int SCALE = 2;

    /** This machine's plan ({@link KernelContext}). */
    static final SgemmPlan DEFAULT = KernelContext.CURRENT.sgemm();
    /**
     * Java float arrays put element 0 16 bytes into a 64-byte-aligned object, so starting panels
     * 12 floats in keeps 512-bit loads of B inside one cache line (when the array is aligned,
     * which the JVM does not promise; a misaligned array is only slower).
     */
    static final int ALIGN = 12;

    /** Per-thread packing buffers, grown on demand, so warm calls allocate nothing. */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[SgemmTiles.MAX_TILE_VECTORS * Lanes.N];

        float[] a(int length) {
            if (a.length < length) {
                a = new float[length];
            }
            return a;
        }

        float[] b(int length) {
            if (b.length < length) {
                b = new float[length];
            }
            return b;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    // ---------------------------------------------------------------- packed B

    /** Floats between panel starts in a packed matrix of {@code nr}-column panels: whole 64-byte lines. */
    static long panelStride(int k, int nr) {
        return ((long) k * nr + 15) & ~15L;
    }

    /** A new, packed-layout matrix of {@code op(B)} shape {@code k x n} for {@code plan} (contents zero). */
    static PackedMatrix newPacked(SgemmPlan plan, int k, int n) {
        int nr = plan.nr();
        long panels = (n + nr - 1L) / nr;
        long stride = panelStride(k, nr);
        long length = ALIGN + panels * stride;
        if (length > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("B too large to pack: " + k + "x" + n);
        }
        return new PackedMatrix(k, n, nr, ALIGN, (int) stride, new float[(int) length]);
    }

    /** Fills {@code into} (made by {@link #newPacked}) with {@code op(B)}, zero padding included. */
    static void pack(PackedMatrix into, boolean transB, float[] b, int offB, int ldb) {
        int k = into.k;
        int n = into.n;
        int nr = into.panelWidth;
        for (int j = 0, d = into.base; j < n; j += nr, d += into.panelStride) {
            packBPanel(transB, b, offB, ldb, 0, k, j, Math.min(nr, n - j), nr, into.data, d);
        }
    }

    // ---------------------------------------------------------------- entry points

    /** See {@link ScalarSgemm#sgemm}: rows {@code [0,m)}, columns {@code [n0,n1)} of C. */
    static void sgemm(SgemmPlan plan, boolean transA, boolean transB, int m, int n0, int n1, int k, float alpha,
                      float[] a, int offA, int lda, float[] b, int offB, int ldb,
                      float beta, float[] c, int offC, int ldc) {
        run(plan, transA, m, k, alpha, a, offA, lda, null, transB, b, offB, ldb, n0, n1, beta, c, offC, ldc);
    }

    /**
     * {@code C[:, n0:n1] = alpha*op(A)*B[:, n0:n1] + beta*C[:, n0:n1]} with B pre-packed for a plan
     * with the same panel width as {@code plan}.
     */
    static void sgemmPacked(SgemmPlan plan, boolean transA, int m, float alpha, float[] a, int offA, int lda,
                            PackedMatrix b, int n0, int n1, float beta, float[] c, int offC, int ldc) {
        if (b.panelWidth != plan.nr()) {
            throw new IllegalArgumentException("B was packed in panels of " + b.panelWidth
                    + " columns, the plan multiplies panels of " + plan.nr());
        }
        if (m == 1 && alpha != 0f && b.k > 0) {
            // one row of A: a matrix-vector product, A's row read in place (stride lda if transposed)
            gemv(alpha, a, offA, transA ? lda : 1, b, n0, n1, beta, c, offC);
            return;
        }
        run(plan, transA, m, b.k, alpha, a, offA, lda, b, false, null, 0, 0, n0, n1, beta, c, offC, ldc);
    }

    private static void run(SgemmPlan plan, boolean transA, int m, int k, float alpha, float[] a, int offA, int lda,
                            PackedMatrix packed, boolean transB, float[] b, int offB, int ldb,
                            int n0, int n1, float beta, float[] c, int offC, int ldc) {
        if (m == 0 || n0 >= n1) {
            return;
        }
        if (alpha == 0f || k == 0) {
            scaleC(m, n0, n1, beta, c, offC, ldc);
            return;
        }
        final int mr = plan.mainTileRows(m);
        final int kBlocks = (k + plan.kc() - 1) / plan.kc();
        final int rows = plan.paddedRows(Math.min(m, plan.mc()), mr);
        if (m <= plan.mc() && (long) rows * k <= plan.aResident()
                && (packed != null || panelStride(k, plan.nr()) <= plan.bPanelScratch())) {
            panelOrder(plan, transA, m, k, mr, kBlocks, rows, alpha, a, offA, lda, packed, transB, b, offB, ldb,
                    n0, n1, beta, c, offC, ldc);
        } else {
            blockOrder(plan, transA, m, k, mr, kBlocks, rows, alpha, a, offA, lda, packed, transB, b, offB, ldb,
                    n0, n1, beta, c, offC, ldc);
        }
    }

    private static int kStart(int k, int kBlocks, int kb) {
        return (int) ((long) k * kb / kBlocks);
    }

    private static int firstMode(float beta) {
        return beta == 0f ? ZERO : beta == 1f ? LOAD : SCALE;
    }

    /**
     * Small M (the RNN step): all of {@code alpha*op(A)} is packed once and stays in L2, then
     * each B panel is streamed once, front to back through all k blocks, while its C tile stays
     * in L1. Reading B sequentially, exactly once, matters because here B is the big operand
     * (N x K weights against a batch of M rows) and usually comes from L3 or memory. With an
     * unpacked B, each panel (k x nr) is packed into scratch just before it is used.
     */
    private static void panelOrder(SgemmPlan plan, boolean transA, int m, int k, int mr, int kBlocks, int rows,
                                   float alpha, float[] a, int offA, int lda, PackedMatrix packed, boolean transB,
                                   float[] b, int offB, int ldb, int n0, int n1, float beta,
                                   float[] c, int offC, int ldc) {
        final int nr = plan.nr();
        Scratch s = SCRATCH.get();
        float[] ap = s.a(rows * k);
        for (int kb = 0; kb < kBlocks; kb++) {
            int pc = kStart(k, kBlocks, kb);
            packA(plan, transA, a, offA, lda, 0, m, pc, kStart(k, kBlocks, kb + 1) - pc, alpha, mr, ap, pc * rows);
        }
        final int mode0 = firstMode(beta);
        final int bStride = packed != null ? packed.panelStride : (int) panelStride(k, nr);
        float[] bp = packed != null ? packed.data : s.b(ALIGN + bStride);
        for (int j = packed != null ? n0 / nr * nr : n0; j < n1; j += nr) {
            int lo = Math.max(n0, j);
            int hi = Math.min(n1, j + nr);
            int bBase;
            if (packed != null) {
                bBase = packed.base + j / nr * bStride;
            } else {
                bBase = ALIGN;
                packBPanel(transB, b, offB, ldb, 0, k, j, hi - j, nr, bp, bBase);
            }
            for (int kb = 0; kb < kBlocks; kb++) {
                int pc = kStart(k, kBlocks, kb);
                int kc = kStart(k, kBlocks, kb + 1) - pc;
                macro(plan, mr, m, kc, ap, pc * rows, bp, bBase + pc * nr, bStride, j, lo, hi,
                        c, offC, ldc, kb == 0 ? mode0 : LOAD, beta, s.tile);
            }
        }
    }

    /**
     * General case (GotoBLAS order): column blocks of nc, k blocks, row blocks of mc with their
     * packed A in L2, then panels x row tiles with one B panel block in L1.
     */
    private static void blockOrder(SgemmPlan plan, boolean transA, int m, int k, int mr, int kBlocks, int rows,
                                   float alpha, float[] a, int offA, int lda, PackedMatrix packed, boolean transB,
                                   float[] b, int offB, int ldb, int n0, int n1, float beta,
                                   float[] c, int offC, int ldc) {
        final int nr = plan.nr();
        final int mode0 = firstMode(beta);
        final int kcMax = (k + kBlocks - 1) / kBlocks;
        Scratch s = SCRATCH.get();
        float[] ap = s.a(rows * kcMax);
        // Pre-packed panels sit at fixed multiples of nr; a per-call pack starts its panels at n0.
        int jcFirst = packed != null ? n0 / nr * nr : n0;
        for (int jc = jcFirst; jc < n1; jc += plan.nc()) {
            int lo = Math.max(n0, jc);
            int hi = Math.min(n1, jc + plan.nc());
            for (int kb = 0; kb < kBlocks; kb++) {
                int pc = kStart(k, kBlocks, kb);
                int kc = kStart(k, kBlocks, kb + 1) - pc;
                int mode = kb == 0 ? mode0 : LOAD;
                float[] bp;
                int bOff;
                int bStride;
                if (packed != null) {
                    bp = packed.data;
                    bOff = packed.base + jc / nr * packed.panelStride + pc * nr;
                    bStride = packed.panelStride;
                } else {
                    bStride = kc * nr;
                    bOff = ALIGN;
                    bp = s.b(ALIGN + (hi - lo + nr - 1) / nr * kcMax * nr);
                    for (int j = lo, d = bOff; j < hi; j += nr, d += bStride) {
                        packBPanel(transB, b, offB, ldb, pc, kc, j, Math.min(nr, hi - j), nr, bp, d);
                    }
                }
                for (int ic = 0; ic < m; ic += plan.mc()) {
                    int mc = Math.min(plan.mc(), m - ic);
                    packA(plan, transA, a, offA, lda, ic, mc, pc, kc, alpha, mr, ap, 0);
                    macro(plan, mr, mc, kc, ap, 0, bp, bOff, bStride, jc, lo, hi, c, offC + ic * ldc, ldc, mode, beta,
                            s.tile);
                }
            }
        }
    }

    /**
     * One (row block, k block, column block) step: every panel of columns {@code [lo,hi)} (panel
     * t covers columns {@code col0 + t*nr ...}) times every row tile of the packed A block.
     */
    private static void macro(SgemmPlan plan, int mr, int mc, int kc, float[] ap, int ao0, float[] bp, int bOff,
                              int bStride, int col0, int lo, int hi, float[] c, int cOff, int ldc, int mode,
                              float beta, float[] tile) {
        final int nr = plan.nr();
        final int v = plan.vectors();
        int tEnd = (hi - col0 + nr - 1) / nr;
        for (int t = (lo - col0) / nr; t < tEnd; t++) {
            int cs = col0 + t * nr;
            int js = Math.max(lo, cs);
            int je = Math.min(hi, cs + nr);
            boolean fullCols = js == cs && je == cs + nr;
            int bo = bOff + t * bStride;
            int ir = 0;
            for (; ir + mr <= mc; ir += mr) {
                tile(mr, v, mr, ap, ao0 + ir * kc, bp, bo, kc, c, cOff + ir * ldc + cs, ldc, mode, beta,
                        fullCols, js - cs, je - cs, tile);
            }
            if (ir < mc) {
                int rows = mc - ir;
                tile(plan.tailHeight(rows), v, rows, ap, ao0 + ir * kc, bp, bo, kc, c, cOff + ir * ldc + cs, ldc, mode,
                        beta, fullCols, js - cs, je - cs, tile);
            }
        }
    }

    /**
     * One tile of {@code h} kernel rows of which {@code rows} are real, columns {@code [j0,j1)}
     * of the panel real. Whole tiles run in place; partial ones through the scratch tile so that
     * nothing outside the real rows and columns of C is read or written.
     */
    private static void tile(int h, int v, int rows, float[] ap, int ao, float[] bp, int bo, int kc,
                             float[] c, int co, int ldc, int mode, float beta,
                             boolean fullCols, int j0, int j1, float[] tile) {
        if (rows == h && fullCols) {
            SgemmMicroKernels.tile(h, v, ap, ao, bp, bo, kc, c, co, ldc, mode, beta);
            return;
        }
        final int nr = v * Lanes.N;
        int w = j1 - j0;
        if (mode != ZERO) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, co + r * ldc + j0, tile, r * nr + j0, w);
            }
        }
        SgemmMicroKernels.tile(h, v, ap, ao, bp, bo, kc, tile, 0, nr, mode, beta);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tile, r * nr + j0, c, co + r * ldc + j0, w);
        }
    }

    // ---------------------------------------------------------------- one row: matrix-vector

    /**
     * {@code y[j] = alpha * Σ_p x[offX + p*incX] * B[p][j] + beta*y[j]} for j in {@code [n0, n1)}
     * ({@code y[j]} at {@code y[offY + j]}), B packed, {@code alpha != 0} and {@code k > 0}: the one
     * matrix-vector kernel, behind both {@link MatVec#packed} and the one-row {@link Sgemm#sgemmPacked}.
     * Whole groups of {@link SgemmTiles#gemvPanels} panels first (about eight accumulator chains,
     * enough to cover the FMA latency while the weights stream in), then single panels; a panel
     * the range cuts runs on a scratch copy of its part of y, so nothing outside {@code [n0, n1)}
     * is read or written. Each {@code y[j]} gets exactly the GEMM's operations (class comment).
     */
    static void gemv(float alpha, float[] x, int offX, int incX, PackedMatrix b, int n0, int n1,
                     float beta, float[] y, int offY) {
        if (n0 >= n1) {
            return;
        }
        final int k = b.k;
        final int nr = b.panelWidth;
        final int v = nr / Lanes.N;
        final int group = SgemmTiles.gemvPanels(v);
        final int stride = b.panelStride;
        final int mode = firstMode(beta);
        int j = n0 / nr * nr;
        int base = b.base + n0 / nr * stride;
        for (; j < n1; ) {
            if (j >= n0 && j + group * nr <= n1) {
                SgemmMicroKernels.gemv(v, group, alpha, x, offX, incX, b.data, base, stride, k, y, offY + j, mode, beta);
                j += group * nr;
                base += group * stride;
            } else if (j >= n0 && j + nr <= n1) {
                SgemmMicroKernels.gemv(v, 1, alpha, x, offX, incX, b.data, base, stride, k, y, offY + j, mode, beta);
                j += nr;
                base += stride;
            } else {
                // the range cuts this panel: compute all of it into scratch, copy back the part in range
                float[] tile = SCRATCH.get().tile;
                int lo = Math.max(n0, j) - j;
                int hi = Math.min(n1, j + nr) - j;
                if (mode != ZERO) {
                    System.arraycopy(y, offY + j + lo, tile, lo, hi - lo);
                }
                SgemmMicroKernels.gemv(v, 1, alpha, x, offX, incX, b.data, base, stride, k, tile, 0, mode, beta);
                System.arraycopy(tile, lo, y, offY + j + lo, hi - lo);
                j += nr;
                base += stride;
            }
        }
    }

    // ---------------------------------------------------------------- packing

    /**
     * Packs {@code alpha * op(A)[i0:i0+mc, pc:pc+kc]} as row tiles (main height mr, last one
     * {@link SgemmPlan#tailHeight} with zero rows), tile at row ir starting at {@code d + ir*kc}.
     */
    private static void packA(SgemmPlan plan, boolean transA, float[] a, int offA, int lda, int i0, int mc, int pc,
                              int kc, float alpha, int mr, float[] dst, int d) {
        int ir = 0;
        for (; ir + mr <= mc; ir += mr) {
            packAPanel(transA, a, offA, lda, i0 + ir, mr, mr, pc, kc, alpha, dst, d + ir * kc);
        }
        if (ir < mc) {
            int rows = mc - ir;
            packAPanel(transA, a, offA, lda, i0 + ir, rows, plan.tailHeight(rows), pc, kc, alpha, dst, d + ir * kc);
        }
    }

    private static void packAPanel(boolean transA, float[] a, int offA, int lda, int row, int rows, int h,
                                   int pc, int kc, float alpha, float[] dst, int d) {
        if (transA) {
            // element (i, p) at a[offA + p*lda + i]: rows of a k step are contiguous
            int src = offA + pc * lda + row;
            for (int p = 0; p < kc; p++, src += lda, d += h) {
                for (int r = 0; r < rows; r++) {
                    dst[d + r] = alpha * a[src + r];
                }
                for (int r = rows; r < h; r++) {
                    dst[d + r] = 0f;
                }
            }
        } else {
            for (int r = 0; r < h; r++) {
                if (r < rows) {
                    int src = offA + (row + r) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * h + r] = alpha * a[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * h + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs {@code op(B)[pc:pc+kc, j:j+w]} as one panel ({@code kc x nr}, row p at
     * {@code d + p*nr}), columns {@code w..nr} zero.
     */
    private static void packBPanel(boolean transB, float[] b, int offB, int ldb, int pc, int kc, int j, int w,
                                   int nr, float[] dst, int d) {
        if (!transB) {
            int src = offB + pc * ldb + j;
            for (int p = 0; p < kc; p++, src += ldb, d += nr) {
                System.arraycopy(b, src, dst, d, w);
                if (w < nr) {
                    Arrays.fill(dst, d + w, d + nr, 0f);
                }
            }
        } else {
            // element (p, j) at b[offB + j*ldb + p]: read along k, write down the panel
            for (int jj = 0; jj < w; jj++) {
                int src = offB + (j + jj) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    dst[d + p * nr + jj] = b[src + p];
                }
            }
            if (w < nr) {
                for (int p = 0; p < kc; p++) {
                    Arrays.fill(dst, d + p * nr + w, d + p * nr + nr, 0f);
                }
            }
        }
    }

    /** C = beta*C on rows [0,m), columns [n0,n1): the whole product when alpha or k is zero. */
    static void scaleC(int m, int n0, int n1, float beta, float[] c, int offC, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = offC + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, row + n0, row + n1, 0f);
            } else {
                for (int j = row + n0; j < row + n1; j++) {
                    c[j] *= beta;
                }
            }
        }
    }
}
