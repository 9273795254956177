/*
 * cli/reach.c — the TLB-reach probe on the MMU model (see reach.h).
 */
#include <stdlib.h>
#include <string.h>

#include "reach.h"

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Sattolo: a uniformly random permutation that is one single cycle. */
static void single_cycle(uint32_t *next, uint64_t n, uint64_t *rng)
{
	for (uint64_t i = 0; i < n; i++)
		next[i] = (uint32_t)i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = xorshift64(rng) % i;
		uint32_t t = next[i];
		next[i] = next[j];
		next[j] = t;
	}
}

struct chase {
	uint32_t *next;
	uint64_t *va;
	uint32_t cur;
};

static int chase_run(struct mmu *m, struct chase *c, uint64_t count, struct vmemsim_err *err)
{
	struct mmu_fault f;
	for (uint64_t i = 0; i < count; i++) {
		int rc = mmu_access(m, c->va[c->cur], 8, MMU_LOAD, 0, &f);
		if (rc)
			return vmemsim_errf(err, rc,
			                    "reach: access to %#llx faulted (error code %#x)",
			                    (unsigned long long)f.va, f.error_code);
		c->cur = c->next[c->cur];
	}
	return 0;
}

int reach_check(const struct reach_params *p, struct vmemsim_err *err)
{
	static const char *const ps_names[] = {"4k", "2m", "1g"};

	if (p->pages < 2 || p->pages > REACH_MAX_PAGES)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%llu is outside [2, %u]",
		                    (unsigned long long)p->pages, REACH_MAX_PAGES);
	if ((unsigned)p->ps >= MMU_NR_PAGE_SIZES)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "page size %d is not 4k, 2m or 1g",
		                    (int)p->ps);
	/* pages <= 2^24 and a page <= 2^30 bytes: no overflow */
	if (REACH_VA_BASE + p->pages * mmu_page_bytes(p->ps) > (1ull << 47))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%llu pages of %s do not fit below 128 TiB",
		                    (unsigned long long)p->pages, ps_names[p->ps]);
	return 0;
}

int reach_run(const struct mmu_config *cfg, const struct reach_params *p, struct reach_point *out,
              struct vmemsim_err *err)
{
	uint64_t psz = mmu_page_bytes(p->ps), n = p->pages, frames, data, tables, limit, rng;
	uint64_t cycles_measured;
	struct mmu_phys phys = {0};
	struct mmu_brk_alloc balloc;
	struct mmu_pt pt;
	struct mmu *m = NULL;
	struct chase c = {0};
	struct mmu_stats warm;
	int rc;

	if ((rc = reach_check(p, err))) {
		vmemsim_err_prefix(err, "reach: pages");
		return rc;
	}
	/* page tables: one PT per 512 pages, one PD per 512 PTs, slack for the rest */
	tables = ((n >> 9) + (n >> 18) + 64) * 4096;
	/* Data frames, then the tables, all below 2^MAXPHYADDR: a table above it
	 * would make its pointer a reserved-bit fault. */
	limit = REACH_MAX_PHYS;
	if ((1ull << cfg->maxphyaddr) - tables < limit)
		limit = (1ull << cfg->maxphyaddr) - tables;
	frames = n * psz > limit ? limit / psz : n;
	data = frames * psz;
	rc = mmu_phys_init(&phys, data + tables, err);
	if (rc)
		return rc;
	mmu_brk_alloc_init(&balloc, &phys, data, 6 * 4096, data + 6 * 4096, data + tables);
	rc = mmu_pt_init(&pt, &phys, cfg->levels, cfg->maxphyaddr, mmu_brk_allocator(&balloc), err);
	if (rc)
		goto out;

	c.next = malloc(n * sizeof(*c.next));
	c.va = malloc(n * sizeof(*c.va));
	if (!c.next || !c.va) {
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "reach: out of memory for %llu pages",
		                  (unsigned long long)n);
		goto out;
	}
	rng = p->seed ? p->seed : 0x9e3779b97f4a7c15ull;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t va = REACH_VA_BASE + i * psz;
		rc = mmu_pt_map_page(&pt, va, (i % frames) * psz, p->ps, MMU_PROT_KERNEL_RW, err);
		if (rc)
			goto out;
		c.va[i] = va + (xorshift64(&rng) % (psz / 64)) * 64;
	}
	single_cycle(c.next, n, &rng);

	rc = mmu_create(&m, cfg, &phys, err);
	if (rc)
		goto out;
	mmu_write_cr3(m, pt.root, 0, false);
	rc = chase_run(m, &c, 2 * n, err);
	if (rc)
		goto out;
	mmu_stats_snapshot(m, &warm);
	cycles_measured = (p->min_accesses + n - 1) / n;
	if (cycles_measured == 0)
		cycles_measured = 1;
	rc = chase_run(m, &c, cycles_measured * n, err);
	if (rc)
		goto out;

	memset(out, 0, sizeof(*out));
	mmu_stats_snapshot(m, &out->stats);
	mmu_stats_sub(&out->stats, &warm);
	out->pages = n;
	out->accesses = mmu_stats_total(&out->stats, MMU_C_loads);
	{
		double acc = (double)out->accesses;
		double l1m = (double)mmu_stats_total(&out->stats, MMU_C_dtlb_misses);
		double l2m = (double)mmu_stats_total(&out->stats, MMU_C_stlb_misses);
		out->l1d_miss_rate = l1m / acc;
		out->stlb_miss_rate = l1m > 0 ? l2m / l1m : 0.0;
		out->walks_per_access = (double)mmu_stats_total(&out->stats, MMU_C_walks) / acc;
		out->cycles_per_access = mmu_stats_cycles(&out->stats, -1) / acc;
	}
out:
	if (m)
		mmu_destroy(m);
	free(c.next);
	free(c.va);
	if (phys.base)
		mmu_phys_fini(&phys);
	return rc;
}
