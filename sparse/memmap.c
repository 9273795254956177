/*
 * sparse/memmap.c — the memmap: where struct pages live and how they are
 * initialised.
 *
 * flatmem: one mem_map for pfns [ARCH_PFN_OFFSET = 0, ALIGN(max_pfn, 1024))
 * (alloc_node_mem_map).  Sparse models: sparse_init_nid() per node — one
 * usage array (map_count x 56 B) and one sparse buffer (map_count x 2 MiB,
 * 2 MiB aligned, above 16 MiB, on the node) carved section by section;
 * classic sparse addresses it through the direct map, vmemmap models map it
 * at vmemmap + pfn.  Every struct page of a present section is initialised as
 * __init_single_page() does: zeroed, set_page_links(zone, node, section),
 * _refcount 1, _mapcount -1, lru pointing at itself; holes and reserved
 * ranges are PG_reserved (init_unavailable_range / reserve_bootmem_region).
 *
 * Invariants:
 *  (1) m->memmap_pa[s] is NO_PA or the PA of the struct page of the first pfn
 *      of subsection s; the 512 struct pages of a subsection are contiguous.
 *  (2) a present early section's memmap covers all 32768 of its pfns.
 */
#include "internal.h"

#define USAGE_SIZE sizeof(struct sparse_mem_section_usage)

/* The VA through which the model addresses pfn's struct page. */
uint64_t sparse_page_va(const struct sparse_machine *m, uint64_t pfn)
{
	if (sparse_model_is_vmemmap(m->model))
		return m->vmemmap_base + pfn * SPARSE_STRUCT_PAGE_SIZE;
	if (m->model == SPARSE_MODEL_FLATMEM)
		return m->bp.mem_map + (pfn - m->bp.arch_pfn_offset) * SPARSE_STRUCT_PAGE_SIZE;
	uint64_t s = pfn >> SPARSE_PFN_SUBSECTION_SHIFT;
	if (s >= m->nr_sections * SPARSE_SUBSECTIONS_PER_SECTION || m->memmap_pa[s] == NO_PA)
		return 0;
	return sparse_va(m, m->memmap_pa[s]) +
	       (pfn & (SPARSE_PAGES_PER_SUBSECTION - 1)) * SPARSE_STRUCT_PAGE_SIZE;
}

uint64_t sparse_memmap_pa_of(const struct sparse_machine *m, uint64_t pfn)
{
	uint64_t s = pfn >> SPARSE_PFN_SUBSECTION_SHIFT;

	if (s >= m->nr_sections * SPARSE_SUBSECTIONS_PER_SECTION || m->memmap_pa[s] == NO_PA)
		return NO_PA;
	return m->memmap_pa[s] +
	       (pfn & (SPARSE_PAGES_PER_SUBSECTION - 1)) * SPARSE_STRUCT_PAGE_SIZE;
}

static enum sparse_zone zone_of(uint64_t pfn)
{
	uint64_t pa = sparse_pfn_to_pa(pfn);

	if (pa < (16ull << 20))
		return SPARSE_ZONE_DMA;
	if (pa < (4ull << 30))
		return SPARSE_ZONE_DMA32;
	return SPARSE_ZONE_NORMAL;
}

/* set_page_links(): zone, node and (classic sparse) section in flags. */
static uint64_t page_links(const struct sparse_machine *m, uint64_t pfn, enum sparse_zone zone,
                           unsigned nid)
{
	const struct sparse_boot_params *bp = &m->bp;
	uint64_t f = ((uint64_t)zone << bp->zones_pgshift) | ((uint64_t)nid << bp->nodes_pgshift);

	if (bp->sections_width)
		f |= (sparse_pfn_to_section_nr(pfn) & ((1ull << bp->sections_width) - 1))
		     << bp->sections_pgshift;
	return f;
}

/* Initialise the struct pages of [lo, hi).  zone_override is used when
 * device is set (ZONE_DEVICE pages are Reserved, __init_zone_device_page). */
void sparse_init_pages(struct sparse_machine *m, uint64_t lo, uint64_t hi,
                       enum sparse_zone zone_override, bool device)
{
	for (uint64_t pfn = lo; pfn < hi; pfn++) {
		uint64_t pa = sparse_memmap_pa_of(m, pfn);
		struct sparse_page *p;
		bool reserved = true;
		enum sparse_zone zone = device ? zone_override : zone_of(pfn);

		if (pa == NO_PA)
			continue;
		p = sparse_ptr(m, pa);
		if (!device)
			sparse_pfn_in_memory(m, pfn, &reserved);
		memset(p, 0, sizeof(*p));
		p->flags = page_links(m, pfn, zone, sparse_pfn_nid(m, pfn));
		if (reserved)
			p->flags |= 1ull << SPARSE_PG_reserved;
		p->_refcount = 1;
		p->_mapcount = -1;
		p->lru_next = p->lru_prev = sparse_page_va(m, pfn) + 8;
	}
}

