/*
 * tests/mmu/test_pt_build.c — the page-table builder, the BRK allocator and
 * the side-effect-free lookup, against tables and counts worked out by hand.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static struct mmu_phys phys;
static struct test_alloc ta;
static struct mmu_pt pt;

#define TABLES_START (64 * SZ_1M)
#define TABLES_END   (96 * SZ_1M)

static void setup4(void)
{
	cr_assert_eq(mmu_phys_init(&phys, 128 * SZ_1M, NULL), 0);
	cr_assert_eq(mmu_pt_init(&pt, &phys, 4, 46,
	                         test_alloc_init(&ta, &phys, TABLES_START, TABLES_END), NULL),
	             0);
}

static void setup5(void)
{
	cr_assert_eq(mmu_phys_init(&phys, 128 * SZ_1M, NULL), 0);
	cr_assert_eq(mmu_pt_init(&pt, &phys, 5, 52,
	                         test_alloc_init(&ta, &phys, TABLES_START, TABLES_END), NULL),
	             0);
}

static void teardown(void)
{
	mmu_phys_fini(&phys);
}

static void expect_leaf(uint64_t va, uint64_t pa, enum mmu_page_size ps)
{
	struct mmu_leaf leaf;

	cr_assert_eq(mmu_pt_lookup(&pt, va, &leaf), 0, "va %#llx unmapped", (unsigned long long)va);
	cr_expect_eq(leaf.pa, pa, "va %#llx -> pa %#llx, expected %#llx", (unsigned long long)va,
	             (unsigned long long)leaf.pa, (unsigned long long)pa);
	cr_expect_eq(leaf.ps, ps, "va %#llx: page size %d, expected %d", (unsigned long long)va,
	             leaf.ps, ps);
	cr_expect_eq(mmu_phys_read64(&phys, leaf.pte_pa), leaf.pte);
}

static void expect_unmapped(uint64_t va)
{
	struct mmu_leaf leaf;

	cr_expect_eq(mmu_pt_lookup(&pt, va, &leaf), VMEMSIM_EFAULT, "va %#llx is mapped",
	             (unsigned long long)va);
}

/* [1M, 3G+6M+12K) at PAGE_OFFSET: 256 PTEs in one PT, 511 PDEs in PD(0),
 * two 1G PDPTEs, 3 PDEs in PD(3), 3 PTEs in a second PT.  Tables: one PML4
 * (the root), one PDPT, two PDs, two PTs. */
Test(pt_build, direct_map_of_awkward_range_counts_tables_per_level, .init = setup4,
     .fini = teardown)
{
	uint64_t end = 3 * SZ_1G + 6 * SZ_1M + 12 * 1024;

	cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET + SZ_1M, SZ_1M, end - SZ_1M, MMU_PS_ALL,
	                        MMU_PROT_KERNEL_RW, NULL),
	             0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PML4], 1);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PDPT], 1);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PD], 2);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 2);
	cr_expect_eq(ta.nr_allocs, 6);
	expect_leaf(PAGE_OFFSET + SZ_1M + SZ_4K + 5, SZ_1M + SZ_4K + 5, MMU_PAGE_4K);
	expect_leaf(PAGE_OFFSET + 5 * SZ_1M, 5 * SZ_1M, MMU_PAGE_2M);
	expect_leaf(PAGE_OFFSET + SZ_1G + 123, SZ_1G + 123, MMU_PAGE_1G);
	expect_leaf(PAGE_OFFSET + 3 * SZ_1G + 4 * SZ_1M, 3 * SZ_1G + 4 * SZ_1M, MMU_PAGE_2M);
	expect_leaf(PAGE_OFFSET + end - 1, end - 1, MMU_PAGE_4K);
	expect_unmapped(PAGE_OFFSET);
	expect_unmapped(PAGE_OFFSET + SZ_1M - 1);
	expect_unmapped(PAGE_OFFSET + end);
}

Test(pt_build, five_level_tables_add_one_pml5_root, .init = setup5, .fini = teardown)
{
	uint64_t end = 3 * SZ_1G + 6 * SZ_1M + 12 * 1024;

	cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET + SZ_1M, SZ_1M, end - SZ_1M, MMU_PS_ALL,
	                        MMU_PROT_KERNEL_RW, NULL),
	             0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PML5], 1);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PML4], 1);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PDPT], 1);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PD], 2);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 2);
	expect_leaf(PAGE_OFFSET + 2 * SZ_1G + 7, 2 * SZ_1G + 7, MMU_PAGE_1G);
	/* A 57-bit address above the 48-bit space. */
	cr_assert_eq(mmu_pt_map_page(&pt, 0x00f0000000000000ull, 8 * SZ_1M, MMU_PAGE_4K,
	                             MMU_PROT_USER_RW, NULL),
	             0);
	expect_leaf(0x00f0000000000000ull + 9, 8 * SZ_1M + 9, MMU_PAGE_4K);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PML4], 2);
}

