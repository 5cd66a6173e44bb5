// SHA-256 block compression (FIPS 180-4 §6.2.2) with the x86-64 SHA extensions (SHA-NI).
//
// Written from the algorithm and the instruction definitions. RehabCore's KeyedSHA256 calls it only when
// rehab_sha256_hardware() says the CPU has the instructions; its portable Swift compression is the fallback, and
// the only code on other CPUs and architectures (where rehab_sha256_compress aborts).

#include "rehab_sha256.h"

#include <stdlib.h>

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>

int rehab_sha256_hardware(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int sse41 = (ecx >> 19) & 1;
    const int ssse3 = (ecx >> 9) & 1;
    // __get_cpuid_count fails when leaf 7 is beyond the CPU's maximum leaf.
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const int sha = (ebx >> 29) & 1;
    return sha && sse41 && ssse3;
}

#define REHAB_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// The round constants K0..K63, four to a 128-bit load.
static const uint32_t k[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// Message words W[t..t+3] for t >= 16 from the previous sixteen, w0 = W[t-16..t-13] up to w3 = W[t-4..t-1]:
// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16].
REHAB_SHA_TARGET
static inline __m128i schedule(__m128i w0, __m128i w1, __m128i w2, __m128i w3) {
    __m128i x = _mm_sha256msg1_epu32(w0, w1);          // W[t-16+i] + σ0(W[t-15+i])
    x = _mm_add_epi32(x, _mm_alignr_epi8(w3, w2, 4));  // + W[t-7+i]
    return _mm_sha256msg2_epu32(x, w3);                // + σ1(W[t-2+i]), using W[t], W[t+1] for the last two
}

// Lane 0 is the lowest 32 bits of a register. SHA256RNDS2 keeps the eight working variables in two registers,
// named highest lane first: ABEF holds a, b, e, f in lanes 3..0 and CDGH holds c, d, g, h. One instruction does
// two rounds with W+K from lanes 0 and 1 of its third operand and returns the new ABEF; the new CDGH is the old
// ABEF (two rounds on, c, d, g, h are the old a, b, e, f), so nothing needs to move between calls.

// Rounds 4i..4i+3 with message words w = W[4i..4i+3].
REHAB_SHA_TARGET
static inline void rounds(__m128i *abef, __m128i *cdgh, __m128i w, int i) {
    __m128i wk = _mm_add_epi32(w, _mm_load_si128((const __m128i *)&k[4 * i]));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);  // now *cdgh is ABEF and *abef is CDGH
    wk = _mm_shuffle_epi32(wk, 0x0E);                  // lanes 2 and 3 down to 0 and 1
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, wk);  // and back
}

REHAB_SHA_TARGET
static void compress(uint32_t state[8], const uint8_t *blocks, size_t count) {
    // Each 32-bit word of a block is big-endian.
    const __m128i byteswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);

    // state is (a, b, c, d) (e, f, g, h) in lanes 0..3 of two loads; rearrange into ABEF and CDGH.
    __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);        // lanes 0..3: b, a, d, c
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);        // lanes 0..3: h, g, f, e
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);       // lanes 0..3: f, e, b, a
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);    // lanes 0..3: h, g, d, c

    for (; count > 0; count--, blocks += 64) {
        const __m128i abef0 = abef;
        const __m128i cdgh0 = cdgh;
        // The last sixteen message words, four to a register, starting with the block itself: W[0..15].
        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 0)), byteswap);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 16)), byteswap);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 32)), byteswap);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 48)), byteswap);
        rounds(&abef, &cdgh, w0, 0);
        rounds(&abef, &cdgh, w1, 1);
        rounds(&abef, &cdgh, w2, 2);
        rounds(&abef, &cdgh, w3, 3);
        // Then W[16..63], each group of four replacing the oldest.
        for (int i = 4; i < 16; i += 4) {
            w0 = schedule(w0, w1, w2, w3);
            rounds(&abef, &cdgh, w0, i);
            w1 = schedule(w1, w2, w3, w0);
            rounds(&abef, &cdgh, w1, i + 1);
            w2 = schedule(w2, w3, w0, w1);
            rounds(&abef, &cdgh, w2, i + 2);
            w3 = schedule(w3, w0, w1, w2);
            rounds(&abef, &cdgh, w3, i + 3);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    // Back to (a, b, c, d) (e, f, g, h).
    __m128i x = _mm_shuffle_epi32(abef, 0x1B);           // lanes 0..3: a, b, e, f
    __m128i y = _mm_shuffle_epi32(cdgh, 0xB1);           // lanes 0..3: g, h, c, d
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(x, y, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(y, x, 8));
}

void rehab_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t count) {
    compress(state, blocks, count);
}

#else

int rehab_sha256_hardware(void) { return 0; }

void rehab_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t count) {
    (void)state;
    (void)blocks;
    (void)count;
    abort();
}

#endif
