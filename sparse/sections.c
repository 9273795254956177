/*
 * sparse/sections.c — mem_section in guest memory: the static array or the
 * SPARSEMEM_EXTREME root-pointer array with roots allocated on demand,
 * memory_present(), and the pageblock flags of mem_section_usage.
 *
 * Invariants:
 *  (1) sparse-static: mem_section is NR_MEM_SECTIONS x 16 B in the image's
 *      .bss at IMG_MEM_SECTION_OFF; SECTIONS_PER_ROOT is 1 (!EXTREME).
 *  (2) extreme and vmemmap models: a 2048-entry root-pointer array from
 *      memblock; root r is 0 or the direct-map VA of one 4 KiB page holding
 *      256 mem_sections, allocated on the node of the first section needing it.
 *  (3) a present section has PRESENT|ONLINE and, before sparse_init, its nid
 *      above SECTION_NID_SHIFT (sparse_encode_early_nid).
 */
#include "internal.h"

static uint64_t image_va(uint64_t pa)
{
	return SPARSE_START_KERNEL_MAP + pa;
}

int sparse_sections_init(struct sparse_machine *m, struct vmemsim_err *err)
{
	struct sparse_boot_params *bp = &m->bp;
	uint64_t pa;

	if (m->model == SPARSE_MODEL_FLATMEM)
		return 0;
	if (m->model == SPARSE_MODEL_STATIC) {
		pa = SPARSE_LOAD_PHYSICAL_ADDR + IMG_MEM_SECTION_OFF;
		bp->mem_section = image_va(pa);
		bp->sections_per_root = 1;
		bp->nr_section_roots = m->nr_mem_sections;
		m->st.bytes[SPARSE_USE_MEM_SECTION] += m->nr_mem_sections * 16;
		return 0;
	}
	/* sparse_index_init's caller: memblock_alloc(NR_SECTION_ROOTS * ptr) */
	pa = sparse_alloc(m, SPARSE_USE_MEM_SECTION, m->nr_section_roots * 8, 64, -1);
	if (pa == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM,
		                    "mem_section: no RAM for the %llu-byte root array",
		                    (unsigned long long)(m->nr_section_roots * 8));
	bp->mem_section = sparse_va(m, pa);
	bp->sections_per_root = SPARSE_SECTIONS_PER_ROOT;
	bp->nr_section_roots = m->nr_section_roots;
	return 0;
}

static uint64_t mem_section_pa(const struct sparse_machine *m)
{
	if (m->model == SPARSE_MODEL_STATIC)
		return m->bp.mem_section - SPARSE_START_KERNEL_MAP;
	return m->bp.mem_section - m->page_offset;
}

uint64_t sparse_section_pa(const struct sparse_machine *m, uint64_t nr)
{
	uint64_t root, root_va;

	if (m->model == SPARSE_MODEL_FLATMEM || nr >= m->nr_mem_sections)
		return NO_PA;
	if (m->model == SPARSE_MODEL_STATIC)
		return mem_section_pa(m) + nr * SPARSE_MEM_SECTION_SIZE;
	root = sparse_section_nr_to_root(nr);
	root_va = rd64(m, mem_section_pa(m) + 8 * root);
	if (!root_va)
		return NO_PA;
	return root_va - m->page_offset + (nr & SPARSE_SECTION_ROOT_MASK) * SPARSE_MEM_SECTION_SIZE;
}

/* sparse_index_init(): allocate the root page holding section nr. */
int sparse_ensure_root(struct sparse_machine *m, uint64_t nr, unsigned nid, struct vmemsim_err *err)
{
	uint64_t root, pa;

	if (m->model == SPARSE_MODEL_STATIC || sparse_section_pa(m, nr) != NO_PA)
		return 0;
	root = sparse_section_nr_to_root(nr);
	pa = sparse_alloc(m, SPARSE_USE_MEM_SECTION, SPARSE_PAGE_SIZE, 64, (int)nid);
	if (pa == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM,
		                    "mem_section: no RAM for root %llu (node %u)",
		                    (unsigned long long)root, nid);
	wr64(m, mem_section_pa(m) + 8 * root, sparse_va(m, pa));
	m->st.roots_allocated++;
	return 0;
}

/* memory_present() for every RAM and reserved range (memblock.memory). */
int sparse_memory_present(struct sparse_machine *m, struct vmemsim_err *err)
{
	const struct sparse_layout *l = &m->layout;
	int rc;

	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		uint64_t nr, first, last;

		if (r->kind == SPARSE_RANGE_DEVICE)
			continue;
		first = sparse_pfn_to_section_nr(r->start >> SPARSE_PAGE_SHIFT);
		last = sparse_pfn_to_section_nr((r->end - 1) >> SPARSE_PAGE_SHIFT);
		for (nr = first; nr <= last; nr++) {
			uint64_t pa;
			if ((rc = sparse_ensure_root(m, nr, r->nid, err)) < 0)
				return rc;
			pa = sparse_section_pa(m, nr);
			if (rd64(m, pa))
				continue;
			wr64(m, pa,
			     ((uint64_t)r->nid << SPARSE_SECTION_NID_SHIFT) |
			         SPARSE_SECTION_IS_ONLINE | SPARSE_SECTION_MARKED_PRESENT);
			m->st.present_sections++;
			m->st.online_sections++;
			if (nr > m->bp.highest_present_section_nr)
				m->bp.highest_present_section_nr = nr;
		}
	}
	return 0;
}

/* The nid a present section recorded in memory_present(). */
unsigned sparse_section_early_nid(const struct sparse_machine *m, uint64_t nr)
{
	return (unsigned)(rd64(m, sparse_section_pa(m, nr)) >> SPARSE_SECTION_NID_SHIFT);
}

/* sparse_init_one_section(): keep the flag bits, replace nid/pointer bits. */
void sparse_init_one_section(struct sparse_machine *m, uint64_t nr, uint64_t mem_map_va,
                             uint64_t usage_pa, uint64_t flags)
{
	uint64_t pa = sparse_section_pa(m, nr);
	uint64_t smm = rd64(m, pa) & ~SPARSE_SECTION_MAP_MASK;

	smm |= sparse_encode_mem_map(mem_map_va, nr) | flags | SPARSE_SECTION_HAS_MEM_MAP;
	wr64(m, pa, smm);
	wr64(m, pa + 8, usage_pa == NO_PA ? 0 : sparse_va(m, usage_pa));
}

/* set_pageblock_migratetype(MIGRATE_MOVABLE) for the pageblocks of
 * [pfn_lo, pfn_hi) inside one section: 4 bits per pageblock, value 1. */
void sparse_section_set_usage_pb(struct sparse_machine *m, uint64_t usage_pa, uint64_t pfn_lo,
                                 uint64_t pfn_hi)
{
	uint8_t *pb = (uint8_t *)sparse_ptr(m, usage_pa) +
	              offsetof(struct sparse_mem_section_usage, pageblock_flags);
	uint64_t pfn;

	for (pfn = ALIGN_DOWN(pfn_lo, SPARSE_PAGEBLOCK_NR_PAGES); pfn < pfn_hi;
	     pfn += SPARSE_PAGEBLOCK_NR_PAGES) {
		unsigned idx =
		    (unsigned)((pfn & ~SPARSE_PAGE_SECTION_MASK) >> SPARSE_PAGEBLOCK_ORDER);
		unsigned shift = (idx & 1) * 4;
		pb[idx / 2] = (uint8_t)((pb[idx / 2] & ~(0xf << shift)) | (1 << shift));
	}
}