static void set_memmap_pa(struct sparse_machine *m, uint64_t pfn, uint64_t nr_pages, uint64_t pa)
{
	for (uint64_t off = 0; off < nr_pages; off += SPARSE_PAGES_PER_SUBSECTION)
		m->memmap_pa[(pfn + off) >> SPARSE_PFN_SUBSECTION_SHIFT] =
		    pa + off * SPARSE_STRUCT_PAGE_SIZE;
}

static int flatmem_init(struct sparse_machine *m, struct vmemsim_err *err)
{
	uint64_t end = ALIGN_UP(m->bp.max_pfn, SPARSE_MAX_ORDER_NR_PAGES);
	uint64_t size = end * SPARSE_STRUCT_PAGE_SIZE;
	uint64_t pa = sparse_alloc(m, SPARSE_USE_MEMMAP, size, SPARSE_PAGE_SIZE, 0);

	if (pa == NO_PA)
		return vmemsim_errf(
		    err, VMEMSIM_ENOMEM,
		    "flatmem: mem_map for pfns [0, %#llx) needs %llu MiB and no free "
		    "RAM range is that large",
		    (unsigned long long)end, (unsigned long long)(size >> 20));
	m->bp.mem_map = sparse_va(m, pa);
	m->bp.arch_pfn_offset = 0;
	m->bp.max_mapnr = end;
	set_memmap_pa(m, 0, end, pa);
	sparse_init_pages(m, 0, end, SPARSE_ZONE_NORMAL, false);
	return 0;
}

static bool section_present(const struct sparse_machine *m, uint64_t nr)
{
	uint64_t pa = sparse_section_pa(m, nr);
	return pa != NO_PA && (rd64(m, pa) & SPARSE_SECTION_MARKED_PRESENT);
}

/* subsection_map_init(): the bits of the memblock.memory ranges in nr. */
static uint64_t early_subsection_map(const struct sparse_machine *m, uint64_t nr)
{
	uint64_t lo = sparse_section_nr_to_pfn(nr), hi = lo + SPARSE_PAGES_PER_SECTION, map = 0;

	for (unsigned i = 0; i < m->layout.nr_ranges; i++) {
		const struct sparse_range *r = &m->layout.ranges[i];
		uint64_t a = r->start >> SPARSE_PAGE_SHIFT, b = r->end >> SPARSE_PAGE_SHIFT;
		if (r->kind == SPARSE_RANGE_DEVICE || b <= lo || a >= hi)
			continue;
		a = a > lo ? a : lo;
		b = b < hi ? b : hi;
		for (uint64_t s = sparse_subsection_map_index(a);
		     s <= sparse_subsection_map_index(b - 1); s++)
			map |= 1ull << s;
	}
	return map;
}

/* Carve one section's memmap (or a vmemmap block) from the sparse buffer. */
uint64_t sparse_buffer_alloc(struct sparse_machine *m, uint64_t size)
{
	uint64_t pa = ALIGN_UP(m->sbuf_next, size);

	if (m->sbuf_next == NO_PA || pa + size > m->sbuf_end)
		return NO_PA;
	/* slack before an aligned chunk goes back (sparse_buffer_free) */
	if (pa > m->sbuf_next)
		sparse_free(m, SPARSE_USE_MEMMAP, m->sbuf_next, pa - m->sbuf_next);
	m->sbuf_next = pa + size;
	return pa;
}

static int init_section(struct sparse_machine *m, uint64_t nr, unsigned nid, uint64_t usage_pa,
                        struct vmemsim_err *err)
{
	uint64_t pfn = sparse_section_nr_to_pfn(nr), mem_map_va, pa;
	int rc;

	if (sparse_model_is_vmemmap(m->model)) {
		rc = sparse_vmemmap_populate(m, pfn, SPARSE_PAGES_PER_SECTION, nid, NULL, err);
		if (rc < 0)
			return rc;
		mem_map_va = m->vmemmap_base + pfn * SPARSE_STRUCT_PAGE_SIZE;
		wr64(m, usage_pa + offsetof(struct sparse_mem_section_usage, subsection_map),
		     early_subsection_map(m, nr));
	} else {
		pa = sparse_buffer_alloc(m, SPARSE_SECTION_MEMMAP_BYTES);
		if (pa == NO_PA)
			pa = sparse_alloc(m, SPARSE_USE_MEMMAP, SPARSE_SECTION_MEMMAP_BYTES,
			                  SPARSE_PAGE_SIZE, (int)nid);
		if (pa == NO_PA)
			return vmemsim_errf(err, VMEMSIM_ENOMEM,
			                    "section %llu: no RAM for its memmap (node %u)",
			                    (unsigned long long)nr, nid);
		set_memmap_pa(m, pfn, SPARSE_PAGES_PER_SECTION, pa);
		mem_map_va = sparse_va(m, pa);
	}
	/* memmap_init_range: MIGRATE_MOVABLE at each pageblock-aligned pfn that
	 * lies in memory; pageblocks starting in a hole stay 0 */
	for (uint64_t pb = pfn; pb < pfn + SPARSE_PAGES_PER_SECTION;
	     pb += SPARSE_PAGEBLOCK_NR_PAGES)
		if (sparse_pfn_in_memory(m, pb, NULL))
			sparse_section_set_usage_pb(m, usage_pa, pb, pb + 1);
	sparse_init_one_section(m, nr, mem_map_va, usage_pa, SPARSE_SECTION_IS_EARLY);
	m->st.early_sections++;
	return 0;
}

