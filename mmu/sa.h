/*
 * mmu/sa.h — shared inside mmu/ only: the set-associative array behind the
 * TLBs, the paging-structure caches and the data caches (sa.c), with its
 * hot-path lookups and fills inline.  Included by mmu_internal.h.
 */
#ifndef VMEMSIM_MMU_SA_H
#define VMEMSIM_MMU_SA_H

#include "mmu.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* For the hot path: inline even where the compiler's size heuristics balk. */
#define MMU_HOT static inline __attribute__((always_inline))

/* ---- The set-associative array (sa.c) ------------------------------------
 *
 * One type for the TLB arrays, the paging-structure caches and the data
 * caches.  An entry is a 64-bit tag; the user keeps payloads in a parallel
 * array indexed by the same entry index (set * ways + way).
 *   - set = index_key % sets (modulo, not mask: 384-set arrays exist); a
 *     power-of-two set count uses a mask, others a precomputed 128-bit
 *     reciprocal (exact for every 64-bit key).
 *   - Replacement: invalid ways are filled first (lowest way); then true LRU,
 *     tree-PLRU (ways-1 bits per set) or random (xorshift64 13/7/17 per
 *     array, victim = next() % ways).  True LRU keeps, for up to 16 ways, the
 *     recency order of the set as 4-bit way numbers in one word (nibble 0 the
 *     most recent); above 16 ways, a last-touch clock per way.
 *   - Each way also has an 8-bit signature of its tag (0 = invalid), kept
 *     in a 16-byte-aligned row per set; a lookup compares 16 signatures at
 *     once and reads only the tags whose signature matches, so a miss in a
 *     16-way LLC set touches its 32-byte header instead of 128 bytes of
 *     tags.  Small sets scan their tags instead: up to SA_SCAN_MAX ways for
 *     one key (PWCs), SA_SCAN2_MAX for the two keys of a TLB lookup; the
 *     data caches always go by signature (sa_access1).
 *     The signature of a key hashes key & sig_keep, which clears the bits
 *     below sig_shift and sig_clear << sig_shift: bits the two keys of a
 *     lookup may differ in (PCID, global bit) are left out.
 *   - set_mru is the way touched last in its set (way 0 at start: the
 *     initial LRU/PLRU state ranks way 0 most recent, so this holds from
 *     the start).  Re-touching it changes no LRU/PLRU state (it already is
 *     the most recent way of its set), so sa_lookup() checks it first and
 *     skips the update.  (The array's most recent entry needs no such
 *     check: the L1 TLBs' mmu_last catches a repeat before any lookup.)
 */
#define SA_INVALID        (~0ull)
#define SA_NIBBLE_LRU_MAX 16
#define SA_SCAN_MAX       8 /* one-key lookups scan sets up to this many ways; larger go by signature */
/* Two-key lookups (TLBs) compare each tag twice: by signature above 2 ways. */
#define SA_SCAN2_MAX 2

struct sa {
	uint64_t *tag; /* sets * ways */
	uint32_t sets, ways;
	uint8_t repl; /* enum mmu_repl */
	bool pow2;
	bool nibble; /* LRU with ways <= 16: order words, else stamps */
	uint64_t set_mask;
	uint64_t order_mask; /* nibble LRU: the ways' nibbles of an order word */
	__uint128_t fm;      /* fastmod reciprocal: 2^128 / sets, rounded up */
	uint64_t *stamp;     /* LRU, ways > 16: last touch per entry */
	uint64_t *plru;      /* PLRU: tree bits per set */
	uint64_t clock;
	uint64_t rng;
	uint64_t evicted; /* the tag the last sa_fill replaced (SA_INVALID: none) */
	/* Per set, one header of hdr_stride bytes, 32 for up to 16 ways, so a
	 * probe that misses reads one host cache line: the signature row
	 * (sig_stride bytes), then the LRU order word and set_mru. */
	uint8_t *hdr;
	uint32_t hdr_stride, sig_stride; /* sig_stride: ways rounded up to 16 */
	uint8_t sig_shift;
	uint64_t sig_clear, sig_keep; /* the key bits a signature hashes */
	uint32_t first_mask;          /* the ways of the first 16-way chunk */
};

