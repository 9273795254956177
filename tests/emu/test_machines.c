/*
 * tests/emu/test_machines.c — the page tables sparse/ builds for every
 * memory model (direct map top-down with 1G/2M/4K pieces, vmemmap with 4K
 * or 2M leaves, altmap, HVO tails aliasing one read-only page, device
 * ranges) map into Unicorn regions that agree with the walker.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "emu/emu_internal.h"
#include "sparse/sparse.h"

#define MiB (1ull << 20)

static void add_range(struct sparse_layout *l, uint64_t start, uint64_t end, unsigned nid,
                      enum sparse_range_kind kind)
{
	struct sparse_range *r = &l->ranges[l->nr_ranges++];
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->end = end;
	r->nid = nid;
	r->kind = kind;
	r->pages = kind == SPARSE_RANGE_DEVICE;
	r->altmap_reserve = 2;
}

/* Low RAM, RAM to 200 MiB, a reserved range, RAM on node 1 in partial
 * sections, pmem crossing a section boundary, a 32 MiB hugetlb pool. */
static void machine_layout(struct sparse_layout *l)
{
	sparse_layout_init(l);
	add_range(l, 0, 0x9f000, 0, SPARSE_RANGE_RAM);
	add_range(l, 1 * MiB, 200 * MiB, 0, SPARSE_RANGE_RAM);
	add_range(l, 200 * MiB, 202 * MiB, 0, SPARSE_RANGE_RESERVED);
	add_range(l, 262 * MiB, 386 * MiB, 1, SPARSE_RANGE_RAM);
	add_range(l, 514 * MiB, 642 * MiB, 1, SPARSE_RANGE_DEVICE);
	l->hugetlb_start = 64 * MiB;
	l->hugetlb_size = 32 * MiB;
	l->scratch_size = 2 * MiB;
}

static uint64_t marker(uint64_t pa)
{
	return pa * 0x9e3779b97f4a7c15ull + 1;
}

/* Sampled independent check: a marker written at the frame is what Unicorn
 * reads at the VA (the old value is restored). */
static void sample_pages(struct emu *e, struct mmu_pt *pt, struct mmu_phys *phys)
{
	struct emu_region r[1024];
	size_t n = emu_regions(e, r, 1024);
	cr_assert_leq(n, 1024);
	for (size_t i = 0; i < n; i++) {
		for (uint64_t off = 0; off < r[i].size; off += 61 * 4096ull) {
			uint64_t va = r[i].va + off, got = 0;
			struct mmu_leaf leaf;
			cr_assert_eq(mmu_pt_lookup(pt, va, &leaf), 0);
			uint64_t old = mmu_phys_read64(phys, leaf.pa);
			mmu_phys_write64(phys, leaf.pa, marker(leaf.pa));
			cr_assert_eq(uc_mem_read(e->uc, va, &got, 8), UC_ERR_OK);
			mmu_phys_write64(phys, leaf.pa, old);
			cr_assert_eq(got, marker(leaf.pa), "va 0x%llx", (unsigned long long)va);
		}
	}
}

ParameterizedTestParameters(emu_machines, every_model_maps_and_agrees_with_the_walker)
{
	static enum sparse_model models[SPARSE_NR_MODELS];
	for (int i = 0; i < SPARSE_NR_MODELS; i++)
		models[i] = (enum sparse_model)i;
	return cr_make_param_array(enum sparse_model, models, SPARSE_NR_MODELS);
}

ParameterizedTest(enum sparse_model *model, emu_machines,
                  every_model_maps_and_agrees_with_the_walker)
{
	struct sparse_layout l;
	struct sparse_machine *m;
	struct emu *e;
	struct vmemsim_err err = {0};
	machine_layout(&l);
	cr_assert_eq(sparse_machine_create(&m, &l, *model, NULL, &err), 0, "%s: %s",
	             sparse_model_name(*model), err.msg);
	cr_assert_eq(emu_create(&e, NULL, sparse_machine_pt(m), sparse_machine_phys(m), NULL, &err),
	             0);
	cr_assert_eq(emu_map_from_page_tables(e, 0, 0, &err), 0, "%s: %s",
	             sparse_model_name(*model), err.msg);
	cr_assert_eq(emu_check(e, 0, 0, &err), 0, "%s: %s", sparse_model_name(*model), err.msg);
	sample_pages(e, sparse_machine_pt(m), sparse_machine_phys(m));
	size_t n = emu_regions(e, NULL, 0), windows = 0;
	struct emu_region r[1024];
	emu_regions(e, r, 1024);
	for (size_t i = 0; i < n; i++)
		windows += r[i].mmio;
	if (*model == SPARSE_MODEL_VMEMMAP_HVO)
		cr_assert_geq(windows, 1, "the HVO tails are a window");
	cr_log_info("%s: %zu regions, %zu windows", sparse_model_name(*model), n, windows);
	emu_destroy(e);
	sparse_machine_destroy(m);
}
