package dev.vecrnn.bench;

import dev.vecrnn.kernel.PackedMatrix;
import dev.vecrnn.kernel.ScalarSgemm;
import dev.vecrnn.kernel.Sgemm;
import dev.vecrnn.mem.ThreadTeam;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM throughput. {@code gemm}: {@code C = A*B} (beta 0) for any shape and transposes, through
 * the {@link Sgemm} facade ({@code impl=vector}: the vector kernel unless the JVM runs the scalar
 * path) or {@link ScalarSgemm} directly ({@code impl=scalar}); B is packed inside every call.
 * {@code packed}: the RNN step {@code h[m, H] x W_hh^T} with {@code W_hh [4H, H]} packed once,
 * as in the time loop ({@code n = 4H}, {@code k = H}). Work: {@code 2*m*n*k} flops (Flops.java).
 *
 * <p>Example: {@code scripts/bench GemmBench -p m=2048 -p n=2048 -p k=2048 -p threads=1,2}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {BenchConfig.ADD_VECTOR, BenchConfig.PARALLEL_GC})
@State(Scope.Benchmark)
public class GemmBench {

    @Param({"1024"})
    public int m;
    @Param({"1024"})
    public int n;
    @Param({"1024"})
    public int k;
    @Param({"false"})
    public boolean transA;
    @Param({"false"})
    public boolean transB;
    @Param({"1"})
    public int threads;
    @Param({"vector", "scalar"})
    public String impl;

    private float[] a;
    private float[] b;
    private float[] c;
    private int lda;
    private int ldb;
    private ThreadTeam team;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(42);
        a = random(r, m * k); // op(A) [m, k], stored [k, m] when transA
        b = random(r, k * n); // op(B) [k, n], stored [n, k] when transB
        c = new float[m * n];
        lda = transA ? m : k;
        ldb = transB ? k : n;
        team = threads > 1 ? new ThreadTeam(threads) : null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (team != null) {
            team.close();
        }
    }

    @Benchmark
    public float[] gemm() {
        if ("scalar".equals(impl)) {
            scalar(team, transA, transB, m, n, k, a, lda, b, ldb, c);
        } else if (team == null) {
            Sgemm.sgemm(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        } else {
            Sgemm.sgemm(team, transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        }
        return c;
    }

    /** The recurrent product of one LSTM time step: {@code m} = batch, {@code h} = hidden size. */
    @State(Scope.Benchmark)
    public static class RnnStep {
        @Param({"32", "64"})
        public int m;
        @Param({"256", "512", "1024"})
        public int h;
        @Param({"1"})
        public int threads;
        @Param({"vector", "scalar"})
        public String impl;

        private float[] hPrev;
        /** W_hh^T as a plain row-major [H, 4H] matrix: what the scalar path multiplies with. */
        private float[] wT;
        private PackedMatrix w;
        private float[] gates;
        private ThreadTeam team;

        @Setup(Level.Trial)
        public void setUp() {
            Random r = new Random(7);
            int n = 4 * h;
            hPrev = random(r, m * h); // h_{t-1} [m, H]
            float[] wHh = random(r, n * h); // W_hh [4H, H], PyTorch layout
            w = Sgemm.packB(true, h, n, wHh, 0, h);
            wT = new float[h * n];
            for (int g = 0; g < n; g++) {
                for (int i = 0; i < h; i++) {
                    wT[i * n + g] = wHh[g * h + i];
                }
            }
            gates = new float[m * n]; // [m, 4H]
            team = threads > 1 ? new ThreadTeam(threads) : null;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (team != null) {
                team.close();
            }
        }
    }

    @Benchmark
    public float[] packed(RnnStep s) {
        int n = 4 * s.h;
        if ("scalar".equals(s.impl)) {
            scalar(s.team, false, false, s.m, n, s.h, s.hPrev, s.h, s.wT, n, s.gates);
        } else if (s.team == null) {
            Sgemm.sgemmPacked(false, s.m, 1f, s.hPrev, 0, s.h, s.w, 0, n, 0f, s.gates, 0, n);
        } else {
            Sgemm.sgemmPacked(s.team, false, s.m, 1f, s.hPrev, 0, s.h, s.w, 0f, s.gates, 0, n);
        }
        return s.gates;
    }

    /** The scalar twin, split by columns over the team like the facade does. */
    private static void scalar(ThreadTeam team, boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int lda, float[] b, int ldb, float[] c) {
        if (team == null) {
            ScalarSgemm.sgemm(transA, transB, m, 0, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            return;
        }
        team.run((w, ws) -> {
            int n0 = ThreadTeam.split(n, 16, w, ws);
            int n1 = ThreadTeam.split(n, 16, w + 1, ws);
            if (n0 < n1) {
                ScalarSgemm.sgemm(transA, transB, m, n0, n1, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            }
        });
    }

    private static float[] random(Random r, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = r.nextFloat() * 2f - 1f;
        }
        return x;
    }
}
