// The transforms of Winograd's F(4x4, 2x2) (RDACore's `WinogradConv`), generic over the
// instruction set: 16 channels a vector (rda_vec16), the same operations in the same order in
// every variant (FP_CONTRACT OFF in the including file), so every variant gives the same bits.
// Included by `winograd_variants.c` with RDA_WINO_SUFFIX naming the variant.
//
//     B^T = [[2, -1, -2, 1, 0], [0, 2, 1, -1, 0], [0, -2, 3, -1, 0], [0, -1, 0, 1, 0], [0, 2, -1, -2, 1]]
//     A^T = [[1, 1, 1, 1, 0], [0, 1, -1, 2, 0], [0, 1, 1, 4, 0], [0, 1, -1, 8, 1]]

#define RDA_WINO_NAME2(base, suffix) base##_##suffix
#define RDA_WINO_NAME(base, suffix) RDA_WINO_NAME2(base, suffix)

#define RDA_WINO_LOAD(p) ({ rda_vec16 v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define RDA_WINO_STORE(p, v) do { rda_vec16 s_ = (v); __builtin_memcpy((p), &s_, sizeof s_); } while (0)

/// B^T x of 5 values s apart, in place.
static inline void RDA_WINO_NAME(rda_wino_bt, RDA_WINO_SUFFIX)(rda_vec16 *x, int s) {
    rda_vec16 x0 = x[0], x1 = x[s], x2 = x[2 * s], x3 = x[3 * s], x4 = x[4 * s];
    x[0] = 2 * (x0 - x2) + (x3 - x1);
    x[s] = 2 * x1 + (x2 - x3);
    x[2 * s] = 3 * x2 - 2 * x1 - x3;
    x[3 * s] = x3 - x1;
    x[4 * s] = 2 * (x1 - x3) + (x4 - x2);
}

/// B x (the adjoint of B^T) of 5 values s apart, in place.
static inline void RDA_WINO_NAME(rda_wino_b, RDA_WINO_SUFFIX)(rda_vec16 *x, int s) {
    rda_vec16 x0 = x[0], x1 = x[s], x2 = x[2 * s], x3 = x[3 * s], x4 = x[4 * s];
    x[0] = 2 * x0;
    x[s] = 2 * (x1 - x2 + x4) - x0 - x3;
    x[2 * s] = 3 * x2 + x1 - 2 * x0 - x4;
    x[3 * s] = x0 - x1 - x2 + x3 - 2 * x4;
    x[4 * s] = x4;
}

/// v[xi * plane + q] = (B^T d B)[xi] for the 5x5 tile d[a][j] = origin[2a * rowFloats + 2j * c + q]
/// of one phase, for every channel q < c (16 at a time).
void RDA_WINO_NAME(rda_wino_input, RDA_WINO_SUFFIX)(const float *origin, long rowFloats, long c, float *v, long plane) {
    rda_vec16 d[25];
    for (long cb = 0; cb < c; cb += 16) {
        for (int a = 0; a < 5; a++)
            for (int j = 0; j < 5; j++) d[a * 5 + j] = RDA_WINO_LOAD(origin + 2 * a * rowFloats + 2 * j * c + cb);
        for (int j = 0; j < 5; j++) RDA_WINO_NAME(rda_wino_bt, RDA_WINO_SUFFIX)(d + j, 5);
        for (int x1 = 0; x1 < 5; x1++) RDA_WINO_NAME(rda_wino_bt, RDA_WINO_SUFFIX)(d + x1 * 5, 1);
        for (int xi = 0; xi < 25; xi++) RDA_WINO_STORE(v + xi * plane + cb, d[xi]);
    }
}

/// origin[2a * rowFloats + 2j * c + q] += (B dV B^T)[a][j] for dV[xi] = dv[xi * plane + q]: the
/// adjoint of `rda_wino_input`, for every channel q < c.
void RDA_WINO_NAME(rda_wino_input_adjoint, RDA_WINO_SUFFIX)(const float *dv, long plane, long c, float *origin, long rowFloats) {
    rda_vec16 d[25];
    for (long cb = 0; cb < c; cb += 16) {
        for (int xi = 0; xi < 25; xi++) d[xi] = RDA_WINO_LOAD(dv + xi * plane + cb);
        for (int j = 0; j < 5; j++) RDA_WINO_NAME(rda_wino_b, RDA_WINO_SUFFIX)(d + j, 5);
        for (int a = 0; a < 5; a++) RDA_WINO_NAME(rda_wino_b, RDA_WINO_SUFFIX)(d + a * 5, 1);
        for (int a = 0; a < 5; a++)
            for (int j = 0; j < 5; j++) {
                float *p = origin + 2 * a * rowFloats + 2 * j * c + cb;
                RDA_WINO_STORE(p, RDA_WINO_LOAD(p) + d[a * 5 + j]);
            }
    }
}

