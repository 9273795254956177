/*
 * sparse/machine.c — building a machine: the boot sequence in kernel order,
 * the boot parameters, regions, accounting, and the invariant checker.
 *
 * Boot order (setup_arch -> paging_init -> mem_init, then driver probe):
 *   1. memblock from the RAM ranges; reserve [0, 1 MiB), the image area
 *      [16, 48) MiB and the hugetlb pool.
 *   2. static tables: root and the kernel image mapping.
 *   3. init_mem_mapping(): the direct map, top-down (boot_pt.c).
 *   4. sparse_init(): mem_section roots, memory_present, per-node memmap
 *      and vmemmap (sections.c, memmap.c, vmemmap.c); flatmem: mem_map.
 *   5. mem_init(): pages still reserved in memblock become PG_reserved.
 *   6. hugetlb pool prepared as compound pages; HVO applied.
 *   7. stack and scratch; device ranges: hot-added (vmemmap models, pages)
 *      or memremap()ed page-less; the seed-004 lookup tables.
 *
 * Invariants (sparse_machine_check):
 *  (1) memblock free extents are sorted, disjoint and inside RAM ranges.
 *  (2) every section holding RAM is PRESENT|HAS_MEM_MAP|EARLY (sparse models).
 *  (3) every subsection with a memmap record is mapped: its struct-page VA
 *      translates to the recorded PA (vmemmap models: vmemmap + pfn * 64).
 *  (4) the page-table pages by purpose add up to the builder's own count.
 */
#include <stdlib.h>

#include "internal.h"

static void fill_constants(struct sparse_machine *m)
{
	struct sparse_boot_params *bp = &m->bp;

	bp->magic = SPARSE_BOOT_MAGIC;
	bp->version = SPARSE_BOOT_VERSION;
	bp->size = sizeof(*bp);
	bp->memory_model = m->model;
	bp->pgtable_levels = m->params.pgtable_levels;
	bp->page_shift = SPARSE_PAGE_SHIFT;
	bp->section_size_bits = SPARSE_SECTION_SIZE_BITS;
	bp->pfn_section_shift = SPARSE_PFN_SECTION_SHIFT;
	bp->subsection_shift = SPARSE_SUBSECTION_SHIFT;
	bp->max_physmem_bits = m->max_physmem_bits;
	bp->nr_mem_sections = m->nr_mem_sections;
	bp->struct_page_size = SPARSE_STRUCT_PAGE_SIZE;
	/* page-flags-layout.h: |SECTION|NODE|ZONE|...; SECTIONS_WIDTH is
	 * MAX_PHYSMEM_BITS - SECTION_SIZE_BITS for classic sparse, else 0. */
	bp->sections_width = sparse_model_is_classic(m->model) ? SPARSE_SECTIONS_SHIFT : 0;
	bp->sections_pgshift = bp->sections_width ? 64 - bp->sections_width : 0;
	bp->nodes_width = SPARSE_NODES_SHIFT;
	bp->nodes_pgshift = 64 - bp->sections_width - SPARSE_NODES_SHIFT;
	bp->zones_width = SPARSE_ZONES_SHIFT;
	bp->zones_pgshift = bp->nodes_pgshift - SPARSE_ZONES_SHIFT;
	bp->page_offset = m->page_offset;
	bp->vmemmap_base = m->vmemmap_base;
	bp->start_kernel_map = SPARSE_START_KERNEL_MAP;
	bp->phys_base = 0;
	bp->kernel_image_va = SPARSE_KERNEL_IMAGE_VA;
	bp->kernel_image_pa = SPARSE_LOAD_PHYSICAL_ADDR;
	bp->kernel_image_size = m->params.image_size;
	bp->end_pfn = m->end_pfn;
}

