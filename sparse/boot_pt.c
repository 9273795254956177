/*
 * sparse/boot_pt.c — the kernel's boot page tables in guest memory.
 *
 *   - The root and the kernel-image tables come from the image's static
 *     area (init_top_pgt, level3_kernel_pgt, level2_kernel_pgt in head_64.S);
 *     the image area [16 MiB, 48 MiB) is mapped at __START_KERNEL_map + PA
 *     with 2 MiB pages.
 *   - The direct map (init_mem_mapping, [ref §6]): [0, 1 MiB) first, then
 *     memory_map_top_down(): from real_end downwards in steps that start at
 *     2 MiB and grow by << dm_step_shift once the RAM mapped so far reaches
 *     the step; then [real_end, end).  Each piece is cut by split_mem_range()
 *     (mmu_split_range) and promoted to 2M/1G when its aligned window lies in
 *     one memblock.memory region (adjust_range_page_size_mask).
 *   - Page-table pages (alloc_low_pages): the BRK pgt_buf unless the range
 *     being mapped overlaps it, then memblock inside [min_pfn_mapped,
 *     max_pfn_mapped) top-down; when that window has nothing, anywhere (the
 *     kernel would extend_brk).  After boot: memblock on the node.
 *   - Kernel leaves are __PAGE_KERNEL (A, D and G pre-set; no PTI).  The
 *     image is __PAGE_KERNEL_EXEC (RWX): vmemsim does not know the ELF's
 *     sections when it builds the tables.
 */
#include "internal.h"

#define KERNEL_PROT SPARSE_PAGE_KERNEL
#define IMAGE_PROT  SPARSE_PAGE_KERNEL_EXEC

static void add_pt_delta(struct sparse_machine *m, enum sparse_pt_purpose purpose,
                         const uint64_t before[6])
{
	for (unsigned l = 1; l <= 5; l++)
		m->st.pt_pages[purpose][l] += m->pt.table_pages[l] - before[l];
}

int sparse_map(struct sparse_machine *m, enum sparse_pt_purpose purpose, uint64_t va, uint64_t pa,
               uint64_t size, unsigned ps_mask, uint64_t prot, struct vmemsim_err *err)
{
	uint64_t before[6];
	int rc;

	memcpy(before, m->pt.table_pages, sizeof(before));
	rc = mmu_pt_map(&m->pt, va, pa, size, ps_mask, prot, err);
	add_pt_delta(m, purpose, before);
	return rc;
}

void sparse_unmap(struct sparse_machine *m, enum sparse_pt_purpose purpose, uint64_t va,
                  uint64_t size)
{
	uint64_t before[6];

	memcpy(before, m->pt.table_pages, sizeof(before));
	mmu_pt_unmap(&m->pt, va, size, NULL);
	add_pt_delta(m, purpose, before);
}

int sparse_boot_pt_init(struct sparse_machine *m, struct vmemsim_err *err)
{
	uint64_t img = SPARSE_LOAD_PHYSICAL_ADDR;
	int rc;

	m->static_next = img + IMG_STATIC_PT_OFF;
	m->static_end = m->static_next + IMG_STATIC_PT_PAGES * SPARSE_PAGE_SIZE;
	m->brk_next = img + IMG_BRK_OFF;
	m->brk_end = m->brk_next + (uint64_t)m->params.brk_pages * SPARSE_PAGE_SIZE;
	m->pt_use_static = true;
	m->pt_nid = -1;
	rc = mmu_pt_init(&m->pt, &m->phys, m->params.pgtable_levels, 52, sparse_pt_allocator(m),
	                 err);
	if (rc < 0)
		return rc;
	m->st.pt_pages[SPARSE_PT_KERNEL][m->params.pgtable_levels] = 1;
	rc = sparse_map(m, SPARSE_PT_KERNEL, SPARSE_START_KERNEL_MAP + img, img, IMG_AREA_SIZE,
	                MMU_PS_BIT(MMU_PAGE_2M), IMAGE_PROT, err);
	m->pt_use_static = false;
	return rc;
}

/* memblock_is_region_memory(): [start, end) inside one memblock.memory
 * region (adjacent RAM/reserved ranges of one node merge). */
