/*
 * tests/mmu/test_reference.c — differential tests: the optimised MMU model
 * (mmu/) and the plain reference model (ref_model.h) run the same
 * randomized streams (fixed seeds) over identical page tables and must
 * agree on every counter of every region, every return code, fault report
 * and translated PA, the hot spots and the A/D bits written back.
 *
 * Run them (e.g. after optimising mmu/; every stream test is in suite
 * "reference"; suite "policy" pins three rules the streams found mmu/
 * once broke):
 *     build-x/tests/mmu/test_mmu_reference --filter 'reference/?*'
 *     build-x/tests/mmu/test_mmu_reference --filter 'reference/zen4?*'
 * A longer soak: REF_SEEDS=50 (streams per test) and REF_OPS=1000000
 * (operations per stream) in the environment; REF_DEBUG=1 prints the
 * reference's counters.  Fewer operations than the default may trip the
 * tests' "the stream exercised X" expectations, never the comparison.
 * A failure names the first step where the two differ, the operation, and
 * the first differing counter (region, optimised vs reference); the stream
 * is regenerated from its seed, so it reproduces exactly.
 *
 * Streams: random accesses over a 1 GiB 4K-mapped range, 2M- and 1G-mapped
 * ranges, a range split 4K/2M/1G/2M/4K, global kernel text, user data and
 * text; loads, stores, fetches of 1..4096 bytes crossing lines and pages;
 * runs of repeat hits on one line or page (as an emulator produces);
 * holes, read-only pages, reserved bits, a table outside guest memory,
 * non-canonical addresses; CPL 3 stretches; CR3 writes to two page-table
 * trees with PCIDs and no-flush; INVLPG; full flushes; mmu_translate;
 * mmu_access_batch runs; mmu_retire.
 *
 * Files: this one holds the machines, the stream profiles and the tests;
 * the rig and its page-table trees are in ref_rig.c, the stream generator
 * and the runner that compares the models in ref_stream.c (both declared in
 * ref_stream.h); the reference model is ref_model.h and its ref_*.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ref_stream.h"

static uint64_t total(const struct mmu_stats *s, enum mmu_counter c)
{
	return mmu_stats_total(s, c);
}

/* ---- configurations (numbers from the JSON files in configs/cpu/) ------------------------- */

static void arr(struct mmu_array_config *a, const char *name, uint32_t entries, uint32_t ways,
                unsigned ps_mask)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->entries = entries;
	a->ways = ways;
	a->ps_mask = ps_mask;
}

#define K4 MMU_PS_BIT(MMU_PAGE_4K)
#define M2 MMU_PS_BIT(MMU_PAGE_2M)
#define G1 MMU_PS_BIT(MMU_PAGE_1G)

/* configs/cpu/zen4.json: fully associative L1 TLBs holding every size, a
 * 3072-entry 8-way (384 sets) L2 TLB. */
static void config_zen4(struct mmu_config *c)
{
	mmu_config_default(c);
	snprintf(c->name, sizeof(c->name), "zen4");
	c->itlb.nr_arrays = 1;
	arr(&c->itlb.arrays[0], "itlb", 64, 64, K4 | M2 | G1);
	c->dtlb.nr_arrays = 1;
	arr(&c->dtlb.arrays[0], "dtlb", 72, 72, K4 | M2 | G1);
	c->stlb.nr_arrays = 2;
	arr(&c->stlb.arrays[0], "l2-dtlb", 3072, 8, K4 | M2);
	arr(&c->stlb.arrays[1], "l2-dtlb-1g", 64, 64, G1);
	c->stlb_latency = 7;
	c->l1d = (struct mmu_cache_config){32 << 10, 8, 4, MMU_REPL_LRU};
	c->l2 = (struct mmu_cache_config){1 << 20, 8, 14, MMU_REPL_LRU};
	c->llc = (struct mmu_cache_config){32 << 20, 16, 60, MMU_REPL_LRU};
	c->dram_latency = 375;
}

/* configs/cpu/golden-cove.json: a 6-way DTLB (16 sets), 10-way L2 (2048
 * sets), 12-way 30 MiB LLC (40960 sets). */