static inline uint8_t *sa_sig_row(const struct sa *sa, uint32_t set)
{
	return sa->hdr + (size_t)set * sa->hdr_stride;
}
/* LRU with up to 16 ways: the recency order of the set (nibble 0 newest). */
static inline uint64_t *sa_order(const struct sa *sa, uint32_t set)
{
	return (uint64_t *)(void *)(sa_sig_row(sa, set) + sa->sig_stride);
}
/* The way of the set touched last. */
static inline uint32_t *sa_set_mru(const struct sa *sa, uint32_t set)
{
	return (uint32_t *)(void *)(sa_sig_row(sa, set) + sa->sig_stride + 8);
}

/* A set of up to 16 ways (every nibble-LRU set) has a 32-byte header:
 * signatures at 0, order word at 16, set_mru at 24.  The hot paths use
 * these constants instead of reading the strides. */
#define SA_SMALL_WAYS 16
static inline uint8_t *sa_small_row(const struct sa *sa, uint32_t set)
{
	return sa->hdr + (size_t)set * 32;
}

int sa_init(struct sa *sa, uint32_t entries, uint32_t ways, enum mmu_repl repl, uint64_t seed);
void sa_fini(struct sa *sa);
/* The victim of a fill in the general case (any policy and way count). */
uint32_t sa_victim_slow(struct sa *sa, uint32_t set);
void sa_invalidate_all(struct sa *sa);
void sa_invalidate(struct sa *sa, uint32_t idx);
/* Which key bits the signature ignores (default: none): those below shift
 * (< 64) and clear << shift.  Before the first fill. */
void sa_set_sig_key(struct sa *sa, unsigned shift, uint64_t clear);
/* The plain reference lookup: scan, then update replacement state. */
int sa_lookup_slow(struct sa *sa, uint32_t set, uint64_t k1, uint64_t k2);
void sa_touch_slow(struct sa *sa, uint32_t set, uint32_t way);
/* The victim the policy would choose in a full set (tests, check). */
uint32_t sa_plru_victim(const struct sa *sa, uint32_t set);
uint32_t sa_lru_victim(const struct sa *sa, uint32_t set);
uint64_t sa_xorshift(uint64_t *state);
int sa_check(const struct sa *sa, const char *name, struct vmemsim_err *err);

MMU_HOT uint32_t sa_set(const struct sa *sa, uint64_t x)
{
	__uint128_t low;
	uint64_t lh, ll;

	if (sa->pow2)
		return (uint32_t)(x & sa->set_mask);
	/* x mod d = high 64 bits of ((fm * x mod 2^128) * d) / 2^64 (Lemire et al.). */
	low = sa->fm * x;
	lh = (uint64_t)(low >> 64);
	ll = (uint64_t)low;
	return (uint32_t)((((__uint128_t)lh * sa->sets) + (((__uint128_t)ll * sa->sets) >> 64)) >>
	                  64);
}

/* Move way to the front of a nibble recency word: the nibbles in front of
 * its position p shift up one place, those behind it stay. */
MMU_HOT uint64_t sa_order_touch(uint64_t order, uint32_t way)
{
	uint64_t x = order ^ (0x1111111111111111ull * way);
	uint64_t z = (x - 0x1111111111111111ull) & ~x & 0x8888888888888888ull;
	unsigned p4 =
	    (unsigned)__builtin_ctzll(z) & ~3u; /* lowest zero nibble: 4 * way's position */
	uint64_t below = (1ull << p4) - 1;      /* nibbles 0..p-1 */

	return (order & ~((below << 4) | 15)) | ((order & below) << 4) | way;
}

MMU_HOT void sa_touch(struct sa *sa, uint32_t set, uint32_t way)
{
	/* Header fields read once: the byte stores below may alias *sa. */
	bool nibble = sa->nibble;
	uint8_t *row = nibble ? sa_small_row(sa, set) : sa_sig_row(sa, set);
	uint32_t sig_stride = nibble ? 16 : sa->sig_stride;
	uint32_t *set_mru = (uint32_t *)(void *)(row + sig_stride + 8);

	if (*set_mru == way)
		return; /* already the most recent: no state changes */
	*set_mru = way;
	if (nibble) {
		uint64_t *order = (uint64_t *)(void *)(row + 16);
		*order = sa_order_touch(*order, way);
	} else if (sa->repl != MMU_REPL_RANDOM) {
		sa_touch_slow(sa, set, way);
	}
}

