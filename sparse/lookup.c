/*
 * sparse/lookup.c — host-side reference lookups that read the guest's
 * structures through the page tables, as guest code would: pfn_valid,
 * pfn_to_page, page_to_pfn for every model (memory_model.h, mmzone.h), and
 * the seed-004 pfn -> kernel address lookups (range list, section table).
 */
#include "internal.h"

int sparse_va_to_pa(const struct sparse_machine *m, uint64_t va, uint64_t *pa)
{
	struct mmu_leaf leaf;
	int rc = mmu_pt_lookup(&m->pt, va, &leaf);

	if (rc < 0)
		return rc;
	*pa = leaf.pa;
	return 0;
}

int sparse_read64(const struct sparse_machine *m, uint64_t va, uint64_t *val)
{
	uint64_t pa;
	int rc = sparse_va_to_pa(m, va, &pa);

	if (rc < 0)
		return rc;
	*val = rd64(m, pa);
	return 0;
}

/* __nr_to_section(). */
uint64_t sparse_nr_to_section(const struct sparse_machine *m, uint64_t nr)
{
	const struct sparse_boot_params *bp = &m->bp;
	uint64_t root = nr / bp->sections_per_root, root_va;

	if (m->model == SPARSE_MODEL_FLATMEM || root >= bp->nr_section_roots)
		return 0;
	if (m->model == SPARSE_MODEL_STATIC)
		return bp->mem_section + nr * SPARSE_MEM_SECTION_SIZE;
	if (sparse_read64(m, bp->mem_section + 8 * root, &root_va) < 0 || !root_va)
		return 0;
	return root_va + (nr & (bp->sections_per_root - 1)) * SPARSE_MEM_SECTION_SIZE;
}

int sparse_read_section(const struct sparse_machine *m, uint64_t nr, struct sparse_mem_section *ms)
{
	uint64_t va = sparse_nr_to_section(m, nr);

	if (!va)
		return VMEMSIM_EINVAL;
	if (sparse_read64(m, va, &ms->section_mem_map) < 0 ||
	    sparse_read64(m, va + 8, &ms->usage) < 0)
		return VMEMSIM_EFAULT;
	return 0;
}

bool sparse_pfn_valid(const struct sparse_machine *m, uint64_t pfn)
{
	struct sparse_mem_section ms;
	uint64_t nr = sparse_pfn_to_section_nr(pfn), map;

	if (m->model == SPARSE_MODEL_FLATMEM)
		return pfn - m->bp.arch_pfn_offset < m->bp.max_mapnr;
	if ((sparse_pfn_to_pa(pfn) >> SPARSE_PAGE_SHIFT) != pfn || nr >= m->nr_mem_sections)
		return false;
	if (sparse_read_section(m, nr, &ms) < 0 ||
	    !(ms.section_mem_map & SPARSE_SECTION_HAS_MEM_MAP))
		return false;
	if (ms.section_mem_map & SPARSE_SECTION_IS_EARLY)
		return true;
	if (sparse_model_is_classic(m->model))
		return true; /* pfn_section_valid() is always 1 without VMEMMAP */
	if (!ms.usage ||
	    sparse_read64(m, ms.usage + offsetof(struct sparse_mem_section_usage, subsection_map),
	                  &map) < 0)
		return false;
	return (map >> sparse_subsection_map_index(pfn)) & 1;
}

int sparse_pfn_to_page(const struct sparse_machine *m, uint64_t pfn, uint64_t *page_va)
{
	struct sparse_mem_section ms;
	int rc;

	if (!sparse_pfn_valid(m, pfn))
		return VMEMSIM_EINVAL;
	switch (m->model) {
	case SPARSE_MODEL_FLATMEM:
		*page_va = m->bp.mem_map + (pfn - m->bp.arch_pfn_offset) * SPARSE_STRUCT_PAGE_SIZE;
		return 0;
	case SPARSE_MODEL_STATIC:
	case SPARSE_MODEL_EXTREME:
		if ((rc = sparse_read_section(m, sparse_pfn_to_section_nr(pfn), &ms)) < 0)
			return rc;
		*page_va =
		    (ms.section_mem_map & SPARSE_SECTION_MAP_MASK) + pfn * SPARSE_STRUCT_PAGE_SIZE;
		return 0;
	default: *page_va = m->bp.vmemmap_base + pfn * SPARSE_STRUCT_PAGE_SIZE; return 0;
	}
}

