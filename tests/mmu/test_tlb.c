/*
 * tests/mmu/test_tlb.c — TLB maintenance (PCID, global pages, INVLPG, CR3),
 * the L1/STLB hierarchy, paging-structure-cache level skipping and the
 * TLB-reach knees of the default (Skylake) configuration.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "model.h"

TestSuite(tlb, .init = model_phys_init, .fini = model_fini);

#define LEAF_RW (PTE_P | PTE_RW)

static void load(uint64_t va)
{
	struct mmu_fault f;
	int rc = mmu_access(tm, va, 8, MMU_LOAD, 0, &f);

	cr_assert_eq(rc, 0, "load %#llx: rc %d ec %#x", (unsigned long long)va, rc, f.error_code);
}

static void start_pcide(bool pcide, uint64_t leaf_flags)
{
	struct mmu_config c;

	mmu_config_default(&c);
	c.cr4_pcide = pcide;
	model_start(&c, model_build(4, MMU_PAGE_4K, leaf_flags));
}

Test(tlb, pcid_tags_entries_and_noflush_keeps_them)
{
	start_pcide(true, LEAF_RW);
	mmu_write_cr3(tm, T_PML4, 1, false);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	mmu_write_cr3(tm, T_PML4, 2, false);
	load(T_VA); /* PCID 1's entry does not match PCID 2 */
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	mmu_write_cr3(tm, T_PML4, 1, true);
	load(T_VA); /* PCID 1's entry survived */
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	mmu_write_cr3(tm, T_PML4, 1, false);
	load(T_VA); /* a flushing write drops PCID 1's entries */
	cr_expect_eq(ctr_total(MMU_C_walks), 3);
	mmu_write_cr3(tm, T_PML4, 2, true);
	load(T_VA); /* PCID 2's entry was not touched by PCID 1's flush */
	cr_expect_eq(ctr_total(MMU_C_walks), 3);
}

Test(tlb, global_entry_matches_every_pcid)
{
	start_pcide(true, LEAF_RW | PTE_G);
	mmu_write_cr3(tm, T_PML4, 1, false);
	load(T_VA);
	mmu_write_cr3(tm, T_PML4, 2, false);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	cr_expect_eq(ctr_total(MMU_C_dtlb_hits_4k), 1);
}

Test(tlb, cr3_write_without_pcide_flushes_all_but_global)
{
	start_pcide(false, LEAF_RW);
	load(T_VA);
	mmu_write_cr3(tm, T_PML4, 5, false);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	/* The flush also emptied the PWCs: the second walk read all four levels. */
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 2);

	start_pcide(false, LEAF_RW | PTE_G);
	load(T_VA);
	mmu_write_cr3(tm, T_PML4, 0, false);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	mmu_flush_all(tm);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
}

Test(tlb, invlpg_drops_the_page_including_global_and_the_pwcs)
{
	start_pcide(true, LEAF_RW | PTE_G);
	load(T_VA);
	mmu_invlpg(tm, T_VA + 0x800);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 2);
	cr_expect_eq(ctr_total(MMU_C_pwc_misses), 2);
	/* INVLPG of another page leaves this one. */
	mmu_invlpg(tm, T_VA + SZ_4K);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
}

/* Five pages whose VPNs are 16 apart share one set of the 16-set, 4-way
 * L1 DTLB: the fifth evicts the first, which the STLB still holds. */
Test(tlb, l1_eviction_is_served_by_the_stlb)
{
	struct mmu_pt pt;
	struct test_alloc ta;
	unsigned i;

	model_start(NULL, 0);
	cr_assert_eq(mmu_pt_init(&pt, &tphys, 4, 46,
	                         test_alloc_init(&ta, &tphys, 32 * SZ_1M, 48 * SZ_1M), NULL),
	             0);
	cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET, 0, 16 * SZ_1M, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, NULL),
	             0);
	mmu_write_cr3(tm, pt.root, 0, false);
	for (i = 0; i < 5; i++)
		load(PAGE_OFFSET + i * 16 * SZ_4K);
	cr_expect_eq(ctr_total(MMU_C_walks), 5);
	load(PAGE_OFFSET);
	cr_expect_eq(ctr_total(MMU_C_dtlb_misses), 6);
	cr_expect_eq(ctr_total(MMU_C_stlb_hits_4k), 1);
	cr_expect_eq(ctr_total(MMU_C_cycles_stlb), 8);
	cr_expect_eq(ctr_total(MMU_C_walks), 5);
	/* The refill put it back in the L1 DTLB. */
	load(PAGE_OFFSET + 8);
	cr_expect_eq(ctr_total(MMU_C_dtlb_misses), 6);
}

