/*
 * tests/cli/test_reach.c — the reach probe's knees sit where each preset's TLB
 * geometry puts them.
 *
 * Expectation, by hand: the probe maps N consecutive virtual pages, so a
 * set-associative array of S sets and W ways receives N/S pages per set.  A
 * cyclic chase under true LRU hits every time while N/S <= W and misses every
 * time once a set holds W+1 pages.  So for 4K pages the L1 DTLB miss rate is 0
 * at N = entries and 1 at N = entries + S; the same holds for the STLB (whose
 * lookups are all the L1 misses once N exceeds the L1).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cli/cpu_config.h"
#include "cli/reach.h"

static const char *const presets[] = {"skylake", "golden-cove", "zen4"};

/* The first array of a level that holds 4K pages is where 4K entries go. */
static const struct mmu_array_config *array_4k(const struct mmu_tlb_level_config *l)
{
	for (unsigned i = 0; i < l->nr_arrays; i++)
		if (l->arrays[i].ps_mask & MMU_PS_BIT(MMU_PAGE_4K))
			return &l->arrays[i];
	return NULL;
}

static struct reach_point probe(const struct mmu_config *cfg, uint64_t n)
{
	struct reach_params p = {.ps = MMU_PAGE_4K, .pages = n, .min_accesses = 20000, .seed = 7};
	struct reach_point r;
	struct vmemsim_err err = {0};
	cr_assert_eq(reach_run(cfg, &p, &r, &err), 0, "%s", err.msg);
	return r;
}

/* Knees of one TLB level (dtlb or stlb) for every preset: all hits at N =
 * entries, all misses at N = entries + sets. */
static void check_knees(bool stlb)
{
	for (unsigned i = 0; i < 3; i++) {
		struct mmu_config cfg;
		struct vmemsim_err err = {0};
		const struct mmu_array_config *a;
		uint64_t sets;
		struct reach_point in, out;
		cr_assert_eq(cli_cpu_load(presets[i], NULL, 0, &cfg, NULL, &err), 0, "%s", err.msg);
		a = array_4k(stlb ? &cfg.stlb : &cfg.dtlb);
		sets = a->entries / a->ways;
		in = probe(&cfg, a->entries);
		out = probe(&cfg, a->entries + sets);
		cr_assert_eq(stlb ? in.stlb_miss_rate : in.l1d_miss_rate, 0.0,
		             "%s: N=%u misses %.4f", presets[i], a->entries,
		             stlb ? in.stlb_miss_rate : in.l1d_miss_rate);
		cr_assert_eq(stlb ? out.stlb_miss_rate : out.l1d_miss_rate, 1.0,
		             "%s: N=%llu misses %.4f", presets[i],
		             (unsigned long long)(a->entries + sets),
		             stlb ? out.stlb_miss_rate : out.l1d_miss_rate);
		cr_assert_eq(in.walks_per_access, 0.0);
		if (stlb) {
			cr_assert_eq(out.walks_per_access, 1.0);
			/* a walk costs more than an STLB hit */
			cr_assert_gt(out.cycles_per_access, in.cycles_per_access);
		}
	}
}

Test(reach, l1_dtlb_knee_sits_at_the_preset_capacity)
{
	check_knees(false);
}

Test(reach, stlb_knee_sits_at_the_preset_capacity)
{
	check_knees(true);
}

Test(reach, large_pages_move_the_knee_out)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	struct reach_params p = {
	    .ps = MMU_PAGE_2M, .pages = 1024, .min_accesses = 20000, .seed = 3};
	struct reach_point r4, r2;
	cr_assert_eq(cli_cpu_load("skylake", NULL, 0, &cfg, NULL, &err), 0, "%s", err.msg);
	/* 1024 pages: inside the 1536-entry STLB with 2M pages as with 4K ones, but
	 * 2M pages need one fewer level per walk; both must hit the STLB. */
	cr_assert_eq(reach_run(&cfg, &p, &r2, &err), 0, "%s", err.msg);
	r4 = probe(&cfg, 1024);
	cr_assert_eq(r2.stlb_miss_rate, 0.0);
	cr_assert_eq(r4.stlb_miss_rate, 0.0);
	/* Skylake's 2M L1 DTLB has 32 entries vs 64 for 4K: at 48 pages 2M misses, 4K hits. */
	p.pages = 48;
	cr_assert_eq(reach_run(&cfg, &p, &r2, &err), 0, "%s", err.msg);
	r4 = probe(&cfg, 48);
	cr_assert_eq(r4.l1d_miss_rate, 0.0);
	cr_assert_eq(r2.l1d_miss_rate, 1.0);
}

Test(reach, rejects_degenerate_sizes)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	struct reach_params p = {.ps = MMU_PAGE_4K, .pages = 1, .min_accesses = 10};
	struct reach_point r;
	mmu_config_default(&cfg);
	cr_assert_eq(reach_run(&cfg, &p, &r, &err), VMEMSIM_EINVAL);
	p.ps = MMU_PAGE_1G;
	p.pages = 200000;
	cr_assert_eq(reach_run(&cfg, &p, &r, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "128 TiB") != NULL, "got: %s", err.msg);
}

