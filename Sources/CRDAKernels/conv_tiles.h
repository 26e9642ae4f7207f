// The direct convolution's three register blocks (RDACore's `DirectConv`), generic over the
// rows of the block: RDA_CONV_ROWS rows x 16 columns in RDA_CONV_ROWS 16-lane accumulators,
// summed in the same order as the Swift 6 x 16 blocks (k ascending, one fused multiply-add a
// step from zero), so that the sums, and so the stored results, have the same bits. Included by
// `conv_variants.c` with RDA_CONV_SUFFIX naming the variant and a target attribute in force.
// Each writes its RDA_CONV_ROWS x 16 sums to `sums` (row-major); the caller stores them.

#define RDA_CONV_NAME2(base, suffix) base##_##suffix
#define RDA_CONV_NAME(base, suffix) RDA_CONV_NAME2(base, suffix)

/// sums[r] = sum over s < segments, q < segmentLength of rows[r][offset + s * segmentStride + q]
/// * panel[(s * segmentLength + q) * 16 ..< +16].
void RDA_CONV_NAME(rda_conv_tile, RDA_CONV_SUFFIX)(const float *const *rows, long offset, long segments,
                                                 long segmentLength, long segmentStride,
                                                 const float *panel, float *sums) {
    rda_vec16 acc[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) acc[r] = (rda_vec16)0;
    const float *pb = panel;
    for (long s = 0; s < segments; s++) {
        long off = offset + s * segmentStride;
        const float *a[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_CONV_ROWS; r++) a[r] = rows[r] + off;
        for (long q = 0; q < segmentLength; q++) {
            rda_vec16 b;
            __builtin_memcpy(&b, pb, sizeof b);
#pragma clang loop unroll(full)
            for (int r = 0; r < RDA_CONV_ROWS; r++)
                acc[r] = __builtin_elementwise_fma((rda_vec16)a[r][q], b, acc[r]);
            pb += 16;
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) __builtin_memcpy(sums + 16 * r, &acc[r], sizeof acc[r]);
}

/// sums[r] = sum over q < reduction of src[r][q] * panel[q * 16 ..< +16].
void RDA_CONV_NAME(rda_conv_scatter_tile, RDA_CONV_SUFFIX)(const float *const *src, long reduction,
                                                         const float *panel, float *sums) {
    rda_vec16 acc[RDA_CONV_ROWS];
    const float *a[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) {
        acc[r] = (rda_vec16)0;
        a[r] = src[r];
    }
    for (long q = 0; q < reduction; q++) {
        rda_vec16 b;
        __builtin_memcpy(&b, panel + 16 * q, sizeof b);
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_CONV_ROWS; r++)
            acc[r] = __builtin_elementwise_fma((rda_vec16)a[r][q], b, acc[r]);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) __builtin_memcpy(sums + 16 * r, &acc[r], sizeof acc[r]);
}

/// sums[r] = sum over p < pixels of rows[p][offsets[r]] * panel[p * panelStride ..< +16].
void RDA_CONV_NAME(rda_conv_weight_tile, RDA_CONV_SUFFIX)(const float *const *rows, long pixels,
                                                        const long *offsets, const float *panel,
                                                        long panelStride, float *sums) {
    rda_vec16 acc[RDA_CONV_ROWS];
    long o[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) {
        acc[r] = (rda_vec16)0;
        o[r] = offsets[r];
    }
    const float *pb = panel;
    for (long p = 0; p < pixels; p++) {
        const float *a = rows[p];
        rda_vec16 b;
        __builtin_memcpy(&b, pb, sizeof b);
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_CONV_ROWS; r++)
            acc[r] = __builtin_elementwise_fma((rda_vec16)a[o[r]], b, acc[r]);
        pb += panelStride;
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) __builtin_memcpy(sums + 16 * r, &acc[r], sizeof acc[r]);
}

// The same three blocks for two groups of 16 columns at once (RDA_CONV_ROWS x 32 sums in
// 2 x RDA_CONV_ROWS accumulators): each value of the rows is loaded and broadcast once for two
// fused multiply-adds instead of one (the 16-column blocks are bound by those loads). Every sum
// runs over k in the same order as in the blocks above, so the bits are the same. The second
// group's panel lies `groupStride` floats after the first's; `sums` holds the first group's
// RDA_CONV_ROWS x 16 sums, then the second's.

