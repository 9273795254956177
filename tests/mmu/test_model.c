/*
 * tests/mmu/test_model.c — data-cache hit levels and latencies, page- and
 * line-crossing accesses, per-region counters, hot spots, the cost model,
 * the counter table and the configuration check.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "model.h"
#include "mmu/mmu_internal.h"

TestSuite(cache, .init = model_phys_init, .fini = model_fini);
TestSuite(regions, .init = model_phys_init, .fini = model_fini);
TestSuite(config);
TestSuite(counters);

#define LEAF_RW (PTE_P | PTE_RW)
#define V       (T_VA & ~(SZ_2M - 1)) /* a 2M page at PA 0x200000 */

static void load(uint64_t va)
{
	cr_assert_eq(mmu_access(tm, va, 8, MMU_LOAD, 0x400000, NULL), 0);
}

struct delta {
	struct mmu_stats before;
};

static void mark(struct delta *d)
{
	mmu_stats_snapshot(tm, &d->before);
}

static uint64_t since(const struct delta *d, enum mmu_counter c)
{
	struct mmu_stats now;

	mmu_stats_snapshot(tm, &now);
	mmu_stats_sub(&now, &d->before);
	return mmu_stats_total(&now, c);
}

/*
 * Skylake default: L1D 64 sets x 8, L2 1024 x 4, LLC 8192 x 16; latencies
 * 4/12/44, DRAM 173.  A = PA 0x200000 is line 32768: set 0 everywhere.
 * B_k = A + 4K*k (k = 1..8) share A's L1D set only; C_j = A + 64K*j
 * (j = 1..8) share its L1D and L2 sets, and C_8 its LLC set.
 */
Test(cache, hit_levels_and_latencies_follow_the_hierarchy)
{
	struct delta d;
	unsigned k;

	model_start(NULL, model_build(4, MMU_PAGE_2M, LEAF_RW));
	mark(&d);
	load(V);
	cr_expect_eq(since(&d, MMU_C_dram_accesses), 1);
	cr_expect_eq(since(&d, MMU_C_cycles_mem), 173 - 4);
	cr_expect_eq(since(&d, MMU_C_pte_dram), 3);
	cr_expect_eq(since(&d, MMU_C_cycles_walk), 3 * 173);
	mark(&d);
	load(V);
	cr_expect_eq(since(&d, MMU_C_l1d_hits), 1);
	cr_expect_eq(since(&d, MMU_C_cycles_mem), 0);
	for (k = 1; k <= 8; k++)
		load(V + k * SZ_4K);
	mark(&d);
	load(V);
	cr_expect_eq(since(&d, MMU_C_l2_hits), 1);
	cr_expect_eq(since(&d, MMU_C_cycles_mem), 12 - 4);
	for (k = 1; k <= 8; k++)
		load(V + k * 65536);
	mark(&d);
	load(V);
	cr_expect_eq(since(&d, MMU_C_llc_hits), 1);
	cr_expect_eq(since(&d, MMU_C_cycles_mem), 44 - 4);
	/* The LLC hit refilled L1D. */
	mark(&d);
	load(V);
	cr_expect_eq(since(&d, MMU_C_l1d_hits), 1);
}

Test(cache, walker_pte_reads_hit_the_caches_too)
{
	struct delta d;

	model_start(NULL, model_build(4, MMU_PAGE_4K, LEAF_RW));
	load(T_VA);
	mmu_flush_all(tm);
	mark(&d);
	load(T_VA);
	cr_expect_eq(since(&d, MMU_C_pte_l1d_hits), 4);
	cr_expect_eq(since(&d, MMU_C_cycles_walk), 4 * 4);
}

