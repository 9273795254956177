/*
 * workloads/reference.c — host references: the checksum each guest workload
 * must produce, computed from the sparse model.
 *
 * The references never run guest code and never share code with it beyond
 * wl_prng.h: struct page addresses come from sparse_pfn_to_page() (which
 * reads the guest's mem_section/vmemmap structures with its own code), page
 * contents from sparse_read64(), allocator decisions from an independent
 * pfn-indexed buddy simulation.  Draws use the seed in setup and seed ^ 1 in
 * the measure phase, as the guest does.
 */
#include <stdlib.h>
#include <string.h>

#include "../workloads/wl_prng.h"
#include "wl_internal.h"

#define MEASURE_SEED(s) ((s) ^ 1)

static int page_of(const struct sparse_machine *m, uint64_t pfn, uint64_t *va,
                   struct vmemsim_err *err)
{
	int rc = sparse_pfn_to_page(m, pfn, va);
	if (rc)
		return vmemsim_errf(err, rc, "reference: pfn_to_page(%#llx) failed: %s",
		                    (unsigned long long)pfn, vmemsim_rc_name(rc));
	return 0;
}

static int read64(const struct sparse_machine *m, uint64_t va, uint64_t *v, struct vmemsim_err *err)
{
	int rc = sparse_read64(m, va, v);
	if (rc)
		return vmemsim_errf(err, rc, "reference: va %#llx is unmapped",
		                    (unsigned long long)va);
	return 0;
}

static int ref_pfn_scan(const struct wl_args *a, const struct sparse_machine *m,
                        struct wl_expect *out, struct vmemsim_err *err)
{
	uint64_t cs = WL_CHECKSUM_INIT, valid = 0, end = a->v[0] + a->v[1];

	for (uint64_t pfn = a->v[0]; pfn < end; pfn++) {
		uint64_t va, flags;
		if (!sparse_pfn_valid(m, pfn))
			continue;
		if (page_of(m, pfn, &va, err) || read64(m, va, &flags, err))
			return err ? err->code : VMEMSIM_EFAULT;
		cs = wl_mix(cs, va ^ flags);
		valid++;
	}
	*out = (struct wl_expect){cs, valid, valid};
	return 0;
}

static int ref_random_touch(const struct wl_args *a, const struct sparse_machine *m,
                            struct wl_expect *out, struct vmemsim_err *err)
{
	struct wl_pieces ps;
	uint64_t s = MEASURE_SEED(a->seed), cs = WL_CHECKSUM_INIT, n = a->v[0];

	wl_pieces_init(&ps, sparse_machine_boot_params(m),
	               a->v[1] && !a->v[3] ? WL_SET_WRITABLE : WL_SET_RAM);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t va, flags = 0, pfn = wl_pieces_rank(&ps, wl_rand_below(&s, ps.total));
		if (page_of(m, pfn, &va, err) || (a->v[2] && read64(m, va, &flags, err)))
			return err ? err->code : VMEMSIM_EFAULT;
		cs = wl_mix(cs, va ^ flags);
	}
	*out = (struct wl_expect){cs, n, n};
	return 0;
}

static int ref_page_to_pfn(const struct wl_args *a, const struct sparse_machine *m,
                           struct wl_expect *out, struct vmemsim_err *err)
{
	struct wl_pieces ps;
	uint64_t n = a->v[0], npages = a->v[1], s = a->seed, cs = WL_CHECKSUM_INIT;
	uint64_t *pfns = malloc(npages * sizeof(*pfns));

	if (!pfns)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "reference: out of memory");
	wl_pieces_init(&ps, sparse_machine_boot_params(m), WL_SET_RAM);
	for (uint64_t j = 0; j < npages; j++) {
		uint64_t va;
		pfns[j] = wl_pieces_rank(&ps, wl_rand_below(&s, ps.total));
		if (page_of(m, pfns[j], &va, err)) {
			free(pfns);
			return err ? err->code : VMEMSIM_EINVAL;
		}
	}
	s = MEASURE_SEED(a->seed);
	for (uint64_t i = 0; i < n; i++)
		cs = wl_mix(cs, pfns[wl_rand_below(&s, npages)]);
	free(pfns);
	*out = (struct wl_expect){cs, n, npages};
	return 0;
}

static int ref_zone_device(const struct wl_args *a, const struct sparse_machine *m,
                           struct wl_expect *out, struct vmemsim_err *err)
{
	const struct sparse_boot_dev_range *d = &sparse_machine_boot_params(m)->dev_ranges[a->v[1]];
	uint64_t start = d->first_data_pfn, end = start + a->v[2], cs = WL_CHECKSUM_INIT;

