/*
 * mmu/config.c — the default configuration and the geometry check.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mmu_internal.h"

static void set_array(struct mmu_array_config *a, const char *name, uint32_t entries, uint32_t ways,
                      unsigned ps_mask)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->entries = entries;
	a->ways = ways;
	a->ps_mask = ps_mask;
	a->repl = MMU_REPL_LRU;
}

/* Matches configs/cpu/skylake.json, where every number has its source
 * (reference/tlb-presets.md, Skylake rows). */
void mmu_config_default(struct mmu_config *cfg)
{
	const unsigned k4 = MMU_PS_BIT(MMU_PAGE_4K), m2 = MMU_PS_BIT(MMU_PAGE_2M),
	               g1 = MMU_PS_BIT(MMU_PAGE_1G);

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "skylake");
	cfg->levels = 4;
	cfg->maxphyaddr = 46;
	cfg->itlb.nr_arrays = 2;
	set_array(&cfg->itlb.arrays[0], "itlb-4k", 128, 8, k4);
	set_array(&cfg->itlb.arrays[1], "itlb-2m", 8, 8, m2);
	cfg->dtlb.nr_arrays = 3;
	set_array(&cfg->dtlb.arrays[0], "dtlb-4k", 64, 4, k4);
	set_array(&cfg->dtlb.arrays[1], "dtlb-2m", 32, 4, m2);
	set_array(&cfg->dtlb.arrays[2], "dtlb-1g", 4, 4, g1);
	cfg->stlb.nr_arrays = 2;
	set_array(&cfg->stlb.arrays[0], "stlb", 1536, 12, k4 | m2);
	set_array(&cfg->stlb.arrays[1], "stlb-1g", 16, 4, g1);
	cfg->stlb_latency = 8;
	set_array(&cfg->pwc[MMU_LEVEL_PML5], "pml5e", 2, 2, 0);
	set_array(&cfg->pwc[MMU_LEVEL_PML4], "pml4e", 16, 4, 0);
	set_array(&cfg->pwc[MMU_LEVEL_PDPT], "pdpte", 16, 4, 0);
	set_array(&cfg->pwc[MMU_LEVEL_PD], "pde", 32, 4, 0);
	cfg->pwc_latency = 3;
	cfg->l1d = (struct mmu_cache_config){32 << 10, 8, 4, MMU_REPL_LRU};
	cfg->l2 = (struct mmu_cache_config){256 << 10, 4, 12, MMU_REPL_LRU};
	cfg->llc = (struct mmu_cache_config){8 << 20, 16, 44, MMU_REPL_LRU};
	cfg->dram_latency = 173;
	cfg->base_cpi = 0.5;
	cfg->seed = 1;
	cfg->cr0_wp = true;
	cfg->efer_nxe = true;
	cfg->cr4_pcide = true;
}

static int check_ways(const char *what, uint32_t entries, uint32_t ways, enum mmu_repl repl,
                      struct vmemsim_err *err)
{
	if (!ways)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: 0 ways", what);
	if (entries % ways)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: %u entries not divisible by %u ways",
		                    what, entries, ways);
	if ((unsigned)repl > MMU_REPL_RANDOM)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: unknown replacement policy %d", what,
		                    (int)repl);
	if (repl == MMU_REPL_PLRU && ((ways & (ways - 1)) || ways > 64))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s: tree-PLRU needs a power-of-two way count up to 64, not %u",
		                    what, ways);
	return 0;
}

static int check_tlb_level(const char *lname, const struct mmu_tlb_level_config *l,
                           struct vmemsim_err *err)
{
	char what[96];
	unsigned i;
	int rc;

	if (l->nr_arrays > MMU_MAX_ARRAYS)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s.arrays: %u arrays, at most %d", lname,
		                    l->nr_arrays, MMU_MAX_ARRAYS);
	for (i = 0; i < l->nr_arrays; i++) {
		const struct mmu_array_config *a = &l->arrays[i];
		snprintf(what, sizeof(what), "%s.arrays[%u]", lname, i);
		if (!a->entries)
			return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: 0 entries", what);
		if (!(a->ps_mask & MMU_PS_ALL) || (a->ps_mask & ~MMU_PS_ALL))
			return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: page-size mask %#x invalid",
			                    what, a->ps_mask);
		rc = check_ways(what, a->entries, a->ways, a->repl, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int check_cache(const char *what, const struct mmu_cache_config *c, struct vmemsim_err *err)
{
	if (!c->size)
		return 0;
	if (c->size % 64)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: size %u is not a multiple of 64",
		                    what, c->size);
	return check_ways(what, c->size / 64, c->ways, c->repl, err);
}

int mmu_config_check(const struct mmu_config *cfg, struct vmemsim_err *err)
{
	static const char *const pwc_names[6] = {NULL,        NULL,        "pwc.pde",
	                                         "pwc.pdpte", "pwc.pml4e", "pwc.pml5e"};
	unsigned l;
	int rc;

	if (cfg->levels != 4 && cfg->levels != 5)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "paging.levels: %u is not 4 or 5",
		                    cfg->levels);
	if (cfg->maxphyaddr < 36 || cfg->maxphyaddr > 52)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "paging.maxphyaddr: %u is outside 36..52",
		                    cfg->maxphyaddr);
	if ((rc = check_tlb_level("tlb.l1i", &cfg->itlb, err)) < 0 ||
	    (rc = check_tlb_level("tlb.l1d", &cfg->dtlb, err)) < 0 ||
	    (rc = check_tlb_level("tlb.stlb", &cfg->stlb, err)) < 0)
		return rc;
	for (l = MMU_LEVEL_PD; l <= MMU_LEVEL_PML5; l++)
		if (cfg->pwc[l].entries &&
		    (rc = check_ways(pwc_names[l], cfg->pwc[l].entries, cfg->pwc[l].ways,
		                     cfg->pwc[l].repl, err)) < 0)
			return rc;
	if ((rc = check_cache("cache.l1d", &cfg->l1d, err)) < 0 ||
	    (rc = check_cache("cache.l2", &cfg->l2, err)) < 0 ||
	    (rc = check_cache("cache.llc", &cfg->llc, err)) < 0)
		return rc;
	if (!isfinite(cfg->base_cpi) || cfg->base_cpi < 0)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "core.base_cpi: %g is not a finite value >= 0", cfg->base_cpi);
	return 0;
}
