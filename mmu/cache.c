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

/*
 * Unrolled over the (at most three) levels, each probed and, on a miss,
 * filled in one pass (sa_access1).  The levels are independent arrays, so
 * filling a level before probing the next leaves the state that probing
 * every level first and filling afterwards would.  No host prefetch of the
 * lower levels' sets: GCC had silently dropped the ones here, and made real
 * (mmu_host_prefetch) they cost 53 instructions per random access without
 * a measurable gain; mmu_access_batch prefetches those sets ahead instead.
 */
uint32_t cache_miss_l1d(struct mmu *m, uint64_t line, uint8_t sig, unsigned *lvl)
{
	struct sa *l2 = &m->cache[1].sa, *l3 = &m->cache[2].sa;
	unsigned n = m->nr_caches;

	if (n > 1 && sa_access1_sig(l2, sa_set(l2, line), line, sig)) {
		*lvl = 1;
		return m->cache[1].latency;
	}
	if (n > 2 && sa_access1_sig(l3, sa_set(l3, line), line, sig)) {
		*lvl = 2;
		return m->cache[2].latency;
	}
	*lvl = n; /* DRAM: every level was filled on its miss */
	return m->cfg.dram_latency;
}