int sparse_page_to_pfn(const struct sparse_machine *m, uint64_t page, uint64_t *pfn)
{
	const struct sparse_boot_params *bp = &m->bp;
	struct sparse_mem_section ms;
	uint64_t flags, nr;
	int rc;

	switch (m->model) {
	case SPARSE_MODEL_FLATMEM:
		*pfn = (page - bp->mem_map) / SPARSE_STRUCT_PAGE_SIZE + bp->arch_pfn_offset;
		return 0;
	case SPARSE_MODEL_STATIC:
	case SPARSE_MODEL_EXTREME:
		/* page_to_section(): the section number in page->flags */
		if ((rc = sparse_read64(m, page, &flags)) < 0)
			return rc;
		nr = (flags >> bp->sections_pgshift) & ((1ull << bp->sections_width) - 1);
		if ((rc = sparse_read_section(m, nr, &ms)) < 0)
			return rc;
		*pfn = (page - (ms.section_mem_map & SPARSE_SECTION_MAP_MASK)) /
		       SPARSE_STRUCT_PAGE_SIZE;
		return 0;
	default: *pfn = (page - bp->vmemmap_base) / SPARSE_STRUCT_PAGE_SIZE; return 0;
	}
}

/* ---- seed 004 -------------------------------------------------------------- */

int sparse_lookup_tables_init(struct sparse_machine *m, struct vmemsim_err *err)
{
	struct sparse_boot_params *bp = &m->bp;
	uint64_t nodes, table, entries = m->nr_sections, i, s;

	if (!bp->nr_dev_ranges)
		return 0;
	nodes = sparse_alloc(m, SPARSE_USE_LOOKUP, SPARSE_PAGE_SIZE, 64, -1);
	table = sparse_alloc(m, SPARSE_USE_LOOKUP, ALIGN_UP(entries * 8, SPARSE_PAGE_SIZE),
	                     SPARSE_PAGE_SIZE, -1);
	if (nodes == NO_PA || table == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "pfn lookup: no RAM for the tables");
	for (i = 0; i < bp->nr_dev_ranges; i++) {
		const struct sparse_boot_dev_range *d = &bp->dev_ranges[i];
		uint64_t n = nodes + i * sizeof(struct sparse_pfn_range_node);
		struct sparse_pfn_range_node node = {
		    .next = i + 1 < bp->nr_dev_ranges
		                ? sparse_va(m, n + sizeof(struct sparse_pfn_range_node))
		                : 0,
		    .start_pfn = d->start_pfn,
		    .end_pfn = d->end_pfn,
		    .kaddr = d->kaddr,
		};
		memcpy(sparse_ptr(m, n), &node, sizeof(node));
		/* table entries of the sections this range touches, if not yet set */
		for (s = d->start_pfn >> SPARSE_PFN_SECTION_SHIFT;
		     s <= (d->end_pfn - 1) >> SPARSE_PFN_SECTION_SHIFT && s < entries; s++)
			if (!rd64(m, table + 8 * s))
				wr64(m, table + 8 * s, sparse_va(m, n));
	}
	bp->pfn_range_list = sparse_va(m, nodes);
	bp->pfn_section_table = sparse_va(m, table);
	bp->pfn_section_entries = entries;
	return 0;
}

static int walk_nodes(const struct sparse_machine *m, uint64_t node, uint64_t pfn, bool sorted_stop,
                      uint64_t *kaddr, unsigned *steps)
{
	unsigned n = 0;
	int rc = VMEMSIM_ENOENT;

	while (node) {
		struct sparse_pfn_range_node r;
		n++;
		if (sparse_read64(m, node, &r.next) < 0 ||
		    sparse_read64(m, node + 8, &r.start_pfn) < 0 ||
		    sparse_read64(m, node + 16, &r.end_pfn) < 0 ||
		    sparse_read64(m, node + 24, &r.kaddr) < 0) {
			rc = VMEMSIM_EFAULT;
			break;
		}
		if (sorted_stop && pfn < r.start_pfn)
			break;
		if (pfn >= r.start_pfn && pfn < r.end_pfn) {
			*kaddr = r.kaddr + ((pfn - r.start_pfn) << SPARSE_PAGE_SHIFT);
			rc = 0;
			break;
		}
		node = r.next;
	}
	if (steps)
		*steps = n;
	return rc;
}

int sparse_pfn_to_kaddr_list(const struct sparse_machine *m, uint64_t pfn, uint64_t *kaddr,
                             unsigned *steps)
{
	return walk_nodes(m, m->bp.pfn_range_list, pfn, false, kaddr, steps);
}

int sparse_pfn_to_kaddr_table(const struct sparse_machine *m, uint64_t pfn, uint64_t *kaddr,
                              unsigned *steps)
{
	uint64_t idx = pfn >> SPARSE_PFN_SECTION_SHIFT, node;

	if (steps)
		*steps = 0;
	if (idx >= m->bp.pfn_section_entries)
		return VMEMSIM_ENOENT;
	if (sparse_read64(m, m->bp.pfn_section_table + 8 * idx, &node) < 0)
		return VMEMSIM_EFAULT;
	return walk_nodes(m, node, pfn, true, kaddr, steps);
}