Test(cache, absent_levels_are_skipped)
{
	struct mmu_config c;
	struct delta d;

	mmu_config_default(&c);
	c.l2.size = 0;
	c.llc.size = 0;
	model_start(&c, model_build(4, MMU_PAGE_2M, LEAF_RW));
	load(V);
	mark(&d);
	load(V);
	cr_expect_eq(since(&d, MMU_C_l1d_hits), 1);
	for (unsigned k = 1; k <= 8; k++)
		load(V + k * SZ_4K);
	mark(&d);
	load(V);
	cr_expect_eq(since(&d, MMU_C_dram_accesses), 1);
	cr_expect_eq(since(&d, MMU_C_cycles_mem), 173 - 4);
}

Test(cache, line_crossing_access_touches_both_lines)
{
	struct delta d;

	model_start(NULL, model_build(4, MMU_PAGE_2M, LEAF_RW));
	load(V);
	mark(&d);
	cr_assert_eq(mmu_access(tm, V + 60, 8, MMU_LOAD, 0, NULL), 0);
	cr_expect_eq(since(&d, MMU_C_line_splits), 1);
	cr_expect_eq(since(&d, MMU_C_l1d_hits), 1);
	cr_expect_eq(since(&d, MMU_C_dram_accesses), 1);
	cr_expect_eq(since(&d, MMU_C_loads), 1);
	cr_expect_eq(since(&d, MMU_C_page_splits), 0);
}

Test(cache, page_crossing_access_is_translated_per_page)
{
	struct mmu_pt pt;
	struct test_alloc ta;
	struct delta d;
	struct mmu_fault f;

	model_start(NULL, 0);
	cr_assert_eq(mmu_pt_init(&pt, &tphys, 4, 46,
	                         test_alloc_init(&ta, &tphys, 32 * SZ_1M, 48 * SZ_1M), NULL),
	             0);
	/* Two VA-adjacent pages on non-adjacent frames; the third is unmapped. */
	cr_assert_eq(
	    mmu_pt_map_page(&pt, PAGE_OFFSET, 5 * SZ_4K, MMU_PAGE_4K, MMU_PROT_KERNEL_RW, NULL), 0);
	cr_assert_eq(mmu_pt_map_page(&pt, PAGE_OFFSET + SZ_4K, 9 * SZ_4K, MMU_PAGE_4K,
	                             MMU_PROT_KERNEL_RW, NULL),
	             0);
	mmu_write_cr3(tm, pt.root, 0, false);
	mark(&d);
	cr_assert_eq(mmu_access(tm, PAGE_OFFSET + SZ_4K - 4, 8, MMU_STORE, 0, NULL), 0);
	cr_expect_eq(since(&d, MMU_C_page_splits), 1);
	cr_expect_eq(since(&d, MMU_C_stores), 1);
	cr_expect_eq(since(&d, MMU_C_walks), 2);
	cr_expect_eq(since(&d, MMU_C_dram_accesses), 2);
	/* Both leaves got D. */
	cr_expect(mmu_phys_read64(&tphys, ta.next - SZ_4K) & PTE_D); /* the PT is the last table */
	cr_assert_eq(mmu_access(tm, PAGE_OFFSET + 2 * SZ_4K - 4, 8, MMU_LOAD, 0, &f),
	             VMEMSIM_EFAULT);
	cr_expect_eq(f.va, PAGE_OFFSET + 2 * SZ_4K);
	cr_expect_eq(f.error_code, 0);
}

/* ---- regions and hot spots -------------------------------------------------- */

