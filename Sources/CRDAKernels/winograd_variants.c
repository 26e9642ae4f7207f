// The Winograd transforms (`winograd_transforms.h`) for the module's own flags, AVX2 + FMA and
// AVX-512: one source, the same bits in each (no contraction into fused multiply-adds).
#pragma STDC FP_CONTRACT OFF

#include "CRDAKernels.h"

typedef float rda_vec16 __attribute__((ext_vector_type(16)));

#define RDA_WINO_SUFFIX baseline
#include "winograd_transforms.h"
#undef RDA_WINO_SUFFIX

#if defined(__x86_64__)

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define RDA_WINO_SUFFIX avx2
#include "winograd_transforms.h"
#undef RDA_WINO_SUFFIX
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define RDA_WINO_SUFFIX avx512
#include "winograd_transforms.h"
#undef RDA_WINO_SUFFIX
#pragma clang attribute pop

#else

#define RDA_WINO_SUFFIX avx2
#include "winograd_transforms.h"
#undef RDA_WINO_SUFFIX
#define RDA_WINO_SUFFIX avx512
#include "winograd_transforms.h"
#undef RDA_WINO_SUFFIX

#endif
