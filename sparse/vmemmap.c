/*
 * sparse/vmemmap.c — populating and depopulating vmemmap, the altmap, HVO.
 *
 * x86 vmemmap_populate() case analysis (init_64.c, [ref §5]):
 *   - the piece's memmap is smaller than one section's (2 MiB): 4 KiB PTEs,
 *     and the altmap is NOT used (memmap comes from RAM);
 *   - otherwise, with PSE (every model but vmemmap-4k): 2 MiB PMDs; a PMD
 *     already holding a PTE table falls back to 4 KiB PTEs for that block; a
 *     block comes from the altmap when there is one (-ENOMEM when it is
 *     exhausted), else from the sparse buffer, else from the node's RAM, and
 *     without an altmap a failed 2 MiB allocation falls back to 4 KiB PTEs;
 *   - vmemmap-4k: 4 KiB PTEs throughout (the model's knob, as if !PSE).
 * Page-table pages always come from RAM.  4 KiB population of one
 * sub-section takes its 8 memmap pages as one contiguous block (the buddy
 * allocator would often do so too), which keeps invariant (1) of memmap.c.
 *
 * HVO (hugetlb_vmemmap.c, [ref §8]): for each hugetlb page of the pool the
 * vmemmap PMD is split, the head vmemmap page is copied to a new page mapped
 * read-write, every tail vmemmap page is mapped read-only to that same new
 * page, and the original pages are freed (8 -> 1 for 2 MiB pages).  Struct
 * pages read through a tail vmemmap page are therefore copies of the head
 * page's first 64 ("fake heads", page_fixed_fake_head()).
 */
#include "internal.h"

#define VMEMMAP_PROT    SPARSE_PAGE_KERNEL
#define VMEMMAP_RO_PROT SPARSE_PAGE_KERNEL_RO

static uint64_t vmemmap_va(const struct sparse_machine *m, uint64_t pfn)
{
	return m->vmemmap_base + pfn * SPARSE_STRUCT_PAGE_SIZE;
}

/* vmem_altmap_alloc(): next pfn = base + reserve + alloc + align, aligned to
 * the lowest set bit of nr_pfns; fails when free is exhausted. */
static uint64_t altmap_alloc(struct sparse_altmap *a, uint64_t nr_pfns)
{
	uint64_t pfn = a->base_pfn + a->reserve + a->alloc + a->align;
	uint64_t nr_align = nr_pfns & -nr_pfns;
	uint64_t pad = ALIGN_UP(pfn, nr_align) - pfn;

	if (nr_pfns + pad > a->free - a->alloc - a->align)
		return NO_PA;
	a->alloc += nr_pfns;
	a->align += pad;
	return sparse_pfn_to_pa(pfn + pad);
}

static int any_leaf_cb(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	(void)va;
	(void)leaf;
	*(bool *)ctx = true;
	return 1;
}

static bool any_leaf(const struct sparse_machine *m, uint64_t start, uint64_t end)
{
	bool found = false;

	mmu_pt_for_each_leaf(&m->pt, start, end, any_leaf_cb, &found);
	return found;
}

/* 4 KiB PTEs for pfn's sub-section [pfn, pfn + n), n <= 512, RAM memmap. */
static int populate_basepages(struct sparse_machine *m, uint64_t pfn, uint64_t n, unsigned nid,
                              struct vmemsim_err *err)
{
	uint64_t va = vmemmap_va(m, pfn),
	         size = ALIGN_UP(n * SPARSE_STRUCT_PAGE_SIZE, SPARSE_PAGE_SIZE);
	uint64_t pa;
	struct mmu_leaf leaf;