/* sparse_init_nid(). */
static int init_nid(struct sparse_machine *m, unsigned nid, struct vmemsim_err *err)
{
	uint64_t nr, map_count = 0, usage_pa, buf, i = 0;
	int rc = 0;

	for (nr = 0; nr < m->nr_sections; nr++)
		if (section_present(m, nr) && sparse_section_early_nid(m, nr) == nid)
			map_count++;
	if (!map_count)
		return 0;
	usage_pa = sparse_alloc(m, SPARSE_USE_USAGE, map_count * USAGE_SIZE, 64, (int)nid);
	if (usage_pa == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "node %u: no RAM for %llu usage maps", nid,
		                    (unsigned long long)map_count);
	/* sparse_buffer_init(): memmap_alloc(size, PMD_SIZE, 16 MiB, nid) */
	buf = sparse_mb_alloc(&m->mb, map_count * SPARSE_SECTION_MEMMAP_BYTES, SZ_2M, (int)nid,
	                      16 * SZ_1M, UINT64_MAX);
	m->sbuf_next = m->sbuf_end = NO_PA;
	if (buf != NO_PA) {
		m->st.bytes[SPARSE_USE_MEMMAP] += map_count * SPARSE_SECTION_MEMMAP_BYTES;
		m->sbuf_next = buf;
		m->sbuf_end = buf + map_count * SPARSE_SECTION_MEMMAP_BYTES;
	}
	m->pt_nid = (int)nid; /* vmemmap page tables come from the node too */
	for (nr = 0; nr < m->nr_sections && rc == 0; nr++) {
		if (!section_present(m, nr) || sparse_section_early_nid(m, nr) != nid)
			continue;
		rc = init_section(m, nr, nid, usage_pa + i * USAGE_SIZE, err);
		i++;
	}
	m->pt_nid = -1;
	/* sparse_buffer_fini(): the unused tail goes back to memblock */
	if (m->sbuf_next != NO_PA && m->sbuf_next < m->sbuf_end)
		sparse_free(m, SPARSE_USE_MEMMAP, m->sbuf_next, m->sbuf_end - m->sbuf_next);
	m->sbuf_next = m->sbuf_end = NO_PA;
	return rc;
}

int sparse_memmap_init(struct sparse_machine *m, struct vmemsim_err *err)
{
	int rc;

	if (m->model == SPARSE_MODEL_FLATMEM)
		return flatmem_init(m, err);
	if ((rc = sparse_memory_present(m, err)) < 0)
		return rc;
	for (unsigned nid = 0; nid < SPARSE_MAX_NUMNODES; nid++)
		if ((rc = init_nid(m, nid, err)) < 0)
			return rc;
	for (uint64_t nr = 0; nr < m->nr_sections; nr++) {
		uint64_t pfn = sparse_section_nr_to_pfn(nr);
		if (section_present(m, nr))
			sparse_init_pages(m, pfn, pfn + SPARSE_PAGES_PER_SECTION,
			                  SPARSE_ZONE_NORMAL, false);
	}
	return 0;
}

/* Hugetlb pool: compound pages of 2^order (prep_compound_page): PG_head on
 * the head, compound_head = head | 1 in every tail, the order in the low
 * byte of page[1].flags (folio->_flags_1). */
void sparse_hugetlb_prep(struct sparse_machine *m)
{
	uint64_t n = 1ull << m->layout.hugetlb_order;
	uint64_t lo = m->layout.hugetlb_start >> SPARSE_PAGE_SHIFT;
	uint64_t hi = lo + (m->layout.hugetlb_size >> SPARSE_PAGE_SHIFT);

	for (uint64_t head = lo; head < hi; head += n) {
		uint64_t head_va = sparse_page_va(m, head);
		struct sparse_page *h = sparse_ptr(m, sparse_memmap_pa_of(m, head));
		h->flags |= 1ull << SPARSE_PG_head;
		for (uint64_t t = 1; t < n; t++) {
			struct sparse_page *p = sparse_ptr(m, sparse_memmap_pa_of(m, head + t));
			p->lru_next = head_va | 1;
			if (t == 1)
				p->flags = (p->flags & ~0xffull) | m->layout.hugetlb_order;
		}
	}
}
