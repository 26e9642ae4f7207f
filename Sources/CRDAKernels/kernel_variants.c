// The variants of the generic kernels: one source each (`micro_kernel.h`, `fma_peak.h`),
// compiled here for AVX2 + FMA (8 lanes), AVX-512 (16 lanes) and the module's own flags.
//
// No contraction of a * b + c into fused multiply-adds behind our back: the kernels say where
// they fuse, so every variant rounds alike.
#pragma STDC FP_CONTRACT OFF

#include "CRDAKernels.h"

typedef float rda_vec8 __attribute__((ext_vector_type(8)));
typedef float rda_vec16 __attribute__((ext_vector_type(16)));

// Baseline: the module's flags (SSE2 on x86-64 without -march: vector FMAs become calls to
// fmaf, correct and slow; NEON elsewhere).
#define RDA_VEC rda_vec8
#define RDA_LANES 8
#define RDA_KERNEL rda_micro_kernel_baseline
#define RDA_ROW_KERNEL rda_row_kernel_baseline
#include "micro_kernel.h"
#include "row_kernel.h"
#undef RDA_ROW_KERNEL
#undef RDA_KERNEL
#undef RDA_VEC
#undef RDA_LANES

#if defined(__x86_64__)

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define RDA_VEC rda_vec8
#define RDA_LANES 8
#define RDA_KERNEL rda_micro_kernel_avx2
#define RDA_ROW_KERNEL rda_row_kernel_avx2
#define RDA_FMA_LOOP rda_fma_loop_avx2
#include "micro_kernel.h"
#include "row_kernel.h"
#include "fma_peak.h"
#undef RDA_KERNEL
#undef RDA_ROW_KERNEL
#undef RDA_FMA_LOOP
#undef RDA_VEC
#undef RDA_LANES
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define RDA_VEC rda_vec16
#define RDA_LANES 16
#define RDA_KERNEL rda_micro_kernel_avx512
#define RDA_ROW_KERNEL rda_row_kernel_avx512
#define RDA_FMA_LOOP rda_fma_loop_avx512
#include "micro_kernel.h"
#include "row_kernel.h"
#include "fma_peak.h"
#undef RDA_KERNEL
#undef RDA_ROW_KERNEL
#undef RDA_FMA_LOOP
#undef RDA_VEC
#undef RDA_LANES
#pragma clang attribute pop

#else

// Other architectures: the x86 variants exist (Swift links them) and are never chosen
// (`rda_cpu_features` reports none).
void rda_micro_kernel_avx2(long kc, const float *a, const float *b, float *c, long ldc,
                           long rows, long cols, float alpha, float beta) {
    rda_micro_kernel_baseline(kc, a, b, c, ldc, rows, cols, alpha, beta);
}
void rda_micro_kernel_avx512(long kc, const float *a, const float *b, float *c, long ldc,
                             long rows, long cols, float alpha, float beta) {
    (void)kc; (void)a; (void)b; (void)c; (void)ldc; (void)rows; (void)cols; (void)alpha; (void)beta;
    __builtin_trap();
}
void rda_row_kernel_avx2(long kc, const float *a, const float *b, long panels, long panelStride,
                         float *c, long cols, float alpha, float beta, long skipZeros) {
    rda_row_kernel_baseline(kc, a, b, panels, panelStride, c, cols, alpha, beta, skipZeros);
}
void rda_row_kernel_avx512(long kc, const float *a, const float *b, long panels, long panelStride,
                           float *c, long cols, float alpha, float beta, long skipZeros) {
    (void)kc; (void)a; (void)b; (void)panels; (void)panelStride; (void)c; (void)cols; (void)alpha; (void)beta; (void)skipZeros;
    __builtin_trap();
}
float rda_fma_loop_avx2(long iterations) { (void)iterations; return 0; }
float rda_fma_loop_avx512(long iterations) { (void)iterations; return 0; }

#endif
