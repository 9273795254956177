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
 *     in a 16-byte-aligned row per set; a lookup in a set of more than 8
 *     ways compares 16 signatures at once and reads only the tags whose
 *     signature matches, so a miss in a 16-way LLC set touches its 32-byte
 *     header instead of 128 bytes of tags (smaller sets scan their tags).
 *     The signature of a key hashes (key >> sig_shift) & ~sig_clear: bits
 *     the two keys of a lookup may differ in (PCID, global bit) are left out.
 *   - mru is the entry touched last in the whole array and set_mru the way
 *     touched last in its set (way 0 at start: the initial LRU/PLRU state
 *     ranks way 0 most recent, so this holds from the start).  Re-touching
 *     either changes no LRU/PLRU state (it already is the most recent way of
 *     its set), so sa_lookup() checks them first and skips the update.
 */
#define SA_INVALID        (~0ull)
#define SA_NIBBLE_LRU_MAX 16
#define SA_SCAN_MAX       8 /* sets up to this many ways are scanned; larger ones go by signature */

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
	uint64_t sig_clear, sig_keep; /* sig_keep = ~sig_clear */
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

int sa_init(struct sa *sa, uint32_t entries, uint32_t ways, enum mmu_repl repl, uint64_t seed);
void sa_fini(struct sa *sa);
/* The victim of a fill in the general case (any policy and way count). */
uint32_t sa_victim_slow(struct sa *sa, uint32_t set);
void sa_invalidate_all(struct sa *sa);
void sa_invalidate(struct sa *sa, uint32_t idx);
/* Which key bits the signature ignores (default: none). */
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
	uint8_t *row = sa_sig_row(sa, set);
	uint32_t sig_stride = sa->sig_stride;
	uint32_t *set_mru = (uint32_t *)(void *)(row + sig_stride + 8);
	bool nibble = sa->nibble;

	sa->mru = set * sa->ways + way;
	if (*set_mru == way)
		return; /* already the most recent: no state changes */
	*set_mru = way;
	if (nibble) {
		uint64_t *order = (uint64_t *)(void *)(row + sig_stride);
		*order = sa_order_touch(*order, way);
	} else if (sa->repl != MMU_REPL_RANDOM) {
		sa_touch_slow(sa, set, way);
	}
}

MMU_HOT uint8_t sa_sig(const struct sa *sa, uint64_t key)
{
	uint64_t h = (((key >> sa->sig_shift) & sa->sig_keep) * 0x9e3779b97f4a7c15ull) >> 56;

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
	if (sa->ways <= SA_SCAN_MAX) { /* a few tags are cheaper to compare than to hash */
		for (w = 0; w < sa->ways; w++) {
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

/* Fill set with key; returns the entry index.  The victim is the lowest
 * invalid way, else the policy's choice; sa->evicted gets the old tag. */
MMU_HOT uint32_t sa_fill(struct sa *sa, uint32_t set, uint64_t key)
{
	uint32_t way, idx, ways = sa->ways;
	uint8_t sig = sa_sig(sa, key);
	uint64_t *tag = sa->tag;

	if (sa->nibble) { /* LRU, up to 16 ways: the common case, inline */
		uint8_t *row = sa_sig_row(sa, set);
		uint64_t *op = (uint64_t *)(void *)(row + sa->sig_stride);
		uint32_t *set_mru = (uint32_t *)(void *)(row + sa->sig_stride + 8);
		uint32_t inv = sa_sig_match(sa, set, 0, 0);
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
/* Insert a translation of page size ps; no-op when no array holds ps. */
void tlb_fill(struct tlb_level *l, uint64_t va, uint16_t pcid, bool global,
              const struct tlb_ent *src);
void tlb_invlpg(struct tlb_level *l, uint64_t va, uint16_t pcid);
/* Drop entries: all (globals too), or the non-global ones of pcid (pcid < 0: of every PCID). */
void tlb_flush(struct tlb_level *l, bool globals, int pcid);
/* The page size a valid TLB tag holds. */
static inline unsigned tlb_tag_ps(uint64_t tag)
{
	return (unsigned)(tag >> 12) & 3;
}
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
	struct tlb_level itlb, dtlb, stlb;
	struct cache_level cache[3];
	uint64_t (*ctr)[MMU_NR_COUNTERS]; /* [MMU_MAX_REGIONS] */
	/* warm: walks */
	struct mmu_phys *phys;
	struct pwc pwc[6];
	bool has_pwc;
	unsigned cpl;
	uint64_t rsvd_hi; /* PTE address bits >= maxphyaddr */
	struct hs_entry *hs;
	uint64_t hs_dropped;
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
int mmu_walk(struct mmu *m, uint64_t va, enum mmu_access_type type, unsigned region, uint64_t pc,
             struct walk_out *out, struct mmu_fault *fault);
/* The #PF error code for an access of this type with rights perm (0: allowed). */
uint32_t mmu_perm_fault(const struct mmu *m, unsigned perm, enum mmu_access_type type);
uint32_t mmu_fault_bits(const struct mmu *m, enum mmu_access_type type);
void mmu_recompute_masks(struct mmu *m);
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
/* After an L1D miss (nr_caches >= 1; set0: line's L1D set): the lower levels, then the fills. */
uint32_t cache_miss_l1d(struct mmu *m, uint64_t line, uint32_t set0, unsigned *lvl);
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
	if (sa_lookup(sa, set, line, line) >= 0) {
		*lvl = 0;
		return m->cache[0].latency;
	}
	return cache_miss_l1d(m, line, set, lvl);
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

/* hotspot.c */
struct hs_entry *mmu_hs_get(struct mmu *m, uint64_t pc);

#endif /* VMEMSIM_MMU_INTERNAL_H */