static void fill_ranges(struct sparse_machine *m)
{
	struct sparse_boot_params *bp = &m->bp;
	bool first = true;

	for (unsigned i = 0; i < m->layout.nr_ranges; i++) {
		const struct sparse_range *r = &m->layout.ranges[i];
		struct sparse_boot_range *b;
		if (r->kind == SPARSE_RANGE_DEVICE)
			continue;
		b = &bp->ranges[bp->nr_ranges++];
		b->start_pfn = r->start >> SPARSE_PAGE_SHIFT;
		b->end_pfn = r->end >> SPARSE_PAGE_SHIFT;
		b->nid = r->nid;
		b->kind = r->kind;
		if (first)
			bp->min_pfn = b->start_pfn;
		first = false;
		bp->max_pfn = b->end_pfn;
		if (r->kind == SPARSE_RANGE_RAM)
			m->st.ram_bytes += r->end - r->start;
	}
	if (m->layout.hugetlb_size) {
		bp->hugetlb_start_pfn = m->layout.hugetlb_start >> SPARSE_PAGE_SHIFT;
		bp->hugetlb_end_pfn =
		    bp->hugetlb_start_pfn + (m->layout.hugetlb_size >> SPARSE_PAGE_SHIFT);
		bp->hugetlb_order = m->layout.hugetlb_order;
	}
}

/* mem_init(): what memblock still holds reserved (RAM not free) is
 * PG_reserved, except the hugetlb pool, which is handed to hugetlb. */
static void mark_bootmem_reserved(struct sparse_machine *m)
{
	uint64_t hlo = m->bp.hugetlb_start_pfn, hhi = m->bp.hugetlb_end_pfn;
	unsigned e = 0;

	for (unsigned i = 0; i < m->layout.nr_ranges; i++) {
		const struct sparse_range *r = &m->layout.ranges[i];
		if (r->kind != SPARSE_RANGE_RAM)
			continue;
		for (uint64_t pa = r->start; pa < r->end; pa += SPARSE_PAGE_SIZE) {
			uint64_t pfn = pa >> SPARSE_PAGE_SHIFT, mp;
			while (e < m->mb.nr && m->mb.free[e].end <= pa)
				e++;
			if (e < m->mb.nr && m->mb.free[e].start <= pa) {
				pa = m->mb.free[e].end - SPARSE_PAGE_SIZE; /* skip the free run */
				continue;
			}
			if ((pfn >= hlo && pfn < hhi) ||
			    (mp = sparse_memmap_pa_of(m, pfn)) == NO_PA)
				continue;
			((struct sparse_page *)sparse_ptr(m, mp))->flags |= 1ull
			                                                    << SPARSE_PG_reserved;
		}
	}
}

static int add_device(struct sparse_machine *m, const struct sparse_range *r,
                      struct vmemsim_err *err)
{
	struct sparse_boot_dev_range *b = &m->bp.dev_ranges[m->bp.nr_dev_ranges];
	uint64_t lost = 0, usable, g, s;
	int rc;

	memset(b, 0, sizeof(*b));
	b->nid = r->nid;
	m->st.device_bytes += r->end - r->start;
	if (r->pages && sparse_model_is_vmemmap(m->model)) {
		bool alt = m->model == SPARSE_MODEL_VMEMMAP_ALTMAP;
		usable = sparse_hotplug_usable(r->start, r->end, m->params.hotplug_mode, &lost);
		/* too small to hold its own memmap: ndctl's --map=mem, memmap in RAM */
		if (alt && !sparse_altmap_fits(usable >> SPARSE_PAGE_SHIFT, r->altmap_reserve))
			alt = false;
		m->st.padding_lost_bytes += lost;
		if (!usable)
			return 0;
		g = m->params.hotplug_mode == SPARSE_HOTPLUG_SECTION
		        ? 1ull << SPARSE_SECTION_SIZE_BITS
		        : SZ_2M;
		s = ALIGN_UP(r->start, g);
		rc = sparse_hotplug_add(m, s >> SPARSE_PAGE_SHIFT, usable >> SPARSE_PAGE_SHIFT,
		                        r->nid, alt, r->altmap_reserve, err);
		if (rc < 0)
			return rc;
		const struct sparse_dev *d = &m->devs[m->nr_devs - 1];
		b->start_pfn = d->start_pfn;
		b->end_pfn = d->end_pfn;
		b->flags = SPARSE_DEV_HAS_MEMMAP | (alt ? SPARSE_DEV_ALTMAP : 0);
		b->kaddr = sparse_va(m, s);
		b->altmap_base_pfn = d->altmap.base_pfn;
		b->altmap_end_pfn = d->altmap.end_pfn;
		b->altmap_reserve = d->altmap.reserve;
		b->altmap_free = d->altmap.free;
		b->altmap_align = d->altmap.align;
		b->altmap_alloc = d->altmap.alloc;
		b->first_data_pfn = d->start_pfn + (alt ? d->altmap.reserve + d->altmap.free : 0);
	} else {
		b->start_pfn = r->start >> SPARSE_PAGE_SHIFT;
		b->end_pfn = r->end >> SPARSE_PAGE_SHIFT;
		b->first_data_pfn = b->start_pfn;
		if ((rc = sparse_memremap(m, r->start, r->end - r->start, &b->kaddr, err)) < 0)
			return rc;
	}
	m->bp.nr_dev_ranges++;
	return 0;
}

