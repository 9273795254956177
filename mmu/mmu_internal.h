/*
 * mmu/mmu_internal.h — shared inside mmu/ only: page-table geometry helpers,
 * the set-associative array type, TLB/PWC/cache structures and struct mmu.
 * Tests may include it to drive one structure directly; nothing outside
 * mmu/ and tests/mmu/ may.
 */
#ifndef VMEMSIM_MMU_INTERNAL_H
#define VMEMSIM_MMU_INTERNAL_H

#include "mmu.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* For the hot path: inline even where the compiler's size heuristics balk. */
#define MMU_HOT static inline __attribute__((always_inline))

/*
 * A host prefetch the compiler must keep.  GCC 12 treats __builtin_prefetch
 * as free of side effects, and its IPA passes then delete calls to functions
 * that only prefetch: cache_miss_l1d's set prefetches and every
 * mmu_prefetch call of mmu_access_batch compiled to nothing.  A volatile asm
 * is never deleted; it reads nothing the model sees.
 */
static inline void mmu_host_prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p);
#endif
}

/* ---- Page-table geometry ---------------------------------------------- */

/* Bit position of the VA field that indexes a table of this level. */
static inline unsigned pt_level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}
static inline unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> pt_level_shift(level)) & 511;
}
/* Linear-address width: 48 bits with 4-level paging, 57 with 5-level. */
static inline unsigned pt_va_bits(unsigned levels)
{
	return levels == 5 ? 57 : 48;
}
static inline uint64_t pt_va_sext(uint64_t va, unsigned levels)
{
	unsigned sh = 64 - pt_va_bits(levels);
	return (uint64_t)((int64_t)(va << sh) >> sh);
}
static inline bool pt_va_canonical(uint64_t va, unsigned levels)
{
	return pt_va_sext(va, levels) == va;
}
/* An entry at this level is a leaf: a PTE, or PS set in a PDE / PDPTE. */
static inline bool pt_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}
/* The page size of a leaf at this level. */
static inline enum mmu_page_size pt_level_ps(unsigned level)
{
	return (enum mmu_page_size)(level - 1);
}
/* Address bits of a leaf of size ps (bit 12 of a large leaf is PAT). */
static inline uint64_t pt_leaf_addr(uint64_t e, enum mmu_page_size ps)
{
	return e & PTE_ADDR_MASK & ~(mmu_page_bytes(ps) - 1);
}
static inline bool pt_table_in_phys(const struct mmu_phys *phys, uint64_t table)
{
	return table < phys->size && phys->size - table >= 4096;
}

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
 *   - mru is the entry touched last in the whole array and set_mru the way
 *     touched last in its set (way 0 at start: the initial LRU/PLRU state
 *     ranks way 0 most recent, so this holds from the start).  Re-touching
 *     either changes no LRU/PLRU state (it already is the most recent way of
 *     its set), so sa_lookup() checks them first and skips the update.
 */
#define SA_INVALID        (~0ull)
#define SA_NIBBLE_LRU_MAX 16
#define SA_SCAN_MAX       8 /* one-key lookups scan sets up to this many ways; larger go by signature */
/* Two-key lookups (TLBs) compare each tag twice: by signature above 2 ways. */
#define SA_SCAN2_MAX 2

struct sa {
	uint64_t *tag; /* sets * ways */
	uint32_t sets, ways;
	uint32_t mru;
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

	sa->mru = set * sa->ways + way;
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

