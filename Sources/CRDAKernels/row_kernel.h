// The 1-row product over a packed B: the micro-kernel (`micro_kernel.h`) for a C of one row,
// generic over the vector width like it (included once per variant by `kernel_variants.c` with
// RDA_ROW_KERNEL, RDA_VEC and RDA_LANES). Where the micro-kernel spends a 6-row tile on one row
// (5 rows of zeros), this one runs up to 4 micro-panels of B side by side: 8 accumulators, so
// that the fused multiply-adds of one panel do not wait on each other.
//
// Every element of C gets the micro-kernel's operations in the micro-kernel's order: a sum
// from 0 over k in ascending order, one fused multiply-add per step, merged with `alpha * sum`
// (beta 0), `fma(alpha, sum, C)` (beta 1) or `fma(alpha, sum, beta * C)`: the same bits.
//
// With `skipZeros` (B finite), the k steps where a is +-0 are skipped (most pixels of MNIST and
// half of a ReLU layer's outputs): with b finite, fma(+-0, b, s) is s for s != 0 and +0 for
// s = +0, so a sum with the steps skipped equals the full sum except that where the full sum
// turned a -0 into +0 the short one keeps -0 (a -0 only comes from an underflow). A sum that
// ends at -0 is therefore summed again over every step: the result is the full sum's, bit for
// bit.

#define RDA_NR (2 * RDA_LANES)

void RDA_ROW_KERNEL(long kc, const float *a, const float *b, long panels, long panelStride,
                    float *c, long cols, float alpha, float beta, long skipZeros) {
    // The k steps summed: all of them, or those where a is not zero (in ascending order).
    int steps[kc > 0 && kc <= 4096 ? kc : 1];
    long count = kc;
    int skipping = skipZeros && kc <= 4096;
    if (skipping) {
        count = 0;
        for (long p = 0; p < kc; p++) {
            if (a[p] != 0) steps[count++] = (int)p;
        }
    }
    long q0 = 0;
    while (q0 < panels) {
        long group = panels - q0 < 4 ? panels - q0 : 4;
        RDA_VEC acc[4][2];
#pragma clang loop unroll(full)
        for (int q = 0; q < 4; q++) {
            acc[q][0] = (RDA_VEC)0;
            acc[q][1] = (RDA_VEC)0;
        }
        const float *bq = b + q0 * panelStride;
        if (group == 4) {
            for (long i = 0; i < count; i++) {
                long p = skipping ? steps[i] : i;
                RDA_VEC x = (RDA_VEC)a[p];
#pragma clang loop unroll(full)
                for (int q = 0; q < 4; q++) {
                    RDA_VEC b0, b1;
                    __builtin_memcpy(&b0, bq + q * panelStride + p * RDA_NR, sizeof(RDA_VEC));
                    __builtin_memcpy(&b1, bq + q * panelStride + p * RDA_NR + RDA_LANES, sizeof(RDA_VEC));
                    acc[q][0] = __builtin_elementwise_fma(x, b0, acc[q][0]);
                    acc[q][1] = __builtin_elementwise_fma(x, b1, acc[q][1]);
                }
            }
        } else {
            for (long q = 0; q < group; q++) {
                const float *bp = bq + q * panelStride;
                RDA_VEC s0 = (RDA_VEC)0, s1 = (RDA_VEC)0;
                for (long i = 0; i < count; i++) {
                    long p = skipping ? steps[i] : i;
                    RDA_VEC x = (RDA_VEC)a[p];
                    RDA_VEC b0, b1;
                    __builtin_memcpy(&b0, bp + p * RDA_NR, sizeof(RDA_VEC));
                    __builtin_memcpy(&b1, bp + p * RDA_NR + RDA_LANES, sizeof(RDA_VEC));
                    s0 = __builtin_elementwise_fma(x, b0, s0);
                    s1 = __builtin_elementwise_fma(x, b1, s1);
                }
                acc[q][0] = s0;
                acc[q][1] = s1;
            }
        }
        float tile[4 * RDA_NR];
#pragma clang loop unroll(full)
        for (int q = 0; q < 4; q++) {
            __builtin_memcpy(tile + q * RDA_NR, &acc[q][0], sizeof(RDA_VEC));
            __builtin_memcpy(tile + q * RDA_NR + RDA_LANES, &acc[q][1], sizeof(RDA_VEC));
        }
        long first = q0 * RDA_NR;
        long n = cols - first < group * RDA_NR ? cols - first : group * RDA_NR;
        if (skipping) {
            // A sum that ended at -0: summed again over every step (see above).
            for (long j = 0; j < n; j++) {
                unsigned bits;
                __builtin_memcpy(&bits, tile + j, sizeof bits);
                if (bits != 0x80000000u) continue;
                const float *col = bq + (j / RDA_NR) * panelStride + j % RDA_NR;
                float s = 0;
                for (long p = 0; p < kc; p++) s = __builtin_fmaf(a[p], col[p * RDA_NR], s);
                tile[j] = s;
            }
        }
        // Merge with the micro-kernel's roundings (its edge-tile code, element by element).
        float *dst = c + first;
        if (beta == 0) {
            for (long j = 0; j < n; j++) dst[j] = alpha * tile[j];
        } else if (beta == 1) {
            for (long j = 0; j < n; j++) dst[j] = __builtin_fmaf(alpha, tile[j], dst[j]);
        } else {
            for (long j = 0; j < n; j++) dst[j] = __builtin_fmaf(alpha, tile[j], beta * dst[j]);
        }
        q0 += group;
    }
}

#undef RDA_NR