static int build(struct sparse_machine *m, struct vmemsim_err *err)
{
	const struct sparse_layout *l = &m->layout;
	int rc;

	sparse_mb_reserve(&m->mb, 0, SPARSE_ISA_END_ADDRESS);
	sparse_mb_reserve(&m->mb, SPARSE_LOAD_PHYSICAL_ADDR,
	                  SPARSE_LOAD_PHYSICAL_ADDR + IMG_AREA_SIZE);
	m->st.bytes[SPARSE_USE_KERNEL] = SPARSE_ISA_END_ADDRESS + IMG_AREA_SIZE;
	if (l->hugetlb_size) {
		sparse_mb_reserve(&m->mb, l->hugetlb_start, l->hugetlb_start + l->hugetlb_size);
		m->st.bytes[SPARSE_USE_HUGETLB] = l->hugetlb_size;
	}
	if ((rc = sparse_boot_pt_init(m, err)) < 0 || (rc = sparse_direct_map_init(m, err)) < 0 ||
	    (rc = sparse_sections_init(m, err)) < 0 || (rc = sparse_memmap_init(m, err)) < 0)
		return rc;
	mark_bootmem_reserved(m);
	if (l->hugetlb_size) {
		sparse_hugetlb_prep(m);
		if ((rc = sparse_hvo_apply(m, err)) < 0)
			return rc;
	}
	if ((rc = sparse_kernel_maps_init(m, err)) < 0)
		return rc;
	for (unsigned i = 0; i < l->nr_ranges; i++) {
		if (l->ranges[i].kind != SPARSE_RANGE_DEVICE)
			continue;
		if ((rc = add_device(m, &l->ranges[i], err)) < 0) {
			char where[32];
			snprintf(where, sizeof(where), "device range %u", i);
			vmemsim_err_prefix(err, where);
			return rc;
		}
	}
	if ((rc = sparse_lookup_tables_init(m, err)) < 0)
		return rc;
	sparse_count_leaves(m);
	return 0;
}

static int kind_counts_ok(const struct sparse_layout *l, struct vmemsim_err *err)
{
	unsigned mem = 0, dev = 0;

	for (unsigned i = 0; i < l->nr_ranges; i++)
		l->ranges[i].kind == SPARSE_RANGE_DEVICE ? dev++ : mem++;
	if (mem > SPARSE_BOOT_MAX_RANGES || dev > SPARSE_BOOT_MAX_DEV_RANGES)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "ranges: at most %u RAM/reserved and %u device ranges",
		                    SPARSE_BOOT_MAX_RANGES, SPARSE_BOOT_MAX_DEV_RANGES);
	return 0;
}

/* The kernel knobs a build accepts; 5-level paging moves the bases and
 * MAX_PHYSMEM_BITS to 52, and X86_5LEVEL selects SPARSEMEM_VMEMMAP. */
