/*
 * sparse/hotplug.c — ZONE_DEVICE memory hot-add and removal
 * (devm_memremap_pages -> arch_add_memory -> __add_pages -> sparse_add_section,
 * and back), at sub-section (2 MiB) or section (128 MiB) granularity.
 *
 * Case analysis for one section piece [pfn, pfn + n) (section_activate /
 * section_deactivate, [ref §4]):
 *   add:  usage allocated if the section has none; the piece's subsection
 *         bits must all be clear (-EEXIST); an early section with n < a
 *         section reuses its boot memmap, otherwise the piece's vmemmap is
 *         populated (altmap only for whole sections, vmemmap.c); the section
 *         becomes PRESENT|HAS_MEM_MAP with flags 0 (not ONLINE, not EARLY);
 *         TAINT_ZONE_DEVICE on the sections holding an unaligned start/end.
 *   remove: clear the piece's bits; an early section keeps its memmap (it is
 *         released only when the whole section empties, which device removal
 *         cannot cause); otherwise the piece's vmemmap is freed; a section
 *         whose map becomes empty loses its usage and its word is zeroed.
 *         Root pages are never freed (as in the kernel).
 * Capacity: libnvdimm (pre-5.3) padded namespaces to sections; with
 * sub-sections only 2 MiB alignment is needed (seed 001).
 */
#include "internal.h"

#define SUBMAP_OFF offsetof(struct sparse_mem_section_usage, subsection_map)

uint64_t sparse_hotplug_usable(uint64_t start, uint64_t end, enum sparse_hotplug_mode mode,
                               uint64_t *lost)
{
	uint64_t g = mode == SPARSE_HOTPLUG_SECTION ? 1ull << SPARSE_SECTION_SIZE_BITS : SZ_2M;
	uint64_t s = ALIGN_UP(start, g), e = ALIGN_DOWN(end, g);
	uint64_t usable = e > s ? e - s : 0;

	if (lost)
		*lost = end - start - usable;
	return usable;
}

static uint64_t piece_mask(uint64_t pfn, uint64_t n)
{
	uint64_t first = sparse_subsection_map_index(pfn);
	uint64_t last = sparse_subsection_map_index(pfn + n - 1);
	uint64_t nbits = last - first + 1;

	return (nbits == 64 ? UINT64_MAX : ((1ull << nbits) - 1)) << first;
}

static uint64_t usage_pa_of(const struct sparse_machine *m, uint64_t sec_pa)
{
	uint64_t va = rd64(m, sec_pa + 8);
	return va ? va - m->page_offset : NO_PA;
}

static void remove_piece(struct sparse_machine *m, uint64_t pfn, uint64_t n,
                         struct sparse_altmap *altmap)
{
	uint64_t nr = sparse_pfn_to_section_nr(pfn), sec_pa = sparse_section_pa(m, nr);
	uint64_t smm = rd64(m, sec_pa), usage = usage_pa_of(m, sec_pa), map;
	bool early = smm & SPARSE_SECTION_IS_EARLY;

	if (usage == NO_PA)
		return;
	map = rd64(m, usage + SUBMAP_OFF) & ~piece_mask(pfn, n);
	wr64(m, usage + SUBMAP_OFF, map);
	if (early)
		return;
	sparse_vmemmap_depopulate(m, pfn, n, altmap);
	if (map)
		return;
	sparse_slab_free(m, usage);
	wr64(m, sec_pa, 0);
	wr64(m, sec_pa + 8, 0);
	m->st.present_sections--;
}

static int add_piece(struct sparse_machine *m, uint64_t pfn, uint64_t n, unsigned nid,
                     struct sparse_altmap *altmap, struct vmemsim_err *err)
{
	uint64_t nr = sparse_pfn_to_section_nr(pfn), sec_pa, smm, usage, mask, map;
	bool fresh;
	int rc;

	if ((rc = sparse_ensure_root(m, nr, nid, err)) < 0)
		return rc;
	sec_pa = sparse_section_pa(m, nr);
	smm = rd64(m, sec_pa);
	usage = usage_pa_of(m, sec_pa);
	fresh = usage == NO_PA;
	if (fresh && (rc = sparse_slab_alloc(m, &usage)) < 0)
		return vmemsim_errf(err, rc, "hotplug: no RAM for the usage of section %llu",
		                    (unsigned long long)nr);
	mask = piece_mask(pfn, n);
	map = rd64(m, usage + SUBMAP_OFF);
	if (map & mask) {
		if (fresh)
			sparse_slab_free(m, usage);
		return vmemsim_errf(err, VMEMSIM_EEXIST,
		                    "hotplug: pfns [%#llx, %#llx) overlap memory already present",
		                    (unsigned long long)pfn, (unsigned long long)(pfn + n));
	}
	if (!(smm & SPARSE_SECTION_IS_EARLY)) {
		rc = sparse_vmemmap_populate(m, pfn, n, nid, altmap, err);
		if (rc < 0) {
			sparse_vmemmap_depopulate(m, pfn, n, altmap);
			if (fresh)
				sparse_slab_free(m, usage);
			return rc;
		}
	}
	wr64(m, usage + SUBMAP_OFF, map | mask);
	sparse_section_set_usage_pb(m, usage, pfn, pfn + n);
	if (!(smm & SPARSE_SECTION_MARKED_PRESENT)) {
		m->st.present_sections++;
		if (nr > m->bp.highest_present_section_nr)
			m->bp.highest_present_section_nr = nr;
	}
	wr64(m, sec_pa, smm | SPARSE_SECTION_MARKED_PRESENT);
	sparse_init_one_section(
	    m, nr, m->vmemmap_base + sparse_section_nr_to_pfn(nr) * SPARSE_STRUCT_PAGE_SIZE, usage,
	    0);
	return 0;
}