static bool region_is_memory(const struct sparse_machine *m, uint64_t start, uint64_t end)
{
	const struct sparse_layout *l = &m->layout;

	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		uint64_t rs = r->start, re = r->end;
		if (r->kind == SPARSE_RANGE_DEVICE || start < rs || start >= re)
			continue;
		for (unsigned j = i + 1; j < l->nr_ranges; j++) {
			const struct sparse_range *n = &l->ranges[j];
			if (n->kind == SPARSE_RANGE_DEVICE || n->start != re || n->nid != r->nid)
				break;
			re = n->end;
		}
		return end <= re;
	}
	return false;
}

/* init_memory_mapping(start, end): split, promote, map. */
int sparse_init_memory_mapping(struct sparse_machine *m, uint64_t start, uint64_t end,
                               enum sparse_pt_purpose purpose, struct vmemsim_err *err)
{
	unsigned mask = MMU_PS_BIT(MMU_PAGE_4K) | MMU_PS_BIT(MMU_PAGE_2M);
	struct mmu_range mr[5];
	int n, i, rc;

	if (m->params.dm_gbpages)
		mask |= MMU_PS_BIT(MMU_PAGE_1G);
	n = mmu_split_range(start, end, mask, mr);
	for (i = 0; i < n; i++) {
		enum mmu_page_size ps = mr[i].ps;
		uint64_t s = mr[i].start, e = mr[i].end;
		for (enum mmu_page_size up = ps + 1; up < MMU_NR_PAGE_SIZES; up++) {
			uint64_t sz = mmu_page_bytes(up);
			if (!(mask & MMU_PS_BIT(up)) ||
			    !region_is_memory(m, ALIGN_DOWN(s, sz), ALIGN_UP(e, sz)))
				break;
			ps = up;
		}
		s = ALIGN_DOWN(s, mmu_page_bytes(ps));
		e = ALIGN_UP(e, mmu_page_bytes(ps));
		rc = sparse_map(m, purpose, m->page_offset + s, s, e - s, MMU_PS_BIT(ps),
		                KERNEL_PROT, err);
		if (rc < 0)
			return rc;
	}
	if (end > m->pt_max)
		m->pt_max = end;
	return 0;
}

/* init_range_memory_mapping(): map the memory ranges inside [start, end). */
static int init_range_memory_mapping(struct sparse_machine *m, uint64_t start, uint64_t end,
                                     uint64_t *mapped, struct vmemsim_err *err)
{
	const struct sparse_layout *l = &m->layout;
	uint64_t brk_lo = m->brk_next, brk_hi = m->brk_end;
	int rc;

	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		uint64_t s = r->start > start ? r->start : start;
		uint64_t e = r->end < end ? r->end : end;
		if (r->kind == SPARSE_RANGE_DEVICE || s >= e)
			continue;
		/* can_use_brk_pgt: not while mapping the BRK itself */
		if (s < brk_hi && brk_lo < e)
			m->brk_end = m->brk_next;
		rc = sparse_init_memory_mapping(m, s, e, SPARSE_PT_DIRECT_MAP, err);
		m->brk_end = brk_hi;
		if (rc < 0)
			return rc;
		*mapped += e - s;
	}
	return 0;
}

static uint64_t memory_end(const struct sparse_machine *m)
{
	uint64_t end = 0;
	for (unsigned i = 0; i < m->layout.nr_ranges; i++)
		if (m->layout.ranges[i].kind != SPARSE_RANGE_DEVICE)
			end = m->layout.ranges[i].end;
	return end;
}

int sparse_direct_map_init(struct sparse_machine *m, struct vmemsim_err *err)
{
	uint64_t end = memory_end(m), real_end, last_start, step = SZ_2M, mapped = 0, probe;
	int rc;

	m->pt_early = true;
	m->pt_min = m->pt_max = 0;
	if ((rc = init_range_memory_mapping(m, 0, SPARSE_ISA_END_ADDRESS, &mapped, err)) < 0)
		return rc;
	/* real_end: the top of the highest free 2 MiB block */
	probe = sparse_mb_alloc(&m->mb, SZ_2M, SZ_2M, -1, SPARSE_ISA_END_ADDRESS, end);
	if (probe == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "direct map: no free 2 MiB block of RAM");
	sparse_mb_free(&m->mb, probe, SZ_2M, sparse_pfn_nid(m, probe >> SPARSE_PAGE_SHIFT));
	real_end = probe + SZ_2M;
	last_start = real_end;
	m->pt_min = m->pt_max = real_end;
	mapped = 0;
	while (last_start > SPARSE_ISA_END_ADDRESS) {
		uint64_t start = SPARSE_ISA_END_ADDRESS;
		if (last_start > step) {
			start = ALIGN_DOWN(last_start - 1, step);
			if (start < SPARSE_ISA_END_ADDRESS)
				start = SPARSE_ISA_END_ADDRESS;
		}
		if ((rc = init_range_memory_mapping(m, start, last_start, &mapped, err)) < 0)
			return rc;
		last_start = start;
		m->pt_min = last_start;
		m->st.dm_steps++;
		if (mapped >= step)
			step <<= m->params.dm_step_shift;
	}
	if (real_end < end && (rc = init_range_memory_mapping(m, real_end, end, &mapped, err)) < 0)
		return rc;
	m->pt_early = false;
	return 0;
}