static void config_golden_cove(struct mmu_config *c)
{
	mmu_config_default(c);
	snprintf(c->name, sizeof(c->name), "golden-cove");
	arr(&c->itlb.arrays[0], "itlb-4k", 256, 8, K4);
	arr(&c->itlb.arrays[1], "itlb-2m", 32, 8, M2);
	arr(&c->dtlb.arrays[0], "dtlb-4k", 96, 6, K4);
	arr(&c->dtlb.arrays[1], "dtlb-2m", 32, 4, M2);
	arr(&c->dtlb.arrays[2], "dtlb-1g", 8, 8, G1);
	arr(&c->stlb.arrays[0], "stlb", 2048, 16, K4 | M2);
	arr(&c->stlb.arrays[1], "stlb-1g", 1024, 8, G1);
	c->stlb_latency = 7;
	c->l1d = (struct mmu_cache_config){48 << 10, 12, 5, MMU_REPL_LRU};
	c->l2 = (struct mmu_cache_config){1280 << 10, 10, 15, MMU_REPL_LRU};
	c->llc = (struct mmu_cache_config){30 << 20, 12, 63, MMU_REPL_LRU};
	c->dram_latency = 303;
}

/* Every array and cache to policy where its geometry allows it. */
static void set_repl(struct mmu_config *c, enum mmu_repl repl)
{
	struct mmu_tlb_level_config *lv[3] = {&c->itlb, &c->dtlb, &c->stlb};
	struct mmu_cache_config *cc[3] = {&c->l1d, &c->l2, &c->llc};
	unsigned i, k;

	for (i = 0; i < 3; i++)
		for (k = 0; k < lv[i]->nr_arrays; k++)
			lv[i]->arrays[k].repl = repl;
	for (k = MMU_LEVEL_PD; k <= MMU_LEVEL_PML5; k++)
		c->pwc[k].repl = repl;
	for (i = 0; i < 3; i++)
		cc[i]->repl = repl;
}

/* ---- profiles ------------------------------------------------------------------- */

/* Everything at once: all zones, faults of every kind, PCIDs, INVLPG, CPL 3. */
static const struct profile mixed = {.w = {[Z_4K] = 30,
                                           [Z_2M] = 12,
                                           [Z_1G] = 8,
                                           [Z_MIX] = 8,
                                           [Z_TEXT] = 10,
                                           [Z_UDATA] = 4,
                                           [Z_UTEXT] = 2,
                                           [Z_WILD] = 1,
                                           [Z_NONC] = 1,
                                           [Z_EDGE2M] = 2,
                                           [Z_EDGE1G] = 2,
                                           [Z_TOP] = 2},
                                     .hot = 600,
                                     .repeat = 60,
                                     .store = 300,
                                     .fetch = 40,
                                     .cross_page = 20,
                                     .cross_line = 40,
                                     .big = 6,
                                     .invlpg = 40,
                                     .cr3 = 30,
                                     .flush = 3,
                                     .cpl = 20,
                                     .translate = 600,
                                     .retire = 2000,
                                     .pte = 200,
                                     .bad = 80,
                                     .batch = 20};

/* Random over 1 GiB of 4K pages: nearly every access walks. */
static const struct profile random_4k = {
    .w = {[Z_4K] = 1}, .hot = 100, .store = 250, .cross_line = 10, .cross_page = 5};

/* 2M and 1G pages. */
static const struct profile large = {.w = {[Z_2M] = 2, [Z_1G] = 2, [Z_MIX] = 1, [Z_TEXT] = 1},
                                     .hot = 300,
                                     .store = 300,
                                     .fetch = 50,
                                     .cross_page = 10,
                                     .cross_line = 30,
                                     .invlpg = 30};

/* An emulator's stream: long runs on one line or page. */
static const struct profile repeats = {.w = {[Z_4K] = 4, [Z_2M] = 2, [Z_TEXT] = 4, [Z_UDATA] = 1},
                                       .hot = 900,
                                       .repeat = 700,
                                       .store = 300,
                                       .fetch = 120,
                                       .cross_line = 20,
                                       .cross_page = 4,
                                       .invlpg = 20,
                                       .cr3 = 10,
                                       .cpl = 10,
                                       .pte = 100,
                                       .batch = 60};

