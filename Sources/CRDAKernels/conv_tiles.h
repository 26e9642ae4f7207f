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

#undef RDA_CONV_NAME
#undef RDA_CONV_NAME2
