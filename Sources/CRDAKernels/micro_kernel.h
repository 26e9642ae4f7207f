// The GEMM micro-kernel, generic over the vector width: included once per variant by
// `kernel_variants.c` with RDA_KERNEL (the function's name), RDA_VEC (a clang vector type of
// RDA_LANES floats) and a target attribute in force. The tile is 6 rows x 2 vectors of C:
// 12 accumulators, two vectors of B and one broadcast of A: 15 registers (AVX2 has 16 ymm,
// AVX-512 32 zmm). Measured on an AMD EPYC (Zen 5, full-width 512-bit FMA) with kc = 256 in
// L1: 6x32 with 16 lanes ran as fast as 8x32, 12x32 and 14x32 (all within the machine's noise),
// and keeps the packed A panel (6 rows) of the AVX2 variant.
//
// See `rda_micro_kernel_fn` in CRDAKernels.h for the contract, and the order of the roundings
// that makes every variant give the same bits.

#define RDA_MR 6
#define RDA_NR (2 * RDA_LANES)

void RDA_KERNEL(long kc, const float *a, const float *b, float *c, long ldc,
                long rows, long cols, float alpha, float beta) {
    // The C tile is read (or written) only after the k loop: fetch its lines now, so that the
    // loop hides the wait (C is often out of L2 in large products). A hint: no effect on results.
    for (long r = 0; r < rows; r++) {
        __builtin_prefetch(c + r * ldc, 1, 3);
        __builtin_prefetch(c + r * ldc + RDA_NR - 1, 1, 3);
    }
    RDA_VEC acc[RDA_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_MR; r++) {
        acc[r][0] = (RDA_VEC)0;
        acc[r][1] = (RDA_VEC)0;
    }
    for (long p = 0; p < kc; p++) {
        RDA_VEC b0, b1;
        __builtin_memcpy(&b0, b, sizeof(RDA_VEC));
        __builtin_memcpy(&b1, b + RDA_LANES, sizeof(RDA_VEC));
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_MR; r++) {
            RDA_VEC x = (RDA_VEC)a[r];
            acc[r][0] = __builtin_elementwise_fma(x, b0, acc[r][0]);
            acc[r][1] = __builtin_elementwise_fma(x, b1, acc[r][1]);
        }
        a += RDA_MR;
        b += RDA_NR;
    }

    if (rows == RDA_MR && cols == RDA_NR) {
        RDA_VEC va = (RDA_VEC)alpha, vb = (RDA_VEC)beta;
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_MR; r++) {
#pragma clang loop unroll(full)
            for (int v = 0; v < 2; v++) {
                float *dst = c + r * ldc + v * RDA_LANES;
                RDA_VEC out;
                if (beta == 0) {
                    out = va * acc[r][v];
                } else {
                    RDA_VEC old;
                    __builtin_memcpy(&old, dst, sizeof(RDA_VEC));
                    out = __builtin_elementwise_fma(va, acc[r][v], beta == 1 ? old : vb * old);
                }
                __builtin_memcpy(dst, &out, sizeof(RDA_VEC));
            }
        }
        return;
    }

    // Edge tile: spill the accumulators, then merge the valid part with the same roundings as
    // the full tile, so that an element's bits do not depend on where the tiles fall.
    float tile[RDA_MR * RDA_NR];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_MR; r++) {
        __builtin_memcpy(tile + r * RDA_NR, &acc[r][0], sizeof(RDA_VEC));
        __builtin_memcpy(tile + r * RDA_NR + RDA_LANES, &acc[r][1], sizeof(RDA_VEC));
    }
    for (long r = 0; r < rows; r++) {
        const float *src = tile + r * RDA_NR;
        float *dst = c + r * ldc;
        if (beta == 0) {
            for (long j = 0; j < cols; j++) dst[j] = alpha * src[j];
        } else if (beta == 1) {
            for (long j = 0; j < cols; j++) dst[j] = __builtin_fmaf(alpha, src[j], dst[j]);
        } else {
            for (long j = 0; j < cols; j++) dst[j] = __builtin_fmaf(alpha, src[j], beta * dst[j]);
        }
    }
}

#undef RDA_MR
#undef RDA_NR