static void expect_exercised(const struct mmu_stats *s)
{
	cr_expect_gt(total(s, MMU_C_walks), 1000, "the stream walks");
	cr_expect_gt(total(s, MMU_C_dtlb_hits_4k) + total(s, MMU_C_dtlb_hits_2m) +
	                 total(s, MMU_C_dtlb_hits_1g),
	             1000, "and hits the DTLB");
	cr_expect_gt(total(s, MMU_C_l1d_hits) + total(s, MMU_C_pte_l1d_hits), 1000);
}

static void expect_faults(const struct mmu_stats *s)
{
	cr_expect_gt(total(s, MMU_C_faults), 50, "the stream faults");
	cr_expect_gt(total(s, MMU_C_walks_faulted), 20);
	cr_expect_gt(total(s, MMU_C_page_splits), 50);
	cr_expect_gt(total(s, MMU_C_dirty_assists), 5);
	cr_expect_gt(total(s, MMU_C_stlb_hits_4k), 100);
}

/* ---- the tests ------------------------------------------------------------------ */

Test(reference, skylake_mixed_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	stream_check(&c, &mixed, 1, &s);
	expect_exercised(&s);
	expect_faults(&s);
	cr_expect_gt(stream_n_einval, 50, "bad sizes and types: %zu", stream_n_einval);
	cr_expect_gt(stream_n_edits, 100, "page-table edits: %zu", stream_n_edits);
}

Test(reference, skylake_random_4k_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	stream_check(&c, &random_4k, 2, &s);
	cr_expect_gt(total(&s, MMU_C_walks_4k), NOPS / 4);
	cr_expect_gt(total(&s, MMU_C_pwc_hits_pde), 1000);
}

Test(reference, skylake_large_page_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	stream_check(&c, &large, 3, &s);
	cr_expect_gt(total(&s, MMU_C_walks_2m), 100);
	cr_expect_gt(total(&s, MMU_C_walks_1g), 100);
	cr_expect_gt(total(&s, MMU_C_dtlb_hits_1g), 1000);
	cr_expect_gt(total(&s, MMU_C_itlb_hits_2m), 100, "1G text fractured into 2M ITLB entries");
}

Test(reference, skylake_repeat_hit_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	stream_check(&c, &repeats, 4, &s);
	expect_exercised(&s);
	cr_expect_gt(total(&s, MMU_C_itlb_hits_4k) + total(&s, MMU_C_itlb_hits_2m), 3000);
}

Test(reference, zen4_smep_smap_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	config_zen4(&c);
	c.cr4_smep = c.cr4_smap = true;
	snprintf(c.name, sizeof(c.name), "zen4-smep-smap");
	stream_check(&c, &mixed, 5, &s);
	expect_exercised(&s);
	expect_faults(&s);
}

Test(reference, golden_cove_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	config_golden_cove(&c);
	stream_check(&c, &mixed, 6, &s);
	expect_exercised(&s);
	expect_faults(&s);
}

Test(reference, plru_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	arr(&c.stlb.arrays[0], "stlb", 2048, 16, K4 | M2);
	arr(&c.itlb.arrays[1], "itlb-2m", 32, 32, M2);
	arr(&c.dtlb.arrays[2], "dtlb-1g", 64, 64, G1);
	set_repl(&c, MMU_REPL_PLRU);
	snprintf(c.name, sizeof(c.name), "skylake-plru");
	stream_check(&c, &mixed, 7, &s);
	expect_exercised(&s);
}

Test(reference, random_replacement_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	config_zen4(&c);
	set_repl(&c, MMU_REPL_RANDOM);
	c.seed = 0; /* array 0 of each level then starts from the fixed non-zero state */
	snprintf(c.name, sizeof(c.name), "zen4-random-seed0");
	stream_check(&c, &mixed, 8, &s);
	expect_exercised(&s);
}