static int params_ok(const struct sparse_layout *l, enum sparse_model model,
                     const struct sparse_params *p, struct vmemsim_err *err)
{
	struct sparse_params d;
	unsigned bits;

	if (!p) {
		sparse_params_default(&d);
		p = &d;
	}
	if (p->image_size > IMG_MEM_SECTION_OFF || p->dm_step_shift == 0 || p->dm_step_shift > 20 ||
	    (p->pgtable_levels != 4 && p->pgtable_levels != 5))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "params: image_size <= 16 MiB, dm_step_shift 1..20 and "
		                    "pgtable_levels 4 or 5 are required");
	if (p->pgtable_levels == 5 && sparse_model_is_classic(model))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s with 5-level paging: X86_5LEVEL selects SPARSEMEM_VMEMMAP "
		                    "(classic sparse needs a compile-time MAX_PHYSMEM_BITS)",
		                    sparse_model_name(model));
	bits = p->pgtable_levels == 5 ? SPARSE_MAX_PHYSMEM_BITS_L5 : SPARSE_MAX_PHYSMEM_BITS;
	for (unsigned i = 0; i < l->nr_ranges; i++)
		if (l->ranges[i].end > (1ull << bits))
			return vmemsim_errf(
			    err, VMEMSIM_EINVAL,
			    "ranges[%u]: end %#llx is beyond MAX_PHYSMEM_BITS %u of "
			    "%u-level paging",
			    i, (unsigned long long)l->ranges[i].end, bits, p->pgtable_levels);
	return 0;
}

static void set_paging_mode(struct sparse_machine *m)
{
	bool l5 = m->params.pgtable_levels == 5;

	m->page_offset = l5 ? SPARSE_PAGE_OFFSET_L5 : SPARSE_PAGE_OFFSET;
	m->vmemmap_base = l5 ? SPARSE_VMEMMAP_BASE_L5 : SPARSE_VMEMMAP_BASE;
	m->vmalloc_base = l5 ? SPARSE_VMALLOC_BASE_L5 : SPARSE_VMALLOC_BASE;
	m->max_physmem_bits = l5 ? SPARSE_MAX_PHYSMEM_BITS_L5 : SPARSE_MAX_PHYSMEM_BITS;
	m->nr_mem_sections = l5 ? SPARSE_NR_MEM_SECTIONS_L5 : SPARSE_NR_MEM_SECTIONS;
	m->nr_section_roots = l5 ? SPARSE_NR_SECTION_ROOTS_L5 : SPARSE_NR_SECTION_ROOTS;
}

int sparse_machine_create(struct sparse_machine **out, const struct sparse_layout *layout,
                          enum sparse_model model, const struct sparse_params *params,
                          struct vmemsim_err *err)
{
	struct sparse_machine *m;
	uint64_t span = 0, nsub;
	int rc;

