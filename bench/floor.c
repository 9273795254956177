/*
 * bench/floor.c — the speed-of-light kernel of mmu_random_1g (floor.h).
 *
 * Each array is a set-associative array of one fixed geometry: 64-bit tags,
 * a 32-byte header per set (8-bit signatures, then the true-LRU order as
 * 4-bit way numbers, nibble 0 the most recent), invalid ways filled lowest
 * first — the replacement the model documents, written again here with the
 * way count a compile-time constant.  Not a second model: it handles only
 * the stream of the bench and fails on anything else.
 */
#include <emmintrin.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"

#define PTE_ADDR PTE_ADDR_MASK

struct farray {
	uint64_t *tag, *val; /* val: the payload (TLB: page PA, PWC: table PA) */
	uint8_t *hdr;
};

/* The default configuration's geometry (mmu_config_default, skylake). */
#define DTLB_SETS 16
#define DTLB_WAYS 4
#define STLB_SETS 128
#define STLB_WAYS 12
#define PDE_SETS  8
#define PDE_WAYS  4
#define PDPT_SETS 4
#define PDPT_WAYS 4
#define PML4_SETS 4
#define PML4_WAYS 4
#define L1D_SETS  64
#define L1D_WAYS  8
#define L2_SETS   1024
#define L2_WAYS   4
#define LLC_SETS  8192
#define LLC_WAYS  16

struct floor {
	struct farray dtlb, stlb, pwc[5], cache[3]; /* pwc[level]: 2 PDE, 3 PDPTE, 4 PML4E */
	struct mmu_phys *phys;
	uint64_t root;
	uint32_t lat[4], stlb_lat, pwc_lat;
	uint64_t ctr[MMU_NR_COUNTERS];
	bool bad; /* a walk met an entry the floor does not handle */
};

static int farray_init(struct farray *a, uint32_t sets, uint32_t ways)
{
	uint32_t s, w;

	a->tag = malloc(sizeof(uint64_t) * sets * ways);
	a->val = malloc(sizeof(uint64_t) * sets * ways);
	a->hdr = aligned_alloc(32, 32ull * sets);
	if (!a->tag || !a->val || !a->hdr)
		return -1;
	memset(a->tag, 0xff, sizeof(uint64_t) * sets * ways);
	memset(a->hdr, 0, 32ull * sets);
	for (s = 0; s < sets; s++) {
		uint64_t order = 0;
		for (w = 0; w < ways; w++)
			order |= (uint64_t)w << (4 * w);
		memcpy(a->hdr + 32ull * s + 16, &order, 8);
	}
	return 0;
}

static void farray_fini(struct farray *a)
{
	free(a->tag);
	free(a->val);
	free(a->hdr);
}

#define HOT static inline __attribute__((always_inline))

HOT uint8_t fsig(uint64_t key)
{
	uint8_t h = (uint8_t)((key * 0x9e3779b97f4a7c15ull) >> 56);

	return h ? h : 1;
}

/* Move way to the front of the recency order. */
HOT uint64_t forder_touch(uint64_t order, uint32_t way)
{
	uint64_t x = order ^ (0x1111111111111111ull * way);
	uint64_t z = (x - 0x1111111111111111ull) & ~x & 0x8888888888888888ull;
	unsigned p4 = (unsigned)__builtin_ctzll(z) & ~3u;
	uint64_t below = (1ull << p4) - 1;

	return (order & ~((below << 4) | 15)) | ((order & below) << 4) | way;
}

HOT uint32_t fmatch(const uint8_t *row, uint8_t s, uint32_t ways)
{
	__m128i v = _mm_load_si128((const __m128i *)(const void *)row);
	uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)s)));

	return ways == 16 ? m : m & ((1u << ways) - 1);
}

/* The entry index of key in set, touched; -1 on a miss. */
HOT int fprobe(struct farray *a, uint32_t set, uint64_t key, uint32_t ways)
{
	uint8_t *row = a->hdr + 32 * (size_t)set;
	const uint64_t *t = a->tag + (size_t)set * ways;
	uint32_t m, w;

	for (m = fmatch(row, fsig(key), ways); m; m &= m - 1) {
		w = (uint32_t)__builtin_ctz(m);
		if (t[w] == key) {
			uint64_t *order = (uint64_t *)(void *)(row + 16);
			*order = forder_touch(*order, w);
			return (int)(set * ways + w);
		}
	}
	return -1;
}

