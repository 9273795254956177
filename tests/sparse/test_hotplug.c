/* tests/sparse/test_hotplug.c — ZONE_DEVICE hot-add and removal at
 * sub-section and section granularity: round trips leak nothing, capacity
 * lost to padding, the altmap, failing allocations. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "sparse/internal.h"

#define PFN(x) ((x) >> 12)

/* RAM [0, 1G + 64M) (section 8 is a partial early section), and a page-less
 * device range at the top to give the machine a 4 GiB physical span. */
static struct sparse_machine *build(enum sparse_model model, enum sparse_hotplug_mode mode)
{
	struct sparse_layout l;
	struct sparse_params p;
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};

	sparse_layout_init(&l);
	add_range(&l, 0, 1 * GiB + 64 * MiB, 0, SPARSE_RANGE_RAM);
	add_range(&l, 4 * GiB - 2 * MiB, 4 * GiB, 0, SPARSE_RANGE_DEVICE);
	l.ranges[1].pages = false;
	sparse_params_default(&p);
	p.hotplug_mode = mode;
	cr_assert_eq(sparse_machine_create(&m, &l, model, &p, &err), 0, "%s", err.msg);
	return m;
}

struct snap {
	uint64_t free, tables[6], bytes[SPARSE_NR_USES], present;
};

static struct snap snap(struct sparse_machine *m)
{
	struct snap s;
	const struct sparse_stats *st = sparse_machine_stats(m);
	s.free = sparse_mb_free_bytes(&m->mb);
	memcpy(s.tables, sparse_machine_pt(m)->table_pages, sizeof(s.tables));
	memcpy(s.bytes, st->bytes, sizeof(s.bytes));
	s.present = st->present_sections;
	return s;
}

static void assert_same(struct snap a, struct snap b)
{
	cr_assert_eq(a.free, b.free, "memblock free %llu vs %llu", (unsigned long long)a.free,
	             (unsigned long long)b.free);
	for (unsigned l = 1; l <= 5; l++)
		cr_assert_eq(a.tables[l], b.tables[l], "level %u tables", l);
	for (unsigned u = 0; u < SPARSE_NR_USES; u++)
		cr_assert_eq(a.bytes[u], b.bytes[u], "%s bytes", sparse_use_name(u));
	cr_assert_eq(a.present, b.present);
}

Test(sparse_hotplug, subsection_add_remove_round_trip_leaks_nothing)
{
	for (int mo = SPARSE_MODEL_VMEMMAP_4K; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = build(mo, SPARSE_HOTPLUG_SUBSECTION);
		struct vmemsim_err err = {0};
		uint64_t lo = PFN(2 * GiB + 6 * MiB), n = PFN(300 * MiB);
		bool alt = mo == SPARSE_MODEL_VMEMMAP_ALTMAP;
		struct snap before = snap(m);

		cr_assert_eq(sparse_hotplug_add(m, lo, n, 0, alt, 2, &err), 0, "%s", err.msg);
		cr_assert(sparse_pfn_valid(m, lo));
		cr_assert(sparse_pfn_valid(m, lo + n - 1));
		cr_assert_not(sparse_pfn_valid(m, lo - 1));
		cr_assert_not(sparse_pfn_valid(m, lo + n));
		cr_assert_eq(sparse_machine_check(m, &err), 0, "%s", err.msg);
		cr_assert_eq(sparse_hotplug_remove(m, lo, n, &err), 0, "%s", err.msg);
		cr_assert_not(sparse_pfn_valid(m, lo));
		assert_same(before, snap(m));
		cr_assert_eq(sparse_machine_stats(m)->memblock_free_bytes,
		             sparse_mb_free_bytes(&m->mb));
		/* and again: the same range can come back */
		cr_assert_eq(sparse_hotplug_add(m, lo, n, 0, alt, 2, &err), 0, "%s", err.msg);
		cr_assert_eq(sparse_hotplug_remove(m, lo, n, &err), 0, "%s", err.msg);
		assert_same(before, snap(m));
		sparse_machine_destroy(m);
	}
}

