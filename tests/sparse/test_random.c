/* tests/sparse/test_random.c — seeded random layouts under every model:
 * the machine's invariants hold, pfn_valid matches an independent
 * computation from the layout, and every sampled valid pfn round-trips and
 * walks to its recorded memmap. */
#include <criterion/criterion.h>

#include "helpers.h"

static uint64_t rng;
static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

/* RAM always covers [0, 192 MiB) (the image area, and room for memmaps);
 * then up to 5 more ranges of RAM, reserved or pmem at random 4 KiB / 2 MiB
 * positions below 3 GiB. */
static void random_layout(struct sparse_layout *l)
{
	uint64_t pos = 192 * MiB + rnd(64) * 4096;
	sparse_layout_init(l);
	add_range(l, 0, pos, 0, SPARSE_RANGE_RAM);
	l->scratch_size = 2 * MiB;
	for (unsigned i = 0, n = 1 + (unsigned)rnd(5); i < n; i++) {
		enum sparse_range_kind k = (enum sparse_range_kind)rnd(3);
		uint64_t gap = rnd(3) ? rnd(300) * 4096 : rnd(100) * 2 * MiB;
		uint64_t len = rnd(2) ? (1 + rnd(200)) * 2 * MiB : (1 + rnd(20000)) * 4096;
		uint64_t s = pos + gap;
		if (k == SPARSE_RANGE_DEVICE)
			s = (s + 2 * MiB - 1) & ~(2 * MiB - 1);
		if (s + len > 3 * GiB)
			break;
		add_range(l, s, s + len, (unsigned)rnd(3), k);
		pos = s + len;
	}
	if (rnd(2)) {
		l->hugetlb_start = 16 * MiB + 32 * MiB; /* right after the image area */
		l->hugetlb_size = 8 * MiB;
	}
}

static bool expect_valid(const struct sparse_layout *l, enum sparse_model mo,
                         enum sparse_hotplug_mode mode, uint64_t pfn)
{
	uint64_t g = mode == SPARSE_HOTPLUG_SECTION ? 128 * MiB : 2 * MiB;
	uint64_t pa = pfn << 12, sec = pa >> 27, max_pa = 0;
	bool in_section = false, in_sub = false;

	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		if (r->kind != SPARSE_RANGE_DEVICE) {
			max_pa = r->end > max_pa ? r->end : max_pa;
			if ((r->start >> 27) <= sec && sec <= ((r->end - 1) >> 27))
				in_section = true;
		} else {
			uint64_t s = (r->start + g - 1) / g * g, e = r->end / g * g;
			if (r->pages && pa >= s && pa < e)
				in_sub = true;
		}
	}
	if (mo == SPARSE_MODEL_FLATMEM)
		return pfn < ((max_pa >> 12) + 1023) / 1024 * 1024;
	if (sparse_model_is_classic(mo))
		return in_section;
	return in_section || in_sub;
}

Test(sparse_random, random_layouts_keep_every_invariant)
{
	rng = 0x9e3779b97f4a7c15ull;
	for (unsigned iter = 0; iter < 24; iter++) {
		struct sparse_layout l;
		random_layout(&l);
		enum sparse_model mo = (enum sparse_model)(iter % SPARSE_NR_MODELS);
		struct sparse_machine *m = NULL;
		struct vmemsim_err err = {0};
		struct sparse_params p;
		sparse_params_default(&p);
		p.hotplug_mode = (enum sparse_hotplug_mode)rnd(2);
		p.dm_gbpages = rnd(2);
		p.dm_step_shift = rnd(2) ? 5 : 8;
		for (unsigned i = 1; i < l.nr_ranges; i++)
			l.ranges[i].pages = rnd(4) != 0;
		int rc = sparse_machine_create(&m, &l, mo, &p, &err);
		if (rc == VMEMSIM_ENOMEM && mo == SPARSE_MODEL_FLATMEM)
			continue; /* a small RAM cannot hold a mem_map for a wide span */
		cr_assert_eq(rc, 0, "iter %u %s: %s", iter, sparse_model_name(mo), err.msg);
		cr_assert_eq(sparse_machine_check(m, &err), 0, "iter %u: %s", iter, err.msg);
		uint64_t end = sparse_machine_boot_params(m)->end_pfn + 70000;
		for (unsigned k = 0; k < 4000; k++) {
			uint64_t pfn = rnd(end), va, back, want;
			struct mmu_leaf leaf;
			bool v = sparse_pfn_valid(m, pfn);
			cr_assert_eq(v, expect_valid(&l, mo, p.hotplug_mode, pfn),
			             "iter %u %s pfn %#llx", iter, sparse_model_name(mo),
			             (unsigned long long)pfn);
			if (!v)
				continue;
			cr_assert_eq(sparse_pfn_to_page(m, pfn, &va), 0);
			cr_assert_eq(sparse_page_to_pfn(m, va, &back), 0);
			cr_assert_eq(back, pfn);
			cr_assert_eq(sparse_memmap_pa(m, pfn, &want), 0);
			cr_assert_eq(mmu_pt_lookup(sparse_machine_pt(m), va, &leaf), 0);
			cr_assert_eq(leaf.pa, want);
		}
		sparse_machine_destroy(m);
	}
}