MMU_HOT uint8_t sa_sig(const struct sa *sa, uint64_t key)
{
	uint64_t h = ((key & sa->sig_keep) * 0x9e3779b97f4a7c15ull) >> 56;

	return h ? (uint8_t)h : 1;
}

/* Ways of set whose signature equals s, as a bit mask (chunk of 16 ways
 * starting at way `from`). */
MMU_HOT uint32_t sa_sig_match(const struct sa *sa, uint32_t set, uint32_t from, uint8_t s)
{
	const uint8_t *row = sa_sig_row(sa, set) + from;
	uint32_t n = sa->ways - from < 16 ? sa->ways - from : 16;
#if defined(__SSE2__)
	__m128i v = _mm_load_si128((const __m128i *)row);
	uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)s)));
	if (from == 0)
		return m & sa->first_mask;
	return n == 16 ? m : m & ((1u << n) - 1);
#else
	uint32_t m = 0, w;
	for (w = 0; w < n; w++)
		m |= (uint32_t)(row[w] == s) << w;
	return m;
#endif
}

/* sa_sig_match(sa, set, 0, s) of a set of up to 16 ways, row its header. */
MMU_HOT uint32_t sa_small_match(const struct sa *sa, const uint8_t *row, uint8_t s)
{
#if defined(__SSE2__)
	__m128i v = _mm_load_si128((const __m128i *)(const void *)row);
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)s))) &
	       sa->first_mask;
#else
	uint32_t m = 0, w;
	for (w = 0; w < sa->ways; w++)
		m |= (uint32_t)(row[w] == s) << w;
	return m;
#endif
}

/* Find k1 or k2 in set; on a hit update replacement state.  -1 on a miss. */
MMU_HOT int sa_lookup(struct sa *sa, uint32_t set, uint64_t k1, uint64_t k2)
{
	const uint64_t *t;
	uint32_t base, w, from;
	uint8_t s;

	base = set * sa->ways;
	t = sa->tag + base;
	if (sa->ways <= SA_SCAN2_MAX) { /* a few tags are cheaper to compare than to hash */
		for (w = 0; w < sa->ways; w++) {
			if (t[w] == k1 || t[w] == k2) {
				sa_touch(sa, set, w);
				return (int)(base + w);
			}
		}
		return -1;
	}
	if (sa->ways <= SA_SMALL_WAYS) { /* one 16-byte signature row */
		const uint8_t *row = sa_small_row(sa, set);
		uint32_t m;

		w = *(const uint32_t *)(const void *)(row + 24); /* set_mru */
		if (t[w] == k1 || t[w] == k2)
			return (int)(base + w);
		m = sa_small_match(sa, row, sa_sig(sa, k1));
		for (; m; m &= m - 1) {
			w = (uint32_t)__builtin_ctz(m);
			if (t[w] == k1 || t[w] == k2) {
				sa_touch(sa, set, w);
				return (int)(base + w);
			}
		}
		return -1;
	}
	w = *sa_set_mru(sa, set);
	if (t[w] == k1 || t[w] == k2)
		return (int)(base + w);
	s = sa_sig(sa, k1);
	for (from = 0; from < sa->ways; from += 16) {
		uint32_t m = sa_sig_match(sa, set, from, s);
		while (m) {
			w = from + (uint32_t)__builtin_ctz(m);
			if (t[w] == k1 || t[w] == k2) {
				sa_touch(sa, set, w);
				return (int)(base + w);
			}
			m &= m - 1;
		}
	}
	return -1;
}

/* One key (paging-structure caches): sa_lookup(key, key) without the MRU
 * shortcuts — the scan finds the same way and sa_touch leaves the state of
 * a re-touched most recent way unchanged. */