	if (sa->tag[sa->mru] == k1 || sa->tag[sa->mru] == k2)
		return (int)sa->mru;
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
		sa->mru = idx;
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
MMU_HOT bool sa_access1(struct sa *sa, uint32_t set, uint64_t key)
{
	uint32_t ways = sa->ways, base = set * ways, m, inv, way;
	uint64_t *t = sa->tag + base, *op, order;
	uint8_t *row;
	uint32_t *set_mru;
	uint8_t s;

	if (!sa->nibble) {
		if (sa_lookup(sa, set, key, key) >= 0)
			return true;
		sa_fill(sa, set, key);
		return false;
	}
	row = sa_small_row(sa, set);
	op = (uint64_t *)(void *)(row + 16);
	set_mru = (uint32_t *)(void *)(row + 24);
	s = sa_sig(sa, key);
	for (m = sa_small_match(sa, row, s); m; m &= m - 1) {
		way = (uint32_t)__builtin_ctz(m);
		if (t[way] == key) {
			sa->mru = base + way;
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
	sa->mru = base + way;
	return false;
}

/* ---- TLBs (tlb.c) --------------------------------------------------------
 *
 * Tag layout: vpn << 16 | global << 14 | ps << 12 | pcid, where vpn is the
 * 57-bit-masked linear address >> page shift.  A global entry stores the
 * global bit instead of a PCID, so a lookup matches tag == key|pcid or
 * tag == key|global.  No tag has bit 63 set, so SA_INVALID never matches.
 */
#define TLB_PCID_MASK 0xfffull
#define TLB_GLOBAL    (1ull << 14)
#define TLB_VA_MASK   ((1ull << 57) - 1)

/* Effective rights of a translation, combined over every level walked. */
#define PERM_W 1u /* RW set at every level */
#define PERM_U 2u /* US set at every level */
#define PERM_X 4u /* no NX at any level (or EFER.NXE clear) */
#define PERM_D 8u /* the leaf's D bit */

#define REGION_MIXED 0xff /* page spans regions: search per access */

struct tlb_ent {
	uint64_t pa; /* PA of the page */
	uint8_t perm, region, ps, global;
};

struct tlb_array {
	struct sa sa;
	struct tlb_ent *ent;
	unsigned ps_mask, nps;
	uint8_t ps[MMU_NR_PAGE_SIZES];
	uint32_t nr_valid[MMU_NR_PAGE_SIZES]; /* valid entries per page size: 0 skips the probe */
};

/* Lookup order: probe k is array probe_a[k], page size probe_ps[k] (arrays
 * in order, sizes from 4K up); bit k of live is set iff that array holds a
 * valid entry of that size, so a lookup visits only probes that can hit. */
#define TLB_MAX_PROBES (MMU_MAX_ARRAYS * MMU_NR_PAGE_SIZES)

struct tlb_level {
	unsigned n;
	uint32_t live;
	int8_t fill[MMU_NR_PAGE_SIZES];     /* array filled for each page size, -1 none */
	uint8_t fill_ps[MMU_NR_PAGE_SIZES]; /* size the entry is kept as (fractured if smaller) */
	uint8_t nprobe, probe_a[TLB_MAX_PROBES], probe_ps[TLB_MAX_PROBES];
	struct tlb_array a[MMU_MAX_ARRAYS];
};

MMU_HOT uint64_t tlb_key(uint64_t va, enum mmu_page_size ps)
{
	return (((va & TLB_VA_MASK) >> mmu_page_shift(ps)) << 16) | ((uint64_t)ps << 12);
}

int tlb_level_init(struct tlb_level *l, const struct mmu_tlb_level_config *c, uint64_t seed);
void tlb_level_fini(struct tlb_level *l);
/* The plain reference path: no MRU shortcuts. */
struct tlb_ent *tlb_lookup_slow(struct tlb_level *l, uint64_t va, uint16_t pcid);
/* The page size a valid TLB tag holds. */
static inline unsigned tlb_tag_ps(uint64_t tag)
{
	return (unsigned)(tag >> 12) & 3;
}
/* Recompute the live mask after a valid-entry count left or reached 0. */
void tlb_update_live(struct tlb_level *l);
MMU_HOT uint32_t tlb_set(const struct sa *sa, uint64_t key)
{
	return sa_set(sa, key >> 16);
}
/* Insert a translation of page size ps; no-op when no array holds ps.
 * Inline: two fills follow every walk. */
MMU_HOT void tlb_fill(struct tlb_level *l, uint64_t va, uint16_t pcid, bool global,
                      const struct tlb_ent *src)
{
	int ai = l->fill[src->ps];
	unsigned ps = l->fill_ps[src->ps];
	struct tlb_array *a;
	uint64_t k, old;
	uint32_t idx;

	if (ai < 0)
		return;
	a = &l->a[ai];
	k = tlb_key(va, (enum mmu_page_size)ps);
	idx = sa_fill(&a->sa, tlb_set(&a->sa, k), k | (global ? TLB_GLOBAL : pcid));
	old = a->sa.evicted;
	/* Replacing an entry of the same size leaves every count, so the
	 * live mask (a function of the counts), as it was. */
	if (old == SA_INVALID || tlb_tag_ps(old) != ps) {
		if (old != SA_INVALID && !--a->nr_valid[tlb_tag_ps(old)])
			tlb_update_live(l);
		if (!a->nr_valid[ps]++)
			tlb_update_live(l);
	}
	a->ent[idx] = *src;
	if (ps != src->ps) { /* fractured: the smaller page of src that holds va */
		uint64_t off = va & (mmu_page_bytes((enum mmu_page_size)src->ps) - 1);
		a->ent[idx].ps = (uint8_t)ps;
		a->ent[idx].pa = src->pa + (off & ~(mmu_page_bytes((enum mmu_page_size)ps) - 1));
	}
}
void tlb_invlpg(struct tlb_level *l, uint64_t va, uint16_t pcid);
/* Drop entries: all (globals too), or the non-global ones of pcid (pcid < 0: of every PCID). */
void tlb_flush(struct tlb_level *l, bool globals, int pcid);
int tlb_level_check(const struct tlb_level *l, const char *name, unsigned nr_regions,
                    struct vmemsim_err *err);

/* Lookup: the live probes in order (arrays in order, inside an array its
 * sizes from 4K up); each probe checks the array's and the set's MRU entry
 * before scanning. */
MMU_HOT struct tlb_ent *tlb_probe(struct tlb_array *a, unsigned ps, uint64_t va, uint16_t pcid)
{
	uint64_t k = tlb_key(va, (enum mmu_page_size)ps);
	int idx = sa_lookup(&a->sa, sa_set(&a->sa, k >> 16), k | pcid, k | TLB_GLOBAL);

	return idx >= 0 ? &a->ent[idx] : NULL;
}

MMU_HOT struct tlb_ent *tlb_lookup(struct tlb_level *l, uint64_t va, uint16_t pcid)
{
	uint32_t live = l->live;
	struct tlb_ent *e;

	/* Probe 0 (the first array's first size), straight-line: the common hit. */
	if (live & 1) {
		e = tlb_probe(&l->a[0], l->a[0].ps[0], va, pcid);
		if (e)
			return e;
		live &= ~1u;
	}
	while (live) {
		unsigned k = (unsigned)__builtin_ctz(live);
		e = tlb_probe(&l->a[l->probe_a[k]], l->probe_ps[k], va, pcid);
		if (e)
			return e;
		live &= live - 1;
	}
	return NULL;
}

/* ---- Paging-structure caches (pwc.c) -------------------------------------
 * pwc[l] holds level-l entries keyed by the VA bits from that level's
 * index field (va >> pt_level_shift(l)) << 12 | pcid; the payload is the
 * next table's PA | the rights combined down to and including the entry.
 */
struct pwc {
	struct sa sa;
	uint64_t *val;
	bool present;
};

/* ---- Data caches (cache.c) ---------------------------------------------- */
struct cache_level {
	struct sa sa;
	uint32_t latency;
	uint8_t kind; /* 0 L1D, 1 L2, 2 LLC: offset of its hit counters */
	bool present;
};

/* ---- Hot spots (hotspot.c) ---------------------------------------------- */
#define HS_CAPACITY 4096 /* power of two */
struct hs_entry {
	uint64_t pc;
	uint64_t dtlb_misses, itlb_misses, walks, walk_cycles;
	bool used;
};

/*
 * The one-entry memory of each L1 TLB and of the L1D.  The entry the last
 * lookup of a level found is the MRU entry of its array, and the line the
 * last data access touched is the L1D's MRU line; re-hitting either changes
 * no replacement state, so the hot path may take them without probing.
 * Every fill, invalidation, CR3 write and region change forgets them
 * (mmu_forget_last); base 1 never matches (bases are page-aligned).
 */
struct mmu_last {
	uint64_t mask, base; /* va & mask == base: same page as the entry */
	struct tlb_ent *e;
};

struct mmu_region {
	uint64_t start, end;
	char name[32];
};

/* ---- The model ----------------------------------------------------------- */
struct mmu {
	struct mmu_fast fast; /* first: mmu.h's inline mmu_access() reads it */
	/* What the pending repeat hits count as (mmu_fast_arm_*): the region
	 * and the page size of the L1 TLB entry. */
	uint8_t fast_ireg, fast_dreg, fast_ips, fast_dps;
	/* hot: read on every access */
	struct mmu_last last[2]; /* [0] ITLB, [1] DTLB: the entry the last lookup found */
	uint64_t last_line;      /* the line the last data-cache access touched */
	unsigned va_shift;       /* 64 - linear-address width: canonical check */
	uint64_t retire_page;    /* page of the last mmu_retire PC (~0: none) ... */
	unsigned retire_region;  /* ... and its region (regions are page-aligned) */
	uint64_t root;
	uint16_t pcid;
	uint8_t need[3], forbid[3]; /* PERM_* fast-path masks per access type */
	uint32_t l1d_latency;
	unsigned nr_caches; /* present levels, packed at cache[0..] */
	/* The counter of a data access / PTE read served by present level lvl
	 * (index nr_caches: DRAM), so the hot paths skip the kind lookup. */
	uint8_t data_ctr[4], pte_ctr[4];
	struct tlb_level itlb, dtlb, stlb;
	struct cache_level cache[3];
	uint64_t (*ctr)[MMU_NR_COUNTERS]; /* [MMU_MAX_REGIONS] */
	/* warm: walks */
	struct mmu_phys *phys;
	struct pwc pwc[6];
	bool has_pwc;
	unsigned cpl;
	uint64_t rsvd_hi;    /* PTE address bits >= maxphyaddr */
	uint64_t rsvd[6][2]; /* reserved bits of an entry at level l, [its PS bit] */
	uint64_t nx_mask;    /* PTE_NX with EFER.NXE, else 0 */
	struct hs_entry *hs;
	uint64_t hs_dropped;
	/* mmu_access_batch's hint window, carried across calls: the records
	 * seen in it, the walk total at its start, whether hints are on. */
	struct {
		uint64_t walks;
		uint32_t seen;
		bool on;
	} pf;
	unsigned nr_regions;
	struct mmu_region region[MMU_MAX_REGIONS];
	struct mmu_config cfg;
};

#define CTR(m, r, c) ((m)->ctr[(r)][MMU_C_##c])

/* walk.c */
struct walk_out {
	uint64_t pa;     /* PA of the page */
	uint64_t cycles; /* pwc + PTE read latencies */
	enum mmu_page_size ps;
	uint8_t perm;
	bool global;
};
/* hs: pc's hot-spot entry (mmu_hs_get, made by the caller), NULL if the
 * table had no room; the walk counts itself there. */
int mmu_walk(struct mmu *m, uint64_t va, enum mmu_access_type type, unsigned region,
             struct hs_entry *hs, uint64_t pc, struct walk_out *out, struct mmu_fault *fault);
/* The #PF error code for an access of this type with rights perm (0: allowed). */
uint32_t mmu_perm_fault(const struct mmu *m, unsigned perm, enum mmu_access_type type);
uint32_t mmu_fault_bits(const struct mmu *m, enum mmu_access_type type);
void mmu_recompute_masks(struct mmu *m);
/* mmu.c: data_ctr/pte_ctr for m's cache levels. */
void mmu_compute_level_ctrs(const struct mmu *m, uint8_t data_ctr[4], uint8_t pte_ctr[4]);
/* The walk's reserved-bit table and NX mask for m's configuration. */
void mmu_compute_walk_masks(const struct mmu *m, uint64_t rsvd[6][2], uint64_t *nx_mask);
void mmu_compute_masks(const struct mmu *m, uint8_t need[3], uint8_t forbid[3]);
/* Count a fault in region and fill *fault (may be NULL); returns VMEMSIM_EFAULT. */
int mmu_raise(struct mmu *m, uint64_t va, enum mmu_access_type type, unsigned region, uint64_t pc,
              uint32_t ec, struct mmu_fault *fault);

/* The TLB-hit rights test: allowed iff (perm & (need | forbid)) == need. */
static inline bool mmu_perm_ok(const struct mmu *m, unsigned perm, enum mmu_access_type type)
{
	return (perm & (m->need[type] | m->forbid[type])) == m->need[type];
}

/* fast.c: the inline repeat hit's memory (mmu.h).  Disarming adds the
 * pending hits to the counters; arming disarms first. */
void mmu_fast_disarm_fetch(struct mmu *m);
void mmu_fast_disarm_data(struct mmu *m);
void mmu_fast_arm_fetch(struct mmu *m, uint64_t va, const struct tlb_ent *e);
void mmu_fast_arm_data(struct mmu *m, uint64_t va, const struct tlb_ent *e);
/* Add the pending hits to v (a counter table like m->ctr). */
void mmu_fast_pending(const struct mmu *m, uint64_t (*v)[MMU_NR_COUNTERS]);

/* cache.c: returns the latency; *lvl = index of the level that hit, nr_caches for DRAM. */
/* After an L1D miss that already filled the L1D (nr_caches >= 1): the lower
 * levels, each filled when it misses. */
uint32_t cache_miss_l1d(struct mmu *m, uint64_t line, unsigned *lvl);
MMU_HOT uint32_t cache_access(struct mmu *m, uint64_t pa, unsigned *lvl)
{
	struct sa *sa = &m->cache[0].sa;
	uint64_t line = pa >> 6;
	uint32_t set;

	if (line == m->last_line) {
		*lvl = 0;
		return m->cache[0].latency;
	}
	if (!m->nr_caches) {
		*lvl = 0;
		return m->cfg.dram_latency;
	}
	m->last_line = line;
	if (m->fast.dline != ~0ull)
		mmu_fast_disarm_data(m);
	set = sa_set(sa, line);
	if (sa_access1(sa, set, line)) {
		*lvl = 0;
		return m->cache[0].latency;
	}
	return cache_miss_l1d(m, line, lvl);
}
int cache_init(struct cache_level *c, const struct mmu_cache_config *cfg, uint64_t seed);
/* Prefetch the host memory of line's set (signatures and tags) in every
 * level: a hint that changes no model state. */
void cache_prefetch_line(const struct mmu *m, uint64_t line);

static inline void mmu_forget_last(struct mmu *m)
{
	if (m->fast.ipage != ~0ull)
		mmu_fast_disarm_fetch(m);
	if (m->fast.dline != ~0ull)
		mmu_fast_disarm_data(m);
	m->last[0].base = m->last[1].base = 1;
	m->last[0].mask = m->last[1].mask = ~0ull;
}

/* region.c */
unsigned mmu_region_of(const struct mmu *m, uint64_t va);
uint8_t mmu_region_of_page(const struct mmu *m, uint64_t va, uint64_t bytes);

/* hotspot.c: pc's entry, inserted if new; NULL (counted in hs_dropped)
 * when no slot within HS_PROBES of its home is free. */
#define HS_PROBES 32
static inline uint32_t hs_slot(uint64_t pc)
{
	return (uint32_t)((pc * 0x9e3779b97f4a7c15ull) >> 52) & (HS_CAPACITY - 1);
}
struct hs_entry *mmu_hs_get_slow(struct mmu *m, uint64_t pc);
/* Inline: the PC found in its home slot, the common case of a hot spot. */
MMU_HOT struct hs_entry *mmu_hs_get(struct mmu *m, uint64_t pc)
{
	struct hs_entry *e = &m->hs[hs_slot(pc)];

	return e->used && e->pc == pc ? e : mmu_hs_get_slow(m, pc);
}

#endif /* VMEMSIM_MMU_INTERNAL_H */
