/*
 * tests/workloads/test_chase.c — the TLB-reach pointer chase, checked against
 * a hand analysis of the Skylake-like default geometry (mmu_config_default:
 * L1 DTLB 4K 64 entries 4-way = 16 sets, 2M 32 entries 4-way = 8 sets; STLB
 * 1536 entries 12-way = 128 sets; true LRU).
 *
 * On test_layout_flat2g (one RAM range from pfn 0, no hugetlb pool) node j
 * sits at pfn j*64 + j%64, so its struct page is on vmemmap page j: N nodes
 * use N consecutive 4 KiB vmemmap pages, N/sets per set.  The chase visits
 * them in one fixed cycle, so a set holding more pages than ways misses on
 * every access under LRU, and one holding at most `ways` pages never misses
 * once warm (setup wrote every node, in cycle order, just before).
 */
#include <criterion/criterion.h>

#include "test_layouts.h"

#define HOPS 20000

static void chase(enum sparse_model model, uint64_t nodes, struct wl_run_result *res)
{
	struct sparse_layout l;
	struct mmu_config cpu;
	struct vmemsim_err err = {0};
	struct wl_run_config cfg = {.model = model, .layout = &l, .cpu = &cpu};
	char arg[64];

	test_layout_flat2g(&l);
	mmu_config_default(&cpu);
	cr_assert_eq(wl_lookup("chase", &cfg.wl, NULL), 0);
	wl_args_init(&cfg.args, cfg.wl);
	snprintf(arg, sizeof(arg), "nodes=%llu", (unsigned long long)nodes);
	cr_assert_eq(wl_args_set(&cfg.args, cfg.wl, arg, NULL), 0);
	snprintf(arg, sizeof(arg), "hops=%d", HOPS);
	cr_assert_eq(wl_args_set(&cfg.args, cfg.wl, arg, NULL), 0);
	cr_assert_eq(test_run(&cfg, res, &err), 0, "%s", err.msg);
	cr_assert_eq(res->guest.ops, HOPS);
}

static uint64_t count(const struct wl_run_result *res, enum mmu_counter c)
{
	return mmu_stats_total(&res->stats, c);
}

/* The few pages besides the nodes (wl_params, wl_result) may cost a handful. */
#define FEW 16

Test(wl_chase, fits_l1_dtlb_4k_never_misses)
{
	static struct wl_run_result res;
	chase(SPARSE_MODEL_VMEMMAP_4K, 48, &res); /* 3 pages per set <= 4 ways */
	cr_expect_leq(count(&res, MMU_C_dtlb_misses), FEW, "%lu", count(&res, MMU_C_dtlb_misses));
	cr_expect_geq(count(&res, MMU_C_dtlb_hits_4k), HOPS);
}

Test(wl_chase, beyond_l1_within_stlb_misses_l1_on_every_hop_only)
{
	static struct wl_run_result res;
	chase(SPARSE_MODEL_VMEMMAP_4K, 256, &res); /* L1: 16 per set; STLB: 2 per set */
	cr_expect_geq(count(&res, MMU_C_dtlb_misses), HOPS);
	cr_expect_leq(count(&res, MMU_C_dtlb_misses), HOPS + FEW);
	cr_expect_leq(count(&res, MMU_C_stlb_misses), FEW, "%lu", count(&res, MMU_C_stlb_misses));
	cr_expect_geq(count(&res, MMU_C_stlb_hits_4k), HOPS);
}

Test(wl_chase, beyond_stlb_walks_on_every_hop)
{
	static struct wl_run_result res;
	chase(SPARSE_MODEL_VMEMMAP_4K, 4096, &res); /* STLB: 32 per set > 12 ways */
	cr_expect_geq(count(&res, MMU_C_stlb_misses), HOPS);
	cr_expect_leq(count(&res, MMU_C_stlb_misses), HOPS + FEW);
	cr_expect_geq(count(&res, MMU_C_walks_4k), HOPS);
}

Test(wl_chase, same_nodes_on_2m_vmemmap_fit_in_eight_entries)
{
	static struct wl_run_result res;
	chase(SPARSE_MODEL_VMEMMAP_2M, 4096, &res); /* 16 MiB of memmap = 8 PMDs */
	cr_expect_leq(count(&res, MMU_C_dtlb_misses), FEW, "%lu", count(&res, MMU_C_dtlb_misses));
	cr_expect_geq(count(&res, MMU_C_dtlb_hits_2m), HOPS);
	cr_expect_leq(count(&res, MMU_C_walks), FEW);
}
