/*
 * mmu/pt_lookup.c — side-effect-free reads of the page tables: a software
 * walk (mmu_pt_lookup) and an in-order visit of every leaf in a VA range
 * (mmu_pt_for_each_leaf).  Neither touches A/D bits, caches or counters.
 *
 * Inside the visit, addresses are "masked" (the low 48 or 57 bits of the
 * linear address), so the upper canonical half is one contiguous interval;
 * they are sign-extended again before the callback sees them.
 */
#include "mmu_internal.h"

int mmu_pt_lookup(const struct mmu_pt *pt, uint64_t va, struct mmu_leaf *leaf)
{
	uint64_t table = pt->root;
	unsigned level;

	if (!pt_va_canonical(va, pt->levels))
		return VMEMSIM_EFAULT;
	for (level = pt->levels; level >= 1; level--) {
		uint64_t pte_pa = table + 8ull * pt_index(va, level), e;

		if (!pt_table_in_phys(pt->phys, table))
			return VMEMSIM_EFAULT;
		e = mmu_phys_read64(pt->phys, pte_pa);
		if (!(e & PTE_P))
			return VMEMSIM_EFAULT;
		if (pt_is_leaf(e, level)) {
			enum mmu_page_size ps = pt_level_ps(level);
			leaf->ps = ps;
			leaf->pte = e;
			leaf->pte_pa = pte_pa;
			leaf->pa = pt_leaf_addr(e, ps) | (va & (mmu_page_bytes(ps) - 1));
			return 0;
		}
		table = e & PTE_ADDR_MASK;
	}
	return VMEMSIM_EFAULT; /* not reached: level 1 is always a leaf */
}

struct visit {
	const struct mmu_pt *pt;
	uint64_t lo, hi; /* masked, [lo, hi) */
	mmu_leaf_fn fn;
	void *ctx;
};

static int visit_table(const struct visit *v, uint64_t table, unsigned level, uint64_t base)
{
	unsigned shift = pt_level_shift(level), idx;
	uint64_t span = 1ull << shift;

	if (!pt_table_in_phys(v->pt->phys, table))
		return 0;
	for (idx = 0; idx < 512; idx++) {
		uint64_t eva = base + (uint64_t)idx * span, e, pte_pa;
		int rc;

		if (eva + span <= v->lo)
			continue;
		if (eva >= v->hi)
			break;
		pte_pa = table + 8ull * idx;
		e = mmu_phys_read64(v->pt->phys, pte_pa);
		if (!(e & PTE_P))
			continue;
		if (pt_is_leaf(e, level)) {
			struct mmu_leaf leaf = {
			    .pte = e, .pte_pa = pte_pa, .ps = pt_level_ps(level)};
			leaf.pa = pt_leaf_addr(e, leaf.ps);
			rc = v->fn(v->ctx, pt_va_sext(eva, v->pt->levels), &leaf);
		} else {
			rc = visit_table(v, e & PTE_ADDR_MASK, level - 1, eva);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int mmu_pt_for_each_leaf(const struct mmu_pt *pt, uint64_t start, uint64_t end, mmu_leaf_fn fn,
                         void *ctx)
{
	unsigned bits = pt_va_bits(pt->levels);
	uint64_t half = 1ull << (bits - 1), mask = (1ull << bits) - 1;
	uint64_t upper = ~0ull << (bits - 1);
	struct visit v = {.pt = pt, .fn = fn, .ctx = ctx};
	int rc = 0;

	/* Lower canonical half. */
	if (start < half && start < end) {
		v.lo = start;
		v.hi = end < half ? end : half;
		rc = visit_table(&v, pt->root, pt->levels, 0);
		if (rc)
			return rc;
	}
	/* Upper canonical half. */
	if (end > upper) {
		v.lo = (start > upper ? start : upper) & mask;
		v.hi = (end & mask) ? (end & mask) : mask + 1;
		if (v.lo < v.hi)
			rc = visit_table(&v, pt->root, pt->levels, 0);
	}
	return rc;
}