Test(reference, no_pwc_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	for (unsigned l = 0; l < 6; l++)
		c.pwc[l].entries = 0;
	snprintf(c.name, sizeof(c.name), "skylake-no-pwc");
	stream_check(&c, &mixed, 9, &s);
	cr_expect_eq(total(&s, MMU_C_cycles_pwc), 0);
	cr_expect_eq(total(&s, MMU_C_pwc_misses), 0);
}

Test(reference, no_l2_no_llc_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	c.l2.size = c.llc.size = 0;
	snprintf(c.name, sizeof(c.name), "skylake-no-l2-llc");
	stream_check(&c, &mixed, 10, &s);
	cr_expect_eq(total(&s, MMU_C_l2_hits) + total(&s, MMU_C_llc_hits), 0);
}

Test(reference, llc_only_and_no_cache_streams_agree)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	c.l1d.size = c.l2.size = 0;
	snprintf(c.name, sizeof(c.name), "skylake-llc-only");
	stream_check(&c, &repeats, 11, &s);
	cr_expect_gt(total(&s, MMU_C_llc_hits), 1000);
	c.llc.size = 0;
	snprintf(c.name, sizeof(c.name), "skylake-no-cache");
	stream_check(&c, &repeats, 12, &s);
	cr_expect_eq(total(&s, MMU_C_l1d_hits) + total(&s, MMU_C_llc_hits) +
	                 total(&s, MMU_C_pte_l1d_hits) + total(&s, MMU_C_pte_llc_hits),
	             0, "no cache: every line and every entry from DRAM");
	cr_expect_eq(total(&s, MMU_C_pte_dram),
	             total(&s, MMU_C_pte_reads_l4) + total(&s, MMU_C_pte_reads_l3) +
	                 total(&s, MMU_C_pte_reads_l2) + total(&s, MMU_C_pte_reads_l1));
	cr_expect_eq(total(&s, MMU_C_cycles_mem), 173 * total(&s, MMU_C_dram_accesses));
}

Test(reference, five_level_maxphyaddr_52_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;
	struct profile p = mixed;

	mmu_config_default(&c);
	c.levels = 5;
	c.maxphyaddr = 52; /* bit 50 of the poked 4K leaves is then an address bit */
	p.w[Z_LOW5] = 2;   /* canonical with 5 levels only: not-present PML5Es */
	snprintf(c.name, sizeof(c.name), "skylake-5level-52");
	stream_check(&c, &p, 13, &s);
	cr_expect_gt(total(&s, MMU_C_pte_reads_l5), 100);
	cr_expect_gt(total(&s, MMU_C_pwc_hits_pml5e), 10);
}

Test(reference, no_nxe_no_wp_no_pcid_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	c.efer_nxe = c.cr0_wp = c.cr4_pcide = false;
	snprintf(c.name, sizeof(c.name), "skylake-no-nxe-wp-pcid");
	stream_check(&c, &mixed, 14, &s);
	cr_expect_gt(total(&s, MMU_C_faults), 1000, "NX is a reserved bit without EFER.NXE");
}

/*
 * Unusual geometry: an ITLB that holds only 2M (4K pages are not cached
 * there), a DTLB whose first array holds 4K and 1G, an STLB without 1G
 * (1G pages fractured into 2M entries) whose two arrays both hold 2M (fills
 * go to the first), mixed policies, a PDPTE cache alone, no L2.
 */
