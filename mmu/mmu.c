/*
 * mmu/mmu.c — the model's lifecycle and architectural state: create and
 * destroy, CR3 writes with and without PCID, INVLPG, full flushes, CPL.
 *
 * Invariants (mmu_check):
 *  (1) cache[0..nr_caches) are the present data-cache levels in order, and
 *      l1d_latency is cache[0]'s latency when it is the L1D (0 otherwise);
 *  (2) pcid == 0 unless cfg.cr4_pcide;
 *  (3) need/forbid match (cpl, cr0_wp, cr4_smep, cr4_smap) — recomputed on
 *      every change of either;
 *  (4) every structure was allocated at create; nothing allocates later;
 *  (5) rsvd/nx_mask match rsvd_hi and the configuration, data_ctr/pte_ctr
 *      the present cache levels (set at create).
 * Seeds for random replacement: TLB array i of a level gets seed + i, the
 * PWC of level l seed + 8 + l, data-cache level k (0 L1D, 1 L2, 2 LLC)
 * seed + 16 + k; a zero state is replaced by 0x9e3779b97f4a7c15.
 */
#include <stdlib.h>
#include <string.h>

#include "mmu_internal.h"

static void mmu_free(struct mmu *m)
{
	unsigned i;

	tlb_level_fini(&m->itlb);
	tlb_level_fini(&m->dtlb);
	tlb_level_fini(&m->stlb);
	for (i = 0; i < 6; i++) {
		sa_fini(&m->pwc[i].sa);
		free(m->pwc[i].val);
	}
	for (i = 0; i < 3; i++)
		sa_fini(&m->cache[i].sa);
	free(m->ctr);
	free(m->hs);
	free(m);
}

static int mmu_alloc_pwcs(struct mmu *m)
{
	unsigned l;
	int rc;

	for (l = MMU_LEVEL_PD; l <= MMU_LEVEL_PML5; l++) {
		const struct mmu_array_config *c = &m->cfg.pwc[l];
		if (!c->entries || l > m->cfg.levels)
			continue;
		rc = sa_init(&m->pwc[l].sa, c->entries, c->ways, c->repl, m->cfg.seed + 8 + l);
		if (rc < 0)
			return rc;
		sa_set_sig_key(&m->pwc[l].sa, 12, 0); /* the VA prefix, not the PCID */
		m->pwc[l].val = calloc(c->entries, sizeof(uint64_t));
		if (!m->pwc[l].val)
			return VMEMSIM_ENOMEM;
		m->pwc[l].present = true;
		m->has_pwc = true;
	}
	return 0;
}

void mmu_compute_level_ctrs(const struct mmu *m, uint8_t data_ctr[4], uint8_t pte_ctr[4])
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		bool dram = i >= m->nr_caches;
		data_ctr[i] =
		    (uint8_t)(dram ? MMU_C_dram_accesses : MMU_C_l1d_hits + m->cache[i].kind);
		pte_ctr[i] =
		    (uint8_t)(dram ? MMU_C_pte_dram : MMU_C_pte_l1d_hits + m->cache[i].kind);
	}
}

static int mmu_alloc_caches(struct mmu *m)
{
	const struct mmu_cache_config *c[3] = {&m->cfg.l1d, &m->cfg.l2, &m->cfg.llc};
	unsigned k;
	int rc;

	for (k = 0; k < 3; k++) {
		struct cache_level *cl = &m->cache[m->nr_caches];
		if (!c[k]->size)
			continue;
		rc = cache_init(cl, c[k], m->cfg.seed + 16 + k);
		if (rc < 0)
			return rc;
		cl->kind = (uint8_t)k;
		m->nr_caches++;
	}
	m->l1d_latency = m->cfg.l1d.size ? m->cfg.l1d.latency : 0;
	mmu_compute_level_ctrs(m, m->data_ctr, m->pte_ctr);
	/* Host hints skip the levels whose model (tags and set headers) stays
	 * in the host's L1 anyway: the skylake L1D's is 6 KiB, its L2's 64. */
	m->pf.first_level = 0;
	while (m->pf.first_level < m->nr_caches) {
		const struct sa *sa = &m->cache[m->pf.first_level].sa;
		if ((uint64_t)sa->sets * (sa->ways * 8ull + sa->hdr_stride) > PF_RESIDENT_BYTES)
			break;
		m->pf.first_level++;
	}
	return 0;
}

