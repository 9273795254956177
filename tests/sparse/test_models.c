/* tests/sparse/test_models.c — every memory model built over one awkward
 * layout: reference pfn_to_page / page_to_pfn / pfn_valid agree with each
 * other, with the builder's memmap records and with the page-table walker;
 * struct pages are initialised as the kernel does; seed-004 lookups. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static struct sparse_machine *build(enum sparse_model model, const struct sparse_layout *l)
{
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};
	int rc = sparse_machine_create(&m, l, model, NULL, &err);
	cr_assert_eq(rc, 0, "%s: %s", sparse_model_name(model), err.msg);
	cr_assert_eq(sparse_machine_check(m, &err), 0, "%s: %s", sparse_model_name(model), err.msg);
	return m;
}

static struct sparse_machine *build_tiny(enum sparse_model model)
{
	struct sparse_layout l;
	tiny_layout(&l);
	return build(model, &l);
}

static struct sparse_page read_page(const struct sparse_machine *m, uint64_t pfn)
{
	struct sparse_page p;
	uint64_t va, *w = (uint64_t *)&p;
	cr_assert_eq(sparse_pfn_to_page(m, pfn, &va), 0, "pfn %#llx", (unsigned long long)pfn);
	for (unsigned i = 0; i < 8; i++)
		cr_assert_eq(sparse_read64(m, va + 8 * i, &w[i]), 0);
	return p;
}

#define PFN(x) ((x) >> 12)

/* Hand-computed: flatmem covers ALIGN(386 MiB / 4 KiB, 1024) pfns; classic
 * sparse 4 early sections; vmemmap adds the 128 MiB of pmem. */
Test(sparse_models, valid_pfn_counts_are_hand_computed)
{
	const uint64_t expect[SPARSE_NR_MODELS] = {99328,  131072, 131072, 163840,
	                                           163840, 163840, 163840};
	for (int mo = 0; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = build_tiny(mo);
		uint64_t n = 0;
		for (uint64_t pfn = 0; pfn < PFN(800 * MiB); pfn++)
			n += sparse_pfn_valid(m, pfn);
		cr_assert_eq(n, expect[mo], "%s: %llu valid", sparse_model_name(mo),
		             (unsigned long long)n);
		sparse_machine_destroy(m);
	}
}

Test(sparse_models, every_valid_pfn_round_trips_and_walks_to_its_memmap)
{
	for (int mo = 0; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = build_tiny(mo);
		struct mmu_pt *pt = sparse_machine_pt(m);
		for (uint64_t pfn = 0; pfn < PFN(700 * MiB); pfn++) {
			uint64_t va, back, want;
			struct mmu_leaf leaf;
			if (!sparse_pfn_valid(m, pfn))
				continue;
			cr_assert_eq(sparse_pfn_to_page(m, pfn, &va), 0);
			cr_assert_eq(sparse_page_to_pfn(m, va, &back), 0);
			cr_assert_eq(back, pfn, "%s: pfn %#llx -> %#llx -> %#llx",
			             sparse_model_name(mo), (unsigned long long)pfn,
			             (unsigned long long)va, (unsigned long long)back);
			cr_assert_eq(sparse_memmap_pa(m, pfn, &want), 0);
			cr_assert_eq(mmu_pt_lookup(pt, va, &leaf), 0);
			cr_assert_eq(leaf.pa, want, "%s: pfn %#llx", sparse_model_name(mo),
			             (unsigned long long)pfn);
		}
		sparse_machine_destroy(m);
	}
}

Test(sparse_models, vmemmap_models_place_struct_pages_at_vmemmap_plus_pfn)
{
	for (int mo = SPARSE_MODEL_VMEMMAP_4K; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = build_tiny(mo);
		uint64_t va;
		cr_assert_eq(sparse_pfn_to_page(m, PFN(300 * MiB), &va), 0);
		cr_assert_eq(va, SPARSE_VMEMMAP_BASE + PFN(300 * MiB) * 64);
		sparse_machine_destroy(m);
	}
}