/* Fill key into set (lowest invalid way, else the LRU way); its index. */
HOT uint32_t ffill(struct farray *a, uint32_t set, uint64_t key, uint32_t ways)
{
	uint8_t *row = a->hdr + 32 * (size_t)set;
	uint64_t *op = (uint64_t *)(void *)(row + 16), order = *op;
	uint32_t inv = fmatch(row, 0, ways), w;

	if (inv) {
		w = (uint32_t)__builtin_ctz(inv);
		order = forder_touch(order, w);
	} else {
		w = (uint32_t)(order >> (4 * (ways - 1))) & 15;
		order = ((order << 4) & (ways == 16 ? ~0ull : (1ull << (4 * ways)) - 1)) | w;
	}
	a->tag[(size_t)set * ways + w] = key;
	row[w] = fsig(key);
	*op = order;
	return set * ways + w;
}

HOT bool fcache(struct farray *a, uint64_t line, uint32_t sets, uint32_t ways)
{
	uint32_t set = (uint32_t)(line & (sets - 1));

	if (fprobe(a, set, line, ways) >= 0)
		return true;
	ffill(a, set, line, ways);
	return false;
}

/* The level that served line (3: DRAM); each level missed is filled. */
HOT unsigned fcache_access(struct floor *f, uint64_t pa)
{
	uint64_t line = pa >> 6;

	if (fcache(&f->cache[0], line, L1D_SETS, L1D_WAYS))
		return 0;
	if (fcache(&f->cache[1], line, L2_SETS, L2_WAYS))
		return 1;
	if (fcache(&f->cache[2], line, LLC_SETS, LLC_WAYS))
		return 2;
	return 3;
}

/* PWC probe and fill of one level, its geometry from the level. */
HOT int fpwc_probe(struct floor *f, unsigned level, uint64_t key)
{
	switch (level) {
	case 2: return fprobe(&f->pwc[2], (uint32_t)key & (PDE_SETS - 1), key, PDE_WAYS);
	case 3: return fprobe(&f->pwc[3], (uint32_t)key & (PDPT_SETS - 1), key, PDPT_WAYS);
	default: return fprobe(&f->pwc[4], (uint32_t)key & (PML4_SETS - 1), key, PML4_WAYS);
	}
}

HOT void fpwc_fill(struct floor *f, unsigned level, uint64_t key, uint64_t table)
{
	uint32_t i;

	switch (level) {
	case 2: i = ffill(&f->pwc[2], (uint32_t)key & (PDE_SETS - 1), key, PDE_WAYS); break;
	case 3: i = ffill(&f->pwc[3], (uint32_t)key & (PDPT_SETS - 1), key, PDPT_WAYS); break;
	default: i = ffill(&f->pwc[4], (uint32_t)key & (PML4_SETS - 1), key, PML4_WAYS); break;
	}
	f->pwc[level].val[i] = table;
}

static const int pwc_hit_ctr[5] = {0, 0, MMU_C_pwc_hits_pde, MMU_C_pwc_hits_pdpte,
                                   MMU_C_pwc_hits_pml4e};
static const int pte_read_ctr[5] = {0, MMU_C_pte_reads_l1, MMU_C_pte_reads_l2, MMU_C_pte_reads_l3,
                                    MMU_C_pte_reads_l4};

/* The walk after an STLB miss; returns the page's PA. */
static uint64_t fwalk(struct floor *f, uint64_t va)
{
	uint64_t *ctr = f->ctr, table = f->root, e = 0;
	unsigned level, top = 4;

	ctr[MMU_C_walks]++;
	ctr[MMU_C_cycles_pwc] += f->pwc_lat;
	for (level = 2; level <= 4; level++) {
		int i = fpwc_probe(f, level, va >> (12 + 9 * (level - 1)));
		if (i >= 0) {
			ctr[pwc_hit_ctr[level]]++;
			table = f->pwc[level].val[i];
			top = level - 1;
			break;
		}
	}
	if (level > 4)
		ctr[MMU_C_pwc_misses]++;
	for (level = top; level >= 1; level--) {
		uint64_t pte_pa = table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
		unsigned lvl = fcache_access(f, pte_pa);

		ctr[MMU_C_pte_l1d_hits + lvl]++;
		ctr[pte_read_ctr[level]]++;
		ctr[MMU_C_cycles_walk] += f->lat[lvl];
		e = mmu_phys_read64(f->phys, pte_pa);
		if (!(e & PTE_P) || (level > 1 && (e & PTE_PS))) {
			f->bad = true; /* not a 4K mapping: floor_bad() reports it */
			return 0;
		}
		if (!(e & PTE_A))
			mmu_phys_write64(f->phys, pte_pa, e | PTE_A);
		if (level > 1) {
			table = e & PTE_ADDR;
			fpwc_fill(f, level, va >> (12 + 9 * (level - 1)), table);
		}
	}
	ctr[MMU_C_walks_4k]++;
	return e & PTE_ADDR;
}

