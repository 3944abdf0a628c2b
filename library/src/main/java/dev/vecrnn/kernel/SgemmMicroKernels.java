package dev.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernels: {@code C[h x w] (+)= Apanel * Bpanel} over {@code kc} steps, with the
 * accumulators in registers. One method per tile shape, each a leaf over arrays and offsets with
 * its accumulators spelled out as locals (vectors never cross a method boundary, so nothing
 * boxes) and a plain k loop that C2 unrolls itself (a hand-unrolled loop defeated the register
 * allocator, see VECTOR-NOTES).
 *
 * <p>Shared contract: A is a packed micro-panel, {@code h} floats per k step (row r of step p at
 * {@code a[ao + p*h + r]}, alpha already applied); B is a packed panel of {@link VectorSgemm#NR}
 * floats per k step ({@code b[bo + p*NR + j]}); for the multi-panel kernel the next panel starts
 * {@code bStride} floats further. C element (r, j) is at {@code c[co + r*ldc + j]}. {@code mode}
 * says how the accumulators start: {@link VectorSgemm#ZERO} (C is not read), {@link VectorSgemm#LOAD}
 * (from C) or {@link VectorSgemm#SCALE} (from {@code beta*C}). Every C element then receives
 * {@code acc = fma(a[p], b[p], acc)} for p in order, and is stored. Nothing else touches it, so an
 * element's value does not depend on which kernel computed it.
 *
 * <p>Generated code (one shape per method); edit the shape list, not the bodies, when changing it.
 */
final class SgemmMicroKernels {
    private SgemmMicroKernels() {}

    /** 12 rows x 1 panel (2 vectors) of C, 24 accumulators. */
    static void k12(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, int mode, float beta) {
        final VectorSpecies<Float> s = Lanes.F;
        final int l = Lanes.N;
        final int r0 = co;
        final int r1 = r0 + ldc;
        final int r2 = r1 + ldc;
        final int r3 = r2 + ldc;
        final int r4 = r3 + ldc;
        final int r5 = r4 + ldc;
        final int r6 = r5 + ldc;
        final int r7 = r6 + ldc;
        final int r8 = r7 + ldc;
        final int r9 = r8 + ldc;
        final int r10 = r9 + ldc;
        final int r11 = r10 + ldc;
        FloatVector c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1, c8_0, c8_1, c9_0, c9_1, c10_0, c10_1, c11_0, c11_1;
        if (mode == VectorSgemm.ZERO) {
            final FloatVector z = FloatVector.zero(s);
            c0_0 = z; c0_1 = z;
            c1_0 = z; c1_1 = z;
            c2_0 = z; c2_1 = z;
            c3_0 = z; c3_1 = z;
            c4_0 = z; c4_1 = z;
            c5_0 = z; c5_1 = z;
            c6_0 = z; c6_1 = z;
            c7_0 = z; c7_1 = z;
            c8_0 = z; c8_1 = z;
            c9_0 = z; c9_1 = z;
            c10_0 = z; c10_1 = z;
            c11_0 = z; c11_1 = z;
        } else {
            c0_0 = FloatVector.fromArray(s, c, r0);
            c0_1 = FloatVector.fromArray(s, c, r0 + l);
            c1_0 = FloatVector.fromArray(s, c, r1);
            c1_1 = FloatVector.fromArray(s, c, r1 + l);
            c2_0 = FloatVector.fromArray(s, c, r2);
            c2_1 = FloatVector.fromArray(s, c, r2 + l);
            c3_0 = FloatVector.fromArray(s, c, r3);
            c3_1 = FloatVector.fromArray(s, c, r3 + l);
            c4_0 = FloatVector.fromArray(s, c, r4);
            c4_1 = FloatVector.fromArray(s, c, r4 + l);
            c5_0 = FloatVector.fromArray(s, c, r5);
            c5_1 = FloatVector.fromArray(s, c, r5 + l);
            c6_0 = FloatVector.fromArray(s, c, r6);
            c6_1 = FloatVector.fromArray(s, c, r6 + l);
            c7_0 = FloatVector.fromArray(s, c, r7);
            c7_1 = FloatVector.fromArray(s, c, r7 + l);
            c8_0 = FloatVector.fromArray(s, c, r8);
            c8_1 = FloatVector.fromArray(s, c, r8 + l);
            c9_0 = FloatVector.fromArray(s, c, r9);
            c9_1 = FloatVector.fromArray(s, c, r9 + l);
            c10_0 = FloatVector.fromArray(s, c, r10);
            c10_1 = FloatVector.fromArray(s, c, r10 + l);
            c11_0 = FloatVector.fromArray(s, c, r11);
            c11_1 = FloatVector.fromArray(s, c, r11 + l);
            if (mode == VectorSgemm.SCALE) {
                c0_0 = c0_0.mul(beta); c0_1 = c0_1.mul(beta);
                c1_0 = c1_0.mul(beta); c1_1 = c1_1.mul(beta);
                c2_0 = c2_0.mul(beta); c2_1 = c2_1.mul(beta);
                c3_0 = c3_0.mul(beta); c3_1 = c3_1.mul(beta);
                c4_0 = c4_0.mul(beta); c4_1 = c4_1.mul(beta);
                c5_0 = c5_0.mul(beta); c5_1 = c5_1.mul(beta);
                c6_0 = c6_0.mul(beta); c6_1 = c6_1.mul(beta);
                c7_0 = c7_0.mul(beta); c7_1 = c7_1.mul(beta);
                c8_0 = c8_0.mul(beta); c8_1 = c8_1.mul(beta);
                c9_0 = c9_0.mul(beta); c9_1 = c9_1.mul(beta);
                c10_0 = c10_0.mul(beta); c10_1 = c10_1.mul(beta);
                c11_0 = c11_0.mul(beta); c11_1 = c11_1.mul(beta);
            }
        }
        int ai = ao;
        int bi = bo;
        for (int p = 0; p < kc; p++) {
            final FloatVector b0 = FloatVector.fromArray(s, b, bi);
            final FloatVector b1 = FloatVector.fromArray(s, b, bi + l);
            final FloatVector a0 = FloatVector.broadcast(s, a[ai]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            final FloatVector a1 = FloatVector.broadcast(s, a[ai + 1]);
            c1_0 = a1.fma(b0, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            final FloatVector a2 = FloatVector.broadcast(s, a[ai + 2]);
            c2_0 = a2.fma(b0, c2_0);
            c2_1 = a2.fma(b1, c2_1);
            final FloatVector a3 = FloatVector.broadcast(s, a[ai + 3]);
            c3_0 = a3.fma(b0, c3_0);
            c3_1 = a3.fma(b1, c3_1);
            final FloatVector a4 = FloatVector.broadcast(s, a[ai + 4]);
            c4_0 = a4.fma(b0, c4_0);
            c4_1 = a4.fma(b1, c4_1);
            final FloatVector a5 = FloatVector.broadcast(s, a[ai + 5]);
            c5_0 = a5.fma(b0, c5_0);
            c5_1 = a5.fma(b1, c5_1);
            final FloatVector a6 = FloatVector.broadcast(s, a[ai + 6]);
            c6_0 = a6.fma(b0, c6_0);
            c6_1 = a6.fma(b1, c6_1);
            final FloatVector a7 = FloatVector.broadcast(s, a[ai + 7]);
            c7_0 = a7.fma(b0, c7_0);
            c7_1 = a7.fma(b1, c7_1);
            final FloatVector a8 = FloatVector.broadcast(s, a[ai + 8]);
            c8_0 = a8.fma(b0, c8_0);
            c8_1 = a8.fma(b1, c8_1);
            final FloatVector a9 = FloatVector.broadcast(s, a[ai + 9]);
            c9_0 = a9.fma(b0, c9_0);
            c9_1 = a9.fma(b1, c9_1);
            final FloatVector a10 = FloatVector.broadcast(s, a[ai + 10]);
            c10_0 = a10.fma(b0, c10_0);
            c10_1 = a10.fma(b1, c10_1);
            final FloatVector a11 = FloatVector.broadcast(s, a[ai + 11]);
            c11_0 = a11.fma(b0, c11_0);
            c11_1 = a11.fma(b1, c11_1);
            ai += 12;
            bi += VectorSgemm.NR;
        }
        c0_0.intoArray(c, r0);
        c0_1.intoArray(c, r0 + l);
        c1_0.intoArray(c, r1);
        c1_1.intoArray(c, r1 + l);
        c2_0.intoArray(c, r2);
        c2_1.intoArray(c, r2 + l);
        c3_0.intoArray(c, r3);
        c3_1.intoArray(c, r3 + l);
        c4_0.intoArray(c, r4);
        c4_1.intoArray(c, r4 + l);
        c5_0.intoArray(c, r5);
        c5_1.intoArray(c, r5 + l);
        c6_0.intoArray(c, r6);
        c6_1.intoArray(c, r6 + l);
        c7_0.intoArray(c, r7);
        c7_1.intoArray(c, r7 + l);
        c8_0.intoArray(c, r8);
        c8_1.intoArray(c, r8 + l);
        c9_0.intoArray(c, r9);
        c9_1.intoArray(c, r9 + l);
        c10_0.intoArray(c, r10);
        c10_1.intoArray(c, r10 + l);
        c11_0.intoArray(c, r11);
        c11_1.intoArray(c, r11 + l);
    }

    /** 8 rows x 1 panel (2 vectors) of C, 16 accumulators. */
    static void k8(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, int mode, float beta) {
        final VectorSpecies<Float> s = Lanes.F;
        final int l = Lanes.N;
        final int r0 = co;
        final int r1 = r0 + ldc;
        final int r2 = r1 + ldc;
        final int r3 = r2 + ldc;
        final int r4 = r3 + ldc;
        final int r5 = r4 + ldc;
        final int r6 = r5 + ldc;
        final int r7 = r6 + ldc;
        FloatVector c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1;
        if (mode == VectorSgemm.ZERO) {
            final FloatVector z = FloatVector.zero(s);
            c0_0 = z; c0_1 = z;
            c1_0 = z; c1_1 = z;
            c2_0 = z; c2_1 = z;
            c3_0 = z; c3_1 = z;
            c4_0 = z; c4_1 = z;
            c5_0 = z; c5_1 = z;
            c6_0 = z; c6_1 = z;
            c7_0 = z; c7_1 = z;
        } else {
            c0_0 = FloatVector.fromArray(s, c, r0);
            c0_1 = FloatVector.fromArray(s, c, r0 + l);
            c1_0 = FloatVector.fromArray(s, c, r1);
            c1_1 = FloatVector.fromArray(s, c, r1 + l);
            c2_0 = FloatVector.fromArray(s, c, r2);
            c2_1 = FloatVector.fromArray(s, c, r2 + l);
            c3_0 = FloatVector.fromArray(s, c, r3);
            c3_1 = FloatVector.fromArray(s, c, r3 + l);
            c4_0 = FloatVector.fromArray(s, c, r4);
            c4_1 = FloatVector.fromArray(s, c, r4 + l);
            c5_0 = FloatVector.fromArray(s, c, r5);
            c5_1 = FloatVector.fromArray(s, c, r5 + l);
            c6_0 = FloatVector.fromArray(s, c, r6);
            c6_1 = FloatVector.fromArray(s, c, r6 + l);
            c7_0 = FloatVector.fromArray(s, c, r7);
            c7_1 = FloatVector.fromArray(s, c, r7 + l);
            if (mode == VectorSgemm.SCALE) {
                c0_0 = c0_0.mul(beta); c0_1 = c0_1.mul(beta);
                c1_0 = c1_0.mul(beta); c1_1 = c1_1.mul(beta);
                c2_0 = c2_0.mul(beta); c2_1 = c2_1.mul(beta);
                c3_0 = c3_0.mul(beta); c3_1 = c3_1.mul(beta);
                c4_0 = c4_0.mul(beta); c4_1 = c4_1.mul(beta);
                c5_0 = c5_0.mul(beta); c5_1 = c5_1.mul(beta);
                c6_0 = c6_0.mul(beta); c6_1 = c6_1.mul(beta);
                c7_0 = c7_0.mul(beta); c7_1 = c7_1.mul(beta);
            }
        }
        int ai = ao;
        int bi = bo;
        for (int p = 0; p < kc; p++) {
            final FloatVector b0 = FloatVector.fromArray(s, b, bi);
            final FloatVector b1 = FloatVector.fromArray(s, b, bi + l);
            final FloatVector a0 = FloatVector.broadcast(s, a[ai]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            final FloatVector a1 = FloatVector.broadcast(s, a[ai + 1]);
            c1_0 = a1.fma(b0, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            final FloatVector a2 = FloatVector.broadcast(s, a[ai + 2]);
            c2_0 = a2.fma(b0, c2_0);
            c2_1 = a2.fma(b1, c2_1);
            final FloatVector a3 = FloatVector.broadcast(s, a[ai + 3]);
            c3_0 = a3.fma(b0, c3_0);
            c3_1 = a3.fma(b1, c3_1);
            final FloatVector a4 = FloatVector.broadcast(s, a[ai + 4]);
            c4_0 = a4.fma(b0, c4_0);
            c4_1 = a4.fma(b1, c4_1);
            final FloatVector a5 = FloatVector.broadcast(s, a[ai + 5]);
            c5_0 = a5.fma(b0, c5_0);
            c5_1 = a5.fma(b1, c5_1);
            final FloatVector a6 = FloatVector.broadcast(s, a[ai + 6]);
            c6_0 = a6.fma(b0, c6_0);
            c6_1 = a6.fma(b1, c6_1);
            final FloatVector a7 = FloatVector.broadcast(s, a[ai + 7]);
            c7_0 = a7.fma(b0, c7_0);
            c7_1 = a7.fma(b1, c7_1);
            ai += 8;
            bi += VectorSgemm.NR;
        }
        c0_0.intoArray(c, r0);
        c0_1.intoArray(c, r0 + l);
        c1_0.intoArray(c, r1);
        c1_1.intoArray(c, r1 + l);
        c2_0.intoArray(c, r2);
        c2_1.intoArray(c, r2 + l);
        c3_0.intoArray(c, r3);
        c3_1.intoArray(c, r3 + l);
        c4_0.intoArray(c, r4);
        c4_1.intoArray(c, r4 + l);
        c5_0.intoArray(c, r5);
        c5_1.intoArray(c, r5 + l);
        c6_0.intoArray(c, r6);
        c6_1.intoArray(c, r6 + l);
        c7_0.intoArray(c, r7);
        c7_1.intoArray(c, r7 + l);
    }

    /** 6 rows x 1 panel (2 vectors) of C, 12 accumulators. */
    static void k6(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, int mode, float beta) {
        final VectorSpecies<Float> s = Lanes.F;
        final int l = Lanes.N;
        final int r0 = co;
        final int r1 = r0 + ldc;
        final int r2 = r1 + ldc;
        final int r3 = r2 + ldc;
        final int r4 = r3 + ldc;
        final int r5 = r4 + ldc;
        FloatVector c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1;
        if (mode == VectorSgemm.ZERO) {
            final FloatVector z = FloatVector.zero(s);
            c0_0 = z; c0_1 = z;
            c1_0 = z; c1_1 = z;
            c2_0 = z; c2_1 = z;
            c3_0 = z; c3_1 = z;
            c4_0 = z; c4_1 = z;
            c5_0 = z; c5_1 = z;
        } else {
            c0_0 = FloatVector.fromArray(s, c, r0);
            c0_1 = FloatVector.fromArray(s, c, r0 + l);
            c1_0 = FloatVector.fromArray(s, c, r1);
            c1_1 = FloatVector.fromArray(s, c, r1 + l);
            c2_0 = FloatVector.fromArray(s, c, r2);
            c2_1 = FloatVector.fromArray(s, c, r2 + l);
            c3_0 = FloatVector.fromArray(s, c, r3);
            c3_1 = FloatVector.fromArray(s, c, r3 + l);
            c4_0 = FloatVector.fromArray(s, c, r4);
            c4_1 = FloatVector.fromArray(s, c, r4 + l);
            c5_0 = FloatVector.fromArray(s, c, r5);
            c5_1 = FloatVector.fromArray(s, c, r5 + l);
            if (mode == VectorSgemm.SCALE) {
                c0_0 = c0_0.mul(beta); c0_1 = c0_1.mul(beta);
                c1_0 = c1_0.mul(beta); c1_1 = c1_1.mul(beta);
                c2_0 = c2_0.mul(beta); c2_1 = c2_1.mul(beta);
                c3_0 = c3_0.mul(beta); c3_1 = c3_1.mul(beta);
                c4_0 = c4_0.mul(beta); c4_1 = c4_1.mul(beta);
                c5_0 = c5_0.mul(beta); c5_1 = c5_1.mul(beta);
            }
        }
        int ai = ao;
        int bi = bo;
        for (int p = 0; p < kc; p++) {
            final FloatVector b0 = FloatVector.fromArray(s, b, bi);
            final FloatVector b1 = FloatVector.fromArray(s, b, bi + l);
            final FloatVector a0 = FloatVector.broadcast(s, a[ai]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            final FloatVector a1 = FloatVector.broadcast(s, a[ai + 1]);
            c1_0 = a1.fma(b0, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            final FloatVector a2 = FloatVector.broadcast(s, a[ai + 2]);
            c2_0 = a2.fma(b0, c2_0);
            c2_1 = a2.fma(b1, c2_1);
            final FloatVector a3 = FloatVector.broadcast(s, a[ai + 3]);
            c3_0 = a3.fma(b0, c3_0);
            c3_1 = a3.fma(b1, c3_1);
            final FloatVector a4 = FloatVector.broadcast(s, a[ai + 4]);
            c4_0 = a4.fma(b0, c4_0);
            c4_1 = a4.fma(b1, c4_1);
            final FloatVector a5 = FloatVector.broadcast(s, a[ai + 5]);
            c5_0 = a5.fma(b0, c5_0);
            c5_1 = a5.fma(b1, c5_1);
            ai += 6;
            bi += VectorSgemm.NR;
        }
        c0_0.intoArray(c, r0);
        c0_1.intoArray(c, r0 + l);
        c1_0.intoArray(c, r1);
        c1_1.intoArray(c, r1 + l);
        c2_0.intoArray(c, r2);
        c2_1.intoArray(c, r2 + l);
        c3_0.intoArray(c, r3);
        c3_1.intoArray(c, r3 + l);
        c4_0.intoArray(c, r4);
        c4_1.intoArray(c, r4 + l);
        c5_0.intoArray(c, r5);
        c5_1.intoArray(c, r5 + l);
    }

    /** 4 rows x 1 panel (2 vectors) of C, 8 accumulators. */
    static void k4(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, int mode, float beta) {
        final VectorSpecies<Float> s = Lanes.F;
        final int l = Lanes.N;
        final int r0 = co;
        final int r1 = r0 + ldc;
        final int r2 = r1 + ldc;
        final int r3 = r2 + ldc;
        FloatVector c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1;
        if (mode == VectorSgemm.ZERO) {
            final FloatVector z = FloatVector.zero(s);
            c0_0 = z; c0_1 = z;
            c1_0 = z; c1_1 = z;
            c2_0 = z; c2_1 = z;
            c3_0 = z; c3_1 = z;
        } else {
            c0_0 = FloatVector.fromArray(s, c, r0);
            c0_1 = FloatVector.fromArray(s, c, r0 + l);
            c1_0 = FloatVector.fromArray(s, c, r1);
            c1_1 = FloatVector.fromArray(s, c, r1 + l);
            c2_0 = FloatVector.fromArray(s, c, r2);
            c2_1 = FloatVector.fromArray(s, c, r2 + l);
            c3_0 = FloatVector.fromArray(s, c, r3);
            c3_1 = FloatVector.fromArray(s, c, r3 + l);
            if (mode == VectorSgemm.SCALE) {
                c0_0 = c0_0.mul(beta); c0_1 = c0_1.mul(beta);
                c1_0 = c1_0.mul(beta); c1_1 = c1_1.mul(beta);
                c2_0 = c2_0.mul(beta); c2_1 = c2_1.mul(beta);
                c3_0 = c3_0.mul(beta); c3_1 = c3_1.mul(beta);
            }
        }
        int ai = ao;
        int bi = bo;
        for (int p = 0; p < kc; p++) {
            final FloatVector b0 = FloatVector.fromArray(s, b, bi);
            final FloatVector b1 = FloatVector.fromArray(s, b, bi + l);
            final FloatVector a0 = FloatVector.broadcast(s, a[ai]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            final FloatVector a1 = FloatVector.broadcast(s, a[ai + 1]);
            c1_0 = a1.fma(b0, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            final FloatVector a2 = FloatVector.broadcast(s, a[ai + 2]);
            c2_0 = a2.fma(b0, c2_0);
            c2_1 = a2.fma(b1, c2_1);
            final FloatVector a3 = FloatVector.broadcast(s, a[ai + 3]);
            c3_0 = a3.fma(b0, c3_0);
            c3_1 = a3.fma(b1, c3_1);
            ai += 4;
            bi += VectorSgemm.NR;
        }
        c0_0.intoArray(c, r0);
        c0_1.intoArray(c, r0 + l);
        c1_0.intoArray(c, r1);
        c1_1.intoArray(c, r1 + l);
        c2_0.intoArray(c, r2);
        c2_1.intoArray(c, r2 + l);
        c3_0.intoArray(c, r3);
        c3_1.intoArray(c, r3 + l);
    }

    /** 1 row x 1 panel (2 vectors) of C, 2 accumulators. */
    static void k1(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, int mode, float beta) {
        final VectorSpecies<Float> s = Lanes.F;
        final int l = Lanes.N;
        final int r0 = co;
        FloatVector c0_0, c0_1;
        if (mode == VectorSgemm.ZERO) {
            final FloatVector z = FloatVector.zero(s);
            c0_0 = z; c0_1 = z;
        } else {
            c0_0 = FloatVector.fromArray(s, c, r0);
            c0_1 = FloatVector.fromArray(s, c, r0 + l);
            if (mode == VectorSgemm.SCALE) {
                c0_0 = c0_0.mul(beta); c0_1 = c0_1.mul(beta);
            }
        }
        int ai = ao;
        int bi = bo;
        for (int p = 0; p < kc; p++) {
            final FloatVector b0 = FloatVector.fromArray(s, b, bi);
            final FloatVector b1 = FloatVector.fromArray(s, b, bi + l);
            final FloatVector a0 = FloatVector.broadcast(s, a[ai]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            ai += 1;
            bi += VectorSgemm.NR;
        }
        c0_0.intoArray(c, r0);
        c0_1.intoArray(c, r0 + l);
    }

    /** 1 row x 4 panels (8 vectors) of C, 8 accumulators. */
    static void k1x4(float[] a, int ao, float[] b, int bo, int bStride, int kc, float[] c, int co, int mode, float beta) {
        final VectorSpecies<Float> s = Lanes.F;
        final int l = Lanes.N;
        final int r0 = co;
        FloatVector c0_0, c0_1, c0_2, c0_3, c0_4, c0_5, c0_6, c0_7;
        if (mode == VectorSgemm.ZERO) {
            final FloatVector z = FloatVector.zero(s);
            c0_0 = z; c0_1 = z; c0_2 = z; c0_3 = z; c0_4 = z; c0_5 = z; c0_6 = z; c0_7 = z;
        } else {
            c0_0 = FloatVector.fromArray(s, c, r0);
            c0_1 = FloatVector.fromArray(s, c, r0 + l);
            c0_2 = FloatVector.fromArray(s, c, r0 + 2 * l);
            c0_3 = FloatVector.fromArray(s, c, r0 + 3 * l);
            c0_4 = FloatVector.fromArray(s, c, r0 + 4 * l);
            c0_5 = FloatVector.fromArray(s, c, r0 + 5 * l);
            c0_6 = FloatVector.fromArray(s, c, r0 + 6 * l);
            c0_7 = FloatVector.fromArray(s, c, r0 + 7 * l);
            if (mode == VectorSgemm.SCALE) {
                c0_0 = c0_0.mul(beta); c0_1 = c0_1.mul(beta); c0_2 = c0_2.mul(beta); c0_3 = c0_3.mul(beta); c0_4 = c0_4.mul(beta); c0_5 = c0_5.mul(beta); c0_6 = c0_6.mul(beta); c0_7 = c0_7.mul(beta);
            }
        }
        int ai = ao;
        int bi = bo;
        final int s1 = bStride;
        final int s2 = 2 * bStride;
        final int s3 = 3 * bStride;
        for (int p = 0; p < kc; p++) {
            final FloatVector b0 = FloatVector.fromArray(s, b, bi);
            final FloatVector b1 = FloatVector.fromArray(s, b, bi + l);
            final FloatVector b2 = FloatVector.fromArray(s, b, bi + s1);
            final FloatVector b3 = FloatVector.fromArray(s, b, bi + s1 + l);
            final FloatVector b4 = FloatVector.fromArray(s, b, bi + s2);
            final FloatVector b5 = FloatVector.fromArray(s, b, bi + s2 + l);
            final FloatVector b6 = FloatVector.fromArray(s, b, bi + s3);
            final FloatVector b7 = FloatVector.fromArray(s, b, bi + s3 + l);
            final FloatVector a0 = FloatVector.broadcast(s, a[ai]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            c0_2 = a0.fma(b2, c0_2);
            c0_3 = a0.fma(b3, c0_3);
            c0_4 = a0.fma(b4, c0_4);
            c0_5 = a0.fma(b5, c0_5);
            c0_6 = a0.fma(b6, c0_6);
            c0_7 = a0.fma(b7, c0_7);
            ai += 1;
            bi += VectorSgemm.NR;
        }
        c0_0.intoArray(c, r0);
        c0_1.intoArray(c, r0 + l);
        c0_2.intoArray(c, r0 + 2 * l);
        c0_3.intoArray(c, r0 + 3 * l);
        c0_4.intoArray(c, r0 + 4 * l);
        c0_5.intoArray(c, r0 + 5 * l);
        c0_6.intoArray(c, r0 + 6 * l);
        c0_7.intoArray(c, r0 + 7 * l);
    }

}