/// out[(alpha * rowPixels + beta) * ldOut + q] = (A^T M A)[alpha][beta] + bias[q] for
/// M[xi] = mm[xi * plane + q], for every output q < o (16 at a time); bias may be NULL.
void RDA_WINO_NAME(rda_wino_output, RDA_WINO_SUFFIX)(const float *mm, long plane, long o, const float *bias,
                                                     float *out, long rowPixels, long ldOut) {
    rda_vec16 x[25], r[20];
    for (long og = 0; og < o; og += 16) {
        for (int xi = 0; xi < 25; xi++) x[xi] = RDA_WINO_LOAD(mm + xi * plane + og);
        rda_vec16 bv = bias ? RDA_WINO_LOAD(bias + og) : (rda_vec16)0;
        for (int x1 = 0; x1 < 5; x1++) {   // A^T over xi2
            rda_vec16 x0 = x[x1 * 5], y1 = x[x1 * 5 + 1], y2 = x[x1 * 5 + 2], y3 = x[x1 * 5 + 3], y4 = x[x1 * 5 + 4];
            rda_vec16 s = y1 + y2, d = y1 - y2;
            r[x1 * 4] = x0 + s + y3;
            r[x1 * 4 + 1] = d + 2 * y3;
            r[x1 * 4 + 2] = s + 4 * y3;
            r[x1 * 4 + 3] = d + 8 * y3 + y4;
        }
        for (int beta = 0; beta < 4; beta++) {   // A^T over xi1
            rda_vec16 x0 = r[beta], y1 = r[4 + beta], y2 = r[8 + beta], y3 = r[12 + beta], y4 = r[16 + beta];
            rda_vec16 s = y1 + y2, d = y1 - y2;
            rda_vec16 y[4] = {x0 + s + y3, d + 2 * y3, s + 4 * y3, d + 8 * y3 + y4};
            for (int alpha = 0; alpha < 4; alpha++)
                RDA_WINO_STORE(out + (alpha * rowPixels + beta) * ldOut + og, y[alpha] + bv);
        }
    }
}

/// dm[xi * plane + q] = (A dY A^T)[xi] for dY[alpha][beta] = g[(alpha * rowPixels + beta) * ldG + q]:
/// the adjoint of `rda_wino_output`, for every output q < o.
void RDA_WINO_NAME(rda_wino_output_adjoint, RDA_WINO_SUFFIX)(const float *g, long rowPixels, long ldG, long o,
                                                             float *dm, long plane) {
    rda_vec16 y[16], r[20];
    for (long og = 0; og < o; og += 16) {
        for (int alpha = 0; alpha < 4; alpha++)
            for (int beta = 0; beta < 4; beta++) y[alpha * 4 + beta] = RDA_WINO_LOAD(g + (alpha * rowPixels + beta) * ldG + og);
        for (int alpha = 0; alpha < 4; alpha++) {   // A over beta
            rda_vec16 x0 = y[alpha * 4], x1 = y[alpha * 4 + 1], x2 = y[alpha * 4 + 2], x3 = y[alpha * 4 + 3];
            rda_vec16 e = x0 + x2, od = x1 + x3;
            r[alpha * 5] = x0;
            r[alpha * 5 + 1] = e + od;
            r[alpha * 5 + 2] = e - od;
            r[alpha * 5 + 3] = x0 + 2 * x1 + 4 * x2 + 8 * x3;
            r[alpha * 5 + 4] = x3;
        }
        for (int x2 = 0; x2 < 5; x2++) {   // A over alpha
            rda_vec16 x0 = r[x2], x1 = r[5 + x2], y2 = r[10 + x2], x3 = r[15 + x2];
            rda_vec16 e = x0 + y2, od = x1 + x3;
            rda_vec16 z[5] = {x0, e + od, e - od, x0 + 2 * x1 + 4 * y2 + 8 * x3, x3};
            for (int x1i = 0; x1i < 5; x1i++) RDA_WINO_STORE(dm + (x1i * 5 + x2) * plane + og, z[x1i]);
        }
    }
}

#undef RDA_WINO_LOAD
#undef RDA_WINO_STORE
#undef RDA_WINO_NAME
#undef RDA_WINO_NAME2