Test(sparse_hotplug, adding_into_an_early_section_reuses_its_memmap)
{
	struct sparse_machine *m = build(SPARSE_MODEL_VMEMMAP_2M, SPARSE_HOTPLUG_SUBSECTION);
	struct vmemsim_err err = {0};
	uint64_t lo = PFN(1 * GiB + 64 * MiB), n = PFN(64 * MiB);
	struct snap before = snap(m);
	struct sparse_mem_section ms;

	cr_assert_eq(sparse_hotplug_add(m, lo, n, 0, false, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(sparse_machine_stats(m)->bytes[SPARSE_USE_MEMMAP],
	             before.bytes[SPARSE_USE_MEMMAP], "no new memmap");
	cr_assert_eq(sparse_read_section(m, 8, &ms), 0);
	cr_assert(ms.section_mem_map & SPARSE_SECTION_IS_EARLY);
	cr_assert(ms.section_mem_map & SPARSE_SECTION_TAINT_ZONE_DEVICE);
	cr_assert_eq(sparse_hotplug_remove(m, lo, n, &err), 0, "%s", err.msg);
	cr_assert(sparse_pfn_valid(m, lo), "early sections stay valid across all their pfns");
	sparse_machine_destroy(m);
}

Test(sparse_hotplug, overlapping_or_misaligned_adds_fail_and_change_nothing)
{
	struct sparse_machine *m = build(SPARSE_MODEL_VMEMMAP_2M, SPARSE_HOTPLUG_SUBSECTION);
	struct vmemsim_err err = {0};
	struct snap before = snap(m);

	cr_assert_eq(sparse_hotplug_add(m, PFN(1 * GiB), PFN(64 * MiB), 0, false, 0, &err),
	             VMEMSIM_EEXIST, "RAM sub-sections are taken");
	cr_assert(strstr(err.msg, "overlap"), "%s", err.msg);
	assert_same(before, snap(m));
	cr_assert_eq(sparse_hotplug_add(m, PFN(2 * GiB) + 1, 512, 0, false, 0, &err),
	             VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "aligned to 512 pages"), "%s", err.msg);
	cr_assert_eq(sparse_hotplug_add(m, PFN(2 * GiB), PFN(2 * MiB), 0, false, 0, &err), 0);
	cr_assert_eq(sparse_hotplug_add(m, PFN(2 * GiB), PFN(4 * MiB), 0, false, 0, &err),
	             VMEMSIM_EEXIST);
	cr_assert_eq(sparse_hotplug_remove(m, PFN(2 * GiB), PFN(4 * MiB), &err), VMEMSIM_ENOENT);
	cr_assert_eq(sparse_hotplug_remove(m, PFN(2 * GiB), PFN(2 * MiB), &err), 0);
	assert_same(before, snap(m));
	sparse_machine_destroy(m);
}

Test(sparse_hotplug, classic_sparse_has_no_zone_device)
{
	struct sparse_machine *m = build(SPARSE_MODEL_EXTREME, SPARSE_HOTPLUG_SUBSECTION);
	struct vmemsim_err err = {0};
	cr_assert_eq(sparse_hotplug_add(m, PFN(2 * GiB), PFN(128 * MiB), 0, false, 0, &err),
	             VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "SPARSEMEM_VMEMMAP"), "%s", err.msg);
	sparse_machine_destroy(m);
}

Test(sparse_hotplug, section_mode_needs_section_alignment)
{
	struct sparse_machine *m = build(SPARSE_MODEL_VMEMMAP_2M, SPARSE_HOTPLUG_SECTION);
	struct vmemsim_err err = {0};
	cr_assert_eq(
	    sparse_hotplug_add(m, PFN(2 * GiB + 2 * MiB), PFN(128 * MiB), 0, false, 0, &err),
	    VMEMSIM_EINVAL);
	cr_assert_eq(sparse_hotplug_add(m, PFN(2 * GiB), PFN(256 * MiB), 0, false, 0, &err), 0);
	cr_assert_eq(sparse_machine_stats(m)->vmemmap_leaves[MMU_PAGE_2M], 9 + 2);
	sparse_machine_destroy(m);
}

/* Two whole sections with an altmap, reserve 2: free = ALIGN(2 + 1024, 512)
 * - 2 = 1534 pfns; blocks are 512-aligned, so the first memmap block sits at
 * base + 512 pfns, the second at base + 1024; data starts at base + 1536. */
Test(sparse_hotplug, altmap_places_the_memmap_inside_the_device)
{
	struct sparse_machine *m = build(SPARSE_MODEL_VMEMMAP_ALTMAP, SPARSE_HOTPLUG_SUBSECTION);
	struct vmemsim_err err = {0};
	uint64_t base = PFN(2 * GiB), pa;
	uint64_t ram_memmap = sparse_machine_stats(m)->bytes[SPARSE_USE_MEMMAP];

	cr_assert_eq(sparse_hotplug_add(m, base, PFN(256 * MiB), 0, true, 2, &err), 0, "%s",
	             err.msg);
	struct sparse_dev *d = &m->devs[0];
	cr_assert_eq(d->altmap.free, 1534);
	cr_assert_eq(d->altmap.alloc, 1024);
	cr_assert_eq(d->altmap.align, 510);
	cr_assert_eq(sparse_va_to_pa(m, SPARSE_VMEMMAP_BASE + base * 64, &pa), 0);
	cr_assert_eq(pa, 2 * GiB + 2 * MiB);
	cr_assert_eq(sparse_va_to_pa(m, SPARSE_VMEMMAP_BASE + (base + 32768) * 64, &pa), 0);
	cr_assert_eq(pa, 2 * GiB + 4 * MiB);
	cr_assert_eq(sparse_machine_stats(m)->bytes[SPARSE_USE_MEMMAP], ram_memmap,
	             "no RAM spent on the device memmap");
	cr_assert_eq(sparse_machine_stats(m)->bytes[SPARSE_USE_MEMMAP_ALTMAP], 4 * MiB);
	sparse_machine_destroy(m);
}

