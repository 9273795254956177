/*
 * workloads/wl_prng.h — the PRNG and checksum mix shared by guest and host.
 *
 * The guest and the host reference must draw the same numbers and fold them
 * the same way, so both include this one header (freestanding: stdint only,
 * static inline).  The generator is SplitMix64 (Steele, Lea, Flood 2014):
 * one add, two xor-shift-multiplies, period 2^64, good enough for picking
 * pfns.  Bounded draws use the multiply-high reduction (Lemire 2019), which
 * is exact for our purposes (a bias below 2^-40 for n < 2^24) and costs one
 * mul, not a division.
 */
#ifndef VMEMSIM_WL_PRNG_H
#define VMEMSIM_WL_PRNG_H

#include <stdint.h>

static inline uint64_t wl_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number in [0, n); n > 0. */
static inline uint64_t wl_rand_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)wl_rand(state) * n) >> 64);
}

#define WL_CHECKSUM_INIT 0xcbf29ce484222325ull /* FNV-1a offset basis */

/* Fold one 64-bit value into a checksum: FNV-1a over the whole word, then
 * a shift so high bits reach low bits.  Order-sensitive on purpose. */
static inline uint64_t wl_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

#endif /* VMEMSIM_WL_PRNG_H */
