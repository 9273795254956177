/*
 * mmu/mmu_internal.h — shared inside mmu/ only: page-table geometry helpers,
 * the set-associative array (sa.h), TLB/PWC/cache structures and struct mmu.
 * Tests may include it to drive one structure directly; nothing outside
 * mmu/ and tests/mmu/ may.
 */
#ifndef VMEMSIM_MMU_INTERNAL_H
#define VMEMSIM_MMU_INTERNAL_H

#include "mmu.h"
#include "sa.h" /* the set-associative array; also defines MMU_HOT */

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
	uint8_t leaf_ps; /* the page's size in the tables; > ps: a fractured piece */
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
	bool fractures; /* some page size is kept as smaller pieces (fill_ps < ps) */
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
/* INVLPG: every entry of va's page for pcid or global, the fractured
 * pieces of a large page included (SDM Vol. 3A §4.10.4.1). */
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
		uint8_t first_level; /* the first cache level whose model sets get host hints */
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
MMU_HOT bool mmu_perm_ok(const struct mmu *m, unsigned perm, enum mmu_access_type type)
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
uint32_t cache_miss_l1d(struct mmu *m, uint64_t line, uint8_t sig, unsigned *lvl);
MMU_HOT uint32_t cache_access(struct mmu *m, uint64_t pa, unsigned *lvl)
{
	struct sa *sa = &m->cache[0].sa;
	uint64_t line = pa >> 6;
	uint32_t set;
	uint8_t sig;

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
	sig = sa_sig(sa, line); /* the line's signature at every level (sa_access1) */
	if (sa_access1_sig(sa, set, line, sig)) {
		*lvl = 0;
		return m->cache[0].latency;
	}
	return cache_miss_l1d(m, line, sig, lvl);
}
int cache_init(struct cache_level *c, const struct mmu_cache_config *cfg, uint64_t seed);
/* Prefetch the host memory of line's set (signatures and tags) in every
 * level from pf.first_level down: a hint that changes no model state.
 * A level whose tags and set headers take at most PF_RESIDENT_BYTES is
 * left out: it stays in the host's L1D without help. */
#define PF_RESIDENT_BYTES (16u << 10)
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