/* ioremap-style mapping of [pa, pa + size) in the memremap window, VA and PA
 * sharing their offset within 1 GiB so large leaves can be used. */
int sparse_memremap(struct sparse_machine *m, uint64_t pa, uint64_t size, uint64_t *kaddr,
                    struct vmemsim_err *err)
{
	uint64_t va = ALIGN_UP(m->memremap_next, SZ_1G) + (pa & (SZ_1G - 1));
	int rc;

	rc = sparse_map(m, SPARSE_PT_KERNEL, va, pa, size, MMU_PS_ALL, KERNEL_PROT, err);
	if (rc < 0)
		return rc;
	m->memremap_next = va + size;
	*kaddr = va;
	return 0;
}

/* The stack (vmalloc, 4K pages) and the scratch area (RAM, direct map). */
int sparse_kernel_maps_init(struct sparse_machine *m, struct vmemsim_err *err)
{
	uint64_t size = ALIGN_UP(m->params.stack_size, SPARSE_PAGE_SIZE), pa;
	int rc;

	pa = sparse_alloc(m, SPARSE_USE_STACK, size, SPARSE_PAGE_SIZE, -1);
	if (pa == NO_PA)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "stack: no RAM for %llu bytes",
		                    (unsigned long long)size);
	/* one unmapped guard page below, as VMAP_STACK leaves */
	m->bp.stack_bottom = m->vmalloc_base + SPARSE_PAGE_SIZE;
	m->bp.stack_top = m->bp.stack_bottom + size;
	rc = sparse_map(m, SPARSE_PT_KERNEL, m->bp.stack_bottom, pa, size, MMU_PS_BIT(MMU_PAGE_4K),
	                KERNEL_PROT, err);
	if (rc < 0)
		return rc;
	if (m->layout.scratch_size) {
		size = ALIGN_UP(m->layout.scratch_size, SZ_2M);
		pa = sparse_alloc(m, SPARSE_USE_SCRATCH, size, SZ_2M, -1);
		if (pa == NO_PA)
			return vmemsim_errf(err, VMEMSIM_ENOMEM, "scratch: no RAM for %llu bytes",
			                    (unsigned long long)size);
		m->bp.scratch_va = sparse_va(m, pa);
		m->bp.scratch_size = size;
	}
	m->memremap_next = (m->vmalloc_base + SPARSE_MEMREMAP_OFFSET);
	return 0;
}

struct count_ctx {
	uint64_t *leaves;
};
static int count_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct count_ctx *c = ctx;
	(void)va;
	c->leaves[leaf->ps]++;
	return 0;
}

/* Recount direct-map and vmemmap leaves from the page tables. */
void sparse_count_leaves(struct sparse_machine *m)
{
	struct count_ctx c;
	uint64_t span = m->end_pfn << SPARSE_PAGE_SHIFT;

	memset(m->st.dm_leaves, 0, sizeof(m->st.dm_leaves));
	memset(m->st.vmemmap_leaves, 0, sizeof(m->st.vmemmap_leaves));
	c.leaves = m->st.dm_leaves;
	mmu_pt_for_each_leaf(&m->pt, m->page_offset, m->page_offset + span, count_leaf, &c);
	c.leaves = m->st.vmemmap_leaves;
	mmu_pt_for_each_leaf(&m->pt, m->vmemmap_base,
	                     m->vmemmap_base + m->end_pfn * SPARSE_STRUCT_PAGE_SIZE, count_leaf,
	                     &c);
}