Test(pt_build, misaligned_pa_forces_4k_pages, .init = setup4, .fini = teardown)
{
	cr_assert_eq(
	    mmu_pt_map(&pt, PAGE_OFFSET, SZ_4K, 4 * SZ_1M, MMU_PS_ALL, MMU_PROT_KERNEL_RW, NULL),
	    0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 2); /* 1024 PTEs */
	expect_leaf(PAGE_OFFSET + 3 * SZ_1M, 3 * SZ_1M + SZ_4K, MMU_PAGE_4K);
}

Test(pt_build, 2m_aligned_delta_allows_2m_but_not_1g, .init = setup4, .fini = teardown)
{
	cr_assert_eq(
	    mmu_pt_map(&pt, PAGE_OFFSET, SZ_2M, 2 * SZ_1G, MMU_PS_ALL, MMU_PROT_KERNEL_RW, NULL),
	    0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PD], 2);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 0);
	expect_leaf(PAGE_OFFSET + SZ_1G, SZ_1G + SZ_2M, MMU_PAGE_2M);
}

Test(pt_build, mapping_inside_a_1g_leaf_splits_it_keeping_protections, .init = setup4,
     .fini = teardown)
{
	struct mmu_leaf leaf;
	uint64_t va = PAGE_OFFSET + SZ_1G;

	cr_assert_eq(mmu_pt_map_page(&pt, va, SZ_1G, MMU_PAGE_1G, MMU_PROT_KERNEL_RW | PTE_G, NULL),
	             0);
	cr_assert_eq(mmu_pt_map_page(&pt, va + SZ_2M + SZ_4K, 7 * SZ_4K, MMU_PAGE_4K,
	                             MMU_PROT_KERNEL_RO, NULL),
	             0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PD], 1);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 1);
	expect_leaf(va + 5, SZ_1G + 5, MMU_PAGE_2M);
	cr_assert_eq(mmu_pt_lookup(&pt, va, &leaf), 0);
	cr_expect_eq(leaf.pte & ~PTE_ADDR_MASK, MMU_PROT_KERNEL_RW | PTE_G | PTE_PS);
	expect_leaf(va + SZ_2M, SZ_1G + SZ_2M, MMU_PAGE_4K);
	cr_assert_eq(mmu_pt_lookup(&pt, va + SZ_2M, &leaf), 0);
	cr_expect_eq(leaf.pte & ~PTE_ADDR_MASK, MMU_PROT_KERNEL_RW | PTE_G);
	expect_leaf(va + SZ_2M + SZ_4K + 9, 7 * SZ_4K + 9, MMU_PAGE_4K);
	cr_assert_eq(mmu_pt_lookup(&pt, va + SZ_2M + SZ_4K, &leaf), 0);
	cr_expect_eq(leaf.pte & ~PTE_ADDR_MASK, MMU_PROT_KERNEL_RO);
	expect_leaf(va + SZ_1G - 1, 2 * SZ_1G - 1, MMU_PAGE_2M);
}

Test(pt_build, large_leaf_over_a_table_frees_the_table, .init = setup4, .fini = teardown)
{
	cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET, 0, SZ_2M, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, NULL),
	             0);
	cr_assert_eq(pt.table_pages[MMU_LEVEL_PT], 1);
	cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET, 0, SZ_2M, MMU_PS_ALL, MMU_PROT_KERNEL_RW, NULL),
	             0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 0);
	cr_expect_eq(ta.nr_frees, 1);
	expect_leaf(PAGE_OFFSET + 77, 77, MMU_PAGE_2M);
}

Test(pt_build, unmap_clears_leaves_and_frees_empty_tables, .init = setup4, .fini = teardown)
{
	cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET, 0, 4 * SZ_1M, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, NULL),
	             0);
	cr_assert_eq(pt.table_pages[MMU_LEVEL_PT], 2);
	cr_assert_eq(mmu_pt_unmap(&pt, PAGE_OFFSET, SZ_2M + SZ_4K, NULL), 0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 1);
	cr_expect_eq(ta.nr_frees, 1);
	expect_unmapped(PAGE_OFFSET);
	expect_unmapped(PAGE_OFFSET + SZ_2M);
	expect_leaf(PAGE_OFFSET + SZ_2M + SZ_4K, SZ_2M + SZ_4K, MMU_PAGE_4K);
	/* Unmapping the rest frees the PT, the PD and the PDPT; the root stays. */
	cr_assert_eq(mmu_pt_unmap(&pt, PAGE_OFFSET, 4 * SZ_1M, NULL), 0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PD], 0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PDPT], 0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PML4], 1);
	cr_expect_eq(ta.nr_frees, 4);
}