uint64_t floor_access(struct floor *f, uint64_t va)
{
	uint64_t vpn = (va & ((1ull << 48) - 1)) >> 12, pa;
	uint32_t dset = (uint32_t)vpn & (DTLB_SETS - 1), sset = (uint32_t)vpn & (STLB_SETS - 1);
	unsigned lvl;
	int i;

	i = fprobe(&f->dtlb, dset, vpn, DTLB_WAYS);
	if (i >= 0) {
		f->ctr[MMU_C_dtlb_hits_4k]++;
		pa = f->dtlb.val[i];
	} else {
		f->ctr[MMU_C_dtlb_misses]++;
		i = fprobe(&f->stlb, sset, vpn, STLB_WAYS);
		if (i >= 0) {
			f->ctr[MMU_C_stlb_hits_4k]++;
			f->ctr[MMU_C_cycles_stlb] += f->stlb_lat;
			pa = f->stlb.val[i];
		} else {
			f->ctr[MMU_C_stlb_misses]++;
			pa = fwalk(f, va);
			f->stlb.val[ffill(&f->stlb, sset, vpn, STLB_WAYS)] = pa;
		}
		f->dtlb.val[ffill(&f->dtlb, dset, vpn, DTLB_WAYS)] = pa;
	}
	pa |= va & 4095;
	lvl = fcache_access(f, pa);
	f->ctr[MMU_C_loads]++;
	f->ctr[MMU_C_l1d_hits + lvl]++;
	f->ctr[MMU_C_cycles_mem] += f->lat[lvl] - f->lat[0];
	return pa;
}

static bool geometry_is(const struct mmu_array_config *a, uint32_t entries, uint32_t ways)
{
	return a->entries == entries && a->ways == ways && a->repl == MMU_REPL_LRU;
}

static bool cache_is(const struct mmu_cache_config *c, uint32_t sets, uint32_t ways)
{
	return c->size == 64ull * sets * ways && c->ways == ways && c->repl == MMU_REPL_LRU;
}

struct floor *floor_create(const struct mmu_config *cfg, struct mmu_phys *phys, uint64_t root,
                           struct vmemsim_err *err)
{
	struct floor *f;
	int rc = 0;

