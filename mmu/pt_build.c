/*
 * mmu/pt_build.c — the page-table builder: create tables, map ranges with a
 * page-size mask, split large leaves, unmap and free empty tables.
 *
 * Invariants (checked by mmu_pt_lookup / for_each_leaf based tests):
 *  (1) pt->root is a table of level pt->levels; it is never freed.
 *  (2) A non-leaf entry is PTE_P|PTE_RW|PTE_US plus the table's PA, so the
 *      leaf alone decides protections.
 *  (3) table_pages[l] equals the number of level-l tables reachable from
 *      the root (allocations minus frees).
 *  (4) A large leaf maps a PA aligned to its size; the builder never writes
 *      PS at level 4 or 5.
 * On failure (allocator exhausted) mappings made so far stay; every entry
 * written is complete, so the tables are never left half-linked.
 */
#include <string.h>

#include "mmu_internal.h"

#define PT_TABLE_FLAGS (PTE_P | PTE_RW | PTE_US)

static int pt_alloc_table(struct mmu_pt *pt, unsigned level, uint64_t *pa)
{
	int rc = pt->alloc.alloc(pt->alloc.ctx, (enum mmu_level)level, pa);

	if (rc < 0)
		return rc;
	if ((*pa & 4095) || !pt_table_in_phys(pt->phys, *pa))
		return VMEMSIM_EINVAL;
	pt->table_pages[level]++;
	return 0;
}

static void pt_free_table(struct mmu_pt *pt, uint64_t table, unsigned level)
{
	pt->table_pages[level]--;
	if (pt->alloc.free)
		pt->alloc.free(pt->alloc.ctx, table);
}

/* Free a table and everything below it. */
static void pt_free_subtree(struct mmu_pt *pt, uint64_t table, unsigned level)
{
	unsigned i;

	if (level > 1 && pt_table_in_phys(pt->phys, table)) {
		for (i = 0; i < 512; i++) {
			uint64_t e = mmu_phys_read64(pt->phys, table + 8ull * i);
			if ((e & PTE_P) && !pt_is_leaf(e, level))
				pt_free_subtree(pt, e & PTE_ADDR_MASK, level - 1);
		}
	}
	pt_free_table(pt, table, level);
}

int mmu_pt_init(struct mmu_pt *pt, struct mmu_phys *phys, unsigned levels, unsigned maxphyaddr,
                struct mmu_pt_allocator alloc, struct vmemsim_err *err)
{
	struct mmu_pt tmp;
	int rc;

	if (levels != 4 && levels != 5)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "paging levels must be 4 or 5, not %u",
		                    levels);
	if (maxphyaddr < 32 || maxphyaddr > 52)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "maxphyaddr %u is outside 32..52",
		                    maxphyaddr);
	if (!alloc.alloc)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "page-table allocator has no alloc()");
	memset(&tmp, 0, sizeof(tmp));
	tmp.phys = phys;
	tmp.alloc = alloc;
	tmp.levels = levels;
	tmp.maxphyaddr = maxphyaddr;
	rc = pt_alloc_table(&tmp, levels, &tmp.root);
	if (rc < 0)
		return vmemsim_errf(err, rc, "cannot allocate the root page table (level %u)",
		                    levels);
	*pt = tmp;
	return 0;
}

/*
 * Split the large leaf at pte_pa (level 2 or 3) into a table of 512 leaves
 * one size smaller with the same protections, as kernel_physical_mapping_init
 * does when the mask forbids the large page.
 */
static int pt_split_leaf(struct mmu_pt *pt, uint64_t pte_pa, unsigned level, uint64_t *table)
{
	uint64_t e = mmu_phys_read64(pt->phys, pte_pa), t, base, flags, step;
	unsigned i;
	int rc = pt_alloc_table(pt, level - 1, &t);

	if (rc < 0)
		return rc;
	base = pt_leaf_addr(e, pt_level_ps(level));
	flags = e & ~PTE_ADDR_MASK;
	if (level - 1 == 1)
		flags &= ~PTE_PS;
	step = mmu_page_bytes(pt_level_ps(level - 1));
	for (i = 0; i < 512; i++)
		mmu_phys_write64(pt->phys, t + 8ull * i, (base + i * step) | flags);
	mmu_phys_write64(pt->phys, pte_pa, t | PT_TABLE_FLAGS);
	*table = t;
	return 0;
}

/* The table of level `level` that covers va, created (or split out of a
 * large leaf) as needed.  OUT: *table. */
