/*
 * sparse/layout.c — memory-model names and physical layouts: defaults,
 * validation (with the offending range's index), sorting, pfn -> node.
 */
#include <stdlib.h>

#include "internal.h"

static const char *const model_names[SPARSE_NR_MODELS] = {
    [SPARSE_MODEL_FLATMEM] = "flatmem",         [SPARSE_MODEL_STATIC] = "sparse-static",
    [SPARSE_MODEL_EXTREME] = "sparse-extreme",  [SPARSE_MODEL_VMEMMAP_4K] = "vmemmap-4k",
    [SPARSE_MODEL_VMEMMAP_2M] = "vmemmap-2m",   [SPARSE_MODEL_VMEMMAP_ALTMAP] = "vmemmap-altmap",
    [SPARSE_MODEL_VMEMMAP_HVO] = "vmemmap-hvo",
};

const char *sparse_model_name(enum sparse_model model)
{
	if ((unsigned)model >= SPARSE_NR_MODELS)
		return "unknown";
	return model_names[model];
}

int sparse_model_parse(const char *name, enum sparse_model *model, struct vmemsim_err *err)
{
	for (unsigned i = 0; i < SPARSE_NR_MODELS; i++) {
		if (strcmp(name, model_names[i]) == 0) {
			*model = (enum sparse_model)i;
			return 0;
		}
	}
	return vmemsim_errf(
	    err, VMEMSIM_EINVAL,
	    "unknown memory model '%s' (expected flatmem, sparse-static, "
	    "sparse-extreme, vmemmap-4k, vmemmap-2m, vmemmap-altmap or vmemmap-hvo)",
	    name);
}

void sparse_layout_init(struct sparse_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->maxphyaddr = SPARSE_MAX_PHYSMEM_BITS;
	l->hugetlb_order = 9;
	l->scratch_size = 16ull << 20;
}

void sparse_params_default(struct sparse_params *p)
{
	memset(p, 0, sizeof(*p));
	p->pgtable_levels = 4;
	p->dm_step_shift = 8; /* get_new_step_size(): PMD_SHIFT - PAGE_SHIFT - 1 */
	p->dm_gbpages = true;
	p->brk_pages = 6; /* INIT_PGT_BUF_SIZE: 3 tables x 2 pages, 4-level */
	p->hotplug_mode = SPARSE_HOTPLUG_SUBSECTION;
	p->image_size = 16ull << 20;
	p->stack_size = 64ull << 10;
}

static const char *kind_name(enum sparse_range_kind k)
{
	switch (k) {
	case SPARSE_RANGE_RAM: return "ram";
	case SPARSE_RANGE_RESERVED: return "reserved";
	case SPARSE_RANGE_DEVICE: return "device";
	}
	return "?";
}

static int check_one(const struct sparse_layout *l, unsigned i, struct vmemsim_err *err)
{
	const struct sparse_range *r = &l->ranges[i];
	uint64_t limit = 1ull << l->maxphyaddr;

	if ((r->start | r->end) & (SPARSE_PAGE_SIZE - 1))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "ranges[%u]: %s range [%#llx, %#llx) is not 4 KiB aligned", i,
		                    kind_name(r->kind), (unsigned long long)r->start,
		                    (unsigned long long)r->end);
	if (r->end <= r->start)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "ranges[%u]: empty range [%#llx, %#llx)",
		                    i, (unsigned long long)r->start, (unsigned long long)r->end);
	if (r->end > limit)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "ranges[%u]: end %#llx is beyond MAXPHYADDR (%u bits, %#llx)",
		                    i, (unsigned long long)r->end, l->maxphyaddr,
		                    (unsigned long long)limit);
	if (r->nid >= SPARSE_MAX_NUMNODES)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "ranges[%u]: node %u >= MAX_NUMNODES %u",
		                    i, r->nid, SPARSE_MAX_NUMNODES);
	if ((unsigned)r->kind > SPARSE_RANGE_DEVICE)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "ranges[%u]: bad kind %d", i,
		                    (int)r->kind);
	return 0;
}

static bool ram_covers(const struct sparse_layout *l, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		if (r->kind == SPARSE_RANGE_RAM && r->start <= start && end <= r->end)
			return true;
	}
	return false;
}