Test(regions, accesses_are_charged_to_the_region_of_their_va)
{
	struct mmu_stats s;
	struct vmemsim_err err = {0};
	int vm, dm;

	model_start(NULL, model_build(4, MMU_PAGE_2M, LEAF_RW));
	/* The 2M page spans two regions: its TLB entry cannot carry one id. */
	vm = mmu_add_region(tm, "vmemmap", V, V + SZ_1M, NULL);
	dm = mmu_add_region(tm, "direct map", V + SZ_1M, V + SZ_2M, NULL);
	cr_assert_eq(vm, 1);
	cr_assert_eq(dm, 2);
	cr_expect_eq(mmu_add_region(tm, "overlap", V + SZ_1M - SZ_4K, V + SZ_1M + SZ_4K, &err),
	             VMEMSIM_EEXIST);
	cr_expect(strstr(err.msg, "overlaps region vmemmap") != NULL, "%s", err.msg);
	cr_expect_eq(mmu_add_region(tm, "odd", V + 1, V + SZ_4K, NULL), VMEMSIM_EINVAL);
	load(V);
	load(V + 64);
	load(V + SZ_1M);
	cr_assert_eq(mmu_access(tm, V - SZ_4K, 8, MMU_LOAD, 0, NULL), VMEMSIM_EFAULT);
	mmu_retire(tm, V + SZ_1M + 8, 10);
	mmu_stats_snapshot(tm, &s);
	cr_expect_eq(s.nr_regions, 3);
	cr_expect_eq(s.v[1][MMU_C_loads], 2);
	cr_expect_eq(s.v[1][MMU_C_walks], 1);
	cr_expect_eq(s.v[2][MMU_C_loads], 1);
	cr_expect_eq(s.v[2][MMU_C_walks], 0);
	cr_expect_eq(s.v[2][MMU_C_dtlb_hits_2m], 1);
	cr_expect_eq(s.v[2][MMU_C_instructions], 10);
	cr_expect_eq(s.v[0][MMU_C_faults], 1);
	cr_expect_str_eq(mmu_region_name(tm, 0), "other");
	cr_expect_str_eq(mmu_region_name(tm, 2), "direct map");
	cr_expect_null(mmu_region_name(tm, 3));
	/* Cost model: region 2 = 10 instructions x 0.5 + its memory cycles. */
	cr_expect_eq(mmu_stats_cycles(&s, 2),
	             5.0 + (double)s.v[2][MMU_C_cycles_mem] + (double)s.v[2][MMU_C_cycles_walk] +
	                 (double)s.v[2][MMU_C_cycles_stlb] + (double)s.v[2][MMU_C_cycles_pwc]);
	cr_expect_eq(mmu_stats_cycles(&s, -1),
	             mmu_stats_cycles(&s, 0) + mmu_stats_cycles(&s, 1) + mmu_stats_cycles(&s, 2));
}

Test(regions, hotspots_rank_pcs_by_walk_cycles)
{
	struct mmu_hotspot hs[4];
	unsigned n;

	model_start(NULL, model_build(4, MMU_PAGE_4K, LEAF_RW));
	cr_assert_eq(mmu_access(tm, T_VA, 8, MMU_LOAD, 0xaaa, NULL), 0); /* cold walk */
	mmu_flush_all(tm);
	cr_assert_eq(mmu_access(tm, T_VA, 8, MMU_LOAD, 0xbbb, NULL), 0); /* warm walk */
	cr_assert_eq(mmu_access(tm, T_VA, 8, MMU_LOAD, 0xccc, NULL), 0); /* TLB hit */
	n = mmu_hotspots(tm, hs, 4);
	cr_assert_eq(n, 2);
	cr_expect_eq(hs[0].pc, 0xaaa);
	cr_expect_eq(hs[0].walk_cycles, 3 + 4 * 173);
	cr_expect_eq(hs[0].dtlb_misses, 1);
	cr_expect_eq(hs[0].walks, 1);
	cr_expect_eq(hs[1].pc, 0xbbb);
	cr_expect_eq(hs[1].walk_cycles, 3 + 4 * 4);
	cr_expect_eq(mmu_hotspots(tm, hs, 1), 1);
	cr_expect_eq(hs[0].pc, 0xaaa);
	mmu_reset_stats(tm);
	cr_expect_eq(mmu_hotspots(tm, hs, 4), 0);
	cr_expect_eq(ctr_total(MMU_C_loads), 0);
}

/* ---- counters ------------------------------------------------------------------ */

