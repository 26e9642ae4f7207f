// The FMA peak loop, generic over the vector width (included by `kernel_variants.c` with
// RDA_FMA_LOOP, RDA_VEC and RDA_LANES defined and a target attribute in force): 12 independent
// accumulators (enough to cover the FMA latency on two pipes; 14 registers, so no spills with
// AVX2's 16), each round 12 vector FMAs.

float RDA_FMA_LOOP(long iterations) {
    RDA_VEC x = (RDA_VEC)(1.0f + 1e-7f * (float)(iterations & 1)), y = (RDA_VEC)0.9999999f;
    RDA_VEC s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0, s9 = 0, s10 = 0, s11 = 0;
    for (long i = 0; i < iterations; i++) {
        s0 = __builtin_elementwise_fma(x, y, s0);
        s1 = __builtin_elementwise_fma(x, y, s1);
        s2 = __builtin_elementwise_fma(x, y, s2);
        s3 = __builtin_elementwise_fma(x, y, s3);
        s4 = __builtin_elementwise_fma(x, y, s4);
        s5 = __builtin_elementwise_fma(x, y, s5);
        s6 = __builtin_elementwise_fma(x, y, s6);
        s7 = __builtin_elementwise_fma(x, y, s7);
        s8 = __builtin_elementwise_fma(x, y, s8);
        s9 = __builtin_elementwise_fma(x, y, s9);
        s10 = __builtin_elementwise_fma(x, y, s10);
        s11 = __builtin_elementwise_fma(x, y, s11);
    }
    RDA_VEC s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + ((s8 + s9) + (s10 + s11));
    float total = 0;
    for (int i = 0; i < RDA_LANES; i++) total += s[i];
    return total;
}