/* PWC skipping: after one walk, a page in the same 2M region needs only its
 * PTE (PDE-cache hit), one in the same 1G region its PDE and PTE. */
static void pwc_skip(unsigned levels)
{
	struct mmu_config c;
	struct mmu_pt pt;
	struct test_alloc ta;
	uint64_t va = PAGE_OFFSET;

	mmu_config_default(&c);
	c.levels = levels;
	model_start(&c, 0);
	cr_assert_eq(mmu_pt_init(&pt, &tphys, levels, 46,
	                         test_alloc_init(&ta, &tphys, 32 * SZ_1M, 48 * SZ_1M), NULL),
	             0);
	cr_assert_eq(
	    mmu_pt_map(&pt, va, 0, 8 * SZ_1M, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW, NULL),
	    0);
	mmu_write_cr3(tm, pt.root, 0, false);
	load(va);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l5), levels == 5 ? 1 : 0);
	load(va + SZ_4K);
	cr_expect_eq(ctr_total(MMU_C_pwc_hits_pde), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l1), 2);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l2), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l3), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 1);
	load(va + SZ_2M);
	cr_expect_eq(ctr_total(MMU_C_pwc_hits_pdpte), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l1), 3);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l2), 2);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l3), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l5), levels == 5 ? 1 : 0);
	cr_expect_eq(ctr_total(MMU_C_walks), 3);
	cr_expect_eq(ctr_total(MMU_C_cycles_pwc), 3 * 3);
}

Test(tlb, pwc_skips_levels_with_four_level_paging)
{
	pwc_skip(4);
}
Test(tlb, pwc_skips_levels_with_five_level_paging)
{
	pwc_skip(5);
}

Test(tlb, pml4e_cache_hit_skips_only_the_top_level)
{
	struct mmu_config c;
	struct mmu_pt pt;
	struct test_alloc ta;

	mmu_config_default(&c);
	model_start(&c, 0);
	cr_assert_eq(mmu_pt_init(&pt, &tphys, 4, 46,
	                         test_alloc_init(&ta, &tphys, 32 * SZ_1M, 48 * SZ_1M), NULL),
	             0);
	cr_assert_eq(mmu_pt_map_page(&pt, PAGE_OFFSET, 0, MMU_PAGE_4K, MMU_PROT_KERNEL_RW, NULL),
	             0);
	cr_assert_eq(
	    mmu_pt_map_page(&pt, PAGE_OFFSET + SZ_1G, SZ_4K, MMU_PAGE_4K, MMU_PROT_KERNEL_RW, NULL),
	    0);
	mmu_write_cr3(tm, pt.root, 0, false);
	load(PAGE_OFFSET);
	load(PAGE_OFFSET + SZ_1G);
	cr_expect_eq(ctr_total(MMU_C_pwc_hits_pml4e), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 1);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l3), 2);
}

/* Pointer chase over n consecutive 4K pages in a fixed cyclic order: each
 * TLB set sees its pages in a repeating cycle, so with LRU an array that
 * holds them all never misses in steady state and one holding half of them
 * always misses. */