static int pt_get_table(struct mmu_pt *pt, uint64_t va, unsigned level, uint64_t *table)
{
	uint64_t t = pt->root;
	unsigned l;
	int rc;

	for (l = pt->levels; l > level; l--) {
		uint64_t pte_pa = t + 8ull * pt_index(va, l);
		uint64_t e = mmu_phys_read64(pt->phys, pte_pa);

		if (!(e & PTE_P)) {
			rc = pt_alloc_table(pt, l - 1, &t);
			if (rc < 0)
				return rc;
			mmu_phys_write64(pt->phys, pte_pa, t | PT_TABLE_FLAGS);
		} else if (pt_is_leaf(e, l)) {
			rc = pt_split_leaf(pt, pte_pa, l, &t);
			if (rc < 0)
				return rc;
		} else {
			t = e & PTE_ADDR_MASK;
			if (!pt_table_in_phys(pt->phys, t))
				return VMEMSIM_ECORRUPT;
		}
	}
	*table = t;
	return 0;
}

static void pt_set_leaf(struct mmu_pt *pt, uint64_t pte_pa, unsigned level, uint64_t pa,
                        uint64_t prot)
{
	uint64_t old = mmu_phys_read64(pt->phys, pte_pa);

	if ((old & PTE_P) && !pt_is_leaf(old, level))
		pt_free_subtree(pt, old & PTE_ADDR_MASK, level - 1);
	mmu_phys_write64(pt->phys, pte_pa, pa | prot | (level > 1 ? PTE_PS : 0));
}

/* Map [va, end) with leaves of size ps; va, pa aligned to ps. */
static int pt_map_run(struct mmu_pt *pt, uint64_t va, uint64_t end, uint64_t pa,
                      enum mmu_page_size ps, uint64_t prot, uint64_t *fail_va)
{
	unsigned level = (unsigned)ps + 1;
	uint64_t step = mmu_page_bytes(ps);

	while (va < end) {
		uint64_t table;
		unsigned idx;
		int rc = pt_get_table(pt, va, level, &table);

		if (rc < 0) {
			*fail_va = va;
			return rc;
		}
		for (idx = pt_index(va, level); idx < 512 && va < end; idx++) {
			pt_set_leaf(pt, table + 8ull * idx, level, pa, prot);
			va += step;
			pa += step;
		}
	}
	return 0;
}

static int pt_check_args(const struct mmu_pt *pt, uint64_t va, uint64_t pa, uint64_t size,
                         uint64_t align, uint64_t prot, struct vmemsim_err *err)
{
	if ((va | pa | size) & (align - 1))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "map va %#llx pa %#llx size %#llx: not aligned to %#llx",
		                    (unsigned long long)va, (unsigned long long)pa,
		                    (unsigned long long)size, (unsigned long long)align);
	if (size == 0 || va + size < va || !pt_va_canonical(va, pt->levels) ||
	    !pt_va_canonical(va + size - 1, pt->levels) || ((va ^ (va + size - 1)) >> 63))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "map va %#llx size %#llx: empty or not a canonical range",
		                    (unsigned long long)va, (unsigned long long)size);
	if (pa + size < pa || ((pa + size - 1) >> pt->maxphyaddr))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "map va %#llx: pa range %#llx+%#llx exceeds maxphyaddr %u",
		                    (unsigned long long)va, (unsigned long long)pa,
		                    (unsigned long long)size, pt->maxphyaddr);
	if (!(prot & PTE_P) || (prot & (PTE_ADDR_MASK | PTE_PS)))
		return vmemsim_errf(
		    err, VMEMSIM_EINVAL,
		    "map va %#llx: prot %#llx must have P and no address or PS bits",
		    (unsigned long long)va, (unsigned long long)prot);
	return 0;
}

static int pt_map_failed(struct vmemsim_err *err, int rc, uint64_t va)
{
	return vmemsim_errf(err, rc, "map va %#llx: %s allocating a page-table page",
	                    (unsigned long long)va, vmemsim_rc_name(rc));
}

int mmu_pt_map(struct mmu_pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned ps_mask,
               uint64_t prot, struct vmemsim_err *err)
{
	struct mmu_range r[5];
	uint64_t delta = va - pa, fail_va = va;
	int n, i, rc = pt_check_args(pt, va, pa, size, 4096, prot, err);

	if (rc < 0)
		return rc;
	/* A large page needs va and pa equally aligned. */
	if (delta & (mmu_page_bytes(MMU_PAGE_1G) - 1))
		ps_mask &= ~MMU_PS_BIT(MMU_PAGE_1G);
	if (delta & (mmu_page_bytes(MMU_PAGE_2M) - 1))
		ps_mask &= ~MMU_PS_BIT(MMU_PAGE_2M);
	n = mmu_split_range(va, va + size, ps_mask, r);
	for (i = 0; i < n; i++) {
		rc = pt_map_run(pt, r[i].start, r[i].end, r[i].start - delta, r[i].ps, prot,
		                &fail_va);
		if (rc < 0)
			return pt_map_failed(err, rc, fail_va);
	}
	return 0;
}