	if (cfg->levels != 4 ||
	    !geometry_is(&cfg->dtlb.arrays[0], DTLB_SETS * DTLB_WAYS, DTLB_WAYS) ||
	    !geometry_is(&cfg->stlb.arrays[0], STLB_SETS * STLB_WAYS, STLB_WAYS) ||
	    !geometry_is(&cfg->pwc[MMU_LEVEL_PD], PDE_SETS * PDE_WAYS, PDE_WAYS) ||
	    !geometry_is(&cfg->pwc[MMU_LEVEL_PDPT], PDPT_SETS * PDPT_WAYS, PDPT_WAYS) ||
	    !geometry_is(&cfg->pwc[MMU_LEVEL_PML4], PML4_SETS * PML4_WAYS, PML4_WAYS) ||
	    !cache_is(&cfg->l1d, L1D_SETS, L1D_WAYS) || !cache_is(&cfg->l2, L2_SETS, L2_WAYS) ||
	    !cache_is(&cfg->llc, LLC_SETS, LLC_WAYS)) {
		vmemsim_errf(err, VMEMSIM_EINVAL,
		             "floor: the configuration is not the geometry the floor fixes");
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		goto nomem;
	rc |= farray_init(&f->dtlb, DTLB_SETS, DTLB_WAYS);
	rc |= farray_init(&f->stlb, STLB_SETS, STLB_WAYS);
	rc |= farray_init(&f->pwc[2], PDE_SETS, PDE_WAYS);
	rc |= farray_init(&f->pwc[3], PDPT_SETS, PDPT_WAYS);
	rc |= farray_init(&f->pwc[4], PML4_SETS, PML4_WAYS);
	rc |= farray_init(&f->cache[0], L1D_SETS, L1D_WAYS);
	rc |= farray_init(&f->cache[1], L2_SETS, L2_WAYS);
	rc |= farray_init(&f->cache[2], LLC_SETS, LLC_WAYS);
	if (rc) {
		floor_destroy(f);
		goto nomem;
	}
	f->phys = phys;
	f->root = root;
	f->lat[0] = cfg->l1d.latency;
	f->lat[1] = cfg->l2.latency;
	f->lat[2] = cfg->llc.latency;
	f->lat[3] = cfg->dram_latency;
	f->stlb_lat = cfg->stlb_latency;
	f->pwc_lat = cfg->pwc_latency;
	return f;
nomem:
	vmemsim_errf(err, VMEMSIM_ENOMEM, "floor: out of memory");
	return NULL;
}

void floor_destroy(struct floor *f)
{
	unsigned i;

	if (!f)
		return;
	farray_fini(&f->dtlb);
	farray_fini(&f->stlb);
	for (i = 2; i <= 4; i++)
		farray_fini(&f->pwc[i]);
	for (i = 0; i < 3; i++)
		farray_fini(&f->cache[i]);
	free(f);
}

static inline void host_prefetch(const void *p)
{
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
}

/* The PA of va's PTE, from the tables (the upper levels are hot). */
static uint64_t pte_pa_of(const struct floor *f, uint64_t va)
{
	uint64_t table = f->root, e;
	unsigned level;

	for (level = 4; level > 1; level--) {
		e = mmu_phys_read64(f->phys, table + 8 * ((va >> (12 + 9 * (level - 1))) & 511));
		table = e & PTE_ADDR;
	}
	return table + 8 * ((va >> 12) & 511);
}

void floor_prefetch(const struct floor *f, uint64_t va, int stage)
{
	uint64_t vpn = (va & ((1ull << 48) - 1)) >> 12, pte_pa = pte_pa_of(f, va), line;

	if (stage == 1) {
		line = pte_pa >> 6;
		host_prefetch(mmu_phys_ptr(f->phys, pte_pa));
		host_prefetch(f->stlb.hdr + 32 * (vpn & (STLB_SETS - 1)));
		host_prefetch(f->stlb.tag + (vpn & (STLB_SETS - 1)) * STLB_WAYS);
	} else {
		line = ((mmu_phys_read64(f->phys, pte_pa) & PTE_ADDR) | (va & 4095)) >> 6;
		host_prefetch(f->cache[1].tag + (line & (L2_SETS - 1)) * L2_WAYS);
	}
	host_prefetch(f->cache[1].hdr + 32 * (line & (L2_SETS - 1)));
	host_prefetch(f->cache[2].hdr + 32 * (line & (LLC_SETS - 1)));
	host_prefetch(f->cache[2].tag + (line & (LLC_SETS - 1)) * LLC_WAYS);
}

const enum mmu_counter floor_kept[] = {
    MMU_C_loads,          MMU_C_dtlb_hits_4k, MMU_C_dtlb_misses,   MMU_C_stlb_hits_4k,
    MMU_C_stlb_misses,    MMU_C_walks,        MMU_C_walks_4k,      MMU_C_pwc_hits_pml4e,
    MMU_C_pwc_hits_pdpte, MMU_C_pwc_hits_pde, MMU_C_pwc_misses,    MMU_C_pte_reads_l4,
    MMU_C_pte_reads_l3,   MMU_C_pte_reads_l2, MMU_C_pte_reads_l1,  MMU_C_pte_l1d_hits,
    MMU_C_pte_l2_hits,    MMU_C_pte_llc_hits, MMU_C_pte_dram,      MMU_C_l1d_hits,
    MMU_C_l2_hits,        MMU_C_llc_hits,     MMU_C_dram_accesses, MMU_C_cycles_mem,
    MMU_C_cycles_stlb,    MMU_C_cycles_pwc,   MMU_C_cycles_walk,
};
const size_t floor_nr_kept = sizeof(floor_kept) / sizeof(floor_kept[0]);

bool floor_bad(const struct floor *f)
{
	return f->bad;
}

void floor_counters(const struct floor *f, uint64_t out[MMU_NR_COUNTERS])
{
	memcpy(out, f->ctr, sizeof(f->ctr));
}