static void chase(unsigned n, unsigned rounds, struct mmu_stats *out)
{
	struct mmu_pt pt;
	struct test_alloc ta;
	struct mmu_stats warm;
	unsigned r, i, step = 2 * n / 3 + 1;

	while (step > 1 && n % step == 0)
		step++; /* walk the pages in a stride order, coprime to n */
	for (;;) {
		unsigned a = step, b = n;
		while (b) {
			unsigned t = a % b;
			a = b;
			b = t;
		}
		if (a == 1)
			break;
		step++;
	}
	model_start(NULL, 0);
	cr_assert_eq(mmu_pt_init(&pt, &tphys, 4, 46,
	                         test_alloc_init(&ta, &tphys, 32 * SZ_1M, 48 * SZ_1M), NULL),
	             0);
	/* All pages alias 16 MiB of frames: the TLBs only see VAs. */
	for (i = 0; i < n; i += 4096)
		cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET + (uint64_t)i * SZ_4K, 0,
		                        (n - i < 4096 ? n - i : 4096) * SZ_4K,
		                        MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW, NULL),
		             0);
	mmu_write_cr3(tm, pt.root, 0, false);
	for (r = 0; r < rounds; r++) {
		if (r == 1)
			mmu_stats_snapshot(tm, &warm);
		for (i = 0; i < n; i++)
			load(PAGE_OFFSET + (uint64_t)((i * (uint64_t)step) % n) * SZ_4K +
			     (i % 64) * 64);
	}
	mmu_stats_snapshot(tm, out);
	mmu_stats_sub(out, &warm);
}

Test(tlb, reach_knee_at_the_l1_dtlb_size)
{
	struct mmu_stats s;

	chase(64, 4, &s);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_loads), 3 * 64);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_dtlb_misses), 0);
	chase(128, 4, &s);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_dtlb_misses), 3 * 128);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_stlb_hits_4k), 3 * 128);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_walks), 0);
}

Test(tlb, reach_knee_at_the_stlb_size)
{
	struct mmu_stats s;

	chase(1536, 3, &s);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_walks), 0);
	chase(3072, 3, &s);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_stlb_misses), 2 * 3072);
	cr_expect_eq(mmu_stats_total(&s, MMU_C_walks), 2 * 3072);
}

Test(tlb, cpl_change_applies_to_cached_translations)
{
	struct mmu_fault f;

	start_pcide(false, LEAF_RW); /* supervisor page */
	load(T_VA);
	mmu_set_cpl(tm, 3);
	cr_assert_eq(mmu_access(tm, T_VA, 8, MMU_LOAD, 0, &f), VMEMSIM_EFAULT);
	cr_expect_eq(f.error_code, PF_P | PF_U);
	mmu_set_cpl(tm, 0);
	load(T_VA);
}

Test(tlb, remapped_page_needs_invlpg_and_then_translates_anew)
{
	uint64_t pa;

	start_pcide(false, LEAF_RW);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, NULL), 0);
	cr_expect_eq(pa, T_PA_4K);
	mmu_phys_write64(&tphys, T_PT + 24, (T_PA_4K + SZ_4K) | LEAF_RW);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, NULL), 0);
	cr_expect_eq(pa, T_PA_4K, "the stale entry is still used, as on hardware");
	mmu_invlpg(tm, T_VA);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, NULL), 0);
	cr_expect_eq(pa, T_PA_4K + SZ_4K);
}

Test(tlb, region_added_later_gets_the_next_accesses)
{
	struct mmu_stats s;

	start_pcide(false, LEAF_RW);
	load(T_VA);
	load(T_VA);
	cr_assert_eq(mmu_add_region(tm, "page", T_VA, T_VA + SZ_4K, NULL), 1);
	load(T_VA);
	mmu_stats_snapshot(tm, &s);
	cr_expect_eq(s.v[0][MMU_C_loads], 2);
	cr_expect_eq(s.v[1][MMU_C_loads], 1);
}