Test(pt_build, unmap_of_part_of_a_2m_leaf_splits_it, .init = setup4, .fini = teardown)
{
	cr_assert_eq(mmu_pt_map_page(&pt, PAGE_OFFSET, 0, MMU_PAGE_2M, MMU_PROT_KERNEL_RW, NULL),
	             0);
	cr_assert_eq(mmu_pt_unmap(&pt, PAGE_OFFSET + SZ_4K, SZ_4K, NULL), 0);
	cr_expect_eq(pt.table_pages[MMU_LEVEL_PT], 1);
	expect_leaf(PAGE_OFFSET, 0, MMU_PAGE_4K);
	expect_unmapped(PAGE_OFFSET + SZ_4K);
	expect_leaf(PAGE_OFFSET + 2 * SZ_4K, 2 * SZ_4K, MMU_PAGE_4K);
}

Test(pt_build, failing_allocator_reports_the_va_and_keeps_earlier_mappings, .init = setup4,
     .fini = teardown)
{
	struct vmemsim_err err = {0};
	int rc;

	ta.budget = 3; /* PDPT, PD, one PT: the second 2M block has no PT */
	rc = mmu_pt_map(&pt, PAGE_OFFSET, 0, 4 * SZ_1M, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW,
	                &err);
	cr_assert_eq(rc, VMEMSIM_ENOMEM);
	cr_expect(strstr(err.msg, "0xffff888000200000") != NULL, "message: %s", err.msg);
	expect_leaf(PAGE_OFFSET + SZ_2M - 1, SZ_2M - 1, MMU_PAGE_4K);
	expect_unmapped(PAGE_OFFSET + SZ_2M);
}

Test(pt_build, bad_arguments_are_rejected_with_a_message, .init = setup4, .fini = teardown)
{
	struct vmemsim_err err = {0};

	cr_expect_eq(
	    mmu_pt_map(&pt, PAGE_OFFSET + 1, 0, SZ_4K, MMU_PS_ALL, MMU_PROT_KERNEL_RW, &err),
	    VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "not aligned") != NULL, "message: %s", err.msg);
	cr_expect_eq(
	    mmu_pt_map(&pt, 0x0000800000000000ull, 0, SZ_4K, MMU_PS_ALL, MMU_PROT_KERNEL_RW, &err),
	    VMEMSIM_EINVAL);
	cr_expect_eq(
	    mmu_pt_map(&pt, PAGE_OFFSET, 1ull << 46, SZ_4K, MMU_PS_ALL, MMU_PROT_KERNEL_RW, &err),
	    VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "maxphyaddr 46") != NULL, "message: %s", err.msg);
	cr_expect_eq(mmu_pt_map(&pt, PAGE_OFFSET, 0, SZ_4K, MMU_PS_ALL, PTE_RW, &err),
	             VMEMSIM_EINVAL);
	cr_expect_eq(ta.nr_allocs, 1); /* only the root */
}

struct visit_log {
	unsigned n;
	uint64_t va[8], pa[8];
	enum mmu_page_size ps[8];
};

static int log_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct visit_log *l = ctx;

	if (l->n < 8) {
		l->va[l->n] = va;
		l->pa[l->n] = leaf->pa;
		l->ps[l->n] = leaf->ps;
	}
	l->n++;
	return l->n == 100 ? 7 : 0;
}