Test(sparse_models, pfn_valid_follows_early_sections_and_subsections)
{
	for (int mo = 0; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = build_tiny(mo);
		bool flat = mo == SPARSE_MODEL_FLATMEM, vm = sparse_model_is_vmemmap(mo);
		/* a hole inside an early section is valid (Reserved pages) */
		cr_assert(sparse_pfn_valid(m, PFN(203 * MiB)));
		/* section 3 is early through RAM [384, 386) MiB: all of it valid */
		cr_assert_eq(sparse_pfn_valid(m, PFN(450 * MiB)), !flat);
		/* section 4: only pmem sub-sections from 514 MiB */
		cr_assert_not(sparse_pfn_valid(m, PFN(513 * MiB)));
		cr_assert_eq(sparse_pfn_valid(m, PFN(514 * MiB)), vm);
		cr_assert_eq(sparse_pfn_valid(m, PFN(641 * MiB)), vm);
		cr_assert_not(sparse_pfn_valid(m, PFN(643 * MiB)));
		cr_assert_not(sparse_pfn_valid(m, 1ull << 40));
		sparse_machine_destroy(m);
	}
}

Test(sparse_models, struct_pages_are_initialised_like_init_single_page)
{
	for (int mo = 0; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = build_tiny(mo);
		const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
		struct sparse_page p = read_page(m, PFN(5 * MiB));
		uint64_t va;

		sparse_pfn_to_page(m, PFN(5 * MiB), &va);
		cr_assert_eq(p._refcount, 1);
		cr_assert_eq(p._mapcount, -1);
		cr_assert_eq(p.lru_next, va + 8);
		cr_assert_eq(p.lru_prev, va + 8);
		cr_assert_eq((p.flags >> SPARSE_PG_reserved) & 1, 0, "free RAM is not Reserved");
		cr_assert_eq((p.flags >> bp->zones_pgshift) & 7, SPARSE_ZONE_DMA);
		cr_assert_eq((p.flags >> bp->nodes_pgshift) & 63, 0);

		p = read_page(m, PFN(300 * MiB));
		cr_assert_eq((p.flags >> bp->nodes_pgshift) & 63, 1);
		cr_assert_eq((p.flags >> bp->zones_pgshift) & 7, SPARSE_ZONE_DMA32);
		if (sparse_model_is_classic(mo))
			cr_assert_eq(p.flags >> bp->sections_pgshift, 2, "section 2 in flags");

		p = read_page(m, PFN(203 * MiB));
		cr_assert((p.flags >> SPARSE_PG_reserved) & 1, "holes are Reserved");
		p = read_page(m, PFN(201 * MiB));
		cr_assert((p.flags >> SPARSE_PG_reserved) & 1, "reserved ranges are Reserved");
		p = read_page(m, PFN(20 * MiB));
		cr_assert((p.flags >> SPARSE_PG_reserved) & 1, "the kernel image is Reserved");
		sparse_machine_destroy(m);
	}
}

Test(sparse_models, page_flags_layout_matches_page_flags_layout_h)
{
	struct sparse_machine *m = build_tiny(SPARSE_MODEL_EXTREME);
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
	cr_assert_eq(bp->sections_width, 19);
	cr_assert_eq(bp->sections_pgshift, 45);
	cr_assert_eq(bp->nodes_pgshift, 39);
	cr_assert_eq(bp->zones_pgshift, 36);
	sparse_machine_destroy(m);
	m = build_tiny(SPARSE_MODEL_VMEMMAP_2M);
	bp = sparse_machine_boot_params(m);
	cr_assert_eq(bp->sections_width, 0);
	cr_assert_eq(bp->nodes_pgshift, 58);
	cr_assert_eq(bp->zones_pgshift, 55);
	sparse_machine_destroy(m);
}