int mmu_pt_map_page(struct mmu_pt *pt, uint64_t va, uint64_t pa, enum mmu_page_size ps,
                    uint64_t prot, struct vmemsim_err *err)
{
	uint64_t fail_va = va;
	int rc;

	if ((unsigned)ps >= MMU_NR_PAGE_SIZES)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "map va %#llx: bad page size %d",
		                    (unsigned long long)va, (int)ps);
	rc = pt_check_args(pt, va, pa, mmu_page_bytes(ps), mmu_page_bytes(ps), prot, err);
	if (rc < 0)
		return rc;
	rc = pt_map_run(pt, va, va + mmu_page_bytes(ps), pa, ps, prot, &fail_va);
	return rc < 0 ? pt_map_failed(err, rc, fail_va) : 0;
}

/* ---- Unmap -------------------------------------------------------------- */

struct unmap {
	struct mmu_pt *pt;
	uint64_t lo, hi; /* masked VA, [lo, hi) */
};

static bool pt_table_empty(const struct mmu_phys *phys, uint64_t table)
{
	unsigned i;

	for (i = 0; i < 512; i++)
		if (mmu_phys_read64(phys, table + 8ull * i) & PTE_P)
			return false;
	return true;
}

/*
 * Clear the part of [lo, hi) this table covers.  A leaf fully inside is
 * cleared; a large leaf partly inside is split first and the recursion
 * clears its covered part; a child table left empty is freed and unlinked.
 */
static int unmap_table(struct unmap *u, uint64_t table, unsigned level, uint64_t base)
{
	uint64_t span = 1ull << pt_level_shift(level);
	unsigned idx;
	int rc;

	for (idx = 0; idx < 512; idx++) {
		uint64_t eva = base + (uint64_t)idx * span, pte_pa = table + 8ull * idx, e, child;

		if (eva + span <= u->lo)
			continue;
		if (eva >= u->hi)
			break;
		e = mmu_phys_read64(u->pt->phys, pte_pa);
		if (!(e & PTE_P))
			continue;
		if (pt_is_leaf(e, level) && eva >= u->lo && eva + span <= u->hi) {
			mmu_phys_write64(u->pt->phys, pte_pa, 0);
			continue;
		}
		if (pt_is_leaf(e, level)) {
			rc = pt_split_leaf(u->pt, pte_pa, level, &child);
			if (rc < 0)
				return rc;
		} else {
			child = e & PTE_ADDR_MASK;
			if (!pt_table_in_phys(u->pt->phys, child))
				return VMEMSIM_ECORRUPT;
		}
		rc = unmap_table(u, child, level - 1, eva);
		if (rc < 0)
			return rc;
		if (pt_table_empty(u->pt->phys, child)) {
			mmu_phys_write64(u->pt->phys, pte_pa, 0);
			pt_free_table(u->pt, child, level - 1);
		}
	}
	return 0;
}

int mmu_pt_unmap(struct mmu_pt *pt, uint64_t va, uint64_t size, struct vmemsim_err *err)
{
	uint64_t mask = (1ull << pt_va_bits(pt->levels)) - 1;
	struct unmap u = {.pt = pt};
	int rc;

	if ((va | size) & 4095 || size == 0 || va + size < va || !pt_va_canonical(va, pt->levels) ||
	    !pt_va_canonical(va + size - 1, pt->levels) || ((va ^ (va + size - 1)) >> 63))
		return vmemsim_errf(
		    err, VMEMSIM_EINVAL,
		    "unmap va %#llx size %#llx: not a 4 KiB-aligned canonical range",
		    (unsigned long long)va, (unsigned long long)size);
	u.lo = va & mask;
	u.hi = u.lo + size;
	rc = unmap_table(&u, pt->root, pt->levels, 0);
	if (rc < 0)
		return vmemsim_errf(err, rc, "unmap va %#llx size %#llx: %s splitting a large page",
		                    (unsigned long long)va, (unsigned long long)size,
		                    vmemsim_rc_name(rc));
	return 0;
}