int mmu_create(struct mmu **out, const struct mmu_config *cfg, struct mmu_phys *phys,
               struct vmemsim_err *err)
{
	struct mmu *m;
	int rc = mmu_config_check(cfg, err);

	if (rc < 0)
		return rc;
	if (!phys || !phys->base)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "the MMU model needs guest physical memory");
	m = calloc(1, sizeof(*m));
	if (!m)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "cannot allocate the MMU model");
	m->cfg = *cfg;
	m->phys = phys;
	m->va_shift = 64 - pt_va_bits(cfg->levels);
	m->last_line = ~0ull;
	m->retire_page = ~0ull;
	m->fast.ipage = m->fast.dline = ~0ull;
	m->pf.on = true;
	mmu_forget_last(m);
	m->rsvd_hi = PTE_ADDR_MASK & ~((1ull << cfg->maxphyaddr) - 1);
	mmu_compute_walk_masks(m, m->rsvd, &m->nx_mask);
	m->ctr = calloc(MMU_MAX_REGIONS, sizeof(*m->ctr));
	m->hs = calloc(HS_CAPACITY, sizeof(*m->hs));
	rc = (!m->ctr || !m->hs) ? VMEMSIM_ENOMEM : 0;
	if (!rc)
		rc = tlb_level_init(&m->itlb, &cfg->itlb, cfg->seed);
	if (!rc)
		rc = tlb_level_init(&m->dtlb, &cfg->dtlb, cfg->seed);
	if (!rc)
		rc = tlb_level_init(&m->stlb, &cfg->stlb, cfg->seed);
	if (!rc)
		rc = mmu_alloc_pwcs(m);
	if (!rc)
		rc = mmu_alloc_caches(m);
	if (rc < 0) {
		mmu_free(m);
		return vmemsim_errf(err, rc, "cannot allocate the MMU model's arrays");
	}
	m->nr_regions = 1;
	snprintf(m->region[0].name, sizeof(m->region[0].name), "other");
	mmu_recompute_masks(m);
	*out = m;
	return 0;
}

void mmu_destroy(struct mmu *m)
{
	if (m)
		mmu_free(m);
}

const struct mmu_config *mmu_get_config(const struct mmu *m)
{
	return &m->cfg;
}

/* Drop PWC entries of pcid (pcid < 0: all). */
static void pwc_flush(struct mmu *m, int pcid)
{
	unsigned l;
	uint32_t e;

	for (l = MMU_LEVEL_PD; l <= MMU_LEVEL_PML5; l++) {
		struct sa *sa = &m->pwc[l].sa;
		if (!m->pwc[l].present)
			continue;
		for (e = 0; e < sa->sets * sa->ways; e++)
			if (pcid < 0 || (sa->tag[e] != SA_INVALID &&
			                 (sa->tag[e] & TLB_PCID_MASK) == (uint64_t)pcid))
				sa_invalidate(sa, e);
	}
}

void mmu_write_cr3(struct mmu *m, uint64_t root_pa, uint16_t pcid, bool noflush)
{
	mmu_forget_last(m);
	m->root = root_pa & PTE_ADDR_MASK;
	if (!m->cfg.cr4_pcide) {
		m->pcid = 0;
		tlb_flush(&m->itlb, false, -1);
		tlb_flush(&m->dtlb, false, -1);
		tlb_flush(&m->stlb, false, -1);
		pwc_flush(m, -1);
		return;
	}
	m->pcid = pcid & TLB_PCID_MASK;
	if (noflush)
		return;
	tlb_flush(&m->itlb, false, m->pcid);
	tlb_flush(&m->dtlb, false, m->pcid);
	tlb_flush(&m->stlb, false, m->pcid);
	pwc_flush(m, m->pcid);
}