/* The first array of a level that holds page size ps, or NULL. */
static const struct mmu_array_config *array_for(const struct mmu_tlb_level_config *l,
                                                enum mmu_page_size ps)
{
	for (unsigned i = 0; i < l->nr_arrays; i++)
		if (l->arrays[i].ps_mask & MMU_PS_BIT(ps))
			return &l->arrays[i];
	return NULL;
}

static struct reach_point probe_ps(const struct mmu_config *cfg, enum mmu_page_size ps, uint64_t n)
{
	struct reach_params p = {.ps = ps, .pages = n, .min_accesses = 20000, .seed = 11};
	struct reach_point r;
	struct vmemsim_err err = {0};
	cr_assert_eq(reach_run(cfg, &p, &r, &err), 0, "%s", err.msg);
	return r;
}

/* The same hand expectation as check_knees for 2M and 1G pages, each level
 * against its array for that size: skylake 2M 32 / 1536, 1G 4 / 16;
 * golden-cove 2M 32 / 2048, 1G 8 / 1024; zen4 2M 72 / 3072, 1G 72 / 64. */
Test(reach, large_page_knees_sit_at_the_preset_capacity_for_their_size)
{
	static const enum mmu_page_size sizes[] = {MMU_PAGE_2M, MMU_PAGE_1G};

	for (unsigned i = 0; i < 3; i++) {
		struct mmu_config cfg;
		struct vmemsim_err err = {0};
		cr_assert_eq(cli_cpu_load(presets[i], NULL, 0, &cfg, NULL, &err), 0, "%s", err.msg);
		for (unsigned s = 0; s < 2; s++) {
			for (unsigned stlb = 0; stlb < 2; stlb++) {
				const struct mmu_array_config *a =
				    array_for(stlb ? &cfg.stlb : &cfg.dtlb, sizes[s]);
				const struct mmu_array_config *l1 = array_for(&cfg.dtlb, sizes[s]);
				uint64_t sets;
				struct reach_point in, out;

				cr_assert_not_null(a, "%s: no array for size %d", presets[i],
				                   sizes[s]);
				sets = a->entries / a->ways;
				in = probe_ps(&cfg, sizes[s], a->entries);
				out = probe_ps(&cfg, sizes[s], a->entries + sets);
				if (!stlb) {
					cr_expect_eq(in.l1d_miss_rate, 0.0,
					             "%s ps %d: N=%u L1 misses %.4f", presets[i],
					             sizes[s], a->entries, in.l1d_miss_rate);
					cr_expect_eq(out.l1d_miss_rate, 1.0,
					             "%s ps %d: N=%llu L1 misses %.4f", presets[i],
					             sizes[s],
					             (unsigned long long)(a->entries + sets),
					             out.l1d_miss_rate);
					continue;
				}
				/* STLB: no walks up to its capacity (unless the L1 alone covers N),
				 * every L1 miss walks past it. */
				cr_expect_eq(in.walks_per_access, 0.0, "%s ps %d: N=%u walks %.4f",
				             presets[i], sizes[s], a->entries, in.walks_per_access);
				if (a->entries + sets > l1->entries)
					cr_expect_eq(out.stlb_miss_rate, 1.0,
					             "%s ps %d: N=%llu STLB misses %.4f",
					             presets[i], sizes[s],
					             (unsigned long long)(a->entries + sets),
					             out.stlb_miss_rate);
			}
		}
	}
}

/* With MAXPHYADDR 36 (64 GiB, a legal setting) the guest memory for the
 * data frames and the page tables must stay below 2^36: a table above it
 * would be a reserved-bit fault on the walk.  64 1G pages and 32768 2M
 * pages each span exactly 64 GiB; past the 16-entry 1G STLB and the
 * 1536-entry 4K/2M STLB every access walks. */
Test(reach, small_maxphyaddr_keeps_guest_memory_below_it)
{
	static const struct {
		enum mmu_page_size ps;
		uint64_t pages;
	} cases[] = {{MMU_PAGE_1G, 64}, {MMU_PAGE_2M, 32768}, {MMU_PAGE_2M, 65536}};
	struct mmu_config cfg;

	mmu_config_default(&cfg);
	cfg.maxphyaddr = 36;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reach_params p = {
		    .ps = cases[i].ps, .pages = cases[i].pages, .min_accesses = 1000, .seed = 5};
		struct reach_point r;
		struct vmemsim_err err = {0};
		cr_assert_eq(reach_run(&cfg, &p, &r, &err), 0, "ps %d N=%llu: %s", cases[i].ps,
		             (unsigned long long)cases[i].pages, err.msg);
		cr_expect_eq(r.walks_per_access, 1.0, "ps %d N=%llu", cases[i].ps,
		             (unsigned long long)cases[i].pages);
	}
}