Test(reference, odd_geometry_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;
	unsigned l;

	mmu_config_default(&c);
	c.itlb.nr_arrays = 1;
	arr(&c.itlb.arrays[0], "itlb-2m", 16, 4, M2);
	c.dtlb.nr_arrays = 2;
	arr(&c.dtlb.arrays[0], "dtlb-4k1g", 32, 4, K4 | G1);
	arr(&c.dtlb.arrays[1], "dtlb-2m", 16, 16, M2);
	c.dtlb.arrays[1].repl = MMU_REPL_PLRU;
	c.stlb.nr_arrays = 2;
	arr(&c.stlb.arrays[0], "stlb-2m", 64, 8, M2);
	arr(&c.stlb.arrays[1], "stlb", 768, 12, K4 | M2);
	c.stlb.arrays[1].repl = MMU_REPL_RANDOM;
	for (l = 0; l < 6; l++)
		c.pwc[l].entries = 0;
	c.pwc[MMU_LEVEL_PDPT].entries = 8;
	c.pwc[MMU_LEVEL_PDPT].ways = 2;
	c.l1d = (struct mmu_cache_config){16 << 10, 4, 3, MMU_REPL_PLRU};
	c.l2.size = 0;
	c.llc = (struct mmu_cache_config){3 << 20, 12, 40, MMU_REPL_RANDOM};
	snprintf(c.name, sizeof(c.name), "odd-geometry");
	stream_check(&c, &mixed, 15, &s);
	cr_expect_eq(total(&s, MMU_C_itlb_hits_4k), 0, "no ITLB array holds 4K");
	cr_expect_eq(total(&s, MMU_C_stlb_hits_1g), 0, "1G pages are 2M entries in the STLB");
	cr_expect_gt(total(&s, MMU_C_stlb_hits_2m), 100);
	cr_expect_gt(total(&s, MMU_C_pwc_hits_pdpte), 1000);
	expect_exercised(&s);
}

/* A second seed for the default machine: other faults, other orders. */
Test(reference, skylake_second_mixed_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	stream_check(&c, &mixed, 0x5eed5eed5eedull, &s);
	expect_exercised(&s);
	expect_faults(&s);
}

/* ---- documented policy that mmu/ once broke (suite "policy") --------------------- */

/*
 * docs/model.md: "a data access that crosses a line touches both lines
 * (line_splits)"; counters.def: line_splits counts "data accesses that
 * crossed a cache line" (unit: accesses).  A page boundary is a line
 * boundary, so an 8-byte load 4 bytes before it is one line split, and a
 * 4096-byte load from the middle of a page (64 lines over two pages) is
 * one more.  (mmu/ once counted line_splits per page part: 0 and 2.)
 */
Test(policy, page_crossing_data_access_counts_one_line_split)
{
	static const struct {
		uint64_t va;
		uint32_t size, lines;
	} acc[2] = {{PAGE_OFFSET + SZ_4K - 4, 8, 2}, {PAGE_OFFSET + 2048, 4096, 64}};
	struct mmu_stats before, s;
	struct rig g;

	rig_pair_init(&g);
	for (unsigned i = 0; i < 2; i++) {
		mmu_stats_snapshot(g.m, &before);
		cr_assert_eq(mmu_access(g.m, acc[i].va, acc[i].size, MMU_LOAD, 0, NULL), 0);
		mmu_stats_snapshot(g.m, &s);
		mmu_stats_sub(&s, &before);
		cr_expect_eq(total(&s, MMU_C_page_splits), 1);
		cr_expect_eq(total(&s, MMU_C_l1d_hits) + total(&s, MMU_C_dram_accesses),
		             acc[i].lines);
		cr_expect_eq(total(&s, MMU_C_line_splits), 1,
		             "load of %u bytes at %#llx (crosses a page): %llu line splits",
		             acc[i].size, (unsigned long long)acc[i].va,
		             (unsigned long long)total(&s, MMU_C_line_splits));
		ref_stats(g.r, &before);
		cr_assert_eq(ref_access(g.r, acc[i].va, acc[i].size, MMU_LOAD, 0, NULL), 0);
		ref_stats(g.r, &s);
		mmu_stats_sub(&s, &before);
		cr_expect_eq(total(&s, MMU_C_line_splits), 1, "the reference follows the docs");
	}
	rig_fini(&g);
}

/*
 * mmu.h: "Adding a region flushes the TLBs (their entries cache region
 * ids)."  Nothing is said about the paging-structure caches, which hold no
 * region id, so they stay and the walk after adding a region starts from
 * the PDE cache.  (mmu/ once flushed them too.)
 */