Test(tlb, fetches_use_the_itlb_and_the_unified_stlb_but_no_data_cache)
{
	start_pcide(false, PTE_P | PTE_RW); /* executable: no NX */
	load(T_VA);
	cr_assert_eq(mmu_access(tm, T_VA + 0x10, 15, MMU_FETCH, T_VA + 0x10, NULL), 0);
	cr_assert_eq(mmu_access(tm, T_VA + 0x20, 15, MMU_FETCH, T_VA + 0x20, NULL), 0);
	cr_expect_eq(ctr_total(MMU_C_fetches), 2);
	cr_expect_eq(ctr_total(MMU_C_itlb_misses), 1);
	cr_expect_eq(ctr_total(MMU_C_stlb_hits_4k), 1, "the load's walk filled the STLB");
	cr_expect_eq(ctr_total(MMU_C_itlb_hits_4k), 1);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	cr_expect_eq(ctr_total(MMU_C_dram_accesses) + ctr_total(MMU_C_l1d_hits), 1,
	             "only the load touched the data caches");
	/* A fetch crossing into an unmapped page faults with PF_I on the second page. */
	{
		struct mmu_fault f;
		cr_assert_eq(mmu_access(tm, T_VA + SZ_4K - 4, 8, MMU_FETCH, 0, &f), VMEMSIM_EFAULT);
		cr_expect_eq(f.va, T_VA + SZ_4K);
		cr_expect_eq(f.error_code, PF_I);
	}
}

static void fetch(uint64_t va)
{
	struct mmu_fault f;
	int rc = mmu_access(tm, va, 4, MMU_FETCH, va, &f);

	cr_assert_eq(rc, 0, "fetch %#llx: rc %d ec %#x", (unsigned long long)va, rc, f.error_code);
}

/* SDM Vol. 3A §4.10.2.3: a TLB may cache a translation for a page larger
 * than it holds as a smaller ("fractured") entry.  The default (Skylake)
 * ITLB holds 4K and 2M entries only, so a 1G page is cached there as the 2M
 * entry covering the fetch: a second fetch in the same 2M hits the ITLB,
 * a fetch in another 2M of the same 1G page misses it and hits the STLB's
 * 1G entry. */
Test(tlb, a_1g_page_is_cached_as_2m_entries_where_the_l1_has_no_1g_array)
{
	struct mmu_config c;

	mmu_config_default(&c);
	cr_assert_eq(c.itlb.arrays[0].ps_mask | c.itlb.arrays[1].ps_mask,
	             MMU_PS_BIT(MMU_PAGE_4K) | MMU_PS_BIT(MMU_PAGE_2M));
	model_start(&c, model_build(4, MMU_PAGE_1G, PTE_P | PTE_RW));
	fetch(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks_1g), 1);
	cr_expect_eq(ctr_total(MMU_C_itlb_misses), 1);
	fetch(T_VA + 0x100);
	cr_expect_eq(ctr_total(MMU_C_itlb_hits_2m), 1, "the fractured 2M entry hits");
	fetch(T_VA + SZ_2M);
	cr_expect_eq(ctr_total(MMU_C_itlb_misses), 2, "another 2M of the 1G page misses the ITLB");
	cr_expect_eq(ctr_total(MMU_C_stlb_hits_1g), 1, "and hits the STLB's 1G entry");
	fetch(T_VA + SZ_2M + 64);
	cr_expect_eq(ctr_total(MMU_C_itlb_hits_2m), 2);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
}

/* A DTLB with only a 4K array keeps 4K pieces of a 2M page; the data still
 * come from the right physical address (the cache-model line differs). */
Test(tlb, a_2m_page_is_cached_as_4k_entries_in_a_4k_only_dtlb)
{
	struct mmu_config c;

	mmu_config_default(&c);
	c.dtlb.nr_arrays = 1; /* dtlb-4k only */
	model_start(&c, model_build(4, MMU_PAGE_2M, PTE_P | PTE_RW));
	load(T_VA);
	load(T_VA + 8);
	cr_expect_eq(ctr_total(MMU_C_dtlb_hits_4k), 1);
	load(T_VA + SZ_4K);
	cr_expect_eq(ctr_total(MMU_C_dtlb_misses), 2, "the next 4K of the 2M page misses");
	cr_expect_eq(ctr_total(MMU_C_stlb_hits_2m), 1);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	{
		uint64_t pa;
		cr_assert_eq(mmu_translate(tm, T_VA + SZ_4K + 0x18, MMU_LOAD, 0, &pa, NULL), 0);
		cr_expect_eq(pa, T_PA_2M + ((T_VA + SZ_4K + 0x18) & (SZ_2M - 1)));
	}
}