Test(sparse_models, sections_carry_the_kernels_flags)
{
	struct sparse_machine *m = build_tiny(SPARSE_MODEL_VMEMMAP_2M);
	struct sparse_mem_section ms;
	const uint64_t early = SPARSE_SECTION_MARKED_PRESENT | SPARSE_SECTION_HAS_MEM_MAP |
	                       SPARSE_SECTION_IS_ONLINE | SPARSE_SECTION_IS_EARLY;

	cr_assert_eq(sparse_read_section(m, 2, &ms), 0);
	cr_assert_eq(ms.section_mem_map & ~SPARSE_SECTION_MAP_MASK, early);
	cr_assert_eq(ms.section_mem_map & SPARSE_SECTION_MAP_MASK, SPARSE_VMEMMAP_BASE);
	/* section 4 holds only pmem from 514 MiB: present, not online, not
	 * early, tainted (unaligned ZONE_DEVICE start); sub-sections 1..63 */
	cr_assert_eq(sparse_read_section(m, 4, &ms), 0);
	cr_assert_eq(ms.section_mem_map & ~SPARSE_SECTION_MAP_MASK,
	             SPARSE_SECTION_MARKED_PRESENT | SPARSE_SECTION_HAS_MEM_MAP |
	                 SPARSE_SECTION_TAINT_ZONE_DEVICE);
	uint64_t map;
	cr_assert_eq(sparse_read64(m, ms.usage + 16, &map), 0);
	cr_assert_eq(map, ~1ull);
	cr_assert_eq(sparse_read_section(m, 5, &ms), 0);
	cr_assert_eq(sparse_read64(m, ms.usage + 16, &map), 0);
	cr_assert_eq(map, 1ull);
	/* an early section's map is filled from memblock: RAM [262, 256+128) */
	cr_assert_eq(sparse_read_section(m, 2, &ms), 0);
	cr_assert_eq(sparse_read64(m, ms.usage + 16, &map), 0);
	cr_assert_eq(map, ~0ull << 3, "sub-sections 3..63 of section 2 hold RAM");
	sparse_machine_destroy(m);
}

Test(sparse_models, classic_sections_point_into_the_direct_map)
{
	struct sparse_machine *m = build_tiny(SPARSE_MODEL_STATIC);
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
	struct sparse_mem_section ms;
	uint64_t decoded;

	cr_assert_eq(bp->sections_per_root, 1);
	cr_assert_eq(bp->mem_section, 0xffffffff82000000ull, "the image's .bss");
	cr_assert_eq(sparse_read_section(m, 1, &ms), 0);
	decoded = sparse_decode_mem_map(ms.section_mem_map, 1);
	cr_assert(decoded >= SPARSE_PAGE_OFFSET && decoded < SPARSE_PAGE_OFFSET + 386 * MiB);
	cr_assert_eq(decoded % (2 * MiB), 0, "section memmaps are 2 MiB chunks");
	sparse_machine_destroy(m);
}

Test(sparse_models, hugetlb_pages_are_compound)
{
	struct sparse_machine *m = build_tiny(SPARSE_MODEL_VMEMMAP_2M);
	uint64_t head = PFN(64 * MiB), head_va;
	struct sparse_page h = read_page(m, head), t = read_page(m, head + 100);

	sparse_pfn_to_page(m, head, &head_va);
	cr_assert((h.flags >> SPARSE_PG_head) & 1);
	cr_assert_eq(t.lru_next, head_va | 1, "compound_head of a tail");
	cr_assert_eq((t.flags >> SPARSE_PG_head) & 1, 0);
	cr_assert_eq(read_page(m, head + 1).flags & 0xff, 9, "folio order in page[1]");
	sparse_machine_destroy(m);
}

Test(sparse_models, hvo_maps_tail_vmemmap_pages_read_only_to_one_page)
{
	struct sparse_machine *m = build_tiny(SPARSE_MODEL_VMEMMAP_HVO);
	struct mmu_pt *pt = sparse_machine_pt(m);
	uint64_t head = PFN(64 * MiB), va = SPARSE_VMEMMAP_BASE + head * 64;
	struct mmu_leaf l0, l1, l7, l8;

	cr_assert_eq(mmu_pt_lookup(pt, va, &l0), 0);
	cr_assert_eq(mmu_pt_lookup(pt, va + 4096, &l1), 0);
	cr_assert_eq(mmu_pt_lookup(pt, va + 7 * 4096, &l7), 0);
	cr_assert_eq(mmu_pt_lookup(pt, va + 8 * 4096, &l8), 0);
	cr_assert_eq(l0.ps, MMU_PAGE_4K);
	cr_assert(l0.pte & PTE_RW);
	cr_assert_not(l1.pte & PTE_RW, "tails are read-only: a write faults");
	cr_assert_eq(l1.pa, l0.pa);
	cr_assert_eq(l7.pa, l0.pa, "the last tail maps the same page");
	cr_assert_eq(l8.pa & ~4095ull, l8.pa, "the next huge page has its own head page");
	cr_assert_neq(l8.pa, l0.pa);
	/* 16 MiB pool = 8 huge pages, 7 vmemmap pages freed each */
	cr_assert_eq(sparse_machine_stats(m)->hvo_freed_pages, 56);
	/* a tail struct page read through a tail vmemmap page is a fake head */
	struct sparse_page fake = read_page(m, head + 64);
	cr_assert((fake.flags >> SPARSE_PG_head) & 1);
	sparse_machine_destroy(m);
}