Test(counters, names_units_and_descriptions_come_from_the_table)
{
	cr_expect_str_eq(mmu_counter_name(MMU_C_instructions), "instructions");
	cr_expect_str_eq(mmu_counter_name(MMU_C_pte_reads_l5), "pte_reads_l5");
	cr_expect_str_eq(mmu_counter_unit(MMU_C_cycles_walk), "cycles");
	cr_expect_str_eq(mmu_counter_name(MMU_NR_COUNTERS - 1), "cycles_walk");
	cr_expect(strstr(mmu_counter_desc(MMU_C_dirty_assists), "D bit") != NULL);
	cr_expect_null(mmu_counter_name(MMU_NR_COUNTERS));
}

/* ---- configuration ------------------------------------------------------------- */

static void expect_config_error(void (*edit)(struct mmu_config *), const char *msg)
{
	struct mmu_config c;
	struct vmemsim_err err = {0};
	struct mmu *m = NULL;
	struct mmu_phys p = {0};

	mmu_config_default(&c);
	edit(&c);
	cr_expect_eq(mmu_config_check(&c, &err), VMEMSIM_EINVAL, "expected: %s", msg);
	cr_expect_str_eq(err.msg, msg);
	cr_expect_eq(mmu_create(&m, &c, &p, NULL), VMEMSIM_EINVAL);
	cr_expect_null(m);
}

static void stlb_1000_by_12(struct mmu_config *c)
{
	c->stlb.arrays[0].entries = 1000;
}
static void dtlb_zero_entries(struct mmu_config *c)
{
	c->dtlb.arrays[1].entries = 0;
}
static void l2_zero_ways(struct mmu_config *c)
{
	c->l2.ways = 0;
}
static void plru_six_ways(struct mmu_config *c)
{
	c->itlb.arrays[0].entries = 96;
	c->itlb.arrays[0].ways = 6;
	c->itlb.arrays[0].repl = MMU_REPL_PLRU;
}
static void three_levels(struct mmu_config *c)
{
	c->levels = 3;
}
static void pde_cache_bad(struct mmu_config *c)
{
	c->pwc[MMU_LEVEL_PD].ways = 5;
}
static void no_page_sizes(struct mmu_config *c)
{
	c->stlb.arrays[1].ps_mask = 0;
}
static void llc_odd_size(struct mmu_config *c)
{
	c->llc.size = 1000;
}

Test(config, default_config_passes_the_check)
{
	struct mmu_config c;

	mmu_config_default(&c);
	cr_expect_eq(mmu_config_check(&c, NULL), 0);
	cr_expect_eq(c.dtlb.arrays[0].entries, 64);
	cr_expect_eq(c.stlb.arrays[0].entries / c.stlb.arrays[0].ways, 128);
}

Test(config, impossible_geometries_are_named)
{
	expect_config_error(stlb_1000_by_12,
	                    "tlb.stlb.arrays[0]: 1000 entries not divisible by 12 ways");
	expect_config_error(dtlb_zero_entries, "tlb.l1d.arrays[1]: 0 entries");
	expect_config_error(l2_zero_ways, "cache.l2: 0 ways");
	expect_config_error(plru_six_ways,
	                    "tlb.l1i.arrays[0]: tree-PLRU needs a power-of-two way count up to 64, "
	                    "not 6");
	expect_config_error(three_levels, "paging.levels: 3 is not 4 or 5");
	expect_config_error(pde_cache_bad, "pwc.pde: 32 entries not divisible by 5 ways");
	expect_config_error(no_page_sizes, "tlb.stlb.arrays[1]: page-size mask 0 invalid");
	expect_config_error(llc_odd_size, "cache.llc: size 1000 is not a multiple of 64");
}

