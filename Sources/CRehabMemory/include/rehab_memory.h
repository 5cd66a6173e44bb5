// Memory hints for RehabValidate's hash tables, which Swift cannot express itself.

#ifndef REHAB_MEMORY_H
#define REHAB_MEMORY_H

/// Asks the CPU to start loading the cache line at `address` for a read soon, without waiting for it. A hint
/// only: it never faults and changes no value, so any address will do.
static inline void rehab_prefetch(const void *address) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(address, 0, 3);
#else
    (void)address;
#endif
}

#endif