Test(sparse_models, hvo_saves_memmap_bytes_against_vmemmap_2m)
{
	struct sparse_machine *a = build_tiny(SPARSE_MODEL_VMEMMAP_2M);
	struct sparse_machine *b = build_tiny(SPARSE_MODEL_VMEMMAP_HVO);
	uint64_t ma = sparse_machine_stats(a)->bytes[SPARSE_USE_MEMMAP];
	uint64_t mb = sparse_machine_stats(b)->bytes[SPARSE_USE_MEMMAP];
	cr_assert_eq(ma - mb, 56 * 4096ull, "%llu vs %llu", (unsigned long long)ma,
	             (unsigned long long)mb);
	sparse_machine_destroy(a);
	sparse_machine_destroy(b);
}

Test(sparse_models, boot_params_describe_the_layout)
{
	struct sparse_machine *m = build_tiny(SPARSE_MODEL_VMEMMAP_ALTMAP);
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);

	cr_assert_eq(bp->magic, SPARSE_BOOT_MAGIC);
	cr_assert_eq(bp->version, SPARSE_BOOT_VERSION);
	cr_assert_eq(bp->size, sizeof(*bp));
	cr_assert_eq(bp->memory_model, SPARSE_MODEL_VMEMMAP_ALTMAP);
	cr_assert_eq(bp->nr_ranges, 4);
	cr_assert_eq(bp->ranges[2].kind, SPARSE_RANGE_RESERVED);
	cr_assert_eq(bp->min_pfn, 0);
	cr_assert_eq(bp->max_pfn, PFN(386 * MiB));
	cr_assert_eq(bp->end_pfn, PFN(642 * MiB));
	cr_assert_eq(bp->nr_dev_ranges, 1);
	cr_assert_eq(bp->dev_ranges[0].start_pfn, PFN(514 * MiB));
	cr_assert_eq(bp->dev_ranges[0].flags, SPARSE_DEV_HAS_MEMMAP | SPARSE_DEV_ALTMAP);
	cr_assert_eq(bp->dev_ranges[0].kaddr, SPARSE_PAGE_OFFSET + 514 * MiB);
	cr_assert_eq(bp->hugetlb_start_pfn, PFN(64 * MiB));
	cr_assert_eq(bp->hugetlb_end_pfn, PFN(80 * MiB));
	cr_assert_eq(bp->kernel_image_va, 0xffffffff81000000ull);
	cr_assert(bp->stack_top > bp->stack_bottom);
	uint64_t pa;
	cr_assert_eq(sparse_va_to_pa(m, bp->stack_top - 8, &pa), 0, "the stack is mapped");
	cr_assert_neq(sparse_va_to_pa(m, bp->stack_bottom - 8, &pa), 0, "guard page below");
	cr_assert_eq(sparse_va_to_pa(m, bp->kernel_image_va, &pa), 0);
	cr_assert_eq(pa, 16 * MiB);
	sparse_machine_destroy(m);
}

static void three_pmem_layout(struct sparse_layout *l, bool pages)
{
	sparse_layout_init(l);
	add_range(l, 0, 1 * GiB, 0, SPARSE_RANGE_RAM);
	add_range(l, 2 * GiB, 2 * GiB + 64 * MiB, 0, SPARSE_RANGE_DEVICE);
	add_range(l, 2 * GiB + 64 * MiB, 2 * GiB + 96 * MiB, 0, SPARSE_RANGE_DEVICE);
	add_range(l, 3 * GiB, 3 * GiB + 256 * MiB, 0, SPARSE_RANGE_DEVICE);
	for (unsigned i = 1; i < 4; i++)
		l->ranges[i].pages = pages;
}

