package dev.vecrnn.kernel;

import java.util.Arrays;

/**
 * The Vector API SGEMM: GotoBLAS/BLIS structure with packed operands and register-blocked
 * micro-kernels ({@link SgemmMicroKernels}). Arguments are validated by {@link Sgemm}; this class
 * only runs when {@link VectorSupport#ENABLED}.
 *
 * <p><b>Blocking.</b> {@code op(B)} is cut into panels of {@link #NR} = 2 vectors of columns, a
 * panel's k rows contiguous ({@code NR} floats per k step); {@code op(A)} into row tiles of
 * {@code h} rows ({@code h} floats per k step, alpha applied while packing). The k dimension is
 * cut into blocks of at most {@link #KC} so that one B panel block (256 x 32 floats = 32 KB at 512
 * bits) stays in L1 while every row tile runs over it. Two loop orders:
 * <ul>
 * <li><i>Panel order</i>, for small M (the RNN step {@code h[B,H] x W^T}, M = batch): all of the
 * packed A (at most 512 KB) stays in L2; each B panel is then streamed once, front to back
 * through its k blocks, its C tile staying in L1. B, the big operand here, is read exactly once
 * and sequentially. A single row (M = 1) is a matrix-vector product and takes 4 panels at a time
 * (8 accumulator chains instead of 2).
 * <li><i>Block order</i> (GotoBLAS), otherwise: column blocks of {@link #NC}, k blocks, row
 * blocks of {@link #MC} whose packed A (384 KB) stays in L2, then panels, then row tiles.
 * </ul>
 * B comes pre-packed ({@link PackedMatrix}, panels 64-byte aligned) or is packed per call into a
 * per-thread scratch. The main tile is {@code mr x NR}, mr = 8 (or 12 where M is a multiple of 12
 * but not of 8); with 16 vector registers (AVX2 and narrower) 6 or 4 rows, so that the
 * accumulators fit.
 *
 * <p><b>Tails.</b> A last row tile of r &lt; mr rows uses the smallest kernel height h &ge; r
 * (1, 4, 6, 8 or 12) with zero rows packed below; a panel that sticks out of the column range is
 * computed with zero-padded B. Such a partial tile is computed into a small scratch tile (valid C
 * values copied in, results copied out), so the kernel never reads or writes C outside the
 * requested rows and columns. The K tail is simply a shorter k loop; the k blocks are balanced
 * ({@code k/ceil(k/KC)}), which is free because of the next point.
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

    /** Panel width in columns: two vectors. */
    static final int NR = 2 * Lanes.N;
    /** Largest k block: A micro-panel (12 x 256 floats) plus B panel block (256 x NR) fit in L1. */
    static final int KC = 256;
    /** Row block: the packed A block (384 x 256 floats, 384 KB) stays in L2. Multiple of 4, 6, 8 and 12. */
    static final int MC = 384;
    /** Column block of the per-call packed B (kc x NC floats, 2 MB at most). Multiple of NR. */
    static final int NC = 2048;
    /**
     * Java float arrays put element 0 16 bytes into a 64-byte-aligned object, so starting panels
     * 12 floats in keeps 512-bit loads of B inside one cache line (when the array is aligned,
     * which the JVM does not promise; a misaligned array is only slower).
     */
    static final int ALIGN = 12;
    /** 32 vector registers (AVX-512); otherwise assume 16 and keep tiles at 12 accumulators or fewer. */
    static final boolean WIDE_REGISTERS = Lanes.Preferred.bits() >= 512;

    /** Per-thread packing buffers, grown on demand, so warm calls allocate nothing. */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[12 * NR];

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

    /** Floats between panel starts in a packed matrix: whole 64-byte lines. */
    static long panelStride(int k) {
        return ((long) k * NR + 15) & ~15L;
    }

    /** A new, packed-layout matrix of {@code op(B)} shape {@code k x n} (contents zero). */
    static PackedMatrix newPacked(int k, int n) {
        long panels = (n + NR - 1L) / NR;
        long stride = panelStride(k);
        long length = ALIGN + panels * stride;
        if (length > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("B too large to pack: " + k + "x" + n);
        }
        return new PackedMatrix(k, n, NR, ALIGN, (int) stride, new float[(int) length]);
    }

    /** Fills {@code into} (made by {@link #newPacked}) with {@code op(B)}, zero padding included. */
    static void pack(PackedMatrix into, boolean transB, float[] b, int offB, int ldb) {
        int k = into.k;
        int n = into.n;
        for (int j = 0, d = into.base; j < n; j += NR, d += into.panelStride) {
            packBPanel(transB, b, offB, ldb, 0, k, j, Math.min(NR, n - j), into.data, d);
        }
    }

    // ---------------------------------------------------------------- entry points

    /** See {@link ScalarSgemm#sgemm}: rows {@code [0,m)}, columns {@code [n0,n1)} of C. */
    static void sgemm(boolean transA, boolean transB, int m, int n0, int n1, int k, float alpha,
                      float[] a, int offA, int lda, float[] b, int offB, int ldb,
                      float beta, float[] c, int offC, int ldc) {
        run(transA, m, k, alpha, a, offA, lda, null, transB, b, offB, ldb, n0, n1, beta, c, offC, ldc);
    }

    /** {@code C[:, n0:n1] = alpha*op(A)*B[:, n0:n1] + beta*C[:, n0:n1]} with B pre-packed. */
    static void sgemmPacked(boolean transA, int m, float alpha, float[] a, int offA, int lda,
                            PackedMatrix b, int n0, int n1, float beta, float[] c, int offC, int ldc) {
        run(transA, m, b.k, alpha, a, offA, lda, b, false, null, 0, 0, n0, n1, beta, c, offC, ldc);
    }

    /** Rows per main tile for a product with m rows. */
    static int mainTileRows(int m) {
        if (!WIDE_REGISTERS) {
            return m % 6 != 0 && m % 4 == 0 ? 4 : 6;
        }
        // 8 rows measured as fast as or faster than 12 (1024^3 and the RNN shapes, one core) and
        // divides the usual batch sizes; 12 only where it fits exactly and 8 does not.
        return m % 8 != 0 && m % 12 == 0 ? 12 : 8;
    }

    /** Kernel height for a last tile of {@code rows} rows. */
    static int tailHeight(int rows) {
        if (rows == 1) {
            return 1;
        }
        if (rows <= 4) {
            return 4;
        }
        if (rows <= 6) {
            return 6;
        }
        return rows <= 8 ? 8 : 12;
    }

    /** Rows of the packed A block for {@code mc} rows: full tiles plus the padded last one. */
    static int paddedRows(int mc, int mr) {
        int full = mc / mr * mr;
        return full == mc ? mc : full + tailHeight(mc - full);
    }

    private static void run(boolean transA, int m, int k, float alpha, float[] a, int offA, int lda,
                            PackedMatrix packed, boolean transB, float[] b, int offB, int ldb,
                            int n0, int n1, float beta, float[] c, int offC, int ldc) {
        if (m == 0 || n0 >= n1) {
            return;
        }
        if (alpha == 0f || k == 0) {
            scaleC(m, n0, n1, beta, c, offC, ldc);
            return;
        }
        final int mr = mainTileRows(m);
        final int kBlocks = (k + KC - 1) / KC;
        final int rows = paddedRows(Math.min(m, MC), mr);
        if (m <= MC && (long) rows * k <= A_RESIDENT
                && (packed != null || panelStride(k) <= B_PANEL_SCRATCH)) {
            panelOrder(transA, m, k, mr, kBlocks, rows, alpha, a, offA, lda, packed, transB, b, offB, ldb,
                    n0, n1, beta, c, offC, ldc);
        } else {
            blockOrder(transA, m, k, mr, kBlocks, rows, alpha, a, offA, lda, packed, transB, b, offB, ldb,
                    n0, n1, beta, c, offC, ldc);
        }
    }

    /** Largest packed A (floats) kept whole in L2 for the panel order: 512 KB. */
    static final int A_RESIDENT = 128 * 1024;
    /** Largest single B panel (floats) packed per call in the panel order: 1 MB. */
    static final int B_PANEL_SCRATCH = 256 * 1024;

    private static int kStart(int k, int kBlocks, int kb) {
        return (int) ((long) k * kb / kBlocks);
    }

    /**
     * Small M (the RNN step): all of {@code alpha*op(A)} is packed once and stays in L2, then
     * each B panel is streamed once, front to back through all k blocks, while its C tile stays
     * in L1. Reading B sequentially, exactly once, matters because here B is the big operand
     * (N x K weights against a batch of M rows) and usually comes from L3 or memory. With an
     * unpacked B, each panel (k x NR) is packed into scratch just before it is used.
     */
    private static void panelOrder(boolean transA, int m, int k, int mr, int kBlocks, int rows, float alpha,
                                   float[] a, int offA, int lda, PackedMatrix packed, boolean transB,
                                   float[] b, int offB, int ldb, int n0, int n1, float beta,
                                   float[] c, int offC, int ldc) {
        Scratch s = SCRATCH.get();
        float[] ap = s.a(rows * k);
        for (int kb = 0; kb < kBlocks; kb++) {
            int pc = kStart(k, kBlocks, kb);
            packA(transA, a, offA, lda, 0, m, pc, kStart(k, kBlocks, kb + 1) - pc, alpha, mr, ap, pc * rows);
        }
        final int firstMode = beta == 0f ? ZERO : beta == 1f ? LOAD : SCALE;
        // One row is a matrix-vector product: 4 panels at a time feed the 1x4-panel kernel.
        final int group = packed != null && m == 1 ? 4 * NR : NR;
        final int bStride = packed != null ? packed.panelStride : (int) panelStride(k);
        float[] bp = packed != null ? packed.data : s.b(ALIGN + bStride);
        for (int j = packed != null ? n0 / NR * NR : n0; j < n1; j += group) {
            int lo = Math.max(n0, j);
            int hi = Math.min(n1, j + group);
            int bBase;
            if (packed != null) {
                bBase = packed.base + j / NR * bStride;
            } else {
                bBase = ALIGN;
                packBPanel(transB, b, offB, ldb, 0, k, j, hi - j, bp, bBase);
            }
            for (int kb = 0; kb < kBlocks; kb++) {
                int pc = kStart(k, kBlocks, kb);
                int kc = kStart(k, kBlocks, kb + 1) - pc;
                macro(mr, m, kc, ap, pc * rows, bp, bBase + pc * NR, bStride, j, lo, hi,
                        c, offC, ldc, kb == 0 ? firstMode : LOAD, beta, s.tile);
            }
        }
    }

    /**
     * General case (GotoBLAS order): column blocks of NC, k blocks, row blocks of MC with their
     * packed A in L2, then panels x row tiles with one B panel block in L1.
     */
    private static void blockOrder(boolean transA, int m, int k, int mr, int kBlocks, int rows, float alpha,
                                   float[] a, int offA, int lda, PackedMatrix packed, boolean transB,
                                   float[] b, int offB, int ldb, int n0, int n1, float beta,
                                   float[] c, int offC, int ldc) {
        final int firstMode = beta == 0f ? ZERO : beta == 1f ? LOAD : SCALE;
        final int kcMax = (k + kBlocks - 1) / kBlocks;
        Scratch s = SCRATCH.get();
        float[] ap = s.a(rows * kcMax);
        // Pre-packed panels sit at fixed multiples of NR; a per-call pack starts its panels at n0.
        int jcFirst = packed != null ? n0 / NR * NR : n0;
        for (int jc = jcFirst; jc < n1; jc += NC) {
            int lo = Math.max(n0, jc);
            int hi = Math.min(n1, jc + NC);
            for (int kb = 0; kb < kBlocks; kb++) {
                int pc = kStart(k, kBlocks, kb);
                int kc = kStart(k, kBlocks, kb + 1) - pc;
                int mode = kb == 0 ? firstMode : LOAD;
                float[] bp;
                int bOff;
                int bStride;
                if (packed != null) {
                    bp = packed.data;
                    bOff = packed.base + jc / NR * packed.panelStride + pc * NR;
                    bStride = packed.panelStride;
                } else {
                    bStride = kc * NR;
                    bOff = ALIGN;
                    bp = s.b(ALIGN + (hi - lo + NR - 1) / NR * kcMax * NR);
                    for (int j = lo, d = bOff; j < hi; j += NR, d += bStride) {
                        packBPanel(transB, b, offB, ldb, pc, kc, j, Math.min(NR, hi - j), bp, d);
                    }
                }
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, offA, lda, ic, mc, pc, kc, alpha, mr, ap, 0);
                    macro(mr, mc, kc, ap, 0, bp, bOff, bStride, jc, lo, hi, c, offC + ic * ldc, ldc, mode, beta,
                            s.tile);
                }
            }
        }
    }

    /**
     * One (row block, k block, column block) step: every panel of columns {@code [lo,hi)} (panel
     * t covers columns {@code col0 + t*NR ...}) times every row tile of the packed A block.
     */
    private static void macro(int mr, int mc, int kc, float[] ap, int ao0, float[] bp, int bOff, int bStride,
                              int col0, int lo, int hi, float[] c, int cOff, int ldc, int mode, float beta,
                              float[] tile) {
        int tEnd = (hi - col0 + NR - 1) / NR;
        for (int t = (lo - col0) / NR; t < tEnd; ) {
            int cs = col0 + t * NR;
            int js = Math.max(lo, cs);
            int je = Math.min(hi, cs + NR);
            boolean fullCols = js == cs && je == cs + NR;
            int bo = bOff + t * bStride;
            if (mc == 1 && fullCols && cs + 4 * NR <= hi) {
                // A single row is a matrix-vector product: 4 panels at once keep 8 FMA chains in flight.
                SgemmMicroKernels.k1x4(ap, ao0, bp, bo, bStride, kc, c, cOff + cs, mode, beta);
                t += 4;
                continue;
            }
            int ir = 0;
            for (; ir + mr <= mc; ir += mr) {
                tile(mr, mr, ap, ao0 + ir * kc, bp, bo, kc, c, cOff + ir * ldc + cs, ldc, mode, beta,
                        fullCols, js - cs, je - cs, tile);
            }
            if (ir < mc) {
                int rows = mc - ir;
                tile(tailHeight(rows), rows, ap, ao0 + ir * kc, bp, bo, kc, c, cOff + ir * ldc + cs, ldc, mode, beta,
                        fullCols, js - cs, je - cs, tile);
            }
            t++;
        }
    }

    /**
     * One tile of {@code h} kernel rows of which {@code rows} are real, columns {@code [j0,j1)}
     * of the panel real. Whole tiles run in place; partial ones through the scratch tile so that
     * nothing outside the real rows and columns of C is read or written.
     */
    private static void tile(int h, int rows, float[] ap, int ao, float[] bp, int bo, int kc,
                             float[] c, int co, int ldc, int mode, float beta,
                             boolean fullCols, int j0, int j1, float[] tile) {
        if (rows == h && fullCols) {
            kernel(h, ap, ao, bp, bo, kc, c, co, ldc, mode, beta);
            return;
        }
        int w = j1 - j0;
        if (mode != ZERO) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, co + r * ldc + j0, tile, r * NR + j0, w);
            }
        }
        kernel(h, ap, ao, bp, bo, kc, tile, 0, NR, mode, beta);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tile, r * NR + j0, c, co + r * ldc + j0, w);
        }
    }

    private static void kernel(int h, float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] c, int co, int ldc, int mode, float beta) {
        switch (h) {
            case 12 -> SgemmMicroKernels.k12(ap, ao, bp, bo, kc, c, co, ldc, mode, beta);
            case 8 -> SgemmMicroKernels.k8(ap, ao, bp, bo, kc, c, co, ldc, mode, beta);
            case 6 -> SgemmMicroKernels.k6(ap, ao, bp, bo, kc, c, co, ldc, mode, beta);
            case 4 -> SgemmMicroKernels.k4(ap, ao, bp, bo, kc, c, co, ldc, mode, beta);
            case 1 -> SgemmMicroKernels.k1(ap, ao, bp, bo, kc, c, co, ldc, mode, beta);
            default -> throw new IllegalStateException("no kernel of height " + h);
        }
    }

    // ---------------------------------------------------------------- packing

    /**
     * Packs {@code alpha * op(A)[i0:i0+mc, pc:pc+kc]} as row tiles (main height mr, last one
     * {@link #tailHeight} with zero rows), tile at row ir starting at {@code d + ir*kc}.
     */
    private static void packA(boolean transA, float[] a, int offA, int lda, int i0, int mc, int pc, int kc,
                              float alpha, int mr, float[] dst, int d) {
        int ir = 0;
        for (; ir + mr <= mc; ir += mr) {
            packAPanel(transA, a, offA, lda, i0 + ir, mr, mr, pc, kc, alpha, dst, d + ir * kc);
        }
        if (ir < mc) {
            int rows = mc - ir;
            packAPanel(transA, a, offA, lda, i0 + ir, rows, tailHeight(rows), pc, kc, alpha, dst, d + ir * kc);
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
     * Packs {@code op(B)[pc:pc+kc, j:j+w]} as one panel ({@code kc x NR}, row p at
     * {@code d + p*NR}), columns {@code w..NR} zero.
     */
    private static void packBPanel(boolean transB, float[] b, int offB, int ldb, int pc, int kc, int j, int w,
                                   float[] dst, int d) {
        if (!transB) {
            int src = offB + pc * ldb + j;
            for (int p = 0; p < kc; p++, src += ldb, d += NR) {
                System.arraycopy(b, src, dst, d, w);
                if (w < NR) {
                    Arrays.fill(dst, d + w, d + NR, 0f);
                }
            }
        } else {
            // element (p, j) at b[offB + j*ldb + p]: read along k, write down the panel
            for (int jj = 0; jj < w; jj++) {
                int src = offB + (j + jj) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    dst[d + p * NR + jj] = b[src + p];
                }
            }
            if (w < NR) {
                for (int p = 0; p < kc; p++) {
                    Arrays.fill(dst, d + p * NR + w, d + p * NR + NR, 0f);
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