/* nd_pfn's layout: reserve pfns, then room for the memmap of every pfn of
 * the range, rounded so the data starts 2 MiB aligned. */
static uint64_t altmap_free_pfns(uint64_t n, uint64_t reserve)
{
	uint64_t memmap_pfns =
	    (n * SPARSE_STRUCT_PAGE_SIZE + SPARSE_PAGE_SIZE - 1) >> SPARSE_PAGE_SHIFT;

	return ALIGN_UP(reserve + memmap_pfns, SPARSE_PAGES_PER_SUBSECTION) - reserve;
}

bool sparse_altmap_fits(uint64_t nr_pages, uint64_t reserve)
{
	return reserve + altmap_free_pfns(nr_pages, reserve) < nr_pages;
}

static int altmap_setup(struct sparse_altmap *a, uint64_t start, uint64_t n, uint64_t reserve,
                        struct vmemsim_err *err)
{
	memset(a, 0, sizeof(*a));
	a->base_pfn = start;
	a->end_pfn = start + n;
	a->reserve = reserve;
	a->free = altmap_free_pfns(n, reserve);
	if (a->reserve + a->free >= n)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "hotplug: range of %llu pages is too small for its altmap "
		                    "(%llu pages)",
		                    (unsigned long long)n,
		                    (unsigned long long)(a->reserve + a->free));
	return 0;
}

static void set_taint(struct sparse_machine *m, uint64_t pfn)
{
	uint64_t pa = sparse_section_pa(m, sparse_pfn_to_section_nr(pfn));
	wr64(m, pa, rd64(m, pa) | SPARSE_SECTION_TAINT_ZONE_DEVICE);
}

static void undo_pieces(struct sparse_machine *m, struct sparse_dev *d, uint64_t upto)
{
	for (uint64_t p = d->start_pfn; p < upto;) {
		uint64_t next = ALIGN_DOWN(p, SPARSE_PAGES_PER_SECTION) + SPARSE_PAGES_PER_SECTION;
		uint64_t e = next < upto ? next : upto;
		remove_piece(m, p, e - p, d->with_altmap ? &d->altmap : NULL);
		p = e;
	}
}

static int add_checks(struct sparse_machine *m, uint64_t start, uint64_t n, struct vmemsim_err *err)
{
	uint64_t g = m->params.hotplug_mode == SPARSE_HOTPLUG_SECTION ? SPARSE_PAGES_PER_SECTION
	                                                              : SPARSE_PAGES_PER_SUBSECTION;

	if (!sparse_model_is_vmemmap(m->model))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "hotplug: ZONE_DEVICE needs SPARSEMEM_VMEMMAP, not %s",
		                    sparse_model_name(m->model));
	if (!n || (start | n) & (g - 1))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "hotplug: pfns [%#llx, %#llx) are not aligned to %llu pages",
		                    (unsigned long long)start, (unsigned long long)(start + n),
		                    (unsigned long long)g);
	if (start + n > m->end_pfn)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "hotplug: pfns [%#llx, %#llx) are beyond the physical span",
		                    (unsigned long long)start, (unsigned long long)(start + n));
	if (m->nr_devs == SPARSE_MAX_DEVS)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "hotplug: more than %u device ranges",
		                    SPARSE_MAX_DEVS);
	for (unsigned i = 0; i < m->layout.nr_ranges; i++) {
		const struct sparse_range *r = &m->layout.ranges[i];
		if (r->kind != SPARSE_RANGE_DEVICE && start < (r->end >> SPARSE_PAGE_SHIFT) &&
		    (r->start >> SPARSE_PAGE_SHIFT) < start + n)
			return vmemsim_errf(
			    err, VMEMSIM_EEXIST,
			    "hotplug: pfns [%#llx, %#llx) overlap memory already present "
			    "(ranges[%u])",
			    (unsigned long long)start, (unsigned long long)(start + n), i);
	}
	for (unsigned i = 0; i < m->nr_devs; i++)
		if (start < m->devs[i].end_pfn && m->devs[i].start_pfn < start + n)
			return vmemsim_errf(err, VMEMSIM_EEXIST,
			                    "hotplug: pfns [%#llx, %#llx) overlap a device range",
			                    (unsigned long long)start,
			                    (unsigned long long)(start + n));
	return 0;
}