	if (mmu_pt_lookup(&m->pt, va, &leaf) == 0)
		return 0; /* already populated (early section, or earlier add) */
	pa = sparse_buffer_alloc(m, size);
	if (pa == NO_PA)
		pa = sparse_alloc(m, SPARSE_USE_MEMMAP, size, SPARSE_PAGE_SIZE, (int)nid);
	if (pa == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM,
		                    "vmemmap: no RAM for the memmap of pfn %#llx",
		                    (unsigned long long)pfn);
	m->memmap_pa[pfn >> SPARSE_PFN_SUBSECTION_SHIFT] = pa;
	return sparse_map(m, SPARSE_PT_VMEMMAP, va, pa, size, MMU_PS_BIT(MMU_PAGE_4K), VMEMMAP_PROT,
	                  err);
}

static int populate_range_basepages(struct sparse_machine *m, uint64_t pfn, uint64_t nr_pages,
                                    unsigned nid, struct vmemsim_err *err)
{
	for (uint64_t p = pfn; p < pfn + nr_pages; p += SPARSE_PAGES_PER_SUBSECTION) {
		uint64_t n = pfn + nr_pages - p;
		int rc = populate_basepages(
		    m, p, n < SPARSE_PAGES_PER_SUBSECTION ? n : SPARSE_PAGES_PER_SUBSECTION, nid,
		    err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One 2 MiB block = the memmap of one full section. */
static int populate_hugepage(struct sparse_machine *m, uint64_t pfn, unsigned nid,
                             struct sparse_altmap *altmap, struct vmemsim_err *err)
{
	uint64_t va = vmemmap_va(m, pfn), pa = NO_PA;
	struct mmu_leaf leaf;

	if (mmu_pt_lookup(&m->pt, va, &leaf) == 0 && leaf.ps == MMU_PAGE_2M)
		return 0;
	if (any_leaf(m, va, va + SZ_2M))
		return populate_range_basepages(m, pfn, SPARSE_PAGES_PER_SECTION, nid, err);
	if (altmap) {
		pa = altmap_alloc(altmap, SZ_2M >> SPARSE_PAGE_SHIFT);
		if (pa == NO_PA)
			return vmemsim_errf(err, VMEMSIM_ENOMEM,
			                    "vmemmap: altmap of pfn %#llx exhausted",
			                    (unsigned long long)altmap->base_pfn);
		m->st.bytes[SPARSE_USE_MEMMAP_ALTMAP] += SZ_2M;
	} else {
		pa = sparse_buffer_alloc(m, SZ_2M);
		if (pa == NO_PA)
			pa = sparse_alloc(m, SPARSE_USE_MEMMAP, SZ_2M, SZ_2M, (int)nid);
		if (pa == NO_PA)
			return populate_range_basepages(m, pfn, SPARSE_PAGES_PER_SECTION, nid, err);
	}
	for (uint64_t s = 0; s < SPARSE_SUBSECTIONS_PER_SECTION; s++)
		m->memmap_pa[(pfn >> SPARSE_PFN_SUBSECTION_SHIFT) + s] =
		    pa + s * SPARSE_PAGES_PER_SUBSECTION * SPARSE_STRUCT_PAGE_SIZE;
	return sparse_map(m, SPARSE_PT_VMEMMAP, va, pa, SZ_2M, MMU_PS_BIT(MMU_PAGE_2M),
	                  VMEMMAP_PROT, err);
}

/* __populate_section_memmap() for [pfn, pfn + nr_pages) inside one section. */
int sparse_vmemmap_populate(struct sparse_machine *m, uint64_t pfn, uint64_t nr_pages, unsigned nid,
                            struct sparse_altmap *altmap, struct vmemsim_err *err)
{
	if (nr_pages < SPARSE_PAGES_PER_SECTION || m->model == SPARSE_MODEL_VMEMMAP_4K)
		return populate_range_basepages(m, pfn, nr_pages, nid, err);
	return populate_hugepage(m, pfn, nid, altmap, err);
}

struct depop_ctx {
	struct sparse_machine *m;
	struct sparse_altmap *altmap;
};

static int depop_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct depop_ctx *c = ctx;
	uint64_t size = mmu_page_bytes(leaf->ps);
	uint64_t pfn = leaf->pa >> SPARSE_PAGE_SHIFT;

	(void)va;
	if (c->altmap && pfn >= c->altmap->base_pfn && pfn < c->altmap->end_pfn) {
		c->altmap->alloc -= size >> SPARSE_PAGE_SHIFT; /* vmem_altmap_free */
		c->m->st.bytes[SPARSE_USE_MEMMAP_ALTMAP] -= size;
	} else {
		sparse_free(c->m, SPARSE_USE_MEMMAP, leaf->pa, size);
	}
	return 0;
}

/* vmemmap_free(): free the memmap pages of [pfn, pfn + nr_pages) and unmap
 * them (emptied page tables go back through the allocator). */
void sparse_vmemmap_depopulate(struct sparse_machine *m, uint64_t pfn, uint64_t nr_pages,
                               struct sparse_altmap *altmap)
{
	struct depop_ctx c = {m, altmap};
	uint64_t start = vmemmap_va(m, pfn);
	uint64_t end = ALIGN_UP(vmemmap_va(m, pfn + nr_pages), SPARSE_PAGE_SIZE);

	mmu_pt_for_each_leaf(&m->pt, start, end, depop_leaf, &c);
	sparse_unmap(m, SPARSE_PT_VMEMMAP, start, end - start);
	for (uint64_t p = pfn; p < pfn + nr_pages; p += SPARSE_PAGES_PER_SUBSECTION)
		m->memmap_pa[p >> SPARSE_PFN_SUBSECTION_SHIFT] = NO_PA;
}

/* HVO for one hugetlb page at head pfn; idx is its index in the pool. */
static int hvo_one(struct sparse_machine *m, uint64_t head, uint64_t idx, struct vmemsim_err *err)
{
	uint64_t n = 1ull << m->layout.hugetlb_order;
	uint64_t vpages = n * SPARSE_STRUCT_PAGE_SIZE / SPARSE_PAGE_SIZE;
	uint64_t va = vmemmap_va(m, head), newpa, k;
	unsigned nid = sparse_pfn_nid(m, head);
	int rc;

	newpa = sparse_alloc(m, SPARSE_USE_MEMMAP, SPARSE_PAGE_SIZE, SPARSE_PAGE_SIZE, (int)nid);
	if (newpa == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "hvo: no RAM for the head vmemmap page");
	memcpy(sparse_ptr(m, newpa), sparse_ptr(m, sparse_memmap_pa_of(m, head)), SPARSE_PAGE_SIZE);
	for (k = 0; k < vpages; k++) {
		uint64_t pfn_k = head + k * (SPARSE_PAGE_SIZE / SPARSE_STRUCT_PAGE_SIZE);
		uint64_t old = sparse_memmap_pa_of(m, pfn_k);
		rc = sparse_map(m, SPARSE_PT_VMEMMAP, va + k * SPARSE_PAGE_SIZE, newpa,
		                SPARSE_PAGE_SIZE, MMU_PS_BIT(MMU_PAGE_4K),
		                k ? VMEMMAP_RO_PROT : VMEMMAP_PROT, err);
		if (rc < 0)
			return rc;
		sparse_free(m, SPARSE_USE_MEMMAP, old, SPARSE_PAGE_SIZE);
	}
	m->hvo_page_pa[idx] = newpa;
	m->st.hvo_freed_pages += vpages - 1;
	return 0;
}

int sparse_hvo_apply(struct sparse_machine *m, struct vmemsim_err *err)
{
	uint64_t n = 1ull << m->layout.hugetlb_order;
	uint64_t lo = m->layout.hugetlb_start >> SPARSE_PAGE_SHIFT;
	uint64_t i;
	int rc;

	if (m->model != SPARSE_MODEL_VMEMMAP_HVO || !m->nr_hvo)
		return 0;
	for (i = 0; i < m->nr_hvo; i++)
		if ((rc = hvo_one(m, lo + i * n, i, err)) < 0)
			return rc;
	return 0;
}
