// SHA-256 block compression with the x86-64 SHA extensions (SHA-NI), for RehabCore's KeyedSHA256.
//
// The portable Swift compression in KeyedSHA256.swift is the fallback: callers check rehab_sha256_hardware()
// once and use rehab_sha256_compress only when it returned 1.

#ifndef REHAB_SHA256_H
#define REHAB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU has the SHA extensions with SSE4.1 and SSSE3 (CPUID), so rehab_sha256_compress may be called;
/// 0 otherwise, and always 0 on anything but x86-64.
int rehab_sha256_hardware(void);

/// FIPS 180-4 §6.2.2 compression of `count` consecutive 64-byte blocks into `state` (a, b, ..., h as host-order
/// words). Only valid after rehab_sha256_hardware() returned 1; elsewhere it aborts.
void rehab_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t count);

#ifdef __cplusplus
}
#endif

#endif
