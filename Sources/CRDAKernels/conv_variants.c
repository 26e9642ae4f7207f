// The direct convolution's register blocks (`conv_tiles.h`) for AVX-512: 12 rows x 16 columns
// in 12 zmm accumulators, and 12 x 32 (two groups) in 24 (the Swift blocks, 6 x 16 in 12 ymm, serve AVX2).
#pragma STDC FP_CONTRACT OFF

#include "CRDAKernels.h"

typedef float rda_vec16 __attribute__((ext_vector_type(16)));

#if defined(__x86_64__)

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define RDA_CONV_ROWS 12
#define RDA_CONV_SUFFIX avx512
#include "conv_tiles.h"
#undef RDA_CONV_SUFFIX
#undef RDA_CONV_ROWS
#pragma clang attribute pop

#else

void rda_conv_tile_avx512(const float *const *rows, long offset, long segments, long segmentLength,
                          long segmentStride, const float *panel, float *sums) {
    (void)rows; (void)offset; (void)segments; (void)segmentLength; (void)segmentStride; (void)panel; (void)sums;
    __builtin_trap();
}
void rda_conv_scatter_tile_avx512(const float *const *src, long reduction, const float *panel, float *sums) {
    (void)src; (void)reduction; (void)panel; (void)sums;
    __builtin_trap();
}
void rda_conv_weight_tile_avx512(const float *const *rows, long pixels, const long *offsets,
                                 const float *panel, long panelStride, float *sums) {
    (void)rows; (void)pixels; (void)offsets; (void)panel; (void)panelStride; (void)sums;
    __builtin_trap();
}
void rda_conv_tile2_avx512(const float *const *rows, long offset, long segments, long segmentLength,
                           long segmentStride, const float *panel, long groupStride, float *sums) {
    (void)rows; (void)offset; (void)segments; (void)segmentLength; (void)segmentStride; (void)panel;
    (void)groupStride; (void)sums;
    __builtin_trap();
}
void rda_conv_scatter_tile2_avx512(const float *const *src, long reduction, const float *panel,
                                   long groupStride, float *sums) {
    (void)src; (void)reduction; (void)panel; (void)groupStride; (void)sums;
    __builtin_trap();
}
void rda_conv_weight_tile2_avx512(const float *const *rows, long pixels, long offset, const float *panel,
                                  long panelStride, long groupStride, float *sums) {
    (void)rows; (void)pixels; (void)offset; (void)panel; (void)panelStride; (void)groupStride; (void)sums;
    __builtin_trap();
}

#endif