Test(policy, adding_a_region_keeps_the_paging_structure_caches)
{
	struct mmu_stats before, s;
	struct rig g;

	rig_pair_init(&g);
	cr_assert_eq(mmu_access(g.m, PAGE_OFFSET, 8, MMU_LOAD, 0, NULL), 0);
	cr_assert_eq(ref_access(g.r, PAGE_OFFSET, 8, MMU_LOAD, 0, NULL), 0);
	cr_assert_eq(mmu_add_region(g.m, "r", PAGE_OFFSET, PAGE_OFFSET + SZ_4K, NULL), 1);
	cr_assert_eq(ref_add_region(g.r, PAGE_OFFSET, PAGE_OFFSET + SZ_4K), 1);
	ref_stats(g.r, &before);
	cr_assert_eq(ref_access(g.r, PAGE_OFFSET + SZ_4K, 8, MMU_LOAD, 0, NULL), 0);
	ref_stats(g.r, &s);
	mmu_stats_sub(&s, &before);
	cr_expect_eq(total(&s, MMU_C_pwc_hits_pde), 1, "the reference walks from the PDE cache");
	mmu_stats_snapshot(g.m, &before);
	cr_assert_eq(mmu_access(g.m, PAGE_OFFSET + SZ_4K, 8, MMU_LOAD, 0, NULL), 0);
	mmu_stats_snapshot(g.m, &s);
	mmu_stats_sub(&s, &before);
	cr_expect_eq(total(&s, MMU_C_walks), 1);
	cr_expect_eq(
	    total(&s, MMU_C_pwc_hits_pde), 1,
	    "walk after mmu_add_region: %llu PDE-cache hits, %llu PWC misses, %llu "
	    "entries read",
	    (unsigned long long)total(&s, MMU_C_pwc_hits_pde),
	    (unsigned long long)total(&s, MMU_C_pwc_misses),
	    (unsigned long long)(total(&s, MMU_C_pte_reads_l4) + total(&s, MMU_C_pte_reads_l3) +
	                         total(&s, MMU_C_pte_reads_l2) + total(&s, MMU_C_pte_reads_l1)));
	rig_fini(&g);
}

/*
 * docs/model.md: "An access, its TLB misses, walks and faults are charged to
 * the region of its VA".  A non-canonical VA belongs to no region, because
 * mmu_add_region refuses any range that is not inside one canonical half
 * (it once accepted [0x800000000000, +4K) and then charged that range's
 * faults to region 0); the fault is charged to region 0, "other".
 */
Test(policy, regions_are_canonical_so_non_canonical_faults_are_other)
{
	static const struct {
		uint64_t start, end;
	} bad[] = {
	    {0x0000800000000000ull, 0x0000800000001000ull}, /* inside the hole */
	    {0x00007ffffffff000ull, 0x0000800000001000ull}, /* runs into it */
	    {0xffff7ffffffff000ull, 0xffff800000001000ull}, /* runs out of it */
	};
	const uint64_t hole = 0x0000800000000000ull;
	struct vmemsim_err err = {0};
	struct mmu_stats s;
	struct rig g;

	rig_pair_init(&g);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(mmu_add_region(g.m, "hole", bad[i].start, bad[i].end, &err),
		             VMEMSIM_EINVAL, "[%#llx, %#llx)", (unsigned long long)bad[i].start,
		             (unsigned long long)bad[i].end);
		cr_expect(strstr(err.msg, "canonical"), "%s", err.msg);
	}
	cr_assert_eq(mmu_nr_regions(g.m), 1, "nothing was added");
	cr_assert_eq(mmu_add_region(g.m, "low", 0x00007ffffffff000ull, 0x0000800000000000ull, NULL),
	             1, "the last page of the lower half is a region");
	cr_assert_eq(mmu_access(g.m, hole + 8, 8, MMU_LOAD, 0, NULL), VMEMSIM_EFAULT);
	cr_assert_eq(ref_access(g.r, hole + 8, 8, MMU_LOAD, 0, NULL), VMEMSIM_EFAULT);
	ref_stats(g.r, &s);
	cr_expect_eq(s.v[0][MMU_C_faults], 1, "the reference charges region 0");
	mmu_stats_snapshot(g.m, &s);
	cr_expect_eq(s.v[0][MMU_C_faults], 1);
	rig_fini(&g);
}
