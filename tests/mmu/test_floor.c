/*
 * tests/mmu/test_floor.c — the model against bench/floor.c, the kernel
 * `vmemsim-bench mmu_random_1g` times as the floor of the random stream.
 *
 * The floor is a second implementation of the model's operations for one
 * geometry (the default configuration), written with that geometry fixed
 * at compile time and sharing no code with mmu/ beyond guest memory and
 * the page tables.  On streams it handles (4K loads, kernel mappings) every
 * counter it keeps must equal the model's.  The test pins the model against
 * it, and keeps the bench's bound honest when the model or the default
 * configuration changes.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/floor.h"
#include "mmu/mmu.h"

#define VA_BASE 0xffff888000000000ull

struct rig {
	struct mmu_phys phys;
	struct mmu_brk_alloc ba;
	struct mmu_pt pt;
	struct mmu *m;
	struct floor *f;
};

/* [VA_BASE, +bytes) mapped to PA 0 with 4K pages; tables above the data. */
static void rig_init(struct rig *r, uint64_t bytes)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	uint64_t tables = ((bytes / 512 + 4095) & ~4095ull) + (8ull << 20);

	memset(r, 0, sizeof(*r));
	cr_assert_eq(mmu_phys_init(&r->phys, bytes + tables, &err), 0, "%s", err.msg);
	mmu_brk_alloc_init(&r->ba, &r->phys, bytes, 16 * 4096, bytes + 16 * 4096, bytes + tables);
	cr_assert_eq(mmu_pt_init(&r->pt, &r->phys, 4, 46, mmu_brk_allocator(&r->ba), &err), 0);
	cr_assert_eq(mmu_pt_map(&r->pt, VA_BASE, 0, bytes, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, &err),
	             0, "%s", err.msg);
	mmu_config_default(&cfg);
	cr_assert_eq(mmu_create(&r->m, &cfg, &r->phys, &err), 0, "%s", err.msg);
	mmu_write_cr3(r->m, r->pt.root, 0, false);
	r->f = floor_create(&cfg, &r->phys, r->pt.root, &err);
	cr_assert_not_null(r->f, "%s", err.msg);
}

static void rig_fini(struct rig *r)
{
	floor_destroy(r->f);
	mmu_destroy(r->m);
	mmu_phys_fini(&r->phys);
}

static uint64_t next_va(uint64_t *x, uint64_t mask)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return VA_BASE + (*x & mask & ~7ull);
}

/* n random 8-byte loads over bytes through both; every kept counter equal,
 * and the stream did reach the paths named by `expect` (non-zero). */
static void same_counters(uint64_t bytes, uint64_t n, const enum mmu_counter *expect,
                          unsigned nexpect)
{
	static struct mmu_stats st;
	uint64_t fc[MMU_NR_COUNTERS], x = 88172645463325252ull, i;
	struct rig r;
	size_t c;

	rig_init(&r, bytes);
	for (i = 0; i < n; i++)
		cr_assert_eq(mmu_access(r.m, next_va(&x, bytes - 1), 8, MMU_LOAD, i & 255, NULL),
		             0);
	x = 88172645463325252ull;
	for (i = 0; i < n; i++)
		floor_access(r.f, next_va(&x, bytes - 1));
	cr_assert_not(floor_bad(r.f));
	mmu_stats_snapshot(r.m, &st);
	floor_counters(r.f, fc);
	for (c = 0; c < floor_nr_kept; c++)
		cr_expect_eq(fc[floor_kept[c]], mmu_stats_total(&st, floor_kept[c]),
		             "%s: floor %llu, model %llu", mmu_counter_name(floor_kept[c]),
		             (unsigned long long)fc[floor_kept[c]],
		             (unsigned long long)mmu_stats_total(&st, floor_kept[c]));
	for (c = 0; c < nexpect; c++)
		cr_expect_gt(fc[expect[c]], 0, "the stream never reached %s",
		             mmu_counter_name(expect[c]));
	rig_fini(&r);
}

/* 256 MiB: 65536 pages (43x the STLB), 128 PDEs (4x the PDE cache), a PTE
 * footprint of 512 KiB (twice the L2): walks of both depths, PTE reads
 * served by every level. */
Test(floor, random_stream_that_walks_counts_as_the_model)
{
	static const enum mmu_counter expect[] = {
	    MMU_C_walks,        MMU_C_pwc_hits_pde, MMU_C_pwc_hits_pdpte,
	    MMU_C_pwc_misses,   MMU_C_pte_l1d_hits, MMU_C_pte_l2_hits,
	    MMU_C_pte_llc_hits, MMU_C_pte_dram,     MMU_C_dram_accesses};

	same_counters(256ull << 20, 300000, expect, sizeof(expect) / sizeof(expect[0]));
}

/* 4 MiB: 1024 pages, inside the STLB's reach but not the L1 DTLB's; data
 * in the LLC. */
Test(floor, random_stream_in_stlb_reach_counts_as_the_model)
{
	static const enum mmu_counter expect[] = {MMU_C_dtlb_hits_4k, MMU_C_stlb_hits_4k,
	                                          MMU_C_l2_hits, MMU_C_llc_hits};

	same_counters(4ull << 20, 300000, expect, sizeof(expect) / sizeof(expect[0]));
}