Test(config, non_power_of_two_geometry_works)
{
	struct mmu_config c;
	struct mmu_phys p;
	struct mmu *m;
	struct vmemsim_err err = {0};

	mmu_config_default(&c);
	c.dtlb.nr_arrays = 1;
	c.dtlb.arrays[0].entries = 72; /* Zen 4: fully associative, all sizes */
	c.dtlb.arrays[0].ways = 72;
	c.dtlb.arrays[0].ps_mask = MMU_PS_ALL;
	c.stlb.nr_arrays = 1;
	c.stlb.arrays[0].entries = 3072;
	c.stlb.arrays[0].ways = 8;
	cr_assert_eq(mmu_phys_init(&p, SZ_1M, NULL), 0);
	cr_assert_eq(mmu_create(&m, &c, &p, &err), 0, "%s", err.msg);
	cr_expect_eq(mmu_check(m, &err), 0, "%s", err.msg);
	mmu_destroy(m);
	mmu_phys_fini(&p);
}

Test(cache, check_reports_a_tlb_entry_in_the_wrong_set)
{
	struct vmemsim_err err = {0};
	struct mmu_pt pt;
	struct test_alloc ta;

	model_start(NULL, 0);
	cr_assert_eq(mmu_pt_init(&pt, &tphys, 4, 46,
	                         test_alloc_init(&ta, &tphys, 32 * SZ_1M, 48 * SZ_1M), NULL),
	             0);
	cr_assert_eq(mmu_pt_map(&pt, PAGE_OFFSET, 0, SZ_2M, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, NULL),
	             0);
	mmu_write_cr3(tm, pt.root, 0, false);
	for (unsigned i = 0; i < 40; i++)
		load(PAGE_OFFSET + i * 3 * SZ_4K % SZ_2M);
	cr_assert_eq(mmu_check(tm, &err), 0, "%s", err.msg);
	/* Move the 4K DTLB's first valid tag one page on: now in the wrong set. */
	{
		struct sa *sa = &((struct mmu *)tm)->dtlb.a[0].sa;
		uint32_t e = 0;
		while (sa->tag[e] == SA_INVALID)
			e++;
		sa->tag[e] += 1ull << 16;
		sa_sig_row(sa, e / sa->ways)[e % sa->ways] = sa_sig(sa, sa->tag[e]);
	}
	cr_expect_eq(mmu_check(tm, &err), VMEMSIM_ECORRUPT);
	cr_expect(strstr(err.msg, "wrong set") != NULL, "%s", err.msg);
	mmu_flush_all(tm); /* leave a consistent model for the fixture's check */
}

Test(regions, hotspot_table_stays_bounded_and_sorted)
{
	struct mmu_hotspot hs[8];
	unsigned n, i;

	model_start(NULL, model_build(4, MMU_PAGE_4K, PTE_P | PTE_RW));
	for (i = 0; i < 10000; i++) {
		mmu_flush_all(tm);
		cr_assert_eq(mmu_access(tm, T_VA, 8, MMU_LOAD, 0x1000 + i * 16, NULL), 0);
	}
	n = mmu_hotspots(tm, hs, 8);
	cr_assert_eq(n, 8);
	for (i = 1; i < n; i++)
		cr_expect_geq(hs[i - 1].walk_cycles, hs[i].walk_cycles);
	cr_expect_eq(hs[0].pc, 0x1000, "the first (cold) walk costs most");
}

Test(regions, retired_instructions_follow_regions_added_later)
{
	struct mmu_stats s;

	model_start(NULL, model_build(4, MMU_PAGE_4K, PTE_P | PTE_RW));
	mmu_retire(tm, 0xffffffff81000010ull, 5);
	cr_assert_eq(mmu_add_region(tm, "text", 0xffffffff81000000ull, 0xffffffff81200000ull, NULL),
	             1);
	mmu_retire(tm, 0xffffffff81000020ull, 7);
	mmu_retire(tm, 0xffffffff81200000ull, 11);
	mmu_stats_snapshot(tm, &s);
	cr_expect_eq(s.v[0][MMU_C_instructions], 5 + 11);
	cr_expect_eq(s.v[1][MMU_C_instructions], 7);
}