void mmu_invlpg(struct mmu *m, uint64_t va)
{
	mmu_forget_last(m);
	tlb_invlpg(&m->itlb, va, m->pcid);
	tlb_invlpg(&m->dtlb, va, m->pcid);
	tlb_invlpg(&m->stlb, va, m->pcid);
	pwc_flush(m, m->pcid);
}

void mmu_flush_all(struct mmu *m)
{
	mmu_forget_last(m);
	tlb_flush(&m->itlb, true, -1);
	tlb_flush(&m->dtlb, true, -1);
	tlb_flush(&m->stlb, true, -1);
	pwc_flush(m, -1);
}

void mmu_set_cpl(struct mmu *m, unsigned cpl)
{
	mmu_fast_disarm_fetch(m); /* the armed rights were tested at the old CPL */
	mmu_fast_disarm_data(m);
	m->cpl = cpl == 3 ? 3 : 0;
	mmu_recompute_masks(m);
}

/* ---- Regions ------------------------------------------------------------ */

int mmu_add_region(struct mmu *m, const char *name, uint64_t start, uint64_t end,
                   struct vmemsim_err *err)
{
	unsigned i;

	if ((start | end) & 4095 || start >= end)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "region %s [%#llx, %#llx): not a page-aligned, non-empty range",
		                    name, (unsigned long long)start, (unsigned long long)end);
	if (!pt_va_canonical(start, m->cfg.levels) || !pt_va_canonical(end - 1, m->cfg.levels) ||
	    (start ^ (end - 1)) >> 63)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "region %s [%#llx, %#llx): not inside one canonical half of "
		                    "the %u-bit linear address space",
		                    name, (unsigned long long)start, (unsigned long long)end,
		                    pt_va_bits(m->cfg.levels));
	if (m->nr_regions >= MMU_MAX_REGIONS)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "region %s: at most %d regions", name,
		                    MMU_MAX_REGIONS - 1);
	for (i = 1; i < m->nr_regions; i++)
		if (start < m->region[i].end && m->region[i].start < end)
			return vmemsim_errf(err, VMEMSIM_EEXIST,
			                    "region %s [%#llx, %#llx) overlaps region %s", name,
			                    (unsigned long long)start, (unsigned long long)end,
			                    m->region[i].name);
	m->region[m->nr_regions].start = start;
	m->region[m->nr_regions].end = end;
	snprintf(m->region[m->nr_regions].name, sizeof(m->region[0].name), "%s", name);
	/* Cached TLB entries and the retire cache carry region ids: start over.
	 * The paging-structure caches carry none and stay. */
	mmu_forget_last(m);
	tlb_flush(&m->itlb, true, -1);
	tlb_flush(&m->dtlb, true, -1);
	tlb_flush(&m->stlb, true, -1);
	m->retire_page = ~0ull;
	return (int)m->nr_regions++;
}

unsigned mmu_nr_regions(const struct mmu *m)
{
	return m->nr_regions;
}

const char *mmu_region_name(const struct mmu *m, unsigned id)
{
	return id < m->nr_regions ? m->region[id].name : NULL;
}

unsigned mmu_region_of(const struct mmu *m, uint64_t va)
{
	unsigned i;

	for (i = 1; i < m->nr_regions; i++)
		if (va >= m->region[i].start && va < m->region[i].end)
			return i;
	return 0;
}

uint8_t mmu_region_of_page(const struct mmu *m, uint64_t va, uint64_t bytes)
{
	unsigned i;

	for (i = 1; i < m->nr_regions; i++) {
		const struct mmu_region *r = &m->region[i];
		if (va >= r->start && va + bytes <= r->end)
			return (uint8_t)i;
		if (va < r->end && r->start < va + bytes)
			return REGION_MIXED;
	}
	return 0;
}