Test(pt_build, for_each_leaf_visits_both_halves_in_va_order, .init = setup4, .fini = teardown)
{
	struct visit_log l = {0};

	cr_assert_eq(mmu_pt_map_page(&pt, 0xffffffff81000000ull, 16 * SZ_1M, MMU_PAGE_2M,
	                             MMU_PROT_KERNEL_RX, NULL),
	             0);
	cr_assert_eq(mmu_pt_map_page(&pt, 0x400000, 8 * SZ_1M, MMU_PAGE_4K, MMU_PROT_USER_RW, NULL),
	             0);
	cr_assert_eq(
	    mmu_pt_map_page(&pt, PAGE_OFFSET + SZ_1G, SZ_1G, MMU_PAGE_1G, MMU_PROT_KERNEL_RW, NULL),
	    0);
	cr_assert_eq(mmu_pt_for_each_leaf(&pt, 0, UINT64_MAX, log_leaf, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_expect_eq(l.va[0], 0x400000);
	cr_expect_eq(l.pa[0], 8 * SZ_1M);
	cr_expect_eq(l.va[1], PAGE_OFFSET + SZ_1G);
	cr_expect_eq(l.ps[1], MMU_PAGE_1G);
	cr_expect_eq(l.va[2], 0xffffffff81000000ull);
	cr_expect_eq(l.pa[2], 16 * SZ_1M);
	cr_expect_eq(l.ps[2], MMU_PAGE_2M);
	/* A range that only overlaps the 1G leaf's tail still reports it. */
	memset(&l, 0, sizeof(l));
	cr_assert_eq(mmu_pt_for_each_leaf(&pt, PAGE_OFFSET + 2 * SZ_1G - 1, 0xffffffff81000000ull,
	                                  log_leaf, &l),
	             0);
	cr_expect_eq(l.n, 1);
}

Test(pt_build, for_each_leaf_stops_on_nonzero_return, .init = setup4, .fini = teardown)
{
	struct visit_log l = {.n = 97};

	cr_assert_eq(
	    mmu_pt_map(&pt, PAGE_OFFSET, 0, 16 * SZ_4K, MMU_PS_ALL, MMU_PROT_KERNEL_RW, NULL), 0);
	cr_expect_eq(mmu_pt_for_each_leaf(&pt, 0, UINT64_MAX, log_leaf, &l), 7);
	cr_expect_eq(l.n, 100);
}

/* ---- the BRK-then-top-down allocator ------------------------------------ */

Test(brk_alloc, brk_buffer_first_then_top_down)
{
	struct mmu_brk_alloc a;
	struct mmu_pt p;

	cr_assert_eq(mmu_phys_init(&phys, 64 * SZ_1M, NULL), 0);
	mmu_brk_alloc_init(&a, &phys, SZ_1M, 2 * SZ_4K, 16 * SZ_1M, 32 * SZ_1M);
	cr_assert_eq(mmu_pt_init(&p, &phys, 4, 46, mmu_brk_allocator(&a), NULL), 0);
	cr_expect_eq(p.root, SZ_1M);
	/* PDPT from BRK, then PD and PT from the top down. */
	cr_assert_eq(mmu_pt_map_page(&p, PAGE_OFFSET, 0, MMU_PAGE_4K, MMU_PROT_KERNEL_RW, NULL), 0);
	cr_expect_eq(a.from_brk, 2);
	cr_expect_eq(a.from_topdown, 2);
	cr_expect_eq(a.top, 32 * SZ_1M - 2 * SZ_4K);
	cr_expect_eq(mmu_phys_read64(&phys, SZ_1M + 8 * 273) & PTE_ADDR_MASK, SZ_1M + SZ_4K);
	mmu_phys_fini(&phys);
}

Test(brk_alloc, exhausted_allocator_fails_with_enomem)
{
	struct mmu_brk_alloc a;
	struct mmu_pt p;
	struct vmemsim_err err = {0};

	cr_assert_eq(mmu_phys_init(&phys, 64 * SZ_1M, NULL), 0);
	mmu_brk_alloc_init(&a, &phys, SZ_1M, 2 * SZ_4K, 16 * SZ_1M, 16 * SZ_1M + SZ_4K);
	cr_assert_eq(mmu_pt_init(&p, &phys, 4, 46, mmu_brk_allocator(&a), NULL), 0);
	cr_expect_eq(mmu_pt_map_page(&p, PAGE_OFFSET, 0, MMU_PAGE_4K, MMU_PROT_KERNEL_RW, &err),
	             VMEMSIM_ENOMEM);
	cr_expect_eq(a.from_brk + a.from_topdown, 3);
	cr_expect(strstr(err.msg, "0xffff888000000000") != NULL, "message: %s", err.msg);
	mmu_phys_fini(&phys);
}

Test(phys, untouched_memory_is_not_resident)
{
	cr_assert_eq(mmu_phys_init(&phys, 1ull << 36, NULL), 0); /* 64 GiB reserved */
	cr_expect_lt(mmu_phys_resident(&phys), SZ_1M);
	mmu_phys_write64(&phys, 5 * SZ_1G, 1);
	cr_expect_geq(mmu_phys_resident(&phys), SZ_4K);
	mmu_phys_fini(&phys);
}