	if ((rc = sparse_layout_check(layout, err)) < 0 || (rc = kind_counts_ok(layout, err)) < 0)
		return rc;
	if ((unsigned)model >= SPARSE_NR_MODELS)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "memory model %d is unknown", (int)model);
	if ((rc = params_ok(layout, model, params, err)) < 0)
		return rc;
	if (!(m = calloc(1, sizeof(*m))))
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "out of host memory");
	m->layout = *layout;
	sparse_layout_sort(&m->layout);
	m->model = model;
	if (params)
		m->params = *params;
	else
		sparse_params_default(&m->params);
	set_paging_mode(m);
	for (unsigned i = 0; i < m->layout.nr_ranges; i++)
		if (m->layout.ranges[i].end > span)
			span = m->layout.ranges[i].end;
	m->end_pfn = span >> SPARSE_PAGE_SHIFT;
	m->nr_sections = (m->end_pfn + SPARSE_PAGES_PER_SECTION - 1) >> SPARSE_PFN_SECTION_SHIFT;
	nsub = m->nr_sections * SPARSE_SUBSECTIONS_PER_SECTION;
	m->memmap_pa = malloc(nsub * sizeof(uint64_t));
	m->nr_hvo = model == SPARSE_MODEL_VMEMMAP_HVO
	                ? m->layout.hugetlb_size >> (SPARSE_PAGE_SHIFT + m->layout.hugetlb_order)
	                : 0;
	m->hvo_page_pa = calloc(m->nr_hvo + 1, sizeof(uint64_t));
	m->sbuf_next = m->sbuf_end = NO_PA;
	m->pt_nid = -1;
	if (!m->memmap_pa || !m->hvo_page_pa) {
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "out of host memory");
		goto fail;
	}
	memset(m->memmap_pa, 0xff, nsub * sizeof(uint64_t));
	if ((rc = mmu_phys_init(&m->phys, ALIGN_UP(span, SZ_2M), err)) < 0)
		goto fail_nophys;
	if ((rc = sparse_mb_init(&m->mb, &m->layout, err)) < 0)
		goto fail;
	fill_constants(m);
	fill_ranges(m);
	if ((rc = build(m, err)) < 0)
		goto fail;
	m->st.memblock_free_bytes = sparse_mb_free_bytes(&m->mb);
	*out = m;
	return 0;
fail:
	mmu_phys_fini(&m->phys);
fail_nophys:
	sparse_mb_fini(&m->mb);
	free(m->slab);
	free(m->memmap_pa);
	free(m->hvo_page_pa);
	free(m);
	return rc;
}

void sparse_machine_destroy(struct sparse_machine *m)
{
	if (!m)
		return;
	mmu_phys_fini(&m->phys);
	sparse_mb_fini(&m->mb);
	free(m->slab);
	free(m->memmap_pa);
	free(m->hvo_page_pa);
	free(m);
}

struct mmu_phys *sparse_machine_phys(struct sparse_machine *m)
{
	return &m->phys;
}
struct mmu_pt *sparse_machine_pt(struct sparse_machine *m)
{
	return &m->pt;
}
enum sparse_model sparse_machine_model(const struct sparse_machine *m)
{
	return m->model;
}
const struct sparse_layout *sparse_machine_layout(const struct sparse_machine *m)
{
	return &m->layout;
}
const struct sparse_boot_params *sparse_machine_boot_params(const struct sparse_machine *m)
{
	return &m->bp;
}
const struct sparse_stats *sparse_machine_stats(const struct sparse_machine *m)
{
	return &m->st;
}

unsigned sparse_machine_regions(const struct sparse_machine *m,
                                struct sparse_region out[SPARSE_MAX_REGIONS])
{
	unsigned n = 0;
	uint64_t img = SPARSE_KERNEL_IMAGE_VA;

	out[n++] = (struct sparse_region){"direct map", m->page_offset,
	                                  m->page_offset + ALIGN_UP(m->end_pfn << 12, SZ_2M)};
	if (sparse_model_is_vmemmap(m->model))
		out[n++] = (struct sparse_region){
		    "vmemmap", m->vmemmap_base,
		    m->vmemmap_base + ALIGN_UP(m->end_pfn * SPARSE_STRUCT_PAGE_SIZE, SZ_2M)};
	out[n++] = (struct sparse_region){"stack", m->bp.stack_bottom, m->bp.stack_top};
	if (m->memremap_next > (m->vmalloc_base + SPARSE_MEMREMAP_OFFSET))
		out[n++] =
		    (struct sparse_region){"memremap", (m->vmalloc_base + SPARSE_MEMREMAP_OFFSET),
		                           ALIGN_UP(m->memremap_next, SPARSE_PAGE_SIZE)};
	out[n++] = (struct sparse_region){"kernel image", img, img + IMG_MEM_SECTION_OFF};
	if (m->model == SPARSE_MODEL_STATIC)
		out[n++] = (struct sparse_region){"mem_section", img + IMG_MEM_SECTION_OFF,
		                                  img + IMG_STATIC_PT_OFF};
	return n;
}