	for (uint64_t p = 0; p < a->v[0]; p++) {
		for (uint64_t pfn = start; pfn < end; pfn++) {
			uint64_t va;
			if (page_of(m, pfn, &va, err))
				return err ? err->code : VMEMSIM_EINVAL;
			cs = wl_mix(cs, va);
		}
	}
	*out = (struct wl_expect){cs, a->v[0] * (end - start), end - start};
	return 0;
}

static int ref_kmap(const struct wl_args *a, const struct sparse_machine *m, bool table,
                    struct wl_expect *out, struct vmemsim_err *err)
{
	struct wl_pieces ps;
	uint64_t s = MEASURE_SEED(a->seed), cs = WL_CHECKSUM_INIT, found = 0, n = a->v[0];

	wl_pieces_init(&ps, sparse_machine_boot_params(m), WL_SET_DEVICE);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pfn = wl_pieces_rank(&ps, wl_rand_below(&s, ps.total));
		uint64_t kaddr = 0, v = 0;
		int rc = table ? sparse_pfn_to_kaddr_table(m, pfn, &kaddr, NULL)
		               : sparse_pfn_to_kaddr_list(m, pfn, &kaddr, NULL);
		if (rc == VMEMSIM_ENOENT)
			kaddr = 0;
		else if (rc)
			return vmemsim_errf(err, rc, "reference: kaddr of pfn %#llx: %s",
			                    (unsigned long long)pfn, vmemsim_rc_name(rc));
		if (kaddr) {
			found++;
			if (a->v[1] && read64(m, kaddr, &v, err))
				return err ? err->code : VMEMSIM_EFAULT;
		}
		cs = wl_mix(cs, kaddr ^ v);
	}
	*out = (struct wl_expect){cs, n, found};
	return 0;
}

static int ref_chase(const struct wl_args *a, const struct sparse_machine *m, struct wl_expect *out,
                     struct vmemsim_err *err)
{
	struct wl_pieces ps;
	uint64_t nodes = a->v[0], stride = a->v[1], hops = a->v[2], s = a->seed;
	uint32_t *perm = malloc(nodes * sizeof(*perm));
	uint64_t *va = malloc(nodes * sizeof(*va));
	int rc = 0;

	if (!perm || !va) {
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "reference: out of memory");
		goto out;
	}
	wl_pieces_init(&ps, sparse_machine_boot_params(m), WL_SET_WRITABLE);
	for (uint64_t j = 0; j < nodes; j++)
		perm[j] = (uint32_t)j;
	for (uint64_t j = nodes - 1; j > 0; j--) {
		uint64_t k = wl_rand_below(&s, j + 1);
		uint32_t t = perm[j];
		perm[j] = perm[k];
		perm[k] = t;
	}
	/* va[k]: the node at position k of the cycle; hop h lands on k = h % nodes. */
	for (uint64_t k = 0; k < nodes; k++) {
		uint64_t j = perm[k];
		uint64_t pfn = wl_pieces_rank(&ps, j * stride + (stride >= 64 ? j % 64 : 0));
		if ((rc = page_of(m, pfn, &va[k], err)))
			goto out;
	}
	uint64_t sum = 0, last = va[0];
	for (uint64_t h = 1; h <= hops; h++) {
		last = va[h % nodes];
		sum += last;
	}
	*out = (struct wl_expect){wl_mix(wl_mix(WL_CHECKSUM_INIT, last), sum), hops, nodes};
out:
	free(perm);
	free(va);
	return rc;
}

int wl_ref_buddy(const struct wl_args *a, struct wl_expect *out, struct vmemsim_err *err);

int wl_reference(const struct wl_desc *wl, const struct wl_args *a, const struct sparse_machine *m,
                 uint64_t pgmap_va, struct wl_expect *out, struct vmemsim_err *err)
{
	(void)pgmap_va;
	switch (wl->id) {
	case WL_PFN_SCAN: return ref_pfn_scan(a, m, out, err);
	case WL_RANDOM_TOUCH: return ref_random_touch(a, m, out, err);
	case WL_PAGE_TO_PFN: return ref_page_to_pfn(a, m, out, err);
	case WL_BUDDY: return wl_ref_buddy(a, out, err);
	case WL_ZONE_DEVICE: return ref_zone_device(a, m, out, err);
	case WL_KMAP_LIST: return ref_kmap(a, m, false, out, err);
	case WL_KMAP_TABLE: return ref_kmap(a, m, true, out, err);
	case WL_CHASE: return ref_chase(a, m, out, err);
	case WL_NR_IDS: break;
	}
	return vmemsim_errf(err, VMEMSIM_EINVAL, "reference: unknown workload %s", wl->name);
}
