// rda's instruction-set-specific kernels, written in C for one reason: per-function target
// attributes. Each kernel is one generic source (`micro_kernel.h`, `fma_peak.h`) compiled into
// several variants (`kernel_variants.c`): 8-lane AVX2 + FMA, 16-lane AVX-512, and a baseline
// built with the module's own flags (the fallback on CPUs without AVX2 and on other
// architectures). Which variant runs is chosen at run time from the CPU's features
// (`rda_cpu_features`), in Swift (`KernelISA`).
#ifndef CRDA_KERNELS_H
#define CRDA_KERNELS_H

#include <stdint.h>

/// Bits of `rda_cpu_features()`.
enum {
    /// AVX2 and FMA, with the OS saving the ymm registers (XCR0 bits 1-2).
    RDA_CPU_AVX2_FMA = 1,
    /// AVX-512 F, BW, DQ and VL, with the OS saving the zmm and mask registers (XCR0 bits 5-7).
    RDA_CPU_AVX512 = 2,
    /// This library holds the AVX2 and AVX-512 variants (x86-64 only).
    RDA_CPU_VARIANTS_COMPILED = 4,
};

/// The CPU's features (cpuid leaf 7 and 1, checked against xgetbv), as `RDA_CPU_*` bits. 0 off x86-64.
uint32_t rda_cpu_features(void);

/// C[0..<rows, 0..<cols] = beta * C + alpha * (A panel * B panel), the micro-kernel of the GEMM:
/// `a` holds kc steps of 6 floats (rows of C), `b` kc steps of `nr` floats (columns of C), both
/// zero-padded. beta == 0 never reads C. rows <= 6, cols <= nr. Every element of C is a sum
/// over k in ascending order, one fused multiply-add per step from 0, then merged with
/// `alpha * sum` (beta 0), `fma(alpha, sum, C)` (beta 1) or `fma(alpha, sum, beta * C)`: the
/// same bits in every variant and for every nr.
typedef void (*rda_micro_kernel_fn)(long kc, const float *a, const float *b, float *c, long ldc,
                                    long rows, long cols, float alpha, float beta);

/// nr = 16 (two 8-lane vectors), compiled for AVX2 + FMA. Call only when RDA_CPU_AVX2_FMA.
void rda_micro_kernel_avx2(long kc, const float *a, const float *b, float *c, long ldc,
                           long rows, long cols, float alpha, float beta);
/// nr = 32 (two 16-lane vectors), compiled for AVX-512. Call only when RDA_CPU_AVX512.
void rda_micro_kernel_avx512(long kc, const float *a, const float *b, float *c, long ldc,
                             long rows, long cols, float alpha, float beta);
/// nr = 16, compiled with the module's flags: runs on any CPU.
void rda_micro_kernel_baseline(long kc, const float *a, const float *b, float *c, long ldc,
                               long rows, long cols, float alpha, float beta);

/// c[0..<cols] = beta * c + alpha * (a * B) for one row `a` (kc floats) and `panels` packed B
/// micro-panels of nr = 2 lanes floats per k step, `panelStride` floats apart (the columns
/// of panel q are c[q * nr ..< (q + 1) * nr], the last one cut at `cols`): every element with
/// the micro-kernel's operations in its order (`rda_micro_kernel_fn`), so the same bits.
/// `skipZeros` (only for a finite B) skips the steps where `a` is zero, with the same bits
/// (`row_kernel.h` says why).
void rda_row_kernel_avx2(long kc, const float *a, const float *b, long panels, long panelStride,
                         float *c, long cols, float alpha, float beta, long skipZeros);
/// As `rda_row_kernel_avx2` with nr = 32, compiled for AVX-512. Call only when RDA_CPU_AVX512.
void rda_row_kernel_avx512(long kc, const float *a, const float *b, long panels, long panelStride,
                           float *c, long cols, float alpha, float beta, long skipZeros);
/// As `rda_row_kernel_avx2` (nr = 16), compiled with the module's flags: runs on any CPU.
void rda_row_kernel_baseline(long kc, const float *a, const float *b, long panels, long panelStride,
                             float *c, long cols, float alpha, float beta, long skipZeros);

/// The FMA peak loops: `iterations` rounds of 12 independent vector fused multiply-adds
/// (12 * lanes * 2 flops a round). Returns a value that depends on every accumulator, so that
/// nothing is optimised away.
float rda_fma_loop_avx2(long iterations);
float rda_fma_loop_avx512(long iterations);

/// The direct convolution's register blocks for AVX-512 (RDACore's `DirectConv`): 12 rows x 16
/// columns of sums, each summed over k in ascending order with one fused multiply-add a step
/// from zero (the order of the Swift 6 x 16 blocks), written row-major to `sums` (192 floats).
/// Call only when RDA_CPU_AVX512.
/// Forward: sums[r] = sum over s, q of rows[r][offset + s * segmentStride + q] * panel[(s * segmentLength + q) * 16...].
void rda_conv_tile_avx512(const float *const *rows, long offset, long segments, long segmentLength,
                          long segmentStride, const float *panel, float *sums);
/// Scatter: sums[r] = sum over q < reduction of src[r][q] * panel[q * 16...].
void rda_conv_scatter_tile_avx512(const float *const *src, long reduction, const float *panel, float *sums);
/// Weight gradient: sums[r] = sum over p < pixels of rows[p][offsets[r]] * panel[p * panelStride...].
void rda_conv_weight_tile_avx512(const float *const *rows, long pixels, const long *offsets,
                                 const float *panel, long panelStride, float *sums);

/// The same for two groups of 16 columns at once (the second group's panel `groupStride` floats
/// after the first's), 384 sums: the first group's 12 x 16, then the second's. Same bits as two
/// calls of the blocks above.
void rda_conv_tile2_avx512(const float *const *rows, long offset, long segments, long segmentLength,
                           long segmentStride, const float *panel, long groupStride, float *sums);
void rda_conv_scatter_tile2_avx512(const float *const *src, long reduction, const float *panel,
                                   long groupStride, float *sums);
/// Weight gradient with consecutive offsets: offsets[r] = offset + r.
void rda_conv_weight_tile2_avx512(const float *const *rows, long pixels, long offset, const float *panel,
                                  long panelStride, long groupStride, float *sums);


/// Winograd F(4x4, 2x2) transforms (`winograd_transforms.h`, RDACore's `WinogradConv`), one
/// source per instruction set (baseline, avx2, avx512), the same bits in each. Per tile and phase:
/// the input tiles (B^T d B, into 25 planes `plane` floats apart), their adjoint (added into the
/// padded image), the output (A^T M A + bias) and its adjoint.
#define RDA_WINO_DECLARE(suffix) \
    void rda_wino_input_##suffix(const float *origin, long rowFloats, long c, float *v, long plane); \
    void rda_wino_input_adjoint_##suffix(const float *dv, long plane, long c, float *origin, long rowFloats); \
    void rda_wino_output_##suffix(const float *mm, long plane, long o, const float *bias, float *out, long rowPixels, long ldOut); \
    void rda_wino_output_adjoint_##suffix(const float *g, long rowPixels, long ldG, long o, float *dm, long plane);
RDA_WINO_DECLARE(baseline)
RDA_WINO_DECLARE(avx2)
RDA_WINO_DECLARE(avx512)
#undef RDA_WINO_DECLARE

#endif
