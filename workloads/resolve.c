/*
 * workloads/resolve.c — WL_AUTO defaults from the layout, and the checks
 * that make a bad parameter an error before the guest runs (rather than a
 * guest status after it).
 */
#include <stdio.h>
#include <string.h>

#include "wl_internal.h"

#define MAX_ORDER_PAGES (1ull << 10)

static int need_scratch(const struct sparse_boot_params *bp, const struct wl_desc *wl,
                        uint64_t bytes, const char *what, struct vmemsim_err *err)
{
	if (bp->scratch_size >= bytes)
		return 0;
	return vmemsim_errf(err, VMEMSIM_EINVAL,
	                    "workload %s: %s needs %llu bytes of scratch, the layout has %llu "
	                    "(raise the layout's scratch size)",
	                    wl->name, what, (unsigned long long)bytes,
	                    (unsigned long long)bp->scratch_size);
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* buddy: [start, start + nr) must be one MAX_ORDER-aligned run of writable
 * RAM; auto start = the first aligned pfn of the writable piece with the
 * most aligned pages. */
static int resolve_buddy(struct wl_args *a, const struct wl_desc *wl,
                         const struct sparse_boot_params *bp, struct vmemsim_err *err)
{
	struct wl_pieces ps;
	uint64_t *start = &a->v[0], *nr = &a->v[1];

	if (*nr % MAX_ORDER_PAGES)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "workload buddy: nr_pages=%llu is not a multiple of 1024",
		                    (unsigned long long)*nr);
	wl_pieces_init(&ps, bp, WL_SET_WRITABLE);
	if (*start == WL_AUTO) {
		uint64_t best = 0, best_start = 0;
		for (unsigned i = 0; i < ps.n; i++) {
			uint64_t s = round_up(ps.p[i].start, MAX_ORDER_PAGES);
			uint64_t e = ps.p[i].end / MAX_ORDER_PAGES * MAX_ORDER_PAGES;
			if (e > s && e - s > best) {
				best = e - s;
				best_start = s;
			}
		}
		if (best == 0)
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "workload buddy: no 1024-page aligned block of RAM "
			                    "outside the hugetlb pool");
		if (*nr > best && !a->set[1])
			*nr = best;
		*start = best_start;
	}
	if (*start % MAX_ORDER_PAGES)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "workload buddy: start_pfn=%#llx is not 1024-page aligned",
		                    (unsigned long long)*start);
	for (unsigned i = 0; i < ps.n; i++)
		if (*start >= ps.p[i].start && *start + *nr <= ps.p[i].end)
			return need_scratch(bp, wl, *nr * 8, "the allocation table", err);
	return vmemsim_errf(err, VMEMSIM_EINVAL,
	                    "workload buddy: pfns [%#llx, %#llx) are not all RAM outside the "
	                    "hugetlb pool",
	                    (unsigned long long)*start, (unsigned long long)(*start + *nr));
}

static int resolve_zone_device(struct wl_args *a, const struct sparse_machine *m,
                               const struct sparse_boot_params *bp, struct vmemsim_err *err)
{
	uint64_t dev = a->v[1];
	const char *model = sparse_model_name(sparse_machine_model(m));

	if (dev >= bp->nr_dev_ranges)
		return vmemsim_errf(
		    err, VMEMSIM_EINVAL,
		    "workload zone-device: dev=%llu but layout '%s' has %llu "
		    "device range(s) (try a layout with pmem, e.g. pmem-misaligned)",
		    (unsigned long long)dev, sparse_machine_layout(m)->name,
		    (unsigned long long)bp->nr_dev_ranges);
	const struct sparse_boot_dev_range *d = &bp->dev_ranges[dev];
	if (!(d->flags & SPARSE_DEV_HAS_MEMMAP))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "workload zone-device: device range %llu [%#llx, %#llx) has no "
		                    "memmap under model %s (ZONE_DEVICE needs a vmemmap model and "
		                    "a range with pages)",
		                    (unsigned long long)dev, (unsigned long long)d->start_pfn,
		                    (unsigned long long)d->end_pfn, model);
	uint64_t avail = d->end_pfn - d->first_data_pfn;
	if (a->v[2] == 0 || a->v[2] > avail)
		a->v[2] = avail;
	return 0;
}

static int resolve_chase(struct wl_args *a, const struct wl_desc *wl,
                         const struct sparse_boot_params *bp, struct vmemsim_err *err)
{
	struct wl_pieces ps;
	uint64_t nodes = a->v[0], stride = a->v[1];
	uint64_t need = (nodes - 1) * stride + (stride >= 64 ? 64 : 1);

	wl_pieces_init(&ps, bp, WL_SET_WRITABLE);
	if (need > ps.total)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "workload chase: nodes=%llu stride=%llu spans %llu pfns, the "
		                    "layout has %llu writable RAM pfns",
		                    (unsigned long long)nodes, (unsigned long long)stride,
		                    (unsigned long long)need, (unsigned long long)ps.total);
	return need_scratch(bp, wl, nodes * 4, "the node permutation", err);
}

int wl_args_resolve(struct wl_args *a, const struct wl_desc *wl, const struct sparse_machine *m,
                    struct vmemsim_err *err)
{
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
	struct wl_pieces ps;

	switch (wl->id) {
	case WL_PFN_SCAN:
		if (a->v[0] >= bp->end_pfn)
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "workload pfn-scan: start_pfn=%#llx is beyond the "
			                    "physical span (end pfn %#llx)",
			                    (unsigned long long)a->v[0],
			                    (unsigned long long)bp->end_pfn);
		if (!a->set[1] && a->v[1] > bp->end_pfn - a->v[0])
			a->v[1] = bp->end_pfn - a->v[0];
		return 0;
	case WL_RANDOM_TOUCH:
		if (a->v[1] && !a->v[2])
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "workload random-touch: write=1 needs touch=1");
		wl_pieces_init(&ps, bp, a->v[1] && !a->v[3] ? WL_SET_WRITABLE : WL_SET_RAM);
		if (!ps.total)
			return vmemsim_errf(err, VMEMSIM_EINVAL, "workload random-touch: no RAM");
		return 0;
	case WL_PAGE_TO_PFN: return need_scratch(bp, wl, a->v[1] * 8, "the page array", err);
	case WL_BUDDY: return resolve_buddy(a, wl, bp, err);
	case WL_ZONE_DEVICE: return resolve_zone_device(a, m, bp, err);
	case WL_KMAP_LIST:
	case WL_KMAP_TABLE:
		if (!bp->nr_dev_ranges)
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "workload %s: layout '%s' has no device range (try a "
			                    "layout with pmem, e.g. pmem-misaligned)",
			                    wl->name, sparse_machine_layout(m)->name);
		return 0;
	case WL_CHASE: return resolve_chase(a, wl, bp, err);
	case WL_NR_IDS: break;
	}
	return vmemsim_errf(err, VMEMSIM_EINVAL, "workload %s: unknown id %d", wl->name, wl->id);
}