static void init_device_pages(struct sparse_machine *m, struct sparse_dev *d)
{
	uint64_t first = d->start_pfn;

	if (d->with_altmap) {
		struct sparse_altmap *a = &d->altmap;
		/* memmap_init_range: only the altmap-storage pfns, past reserve */
		sparse_init_pages(m, a->base_pfn + a->reserve, a->base_pfn + a->reserve + a->free,
		                  SPARSE_ZONE_DEVICE, true);
		first = a->base_pfn + a->reserve + a->free;
	}
	sparse_init_pages(m, first, d->end_pfn, SPARSE_ZONE_DEVICE, true);
	for (uint64_t pfn = first; pfn < d->end_pfn; pfn++)
		((struct sparse_page *)sparse_ptr(m, sparse_memmap_pa_of(m, pfn)))->lru_next = 0;
}

static int hotplug_add(struct sparse_machine *m, uint64_t start_pfn, uint64_t nr_pages,
                       unsigned nid, bool with_altmap, uint64_t altmap_reserve,
                       struct vmemsim_err *err)
{
	struct sparse_dev *d = &m->devs[m->nr_devs];
	uint64_t end = start_pfn + nr_pages, p;
	int rc;

	if ((rc = add_checks(m, start_pfn, nr_pages, err)) < 0)
		return rc;
	if (with_altmap && m->model == SPARSE_MODEL_VMEMMAP_4K)
		return vmemsim_errf(
		    err, VMEMSIM_EINVAL,
		    "hotplug: an altmap needs a PMD-mapped vmemmap (vmemmap_populate "
		    "fails an altmap without PSE), not vmemmap-4k");
	memset(d, 0, sizeof(*d));
	d->start_pfn = start_pfn;
	d->end_pfn = end;
	d->nid = nid;
	d->with_altmap = with_altmap;
	if (with_altmap &&
	    (rc = altmap_setup(&d->altmap, start_pfn, nr_pages, altmap_reserve, err)) < 0)
		return rc;
	/* arch_add_memory: the direct map first (the altmap is reached via __va) */
	m->pt_nid = (int)nid;
	rc = sparse_init_memory_mapping(m, sparse_pfn_to_pa(start_pfn), sparse_pfn_to_pa(end),
	                                SPARSE_PT_HOTPLUG_DIRECT_MAP, err);
	for (p = start_pfn; rc == 0 && p < end;) {
		uint64_t next = ALIGN_DOWN(p, SPARSE_PAGES_PER_SECTION) + SPARSE_PAGES_PER_SECTION;
		uint64_t e = next < end ? next : end;
		rc = add_piece(m, p, e - p, nid, with_altmap ? &d->altmap : NULL, err);
		if (rc == 0)
			p = e;
	}
	if (rc < 0) {
		undo_pieces(m, d, p);
		sparse_unmap(m, SPARSE_PT_HOTPLUG_DIRECT_MAP,
		             sparse_va(m, sparse_pfn_to_pa(start_pfn)), sparse_pfn_to_pa(nr_pages));
		m->pt_nid = -1;
		return rc;
	}
	m->pt_nid = -1;
	if (start_pfn & (SPARSE_PAGES_PER_SECTION - 1))
		set_taint(m, start_pfn);
	if (end & (SPARSE_PAGES_PER_SECTION - 1))
		set_taint(m, end - 1);
	init_device_pages(m, d);
	m->nr_devs++;
	m->st.device_added_bytes += sparse_pfn_to_pa(nr_pages);
	sparse_count_leaves(m);
	return 0;
}

int sparse_hotplug_add(struct sparse_machine *m, uint64_t start_pfn, uint64_t nr_pages,
                       unsigned nid, bool with_altmap, uint64_t altmap_reserve,
                       struct vmemsim_err *err)
{
	int rc = hotplug_add(m, start_pfn, nr_pages, nid, with_altmap, altmap_reserve, err);

	m->st.memblock_free_bytes = sparse_mb_free_bytes(&m->mb);
	return rc;
}

int sparse_hotplug_remove(struct sparse_machine *m, uint64_t start_pfn, uint64_t nr_pages,
                          struct vmemsim_err *err)
{
	unsigned i;

	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i].start_pfn == start_pfn && m->devs[i].end_pfn == start_pfn + nr_pages)
			break;
	if (i == m->nr_devs)
		return vmemsim_errf(
		    err, VMEMSIM_ENOENT, "hotplug: pfns [%#llx, %#llx) were not added as one range",
		    (unsigned long long)start_pfn, (unsigned long long)(start_pfn + nr_pages));
	undo_pieces(m, &m->devs[i], m->devs[i].end_pfn);
	sparse_unmap(m, SPARSE_PT_HOTPLUG_DIRECT_MAP, sparse_va(m, sparse_pfn_to_pa(start_pfn)),
	             sparse_pfn_to_pa(nr_pages));
	m->devs[i] = m->devs[--m->nr_devs];
	m->st.device_added_bytes -= sparse_pfn_to_pa(nr_pages);
	m->st.memblock_free_bytes = sparse_mb_free_bytes(&m->mb);
	sparse_count_leaves(m);
	return 0;
}
