/*
 * tests/mmu/ref_model.c — the reference model (ref_model.h): the documented
 * policy in the plainest code that states it.  Every lookup scans its set,
 * every hit touches, every counter is incremented where the event happens.
 * Speed is not a goal; obviousness is.
 *
 * This file: lifecycle, the architectural operations, regions, hot spots
 * and counters.  The arrays, TLBs and caches are in ref_arrays.c, the walk
 * and the access path in ref_walk.c (shared state: ref_internal.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ref_internal.h"

/* ---- creation -------------------------------------------------------------- */

void ref_destroy(struct ref_mmu *r)
{
	if (!r)
		return;
	ref_arrays_fini(r);
	free(r->hs);
	free(r);
}

int ref_create(struct ref_mmu **out, const struct mmu_config *cfg, struct mmu_phys *phys)
{
	struct ref_mmu *r;

	if (mmu_config_check(cfg, NULL) < 0 || !phys || !phys->base)
		return VMEMSIM_EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return VMEMSIM_ENOMEM;
	r->cfg = *cfg;
	r->phys = phys;
	r->nr_regions = 1;
	r->hs = calloc(HS_MAX, sizeof(*r->hs));
	if (!r->hs || ref_arrays_init(r) < 0) {
		ref_destroy(r);
		return VMEMSIM_ENOMEM;
	}
	*out = r;
	return 0;
}

/* ---- architectural state ----------------------------------------------------- */

void ref_write_cr3(struct ref_mmu *r, uint64_t root_pa, uint16_t pcid, bool noflush)
{
	r->root = root_pa & PTE_ADDR_MASK;
	if (!r->cfg.cr4_pcide) {
		r->pcid = 0;
		ref_tlb_flush(&r->itlb, false, -1);
		ref_tlb_flush(&r->dtlb, false, -1);
		ref_tlb_flush(&r->stlb, false, -1);
		ref_pwc_flush(r, -1);
		return;
	}
	r->pcid = pcid & PCID_MAX;
	if (noflush)
		return;
	ref_tlb_flush(&r->itlb, false, r->pcid);
	ref_tlb_flush(&r->dtlb, false, r->pcid);
	ref_tlb_flush(&r->stlb, false, r->pcid);
	ref_pwc_flush(r, r->pcid);
}

void ref_invlpg(struct ref_mmu *r, uint64_t va)
{
	ref_tlb_drop_page(&r->itlb, va, r->pcid);
	ref_tlb_drop_page(&r->dtlb, va, r->pcid);
	ref_tlb_drop_page(&r->stlb, va, r->pcid);
	ref_pwc_flush(r, r->pcid);
}

void ref_flush_all(struct ref_mmu *r)
{
	ref_tlb_flush(&r->itlb, true, -1);
	ref_tlb_flush(&r->dtlb, true, -1);
	ref_tlb_flush(&r->stlb, true, -1);
	ref_pwc_flush(r, -1);
}

void ref_set_cpl(struct ref_mmu *r, unsigned cpl)
{
	r->cpl = cpl == 3 ? 3 : 0;
}

int ref_add_region(struct ref_mmu *r, uint64_t start, uint64_t end)
{
	unsigned i;

	if ((start | end) & 4095 || start >= end || r->nr_regions >= MMU_MAX_REGIONS)
		return VMEMSIM_EINVAL;
	for (i = 1; i < r->nr_regions; i++)
		if (start < r->region[i].end && r->region[i].start < end)
			return VMEMSIM_EEXIST;
	r->region[r->nr_regions].start = start;
	r->region[r->nr_regions].end = end;
	ref_tlb_flush(&r->itlb, true, -1);
	ref_tlb_flush(&r->dtlb, true, -1);
	ref_tlb_flush(&r->stlb, true, -1);
	return (int)r->nr_regions++;
}

unsigned ref_region_of(const struct ref_mmu *r, uint64_t va)
{
	unsigned i;

	for (i = 1; i < r->nr_regions; i++)
		if (va >= r->region[i].start && va < r->region[i].end)
			return i;
	return 0;
}

void ref_retire(struct ref_mmu *r, uint64_t pc, uint64_t instructions)
{
	r->ctr[ref_region_of(r, pc)][MMU_C_instructions] += instructions;
}

/* ---- hot spots --------------------------------------------------------------- */

struct mmu_hotspot *ref_hs_get(struct ref_mmu *r, uint64_t pc)
{
	unsigned i;

	for (i = 0; i < r->nr_hs; i++)
		if (r->hs[i].pc == pc)
			return &r->hs[i];
	if (r->nr_hs == HS_MAX)
		return NULL;
	r->hs[r->nr_hs].pc = pc;
	return &r->hs[r->nr_hs++];
}

static int hs_cmp(const void *pa, const void *pb)
{
	const struct mmu_hotspot *a = pa, *b = pb;
	uint64_t ma = a->dtlb_misses + a->itlb_misses, mb = b->dtlb_misses + b->itlb_misses;

	if (a->walk_cycles != b->walk_cycles)
		return a->walk_cycles > b->walk_cycles ? -1 : 1;
	if (ma != mb)
		return ma > mb ? -1 : 1;
	return a->pc < b->pc ? -1 : a->pc > b->pc;
}

unsigned ref_hotspots(const struct ref_mmu *r, struct mmu_hotspot *out, unsigned n)
{
	struct mmu_hotspot *all = malloc(sizeof(*all) * (r->nr_hs + 1));
	unsigned k = r->nr_hs < n ? r->nr_hs : n;

	if (!all)
		return 0;
	memcpy(all, r->hs, sizeof(*all) * r->nr_hs);
	qsort(all, r->nr_hs, sizeof(*all), hs_cmp);
	memcpy(out, all, sizeof(*all) * k);
	free(all);
	return k;
}

/* ---- counters ---------------------------------------------------------------- */

void ref_stats(const struct ref_mmu *r, struct mmu_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->nr_regions = r->nr_regions;
	out->base_cpi = r->cfg.base_cpi;
	memcpy(out->v, r->ctr, sizeof(out->v[0]) * r->nr_regions);
}

void ref_reset_stats(struct ref_mmu *r)
{
	memset(r->ctr, 0, sizeof(r->ctr));
	memset(r->hs, 0, sizeof(*r->hs) * HS_MAX);
	r->nr_hs = 0;
}