int sparse_layout_check(const struct sparse_layout *l, struct vmemsim_err *err)
{
	unsigned i, j;
	int rc;

	if (l->maxphyaddr < 32 || l->maxphyaddr > SPARSE_MAX_PHYSMEM_BITS_L5)
		return vmemsim_errf(
		    err, VMEMSIM_EINVAL,
		    "maxphyaddr: %u is outside [32, %u] (MAX_PHYSMEM_BITS, 5-level)", l->maxphyaddr,
		    SPARSE_MAX_PHYSMEM_BITS_L5);
	if (l->nr_ranges == 0 || l->nr_ranges > SPARSE_MAX_RANGES)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "ranges: need 1 to %u ranges, got %u",
		                    SPARSE_MAX_RANGES, l->nr_ranges);
	for (i = 0; i < l->nr_ranges; i++) {
		if ((rc = check_one(l, i, err)) < 0)
			return rc;
	}
	for (i = 0; i < l->nr_ranges; i++) {
		for (j = 0; j < i; j++) {
			const struct sparse_range *a = &l->ranges[i], *b = &l->ranges[j];
			if (a->start < b->end && b->start < a->end)
				return vmemsim_errf(
				    err, VMEMSIM_EEXIST,
				    "ranges[%u]: [%#llx, %#llx) overlaps ranges[%u] [%#llx, %#llx)",
				    i, (unsigned long long)a->start, (unsigned long long)a->end, j,
				    (unsigned long long)b->start, (unsigned long long)b->end);
		}
	}
	if (!ram_covers(l, SPARSE_LOAD_PHYSICAL_ADDR, SPARSE_LOAD_PHYSICAL_ADDR + IMG_AREA_SIZE))
		return vmemsim_errf(
		    err, VMEMSIM_EINVAL,
		    "ranges: no RAM range covers the kernel image area [16 MiB, 48 MiB)");
	if (l->hugetlb_size) {
		uint64_t hp = 1ull << (SPARSE_PAGE_SHIFT + l->hugetlb_order);
		if (l->hugetlb_order != 9 && l->hugetlb_order != 18)
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "hugetlb.order: %u is neither 9 (2 MiB) nor 18 (1 GiB)",
			                    l->hugetlb_order);
		if ((l->hugetlb_start | l->hugetlb_size) & (hp - 1))
			return vmemsim_errf(
			    err, VMEMSIM_EINVAL,
			    "hugetlb: [%#llx, +%#llx) is not aligned to its %llu KiB "
			    "pages",
			    (unsigned long long)l->hugetlb_start,
			    (unsigned long long)l->hugetlb_size, (unsigned long long)(hp >> 10));
		if (!ram_covers(l, l->hugetlb_start, l->hugetlb_start + l->hugetlb_size))
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "hugetlb: [%#llx, +%#llx) is not inside one RAM range",
			                    (unsigned long long)l->hugetlb_start,
			                    (unsigned long long)l->hugetlb_size);
		if (l->hugetlb_start < SPARSE_LOAD_PHYSICAL_ADDR + IMG_AREA_SIZE &&
		    l->hugetlb_start + l->hugetlb_size > SPARSE_LOAD_PHYSICAL_ADDR)
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "hugetlb: pool overlaps the kernel image area");
	}
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct sparse_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

int sparse_layout_sort(struct sparse_layout *l)
{
	qsort(l->ranges, l->nr_ranges, sizeof(l->ranges[0]), range_cmp);
	return 0;
}

/* The node of pfn: its range's, else that of the nearest range below (a hole
 * belongs to the node of the memory before it, as early_pfn_to_nid would
 * answer for the section). */
unsigned sparse_pfn_nid(const struct sparse_machine *m, uint64_t pfn)
{
	const struct sparse_layout *l = &m->layout;
	uint64_t pa = sparse_pfn_to_pa(pfn);
	unsigned nid = l->ranges[0].nid;

	for (unsigned i = 0; i < l->nr_ranges && l->ranges[i].start <= pa; i++)
		nid = l->ranges[i].nid;
	return nid;
}

bool sparse_pfn_in_memory(const struct sparse_machine *m, uint64_t pfn, bool *reserved)
{
	const struct sparse_layout *l = &m->layout;
	uint64_t pa = sparse_pfn_to_pa(pfn);

	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		if (pa >= r->start && pa < r->end && r->kind != SPARSE_RANGE_DEVICE) {
			if (reserved)
				*reserved = r->kind == SPARSE_RANGE_RESERVED;
			return true;
		}
	}
	return false;
}