/* The repeat-hit path (same page entry, same line) counts what the full path
 * counts: an L1 TLB hit, the access, a hit in the first cache level. */
Test(cache, repeat_hits_count_like_any_other_hit)
{
	struct delta d;
	unsigned i;

	model_start(NULL, model_build(4, MMU_PAGE_2M, LEAF_RW));
	load(V); /* cold: walk + DRAM */
	mark(&d);
	for (i = 0; i < 8; i++)
		load(V + 8 * i); /* one line */
	cr_assert_eq(mmu_access(tm, V + 4, 4, MMU_STORE, 0, NULL), 0);
	cr_expect_eq(since(&d, MMU_C_loads), 8);
	cr_expect_eq(since(&d, MMU_C_stores), 1);
	cr_expect_eq(since(&d, MMU_C_dtlb_hits_2m), 9);
	cr_expect_eq(since(&d, MMU_C_l1d_hits), 9);
	cr_expect_eq(since(&d, MMU_C_cycles_mem), 0);
	cr_expect_eq(since(&d, MMU_C_walks), 1, "the first store through a clean entry sets D");
	cr_expect_eq(since(&d, MMU_C_dirty_assists), 1);
}

Test(cache, repeat_hits_without_an_l1d_count_as_l2_hits)
{
	struct mmu_config c;
	struct delta d;

	mmu_config_default(&c);
	c.l1d.size = 0;
	model_start(&c, model_build(4, MMU_PAGE_4K, LEAF_RW | PTE_US));
	load(T_VA);
	mark(&d);
	load(T_VA + 8);
	cr_assert_eq(mmu_access(tm, T_VA + 16, 8, MMU_FETCH, 0, NULL), 0);
	cr_assert_eq(mmu_access(tm, T_VA + 24, 8, MMU_FETCH, 0, NULL), 0);
	cr_expect_eq(since(&d, MMU_C_l2_hits), 1);
	cr_expect_eq(since(&d, MMU_C_l1d_hits), 0);
	cr_expect_eq(since(&d, MMU_C_cycles_mem), 12);
	cr_expect_eq(since(&d, MMU_C_itlb_hits_4k), 1);
	cr_expect_eq(since(&d, MMU_C_itlb_misses), 1);
	cr_expect_eq(since(&d, MMU_C_fetches), 2);
	/* A user-mode access to the user page through the remembered entry. */
	mmu_set_cpl(tm, 3);
	load(T_VA + 32);
	cr_expect_eq(since(&d, MMU_C_l2_hits), 2);
}

Test(config, create_without_guest_memory_fails_cleanly)
{
	struct mmu_config c;
	struct mmu_phys p = {0};
	struct mmu *m = NULL;
	struct vmemsim_err err = {0};

	mmu_config_default(&c);
	cr_expect_eq(mmu_create(&m, &c, &p, &err), VMEMSIM_EINVAL);
	cr_expect_null(m);
	cr_expect(strstr(err.msg, "guest physical memory") != NULL, "%s", err.msg);
}

/* docs/model.md's counter table is generated from counters.def: keep them in step. */
Test(counters, every_counter_is_documented_in_docs_model_md)
{
	FILE *f = fopen(MMU_DOCS_MODEL_MD, "r");
	static char text[1 << 17];
	size_t n;
	unsigned c;

	cr_assert_not_null(f, "%s not found", MMU_DOCS_MODEL_MD);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	for (c = 0; c < MMU_NR_COUNTERS; c++) {
		char row[96];
		snprintf(row, sizeof(row), "| `%s` | %s |", mmu_counter_name(c),
		         mmu_counter_unit(c));
		cr_expect(strstr(text, row) != NULL, "docs/model.md lacks the row for %s",
		          mmu_counter_name(c));
	}
}