/// rda_conv_tile for the groups at `panel` and `panel + groupStride`.
void RDA_CONV_NAME(rda_conv_tile2, RDA_CONV_SUFFIX)(const float *const *rows, long offset, long segments,
                                                  long segmentLength, long segmentStride,
                                                  const float *panel, long groupStride, float *sums) {
    rda_vec16 acc0[RDA_CONV_ROWS], acc1[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) acc0[r] = acc1[r] = (rda_vec16)0;
    const float *pb = panel;
    for (long s = 0; s < segments; s++) {
        long off = offset + s * segmentStride;
        const float *a[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_CONV_ROWS; r++) a[r] = rows[r] + off;
        for (long q = 0; q < segmentLength; q++) {
            rda_vec16 b0, b1;
            __builtin_memcpy(&b0, pb, sizeof b0);
            __builtin_memcpy(&b1, pb + groupStride, sizeof b1);
#pragma clang loop unroll(full)
            for (int r = 0; r < RDA_CONV_ROWS; r++) {
                rda_vec16 x = (rda_vec16)a[r][q];
                acc0[r] = __builtin_elementwise_fma(x, b0, acc0[r]);
                acc1[r] = __builtin_elementwise_fma(x, b1, acc1[r]);
            }
            pb += 16;
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) {
        __builtin_memcpy(sums + 16 * r, &acc0[r], sizeof acc0[r]);
        __builtin_memcpy(sums + 16 * (RDA_CONV_ROWS + r), &acc1[r], sizeof acc1[r]);
    }
}

/// rda_conv_scatter_tile for the groups at `panel` and `panel + groupStride`.
void RDA_CONV_NAME(rda_conv_scatter_tile2, RDA_CONV_SUFFIX)(const float *const *src, long reduction,
                                                          const float *panel, long groupStride, float *sums) {
    rda_vec16 acc0[RDA_CONV_ROWS], acc1[RDA_CONV_ROWS];
    const float *a[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) {
        acc0[r] = acc1[r] = (rda_vec16)0;
        a[r] = src[r];
    }
    const float *p1 = panel + groupStride;
    for (long q = 0; q < reduction; q++) {
        rda_vec16 b0, b1;
        __builtin_memcpy(&b0, panel + 16 * q, sizeof b0);
        __builtin_memcpy(&b1, p1 + 16 * q, sizeof b1);
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_CONV_ROWS; r++) {
            rda_vec16 x = (rda_vec16)a[r][q];
            acc0[r] = __builtin_elementwise_fma(x, b0, acc0[r]);
            acc1[r] = __builtin_elementwise_fma(x, b1, acc1[r]);
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) {
        __builtin_memcpy(sums + 16 * r, &acc0[r], sizeof acc0[r]);
        __builtin_memcpy(sums + 16 * (RDA_CONV_ROWS + r), &acc1[r], sizeof acc1[r]);
    }
}

/// rda_conv_weight_tile for the groups at `panel` and `panel + groupStride`, with consecutive
/// offsets: row r reads rows[p][offset + r] (one pointer a pixel, no table of offsets).
void RDA_CONV_NAME(rda_conv_weight_tile2, RDA_CONV_SUFFIX)(const float *const *rows, long pixels, long offset,
                                                         const float *panel, long panelStride,
                                                         long groupStride, float *sums) {
    rda_vec16 acc0[RDA_CONV_ROWS], acc1[RDA_CONV_ROWS];
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) acc0[r] = acc1[r] = (rda_vec16)0;
    const float *pb = panel;
    for (long p = 0; p < pixels; p++) {
        const float *a = rows[p] + offset;
        rda_vec16 b0, b1;
        __builtin_memcpy(&b0, pb, sizeof b0);
        __builtin_memcpy(&b1, pb + groupStride, sizeof b1);
#pragma clang loop unroll(full)
        for (int r = 0; r < RDA_CONV_ROWS; r++) {
            rda_vec16 x = (rda_vec16)a[r];
            acc0[r] = __builtin_elementwise_fma(x, b0, acc0[r]);
            acc1[r] = __builtin_elementwise_fma(x, b1, acc1[r]);
        }
        pb += panelStride;
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < RDA_CONV_ROWS; r++) {
        __builtin_memcpy(sums + 16 * r, &acc0[r], sizeof acc0[r]);
        __builtin_memcpy(sums + 16 * (RDA_CONV_ROWS + r), &acc1[r], sizeof acc1[r]);
    }
}

#undef RDA_CONV_NAME
#undef RDA_CONV_NAME2
