// The CPU's instruction sets, read once by the caller (`KernelISA`): cpuid for what the CPU
// implements, xgetbv for what the operating system saves on a context switch (a CPU with
// AVX-512 under an OS or hypervisor that does not enable the zmm state must not use it).
#include "CRDAKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t rda_xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

uint32_t rda_cpu_features(void) {
    uint32_t features = RDA_CPU_VARIANTS_COMPILED;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return features;
    int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!osxsave || !avx) return features;
    uint64_t xcr0 = rda_xgetbv0();
    int ymmSaved = (xcr0 & 0x6) == 0x6;            // SSE and AVX state
    int zmmSaved = ymmSaved && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
    if (__get_cpuid_max(0, 0) < 7) return features;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    int avx2 = (ebx >> 5) & 1;
    int avx512f = (ebx >> 16) & 1, avx512dq = (ebx >> 17) & 1;
    int avx512bw = (ebx >> 30) & 1, avx512vl = (ebx >> 31) & 1;
    if (avx2 && fma && ymmSaved) features |= RDA_CPU_AVX2_FMA;
    if (avx512f && avx512dq && avx512bw && avx512vl && zmmSaved && (features & RDA_CPU_AVX2_FMA))
        features |= RDA_CPU_AVX512;
    return features;
}

#else

uint32_t rda_cpu_features(void) { return 0; }

#endif