/* SDM Vol. 3A §4.10.4.1: "If the paging structures map the linear address
 * using a page larger than 4 KBytes and there are multiple TLB entries for
 * that page, the instruction invalidates all of them."  The Skylake ITLB
 * keeps a 1G page as 2M pieces; INVLPG of an address in one piece must drop
 * the others too, or a remapped 1G page keeps translating to its old frame
 * through them. */
Test(tlb, invlpg_drops_every_fractured_piece_of_a_large_page)
{
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_1G, PTE_P | PTE_RW));
	fetch(T_VA);         /* ITLB: the 2M piece at T_VA's 2M */
	fetch(T_VA + SZ_2M); /* ITLB: the next 2M piece; STLB hit */
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	/* The kernel moves the 1G page and invalidates one address in it. */
	mmu_phys_write64(&tphys, T_PDPT + 8, (T_PA_1G + SZ_1G) | PTE_P | PTE_RW | PTE_PS);
	mmu_invlpg(tm, T_VA + SZ_2M + 0x40);
	fetch(T_VA);
	cr_expect_eq(ctr_total(MMU_C_itlb_misses), 3, "the other 2M piece was dropped too");
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	cr_assert_eq(mmu_translate(tm, T_VA + 0x40, MMU_FETCH, 0, &pa, NULL), 0);
	cr_expect_eq(pa, T_PA_1G + SZ_1G + (T_VA & (SZ_1G - 1)) + 0x40,
	             "translates to the new frame, not the stale one");
}

/* The same for a 2M page kept as 4K pieces in a 4K-only DTLB. */
Test(tlb, invlpg_drops_every_4k_piece_of_a_2m_page)
{
	struct mmu_config c;

	mmu_config_default(&c);
	c.dtlb.nr_arrays = 1; /* dtlb-4k only */
	model_start(&c, model_build(4, MMU_PAGE_2M, PTE_P | PTE_RW));
	load(T_VA);
	load(T_VA + SZ_4K);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	mmu_invlpg(tm, T_VA + SZ_4K);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 2, "the 4K piece at T_VA went with the page");
}

/* SDM Vol. 3A §4.10.4.1: INVLPG invalidates the page's TLB entries of the
 * current PCID (and global ones) and the paging-structure-cache entries of
 * the current PCID only: PCID 2's TLB entry and PDE-cache entry survive an
 * INVLPG made under PCID 1. */
Test(tlb, invlpg_leaves_other_pcids_entries_and_pwcs)
{
	struct mmu_fault f;

	start_pcide(true, LEAF_RW);
	mmu_write_cr3(tm, T_PML4, 2, false);
	load(T_VA);
	mmu_write_cr3(tm, T_PML4, 1, true);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	mmu_invlpg(tm, T_VA);
	mmu_write_cr3(tm, T_PML4, 2, true);
	load(T_VA);
	cr_expect_eq(ctr_total(MMU_C_walks), 2, "PCID 2's TLB entry survived");
	/* The next 4K page is not mapped: its walk starts at the cached PDE and
	 * reads only the PTE. */
	cr_assert_eq(mmu_access(tm, T_VA + SZ_4K, 8, MMU_LOAD, 0, &f), VMEMSIM_EFAULT);
	cr_expect_eq(ctr_total(MMU_C_pwc_hits_pde), 1, "PCID 2's PDE-cache entry survived");
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l1), 3);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 2);
	/* Under PCID 1 the PWCs were dropped: the same walk reads all four levels. */
	mmu_write_cr3(tm, T_PML4, 1, true);
	cr_assert_eq(mmu_access(tm, T_VA + SZ_4K, 8, MMU_LOAD, 0, &f), VMEMSIM_EFAULT);
	cr_expect_eq(ctr_total(MMU_C_pte_reads_l4), 3);
}
