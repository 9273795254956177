/*
 * mmu/cache.c — the data-cache hierarchy: L1D, L2, LLC, physically indexed,
 * 64-byte lines, set-associative (sets = size / 64 / ways, line % sets).
 *
 * Policy (documented in docs/model.md):
 *  - a lookup probes the levels in order; the latency of the access is the
 *    latency of the level that hit, or dram_latency;
 *  - a miss fills every level above the one that hit (a DRAM access fills
 *    all of them).  The hierarchy is non-inclusive: an eviction from one
 *    level does not touch the others, and there are no write-backs — stores
 *    are write-allocate and cost what loads cost.
 * Invariant: cache[0..nr_caches) are the present levels, in order.
 */
#include "mmu_internal.h"

int cache_init(struct cache_level *c, const struct mmu_cache_config *cfg, uint64_t seed)
{
	int rc;

	*c = (struct cache_level){0};
	if (!cfg->size)
		return 0;
	rc = sa_init(&c->sa, cfg->size / 64, cfg->ways, cfg->repl, seed);
	if (rc < 0)
		return rc;
	c->latency = cfg->latency;
	c->present = true;
	return 0;
}

uint32_t cache_miss_l1d(struct mmu *m, uint64_t line, uint32_t set0, unsigned *lvl)
{
	uint32_t set[3];
	unsigned i, j, n = m->nr_caches;

	/* The lower levels' sets are independent host loads: issue them
	 * together, and compute each set index once for probe and fill. */
	set[0] = set0;
	for (i = 1; i < n; i++) {
		const struct sa *sa = &m->cache[i].sa;
		const uint64_t *t;

		set[i] = sa_set(sa, line);
		t = sa->tag + (size_t)set[i] * sa->ways;
		__builtin_prefetch(sa_sig_row(sa, set[i]));
		__builtin_prefetch(t);
		__builtin_prefetch(t + sa->ways - 1);
	}
	for (i = 1; i < n; i++)
		if (sa_lookup(&m->cache[i].sa, set[i], line, line) >= 0)
			break;
	for (j = 0; j < i; j++)
		sa_fill(&m->cache[j].sa, set[j], line);
	*lvl = i;
	return i < n ? m->cache[i].latency : m->cfg.dram_latency;
}