Test(sparse_seed004, list_and_table_agree_on_every_device_pfn)
{
	for (int pages = 0; pages < 2; pages++) {
		struct sparse_layout l;
		three_pmem_layout(&l, pages);
		struct sparse_machine *m = build(SPARSE_MODEL_VMEMMAP_2M, &l);
		for (unsigned r = 1; r < 4; r++) {
			uint64_t lo = PFN(l.ranges[r].start), hi = PFN(l.ranges[r].end);
			for (uint64_t pfn = lo; pfn < hi; pfn += 7) {
				uint64_t a, b, pa;
				unsigned sa, sb;
				cr_assert_eq(sparse_pfn_to_kaddr_list(m, pfn, &a, &sa), 0);
				cr_assert_eq(sparse_pfn_to_kaddr_table(m, pfn, &b, &sb), 0);
				cr_assert_eq(a, b);
				cr_assert_eq(sa, r, "the list visits %u nodes", r);
				cr_assert_leq(sb, 2, "the table starts at the section's range");
				cr_assert_eq(sparse_va_to_pa(m, a, &pa), 0);
				cr_assert_eq(pa, pfn << 12);
			}
		}
		uint64_t k;
		cr_assert_eq(sparse_pfn_to_kaddr_list(m, PFN(5 * MiB), &k, NULL), VMEMSIM_ENOENT);
		cr_assert_eq(sparse_pfn_to_kaddr_table(m, PFN(5 * MiB), &k, NULL), VMEMSIM_ENOENT);
		cr_assert_eq(sparse_pfn_to_kaddr_table(m, 1ull << 33, &k, NULL), VMEMSIM_ENOENT);
		sparse_machine_destroy(m);
	}
}

Test(sparse_seed004, page_less_ranges_live_in_the_memremap_window)
{
	struct sparse_layout l;
	three_pmem_layout(&l, false);
	struct sparse_machine *m = build(SPARSE_MODEL_EXTREME, &l);
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
	cr_assert_eq(bp->nr_dev_ranges, 3);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_geq(bp->dev_ranges[i].kaddr, SPARSE_MEMREMAP_VA);
		cr_assert_eq(bp->dev_ranges[i].flags, 0);
	}
	sparse_machine_destroy(m);
}

/* flatmem: 99328 pages x 64 B; sparse: 4 early sections x 2 MiB; vmemmap
 * adds 64 pmem sub-sections x 32 KiB with 4K PTEs (pieces smaller than a
 * section never use the altmap); HVO frees 56 pages.  Usage: one 56-byte
 * entry per early section (2 per node), plus one slab page for hot-add. */
Test(sparse_models, memmap_and_usage_bytes_are_hand_computed)
{
	const uint64_t memmap[SPARSE_NR_MODELS] = {
	    99328 * 64, 8 * MiB, 8 * MiB, 10 * MiB, 10 * MiB, 10 * MiB, 10 * MiB - 56 * 4096};
	for (int mo = 0; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = build_tiny(mo);
		const struct sparse_stats *st = sparse_machine_stats(m);
		cr_assert_eq(st->bytes[SPARSE_USE_MEMMAP], memmap[mo], "%s: %llu",
		             sparse_model_name(mo),
		             (unsigned long long)st->bytes[SPARSE_USE_MEMMAP]);
		cr_assert_eq(st->bytes[SPARSE_USE_MEMMAP_ALTMAP], 0);
		if (mo != SPARSE_MODEL_FLATMEM)
			cr_assert_eq(st->bytes[SPARSE_USE_USAGE],
			             4 * 56 + (sparse_model_is_vmemmap(mo) ? 4096 : 0), "%s",
			             sparse_model_name(mo));
		sparse_machine_destroy(m);
	}
}

/* 5-level paging (LA57): L5 bases, MAX_PHYSMEM_BITS 52 (131072 roots, a
 * 1 MiB root array), a PML5 root; classic sparse is refused as X86_5LEVEL
 * selects SPARSEMEM_VMEMMAP.  Every valid pfn still round-trips and walks. */