int sparse_memmap_pa(const struct sparse_machine *m, uint64_t pfn, uint64_t *pa)
{
	const struct sparse_layout *l = &m->layout;
	uint64_t lo = l->hugetlb_start >> SPARSE_PAGE_SHIFT;

	if (m->nr_hvo && pfn >= lo && pfn < lo + (l->hugetlb_size >> SPARSE_PAGE_SHIFT)) {
		uint64_t idx = (pfn - lo) >> l->hugetlb_order,
		         off = (pfn - lo) & ((1ull << l->hugetlb_order) - 1);
		/* every vmemmap page of the huge page maps the head's copy */
		*pa = m->hvo_page_pa[idx] + (off % (SPARSE_PAGE_SIZE / SPARSE_STRUCT_PAGE_SIZE)) *
		                                SPARSE_STRUCT_PAGE_SIZE;
		return 0;
	}
	*pa = sparse_memmap_pa_of(m, pfn);
	return *pa == NO_PA ? VMEMSIM_ENOENT : 0;
}

static int check_memblock(const struct sparse_machine *m, struct vmemsim_err *err)
{
	for (unsigned i = 0; i < m->mb.nr; i++) {
		const struct sparse_mb_extent *e = &m->mb.free[i];
		if (e->start >= e->end || (i && m->mb.free[i - 1].end > e->start))
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "memblock: extent %u [%#llx, %#llx) unsorted or empty",
			                    i, (unsigned long long)e->start,
			                    (unsigned long long)e->end);
		if (!sparse_pfn_in_memory(m, e->start >> SPARSE_PAGE_SHIFT, NULL) ||
		    !sparse_pfn_in_memory(m, (e->end - 1) >> SPARSE_PAGE_SHIFT, NULL))
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "memblock: free extent [%#llx, %#llx) outside RAM",
			                    (unsigned long long)e->start,
			                    (unsigned long long)e->end);
	}
	return 0;
}

int sparse_machine_check(const struct sparse_machine *m, struct vmemsim_err *err)
{
	uint64_t total = 0, by_purpose = 0;
	int rc;

	if ((rc = check_memblock(m, err)) < 0)
		return rc;
	for (uint64_t pfn = 0; pfn < m->end_pfn && m->model != SPARSE_MODEL_FLATMEM;
	     pfn += SPARSE_PAGES_PER_SUBSECTION) {
		uint64_t want, va = sparse_page_va(m, pfn), pa;
		struct sparse_mem_section ms;
		if (sparse_pfn_in_memory(m, pfn, NULL)) {
			uint64_t need = SPARSE_SECTION_MARKED_PRESENT | SPARSE_SECTION_HAS_MEM_MAP |
			                SPARSE_SECTION_IS_EARLY;
			if (sparse_read_section(m, sparse_pfn_to_section_nr(pfn), &ms) < 0 ||
			    (ms.section_mem_map & need) != need)
				return vmemsim_errf(err, VMEMSIM_ECORRUPT,
				                    "section of RAM pfn %#llx is not an early "
				                    "present section",
				                    (unsigned long long)pfn);
		}
		if (sparse_memmap_pa(m, pfn, &want) < 0)
			continue;
		if (sparse_va_to_pa(m, va, &pa) < 0 || pa != want)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "memmap of pfn %#llx: VA %#llx maps to %#llx, recorded "
			                    "%#llx",
			                    (unsigned long long)pfn, (unsigned long long)va,
			                    (unsigned long long)pa, (unsigned long long)want);
	}
	for (unsigned l = 1; l <= 5; l++) {
		total += m->pt.table_pages[l];
		for (unsigned p = 0; p < SPARSE_NR_PT_PURPOSES; p++)
			by_purpose += m->st.pt_pages[p][l];
	}
	if (total != by_purpose)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                    "page tables: %llu pages by purpose, builder counts %llu",
		                    (unsigned long long)by_purpose, (unsigned long long)total);
	return 0;
}