struct added {
	uint64_t lo, n;
};

static bool in_added(const struct added *a, unsigned na, uint64_t pfn)
{
	for (unsigned i = 0; i < na; i++)
		if (pfn >= a[i].lo && pfn < a[i].lo + a[i].n)
			return true;
	return false;
}

/* Random add/remove sequences of 2 MiB-aligned device ranges above RAM
 * [0, 1G + 64M): pfn_valid tracks the live set, invariants hold after every
 * step, and removing everything restores memblock and the page tables. */
Test(sparse_random, random_hotplug_sequences_restore_the_machine)
{
	rng = 0x243f6a8885a308d3ull;
	for (int mo = SPARSE_MODEL_VMEMMAP_4K; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_layout l;
		struct sparse_machine *m = NULL;
		struct vmemsim_err err = {0};
		struct added a[SPARSE_BOOT_MAX_DEV_RANGES];
		unsigned na = 0;

		sparse_layout_init(&l);
		add_range(&l, 0, 1 * GiB + 64 * MiB, 0, SPARSE_RANGE_RAM);
		add_range(&l, 4 * GiB - 2 * MiB, 4 * GiB, 0, SPARSE_RANGE_DEVICE);
		l.ranges[1].pages = false;
		cr_assert_eq(sparse_machine_create(&m, &l, mo, NULL, &err), 0, "%s", err.msg);
		uint64_t free0 = sparse_machine_stats(m)->memblock_free_bytes;
		uint64_t tables0 = 0, tables1 = 0;
		for (unsigned lv = 1; lv <= 4; lv++)
			tables0 += sparse_machine_pt(m)->table_pages[lv];

		for (unsigned step = 0; step < 40; step++) {
			if (na && (na == 12 || rnd(3) == 0)) {
				unsigned k = (unsigned)rnd(na);
				cr_assert_eq(sparse_hotplug_remove(m, a[k].lo, a[k].n, &err), 0,
				             "%s", err.msg);
				a[k] = a[--na];
			} else {
				uint64_t lo = (1 * GiB + 64 * MiB + rnd(1400) * 2 * MiB) >> 12;
				uint64_t n = (1 + rnd(rnd(2) ? 8 : 200)) * 512;
				bool clash = lo + n > (4 * GiB - 2 * MiB) >> 12;
				for (unsigned i = 0; i < na; i++)
					clash |= lo < a[i].lo + a[i].n && a[i].lo < lo + n;
				bool alt = mo != SPARSE_MODEL_VMEMMAP_4K && n > 512 && rnd(2);
				int rc = sparse_hotplug_add(m, lo, n, 0, alt, 2, &err);
				if (clash) {
					cr_assert_neq(rc, 0, "an overlapping add must fail");
					continue;
				}
				cr_assert_eq(rc, 0, "%s", err.msg);
				a[na++] = (struct added){lo, n};
			}
			cr_assert_eq(sparse_machine_check(m, &err), 0, "step %u: %s", step,
			             err.msg);
			for (unsigned k = 0; k < 300; k++) {
				uint64_t pfn =
				    (1 * GiB + 128 * MiB + rnd(3 * GiB - 192 * MiB)) >> 12;
				cr_assert_eq(sparse_pfn_valid(m, pfn), in_added(a, na, pfn),
				             "%s step %u pfn %#llx", sparse_model_name(mo), step,
				             (unsigned long long)pfn);
			}
		}
		while (na) {
			cr_assert_eq(sparse_hotplug_remove(m, a[na - 1].lo, a[na - 1].n, &err), 0);
			na--;
		}
		for (unsigned lv = 1; lv <= 4; lv++)
			tables1 += sparse_machine_pt(m)->table_pages[lv];
		cr_assert_eq(sparse_machine_stats(m)->memblock_free_bytes, free0);
		cr_assert_eq(tables1, tables0);
		sparse_machine_destroy(m);
	}
}
