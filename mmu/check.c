/*
 * mmu/check.c — mmu_check(): re-verify the invariants written at the top of
 * sa.c, tlb.c, cache.c and mmu.c.
 */
#include <stdio.h>
#include <string.h>

#include "mmu_internal.h"

static int check_lines(const struct cache_level *c, const char *name, struct vmemsim_err *err)
{
	uint32_t e;
	int rc = sa_check(&c->sa, name, err);

	if (rc < 0)
		return rc;
	for (e = 0; e < c->sa.sets * c->sa.ways; e++)
		if (c->sa.tag[e] != SA_INVALID && sa_set(&c->sa, c->sa.tag[e]) != e / c->sa.ways)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: line %#llx in the wrong set", name,
			                    (unsigned long long)c->sa.tag[e]);
	return 0;
}

static int check_pwcs(const struct mmu *m, struct vmemsim_err *err)
{
	unsigned l;
	uint32_t e;
	int rc;

	for (l = MMU_LEVEL_PD; l <= MMU_LEVEL_PML5; l++) {
		const struct sa *sa = &m->pwc[l].sa;
		char name[16];
		if (!m->pwc[l].present)
			continue;
		snprintf(name, sizeof(name), "pwc[%u]", l);
		rc = sa_check(sa, name, err);
		if (rc < 0)
			return rc;
		for (e = 0; e < sa->sets * sa->ways; e++) {
			uint64_t t = sa->tag[e];
			if (t == SA_INVALID)
				continue;
			if (sa_set(sa, t >> 12) != e / sa->ways)
				return vmemsim_errf(err, VMEMSIM_ECORRUPT,
				                    "%s: tag %#llx in the wrong set", name,
				                    (unsigned long long)t);
			if (!m->cfg.cr4_pcide && (t & TLB_PCID_MASK))
				return vmemsim_errf(err, VMEMSIM_ECORRUPT,
				                    "%s: PCID-tagged entry without CR4.PCIDE",
				                    name);
		}
	}
	return 0;
}

/* The inline repeat hit (fast.c) is armed only over the state a repeat hit
 * needs: the L1 TLB entry of last[] covers the page, and for data the line
 * is the L1D's last line; pending hits only while armed. */
static int check_fast(const struct mmu *m, struct vmemsim_err *err)
{
	const struct mmu_fast *f = &m->fast;
	const struct mmu_last *l;

	if (f->ipage != ~0ull) {
		l = &m->last[0];
		if (((f->ipage << 12) & l->mask) != l->base)
			return vmemsim_errf(
			    err, VMEMSIM_ECORRUPT,
			    "fast path armed for fetch page %#llx without its ITLB entry",
			    (unsigned long long)(f->ipage << 12));
	} else if (f->n[MMU_FETCH]) {
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "pending fetch hits while disarmed");
	}
	if (f->dline != ~0ull) {
		l = &m->last[1];
		if (((f->dline << 6) & l->mask) != l->base ||
		    ((l->e->pa | ((f->dline << 6) & ~l->mask)) >> 6) != m->last_line)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "fast path armed for line %#llx without its DTLB entry "
			                    "and L1D line",
			                    (unsigned long long)(f->dline << 6));
	} else if (f->n[MMU_LOAD] | f->n[MMU_STORE]) {
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "pending data hits while disarmed");
	}
	return 0;
}

int mmu_check(const struct mmu *m, struct vmemsim_err *err)
{
	static const char *const cache_names[3] = {"l1d", "l2", "llc"};
	unsigned i;
	int rc;

	if ((rc = tlb_level_check(&m->itlb, "itlb", m->nr_regions, err)) < 0 ||
	    (rc = tlb_level_check(&m->dtlb, "dtlb", m->nr_regions, err)) < 0 ||
	    (rc = tlb_level_check(&m->stlb, "stlb", m->nr_regions, err)) < 0)
		return rc;
	if ((rc = check_pwcs(m, err)) < 0)
		return rc;
	for (i = 0; i < m->nr_caches; i++) {
		if (i > 0 && m->cache[i].kind <= m->cache[i - 1].kind)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT, "data caches out of order");
		if (m->cache[i].sa.sig_keep != ~0ull) /* cache_access: one signature per line */
			return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: signature drops key bits",
			                    cache_names[m->cache[i].kind]);
		if ((rc = check_lines(&m->cache[i], cache_names[m->cache[i].kind], err)) < 0)
			return rc;
	}
	if (m->l1d_latency != (m->cfg.l1d.size ? m->cfg.l1d.latency : 0))
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "l1d_latency out of date");
	{
		uint8_t need[3], forbid[3];
		mmu_compute_masks(m, need, forbid);
		if (memcmp(need, m->need, 3) || memcmp(forbid, m->forbid, 3))
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "access-rights masks out of date for CPL %u", m->cpl);
	}
	{
		uint64_t rsvd[6][2], nx_mask;
		mmu_compute_walk_masks(m, rsvd, &nx_mask);
		if (memcmp(rsvd, m->rsvd, sizeof(rsvd)) || nx_mask != m->nx_mask)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "reserved-bit masks out of date");
	}
	{
		uint8_t data_ctr[4], pte_ctr[4];
		mmu_compute_level_ctrs(m, data_ctr, pte_ctr);
		if (memcmp(data_ctr, m->data_ctr, 4) || memcmp(pte_ctr, m->pte_ctr, 4))
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "per-level hit counters out of date");
	}
	if (!m->cfg.cr4_pcide && m->pcid)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "PCID %u without CR4.PCIDE", m->pcid);
	return check_fast(m, err);
}