MMU_HOT int sa_lookup1(struct sa *sa, uint32_t set, uint64_t key)
{
	const uint64_t *t = sa->tag + set * sa->ways;
	uint32_t w;

	if (sa->ways <= SA_SCAN_MAX) {
		for (w = 0; w < sa->ways; w++) {
			if (t[w] == key) {
				sa_touch(sa, set, w);
				return (int)(set * sa->ways + w);
			}
		}
		return -1;
	}
	return sa_lookup(sa, set, key, key);
}

/* Fill set with key; returns the entry index.  The victim is the lowest
 * invalid way, else the policy's choice; sa->evicted gets the old tag. */
MMU_HOT uint32_t sa_fill(struct sa *sa, uint32_t set, uint64_t key)
{
	uint32_t way, idx, ways = sa->ways;
	uint8_t sig = sa_sig(sa, key);
	uint64_t *tag = sa->tag;

	if (sa->nibble) { /* LRU, up to 16 ways: the common case, inline */
		uint8_t *row = sa_small_row(sa, set);
		uint64_t *op = (uint64_t *)(void *)(row + 16);
		uint32_t *set_mru = (uint32_t *)(void *)(row + 24);
		uint32_t inv = sa_small_match(sa, row, 0);
		uint64_t order = *op;

		if (inv) {
			way = (uint32_t)__builtin_ctz(inv);
			order = sa_order_touch(order, way);
		} else {
			/* Full set: the victim is the last nibble; touching it
			 * shifts the others down one place. */
			way = (uint32_t)(order >> (4 * (ways - 1))) & 15;
			order = ((order << 4) & sa->order_mask) | way;
		}
		idx = set * ways + way;
		sa->evicted = tag[idx];
		tag[idx] = key;
		*op = order;
		*set_mru = way;
		row[way] = sig;
		return idx;
	}
	way = sa_victim_slow(sa, set);
	idx = set * ways + way;
	sa->evicted = tag[idx];
	tag[idx] = key;
	sa_sig_row(sa, set)[way] = sig;
	sa_touch(sa, set, way);
	return idx;
}

/* One key (data caches): look key up in set and, on a miss, fill it — the
 * state sa_lookup(key, key) then (on a miss) sa_fill leave, in one pass over
 * the set's header for LRU sets of up to 16 ways (evicted, which only TLB
 * fills read, is left alone).  True on a hit.  The
 * array- and set-MRU shortcuts are skipped: re-touching the set's most
 * recent way changes no replacement state, so the scan decides the same. */
MMU_HOT bool sa_access1_sig(struct sa *sa, uint32_t set, uint64_t key, uint8_t s)
{
	uint32_t ways = sa->ways, base = set * ways, m, inv, way;
	uint64_t *t = sa->tag + base, *op, order;
	uint8_t *row;
	uint32_t *set_mru;

	if (!sa->nibble) {
		if (sa_lookup(sa, set, key, key) >= 0)
			return true;
		sa_fill(sa, set, key);
		return false;
	}
	row = sa_small_row(sa, set);
	op = (uint64_t *)(void *)(row + 16);
	set_mru = (uint32_t *)(void *)(row + 24);
	for (m = sa_small_match(sa, row, s); m; m &= m - 1) {
		way = (uint32_t)__builtin_ctz(m);
		if (t[way] == key) {
			if (*set_mru != way) {
				*set_mru = way;
				*op = sa_order_touch(*op, way);
			}
			return true;
		}
	}
	inv = sa_small_match(sa, row, 0);
	order = *op;
	if (inv) {
		way = (uint32_t)__builtin_ctz(inv);
		order = sa_order_touch(order, way);
	} else { /* full set: the victim is the last nibble (see sa_fill) */
		way = (uint32_t)(order >> (4 * (ways - 1))) & 15;
		order = ((order << 4) & sa->order_mask) | way;
	}
	t[way] = key; /* evicted is left alone: only TLB fills read it */
	*op = order;
	*set_mru = way;
	row[way] = s;
	return false;
}

/* sa_access1_sig with the signature computed here.  The data caches keep
 * every key bit in their signatures (no sa_set_sig_key), so one line has
 * the same signature at every level and cache.c computes it once. */
MMU_HOT bool sa_access1(struct sa *sa, uint32_t set, uint64_t key)
{
	return sa_access1_sig(sa, set, key, sa_sig(sa, key));
}

#endif /* VMEMSIM_MMU_SA_H */
