/* FP32 FMA throughput of one core: independent register-only FMA chains (reference for vecrnn bench peak). */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#if defined(WIDTH512)
typedef __m512 vec;
#define LANES 16
#define CHAINS 24
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define FIRST(v) _mm512_cvtss_f32(v)
#elif defined(WIDTH128)
typedef __m128 vec;
#define LANES 4
#define CHAINS 12
#define SET1 _mm_set1_ps
#define FMA _mm_fmadd_ps
#define FIRST(v) _mm_cvtss_f32(v)
#else
typedef __m256 vec;
#define LANES 8
#define CHAINS 12
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define FIRST(v) _mm256_cvtss_f32(v)
#endif

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 50000000L;
    double best = 0;
    float sink = 0;
    for (int rep = 0; rep < 7; rep++) {
        vec m = SET1(0.999999f), c = SET1(1e-6f), acc[CHAINS];
        for (int i = 0; i < CHAINS; i++) acc[i] = SET1(1.0f + i * 0.001f);
        double t = seconds();
        for (long i = 0; i < n; i++) {
#pragma GCC unroll 24
            for (int j = 0; j < CHAINS; j++) acc[j] = FMA(m, acc[j], c);
        }
        t = seconds() - t;
        double gflops = n * (double) CHAINS * LANES * 2 / t / 1e9;
        for (int i = 0; i < CHAINS; i++) sink += FIRST(acc[i]);
        if (gflops > best) best = gflops;
    }
    printf("%.1f %g\n", best, sink);
    return 0;
}
