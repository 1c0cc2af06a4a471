#ifndef GEOQUERY_CPREFETCH_H
#define GEOQUERY_CPREFETCH_H

/// Asks the CPU to bring the cache line holding `p` in ahead of its use (a hint: no fault, no
/// effect on results). Swift has no prefetch of its own; this inline wrapper is inlined into
/// the caller like any other instruction.
static inline __attribute__((always_inline)) void geoquery_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif
