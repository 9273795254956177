/*
 * traces/aspace.c — the address space a replay builds on demand.
 *
 * A trace names virtual addresses only.  The first access to a page faults
 * (not present) and trace_aspace_touch() maps it: it takes a frame from a
 * physical allocator and writes a real leaf with mmu_pt_map_page(), so the
 * MMU model walks real page tables.
 *
 * Physical allocator.  Guest-physical memory is carved in three nested
 * pools: 1G blocks from the bottom of the span upwards (the first 2M, like
 * the kernel's low memory, is never handed out); 2M frames
 * carved from a 1G block; 4K frames (data pages and page-table pages) carved
 * from a 2M frame.  Fragmentation (cfg.frag = F in [0,1]): each request for a
 * 2M or 1G frame for a data page is refused with probability F (a seeded
 * xorshift draw), as if no aligned contiguous block were free, and the page
 * falls back to the next smaller size.  F = 0 always grants; F = 1 never does.
 *
 * Page-size policy.
 *   4K:  every page is 4K.
 *   THP: a 2M page when no page is mapped yet anywhere in the aligned 2M VA
 *        range and a 2M frame is granted; otherwise 4K (like a THP fault
 *        that finds the PMD empty and a huge page available).
 *   1G:  likewise with 1G first, then the THP rule, then 4K.
 *
 * Invariants:
 *  (1) next_1g <= nr_1g; carve_2m/carve_4k index into the block they carve
 *      and a block is exhausted when its index reaches 512.
 *  (2) every frame handed out is fresh (never freed), so it reads as zero,
 *      which the page-table allocator interface requires.
 */
#include <stdlib.h>
#include <string.h>

#include "../mmu/mmu.h"
#include "trace.h"

#define GIB  (1ull << 30)
#define MIB2 (2ull << 20)

struct trace_aspace {
	struct mmu_phys phys;
	struct mmu_pt pt;
	struct trace_aspace_config cfg;
	uint64_t nr_1g, next_1g; /* 1G blocks in the span, next free one */
	uint64_t blk2m_base;     /* 1G block being carved into 2M frames */
	unsigned carve_2m;       /* 2M frames taken from it (512 = none) */
	uint64_t blk4k_base;     /* 2M frame being carved into 4K frames */
	unsigned carve_4k;       /* 4K frames taken from it (512 = none) */
	uint64_t rng;
	uint64_t prot;
	struct trace_aspace_stats st;
};

static uint64_t rng_next(struct trace_aspace *as)
{
	uint64_t x = as->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	as->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* True with probability frag. */
static bool frag_refuses(struct trace_aspace *as)
{
	if (as->cfg.frag <= 0)
		return false;
	if (as->cfg.frag >= 1)
		return true;
	return (double)(rng_next(as) >> 11) * 0x1.0p-53 < as->cfg.frag;
}

static int take_1g(struct trace_aspace *as, uint64_t *pa)
{
	if (as->next_1g >= as->nr_1g)
		return VMEMSIM_ENOMEM;
	*pa = as->next_1g++ * GIB;
	return 0;
}

static int take_2m(struct trace_aspace *as, uint64_t *pa)
{
	if (as->carve_2m == 512) {
		int rc = take_1g(as, &as->blk2m_base);
		if (rc)
			return rc;
		as->carve_2m = 0;
	}
	*pa = as->blk2m_base + MIB2 * as->carve_2m++;
	return 0;
}

static int take_4k(struct trace_aspace *as, uint64_t *pa)
{
	if (as->carve_4k == 512) {
		int rc = take_2m(as, &as->blk4k_base);
		if (rc)
			return rc;
		as->carve_4k = 0;
	}
	*pa = as->blk4k_base + 4096ull * as->carve_4k++;
	return 0;
}

static int pt_page_alloc(void *ctx, enum mmu_level level, uint64_t *pa)
{
	struct trace_aspace *as = ctx;
	int rc = take_4k(as, pa);
	(void)level;
	if (!rc)
		as->st.pt_pages++;
	return rc;
}

int trace_page_policy_parse(const char *s, enum trace_page_policy *out, struct vmemsim_err *err)
{
	if (!strcmp(s, "4k") || !strcmp(s, "4K"))
		*out = TRACE_PAGES_4K;
	else if (!strcmp(s, "thp") || !strcmp(s, "2m") || !strcmp(s, "2M"))
		*out = TRACE_PAGES_THP;
	else if (!strcmp(s, "1g") || !strcmp(s, "1G"))
		*out = TRACE_PAGES_1G;
	else
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "unknown page policy '%s' (expected 4k, thp or 1g)", s);
	return 0;
}

const char *trace_page_policy_name(enum trace_page_policy p)
{
	switch (p) {
	case TRACE_PAGES_4K: return "4k";
	case TRACE_PAGES_THP: return "thp";
	case TRACE_PAGES_1G: return "1g";
	}
	return "?";
}

int trace_aspace_create(struct trace_aspace **out, const struct trace_aspace_config *cfg,
                        struct vmemsim_err *err)
{
	struct trace_aspace *as;
	struct mmu_pt_allocator alloc;
	uint64_t bytes = cfg->phys_bytes ? cfg->phys_bytes : 64 * GIB;
	int rc;

	*out = NULL;
	if (!(cfg->frag >= 0 && cfg->frag <= 1))
		return vmemsim_errf(err, VMEMSIM_EINVAL, "fragmentation %g is outside [0,1]",
		                    cfg->frag);
	if (bytes < GIB || (bytes & (GIB - 1)))
		return vmemsim_errf(
		    err, VMEMSIM_EINVAL,
		    "replay physical memory must be a multiple of 1 GiB, not %llu bytes",
		    (unsigned long long)bytes);
	if (cfg->maxphyaddr < 64 && bytes > (1ull << cfg->maxphyaddr))
		bytes = 1ull << cfg->maxphyaddr;
	as = calloc(1, sizeof(*as));
	if (!as)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "out of memory");
	as->cfg = *cfg;
	as->cfg.phys_bytes = bytes;
	as->nr_1g = bytes / GIB;
	as->carve_2m = as->carve_4k = 512;
	/* Block 0 starts as the 2M pool with its first frame burnt: PA 0 is never
	 * a table or a data page. */
	as->next_1g = 1;
	as->blk2m_base = 0;
	as->carve_2m = 1;
	as->rng = cfg->seed ? cfg->seed : 0x9E3779B97F4A7C15ull;
	as->prot = cfg->user ? (PTE_P | PTE_RW | PTE_US) : (PTE_P | PTE_RW);
	rc = mmu_phys_init(&as->phys, bytes, err);
	if (rc) {
		free(as);
		return rc;
	}
	alloc = (struct mmu_pt_allocator){.alloc = pt_page_alloc, .ctx = as};
	rc = mmu_pt_init(&as->pt, &as->phys, cfg->levels ? cfg->levels : 4,
	                 cfg->maxphyaddr ? cfg->maxphyaddr : 46, alloc, err);
	if (rc) {
		trace_aspace_destroy(as);
		return rc;
	}
	*out = as;
	return 0;
}

void trace_aspace_destroy(struct trace_aspace *as)
{
	if (!as)
		return;
	mmu_phys_fini(&as->phys);
	free(as);
}

struct mmu_phys *trace_aspace_phys(struct trace_aspace *as)
{
	return &as->phys;
}

uint64_t trace_aspace_root(const struct trace_aspace *as)
{
	return as->pt.root;
}

static int any_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	(void)ctx;
	(void)va;
	(void)leaf;
	return 1;
}

/* May a page of size ps be mapped at the aligned range around va, and is a
 * frame granted for it? */
static bool large_ok(struct trace_aspace *as, uint64_t va, enum mmu_page_size ps, uint64_t *pa)
{
	uint64_t size = mmu_page_bytes(ps), base = va & ~(size - 1);

	if (mmu_pt_for_each_leaf(&as->pt, base, base + size, any_leaf, NULL))
		return false;
	if (frag_refuses(as)) {
		as->st.large_fallbacks++;
		return false;
	}
	return (ps == MMU_PAGE_1G ? take_1g(as, pa) : take_2m(as, pa)) == 0;
}

int trace_aspace_touch(struct trace_aspace *as, uint64_t va, struct vmemsim_err *err)
{
	struct mmu_leaf leaf;
	enum mmu_page_size ps = MMU_PAGE_4K;
	uint64_t pa = 0;
	int rc;

	if (mmu_pt_lookup(&as->pt, va, &leaf) == 0)
		return vmemsim_errf(err, VMEMSIM_EEXIST, "va %#llx is already mapped",
		                    (unsigned long long)va);
	if (as->cfg.policy == TRACE_PAGES_1G && large_ok(as, va, MMU_PAGE_1G, &pa))
		ps = MMU_PAGE_1G;
	else if (as->cfg.policy != TRACE_PAGES_4K && large_ok(as, va, MMU_PAGE_2M, &pa))
		ps = MMU_PAGE_2M;
	else if (take_4k(as, &pa))
		return vmemsim_errf(
		    err, VMEMSIM_ENOMEM,
		    "replay: guest-physical memory (%llu GiB; see --phys) exhausted at va %#llx "
		    "after %llu first touches",
		    (unsigned long long)as->nr_1g, (unsigned long long)va,
		    (unsigned long long)as->st.first_touch_faults);
	va &= ~(mmu_page_bytes(ps) - 1);
	rc = mmu_pt_map_page(&as->pt, va, pa, ps, as->prot, err);
	if (rc)
		return rc;
	as->st.pages[ps]++;
	as->st.frames_bytes += mmu_page_bytes(ps);
	as->st.first_touch_faults++;
	return 0;
}

void trace_aspace_get_stats(const struct trace_aspace *as, struct trace_aspace_stats *out)
{
	*out = as->st;
}

/* ---- trace_aspace_check: the invariants, re-verified from the tables ---- */

struct leaf_span {
	uint64_t pa, size, va;
};

struct check_ctx {
	struct leaf_span *v;
	size_t n, cap;
	uint64_t pages[3];
	uint64_t want_us;
	bool bad_prot;
	uint64_t bad_va;
};

static int collect_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct check_ctx *c = ctx;
	uint64_t size = mmu_page_bytes(leaf->ps);

	if (c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 256;
		struct leaf_span *p = realloc(c->v, ncap * sizeof(*p));
		if (!p)
			return VMEMSIM_ENOMEM;
		c->v = p;
		c->cap = ncap;
	}
	c->v[c->n++] = (struct leaf_span){.pa = leaf->pa & ~(size - 1), .size = size, .va = va};
	c->pages[leaf->ps]++;
	if ((leaf->pte & (PTE_US | PTE_RW | PTE_P)) != (c->want_us | PTE_RW | PTE_P) &&
	    !c->bad_prot) {
		c->bad_prot = true;
		c->bad_va = va;
	}
	return 0;
}

static int by_pa(const void *a, const void *b)
{
	const struct leaf_span *x = a, *y = b;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* Leaves by size equal the pages counted, carry the policy's protections,
 * lie in handed-out memory above the burnt first 2M, and no two data frames
 * overlap. */
int trace_aspace_check(const struct trace_aspace *as, struct vmemsim_err *err)
{
	struct check_ctx c = {.want_us = as->cfg.user ? PTE_US : 0};
	uint64_t top = as->next_1g * GIB;
	int rc = mmu_pt_for_each_leaf(&as->pt, 0, ~0ull, collect_leaf, &c);

	if (rc < 0) {
		rc = vmemsim_errf(err, rc, "aspace check: out of memory");
		goto out;
	}
	for (int ps = 0; ps < 3; ps++)
		if (c.pages[ps] != as->st.pages[ps]) {
			rc =
			    vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                 "aspace check: %llu leaves of size %d, %llu pages counted",
			                 (unsigned long long)c.pages[ps], ps,
			                 (unsigned long long)as->st.pages[ps]);
			goto out;
		}
	if (c.bad_prot) {
		rc = vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                  "aspace check: va %#llx has wrong protections",
		                  (unsigned long long)c.bad_va);
		goto out;
	}
	qsort(c.v, c.n, sizeof(*c.v), by_pa);
	for (size_t i = 0; i < c.n; i++) {
		if (c.v[i].pa < MIB2 || c.v[i].pa + c.v[i].size > top ||
		    (i && c.v[i - 1].pa + c.v[i - 1].size > c.v[i].pa)) {
			rc = vmemsim_errf(
			    err, VMEMSIM_ECORRUPT,
			    "aspace check: frame of va %#llx at pa %#llx overlaps another "
			    "or lies outside handed-out memory",
			    (unsigned long long)c.v[i].va, (unsigned long long)c.v[i].pa);
			goto out;
		}
	}
out:
	free(c.v);
	return rc;
}