Test(sparse_models, five_level_paging_uses_the_l5_layout)
{
	struct sparse_layout l;
	struct sparse_params p;
	struct vmemsim_err err = {0};
	tiny_layout(&l);
	sparse_params_default(&p);
	p.pgtable_levels = 5;
	for (int mo = 0; mo < SPARSE_NR_MODELS; mo++) {
		struct sparse_machine *m = NULL;
		int rc = sparse_machine_create(&m, &l, mo, &p, &err);
		if (sparse_model_is_classic(mo)) {
			cr_assert_eq(rc, VMEMSIM_EINVAL);
			cr_assert(strstr(err.msg, "X86_5LEVEL"), "%s", err.msg);
			continue;
		}
		cr_assert_eq(rc, 0, "%s: %s", sparse_model_name(mo), err.msg);
		cr_assert_eq(sparse_machine_check(m, &err), 0, "%s", err.msg);
		const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
		cr_assert_eq(bp->page_offset, 0xff11000000000000ull);
		cr_assert_eq(bp->vmemmap_base, 0xffd4000000000000ull);
		cr_assert_eq(bp->max_physmem_bits, 52);
		cr_assert_eq(bp->pgtable_levels, 5);
		cr_assert_eq(sparse_machine_pt(m)->table_pages[MMU_LEVEL_PML5], 1);
		if (mo != SPARSE_MODEL_FLATMEM) {
			cr_assert_eq(bp->nr_section_roots, 131072);
			cr_assert_eq(sparse_machine_stats(m)->bytes[SPARSE_USE_MEM_SECTION],
			             (1ull << 20) + 4096, "root array + one root");
		}
		for (uint64_t pfn = 0; pfn < PFN(700 * MiB); pfn += 3) {
			uint64_t va, back, want, pa;
			if (!sparse_pfn_valid(m, pfn))
				continue;
			cr_assert_eq(sparse_pfn_to_page(m, pfn, &va), 0);
			cr_assert_eq(sparse_page_to_pfn(m, va, &back), 0);
			cr_assert_eq(back, pfn);
			cr_assert_eq(sparse_memmap_pa(m, pfn, &want), 0);
			cr_assert_eq(sparse_va_to_pa(m, va, &pa), 0);
			cr_assert_eq(pa, want);
		}
		uint64_t pa;
		cr_assert_eq(sparse_va_to_pa(m, 0xff11000000000000ull + 100 * MiB, &pa), 0);
		cr_assert_eq(pa, 100 * MiB);
		sparse_machine_destroy(m);
	}
}

/* A 1 GiB hugetlb page's 4096 vmemmap pages collapse to one (4095 freed);
 * its struct pages still round-trip and walk to the shared page. */
Test(sparse_models, hvo_of_a_1g_page_keeps_one_vmemmap_page)
{
	struct sparse_layout l;
	sparse_layout_init(&l);
	add_range(&l, 0, 3 * GiB, 0, SPARSE_RANGE_RAM);
	l.hugetlb_start = 1 * GiB;
	l.hugetlb_size = 1 * GiB;
	l.hugetlb_order = 18;
	struct sparse_machine *m = build(SPARSE_MODEL_VMEMMAP_HVO, &l);
	const struct sparse_stats *st = sparse_machine_stats(m);
	uint64_t head = PFN(1 * GiB), pa0, pa;
	cr_assert_eq(st->hvo_freed_pages, 4095);
	cr_assert_eq(sparse_va_to_pa(m, SPARSE_VMEMMAP_BASE + head * 64, &pa0), 0);
	for (uint64_t pfn = head; pfn < head + (1u << 18); pfn += 4099) {
		uint64_t va, back;
		cr_assert_eq(sparse_pfn_to_page(m, pfn, &va), 0);
		cr_assert_eq(sparse_page_to_pfn(m, va, &back), 0);
		cr_assert_eq(back, pfn);
		cr_assert_eq(sparse_va_to_pa(m, va, &pa), 0);
		cr_assert_eq(pa & ~4095ull, pa0, "every vmemmap page of the huge page is one page");
	}
	sparse_machine_destroy(m);
}

/* Section 2 = [256, 384) MiB holds RAM from 262 MiB: pageblocks (2 MiB) 0..2
 * start in the hole and stay 0, pageblocks 3..63 are MIGRATE_MOVABLE (1). */
Test(sparse_models, pageblock_flags_are_movable_where_memory_starts_them)
{
	struct sparse_machine *m = build_tiny(SPARSE_MODEL_EXTREME);
	struct sparse_mem_section ms;
	uint64_t w[4];

	cr_assert_eq(sparse_read_section(m, 2, &ms), 0);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(sparse_read64(m, ms.usage + 24 + 8 * i, &w[i]), 0);
	cr_assert_eq(w[0], 0x1111111111111000ull, "%#llx", (unsigned long long)w[0]);
	cr_assert_eq(w[1], 0x1111111111111111ull);
	cr_assert_eq(w[3], 0x1111111111111111ull);
	sparse_machine_destroy(m);
}