Test(sparse_hotplug, failing_allocation_leaves_the_machine_unchanged)
{
	struct sparse_machine *m = build(SPARSE_MODEL_VMEMMAP_2M, SPARSE_HOTPLUG_SUBSECTION);
	struct vmemsim_err err = {0};
	/* take nearly all free RAM, leaving a few pages for page tables */
	uint64_t left = sparse_mb_free_bytes(&m->mb);
	while (left > 16 * 4096 && sparse_mb_alloc(&m->mb, 4096, 4096, -1, 0, UINT64_MAX) != NO_PA)
		left -= 4096;
	struct snap before = snap(m);
	int rc = sparse_hotplug_add(m, PFN(2 * GiB), PFN(1 * GiB), 0, false, 0, &err);
	cr_assert_eq(rc, VMEMSIM_ENOMEM, "rc %d %s", rc, err.msg);
	assert_same(before, snap(m));
	cr_assert_not(sparse_pfn_valid(m, PFN(2 * GiB)));
	sparse_machine_destroy(m);
}

/* pmem [4G + 6M, 5G + 136M): 2 MiB aligned, not section aligned. */
Test(sparse_hotplug, misaligned_pmem_loses_nothing_with_subsections)
{
	uint64_t lost, s = 4 * GiB + 6 * MiB, e = 5 * GiB + 136 * MiB;
	cr_assert_eq(sparse_hotplug_usable(s, e, SPARSE_HOTPLUG_SUBSECTION, &lost), e - s);
	cr_assert_eq(lost, 0);
	/* section mode: [4G + 128M, 5G + 128M) survives, 130 MiB is padding */
	cr_assert_eq(sparse_hotplug_usable(s, e, SPARSE_HOTPLUG_SECTION, &lost), 1 * GiB);
	cr_assert_eq(lost, 130 * MiB);
	/* a 4 KiB-misaligned start loses up to the next 2 MiB even with sub-sections */
	cr_assert_eq(sparse_hotplug_usable(s + 4096, e, SPARSE_HOTPLUG_SUBSECTION, &lost),
	             e - s - 2 * MiB);
	cr_assert_eq(lost, 2 * MiB - 4096);
}

Test(sparse_hotplug, machine_reports_padding_per_mode)
{
	for (int mode = 0; mode < 2; mode++) {
		struct sparse_layout l;
		struct sparse_params p;
		struct sparse_machine *m = NULL;
		struct vmemsim_err err = {0};
		sparse_layout_init(&l);
		add_range(&l, 0, 4 * GiB, 0, SPARSE_RANGE_RAM);
		add_range(&l, 4 * GiB + 6 * MiB, 5 * GiB + 136 * MiB, 0, SPARSE_RANGE_DEVICE);
		sparse_params_default(&p);
		p.hotplug_mode = mode;
		cr_assert_eq(sparse_machine_create(&m, &l, SPARSE_MODEL_VMEMMAP_2M, &p, &err), 0,
		             "%s", err.msg);
		const struct sparse_stats *st = sparse_machine_stats(m);
		cr_assert_eq(st->padding_lost_bytes, mode ? 130 * MiB : 0);
		cr_assert_eq(st->device_added_bytes, mode ? 1 * GiB : 1 * GiB + 130 * MiB);
		cr_assert_eq(sparse_machine_check(m, &err), 0, "%s", err.msg);
		sparse_machine_destroy(m);
	}
}

/* 8 GiB of pmem needs 128 MiB of memmap in RAM; 64 MiB of RAM cannot hold
 * it: the build fails naming the device range, and frees everything (the
 * ASan build checks for leaks). */
Test(sparse_hotplug, device_memmap_larger_than_ram_fails_the_build_cleanly)
{
	struct sparse_layout l;
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};

	sparse_layout_init(&l);
	add_range(&l, 0, 64 * MiB, 0, SPARSE_RANGE_RAM);
	add_range(&l, 1 * GiB, 9 * GiB, 0, SPARSE_RANGE_DEVICE);
	l.scratch_size = 0;
	cr_assert_eq(sparse_machine_create(&m, &l, SPARSE_MODEL_VMEMMAP_2M, NULL, &err),
	             VMEMSIM_ENOMEM);
	cr_assert(strstr(err.msg, "device range 1"), "%s", err.msg);
	cr_assert_null(m);
	/* with the memmap in the device itself it fits */
	cr_assert_eq(sparse_machine_create(&m, &l, SPARSE_MODEL_VMEMMAP_ALTMAP, NULL, &err), 0,
	             "%s", err.msg);
	cr_assert_eq(sparse_machine_stats(m)->bytes[SPARSE_USE_MEMMAP_ALTMAP], 128 * MiB);
	sparse_machine_destroy(m);
}
