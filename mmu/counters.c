/*
 * mmu/counters.c — the counter table (from counters.def), snapshots,
 * snapshot arithmetic and the cost model.
 *
 * Cost model (docs/model.md), per region or summed:
 *   cycles = instructions * base_cpi + cycles_mem + cycles_stlb
 *            + cycles_pwc + cycles_walk
 */
#include <string.h>

#include "mmu_internal.h"

static const struct {
	const char *name, *unit, *desc;
} counter_table[MMU_NR_COUNTERS] = {
#define MMU_COUNTER(id, unit, desc) {#id, unit, desc},
#include "counters.def"
#undef MMU_COUNTER
};

const char *mmu_counter_name(enum mmu_counter c)
{
	return (unsigned)c < MMU_NR_COUNTERS ? counter_table[c].name : NULL;
}

const char *mmu_counter_unit(enum mmu_counter c)
{
	return (unsigned)c < MMU_NR_COUNTERS ? counter_table[c].unit : NULL;
}

const char *mmu_counter_desc(enum mmu_counter c)
{
	return (unsigned)c < MMU_NR_COUNTERS ? counter_table[c].desc : NULL;
}

void mmu_stats_snapshot(const struct mmu *m, struct mmu_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->nr_regions = m->nr_regions;
	out->base_cpi = m->cfg.base_cpi;
	memcpy(out->v, m->ctr, sizeof(out->v[0]) * m->nr_regions);
	mmu_fast_pending(m, out->v);
}

void mmu_stats_sub(struct mmu_stats *a, const struct mmu_stats *b)
{
	unsigned r, c;

	for (r = 0; r < MMU_MAX_REGIONS; r++)
		for (c = 0; c < MMU_NR_COUNTERS; c++)
			a->v[r][c] -= b->v[r][c];
}

uint64_t mmu_stats_total(const struct mmu_stats *s, enum mmu_counter c)
{
	uint64_t t = 0;
	unsigned r;

	for (r = 0; r < s->nr_regions && r < MMU_MAX_REGIONS; r++)
		t += s->v[r][c];
	return t;
}

static double region_cycles(const struct mmu_stats *s, unsigned r)
{
	const uint64_t *v = s->v[r];

	return (double)v[MMU_C_instructions] * s->base_cpi + (double)v[MMU_C_cycles_mem] +
	       (double)v[MMU_C_cycles_stlb] + (double)v[MMU_C_cycles_pwc] +
	       (double)v[MMU_C_cycles_walk];
}

double mmu_stats_cycles(const struct mmu_stats *s, int region)
{
	double t = 0;
	unsigned r;

	if (region >= 0)
		return (unsigned)region < s->nr_regions ? region_cycles(s, (unsigned)region) : 0;
	for (r = 0; r < s->nr_regions && r < MMU_MAX_REGIONS; r++)
		t += region_cycles(s, r);
	return t;
}

void mmu_reset_stats(struct mmu *m)
{
	memset(m->ctr, 0, sizeof(*m->ctr) * MMU_MAX_REGIONS);
	memset(m->fast.n, 0, sizeof(m->fast.n)); /* pending hits are counted hits */
	memset(m->hs, 0, sizeof(*m->hs) * HS_CAPACITY);
	m->hs_dropped = 0;
}
