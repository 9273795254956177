/*
 * tests/traces/test_replay.c — replay on a demand-paged address space:
 * first-touch mapping, page-size policies and fragmentation, page-crossing
 * accesses, and counters kept when the trace turns out to be corrupt.
 *
 * Expected values are counted by hand from the synthetic traces: a trace
 * touching N distinct 4K pages takes N first-touch faults under the 4K
 * policy, and N/512 under THP when the range is 2M-aligned.
 */
#include <criterion/criterion.h>

#include "helpers.h"
#include "mmu/mmu.h"
#include "traces/vtr_format.h"

struct rig {
	struct trace_aspace *as;
	struct mmu *m;
};

static void rig_init(struct rig *g, enum trace_page_policy policy, double frag)
{
	struct trace_aspace_config ac = {
	    .policy = policy, .frag = frag, .seed = 7, .phys_bytes = 16ull << 30, .user = true};
	struct mmu_config cfg;
	struct vmemsim_err err = {0};

	mmu_config_default(&cfg);
	ac.levels = cfg.levels;
	ac.maxphyaddr = cfg.maxphyaddr;
	cr_assert_eq(trace_aspace_create(&g->as, &ac, &err), 0, "%s", err.msg);
	cr_assert_eq(mmu_create(&g->m, &cfg, trace_aspace_phys(g->as), &err), 0, "%s", err.msg);
	mmu_write_cr3(g->m, trace_aspace_root(g->as), 0, false);
	mmu_set_cpl(g->m, 3);
}

static void rig_fini(struct rig *g)
{
	struct vmemsim_err err = {0};

	/* every test ends by re-verifying the address space from its tables */
	cr_assert_eq(trace_aspace_check(g->as, &err), 0, "%s", err.msg);
	mmu_destroy(g->m);
	trace_aspace_destroy(g->as);
}

/* `passes` sweeps over [base, base+bytes) with one 8-byte load per stride. */
static struct trace_rec *sweep(uint64_t base, uint64_t bytes, uint64_t stride, int passes,
                               size_t *n)
{
	size_t per = bytes / stride, k = 0;
	struct trace_rec *v = malloc(per * (size_t)passes * sizeof(*v));
	for (int p = 0; p < passes; p++)
		for (size_t i = 0; i < per; i++)
			v[k++] = (struct trace_rec){
			    .va = base + i * stride, .pc = 0x401000, .size = 8, .type = TRACE_LOAD};
	*n = k;
	return v;
}

static uint64_t total(struct rig *g, enum mmu_counter c)
{
	struct mmu_stats s;
	mmu_stats_snapshot(g->m, &s);
	return mmu_stats_total(&s, c);
}

static void replay(struct rig *g, const struct trace_rec *v, size_t n)
{
	struct vmemsim_err err = {0};
	cr_assert_eq(trace_replay_batch(g->m, g->as, v, n, 0, 0, &err), 0, "%s", err.msg);
}

Test(replay, first_touch_maps_each_4k_page_once)
{
	struct rig g;
	struct trace_aspace_stats st;
	size_t n;
	/* 64 pages, 4 loads per page, twice */
	struct trace_rec *v = sweep(0x10000000, 64 * 4096, 1024, 2, &n);

	rig_init(&g, TRACE_PAGES_4K, 0);
	replay(&g, v, n);
	trace_aspace_get_stats(g.as, &st);
	cr_assert_eq(st.first_touch_faults, 64);
	cr_assert_eq(st.pages[MMU_PAGE_4K], 64);
	cr_assert_eq(st.pages[MMU_PAGE_2M], 0);
	cr_assert_eq(total(&g, MMU_C_loads), n, "every record is one load");
	cr_assert_eq(total(&g, MMU_C_faults), 64, "one not-present fault per page");
	rig_fini(&g);
	free(v);
}

Test(replay, thp_maps_2m_pages_and_walks_less_than_4k)
{
	struct rig g4, gt;
	struct trace_aspace_stats s4, st;
	size_t n;
	/* 64 MiB, one load per 4K page, 3 passes: 16384 pages overflow a 1536-entry STLB */
	struct trace_rec *v = sweep(0x40000000, 64ull << 20, 4096, 3, &n);
	uint64_t walks4, walkst;

	rig_init(&g4, TRACE_PAGES_4K, 0);
	rig_init(&gt, TRACE_PAGES_THP, 0);
	replay(&g4, v, n);
	replay(&gt, v, n);
	trace_aspace_get_stats(g4.as, &s4);
	trace_aspace_get_stats(gt.as, &st);
	cr_assert_eq(s4.pages[MMU_PAGE_4K], 16384);
	cr_assert_eq(st.pages[MMU_PAGE_2M], 32);
	cr_assert_eq(st.pages[MMU_PAGE_4K], 0);
	walks4 = total(&g4, MMU_C_walks);
	walkst = total(&gt, MMU_C_walks);
	cr_assert_geq(walks4, 3 * 16384, "4K: every access misses a 1536-entry STLB");
	cr_assert_lt(walkst * 100, walks4, "THP: %llu walks vs %llu with 4K",
	             (unsigned long long)walkst, (unsigned long long)walks4);
	cr_assert_eq(total(&gt, MMU_C_walks_2m), walkst - total(&gt, MMU_C_walks_faulted));
	rig_fini(&g4);
	rig_fini(&gt);
	free(v);
}

Test(replay, full_fragmentation_forces_4k_fallback)
{
	struct rig g;
	struct trace_aspace_stats st;
	size_t n;
	struct trace_rec *v = sweep(0x40000000, 8ull << 20, 4096, 1, &n);

	rig_init(&g, TRACE_PAGES_THP, 1.0);
	replay(&g, v, n);
	trace_aspace_get_stats(g.as, &st);
	cr_assert_eq(st.pages[MMU_PAGE_2M], 0);
	cr_assert_eq(st.pages[MMU_PAGE_4K], 2048);
	/* the first touch of each 2M range asks for a 2M frame and is refused;
	 * later touches find the range partly mapped and do not ask */
	cr_assert_eq(st.large_fallbacks, 4);
	rig_fini(&g);
	free(v);
}

Test(replay, partial_fragmentation_mixes_page_sizes)
{
	struct rig g;
	struct trace_aspace_stats st;
	size_t n;
	struct trace_rec *v = sweep(0x40000000, 512ull << 20, 2 << 20, 1, &n);

	rig_init(&g, TRACE_PAGES_THP, 0.5);
	replay(&g, v, n);
	trace_aspace_get_stats(g.as, &st);
	/* 256 first touches, each a coin flip: both outcomes must occur */
	cr_assert_eq(st.pages[MMU_PAGE_2M] + st.pages[MMU_PAGE_4K], 256);
	cr_assert_eq(st.large_fallbacks, st.pages[MMU_PAGE_4K]);
	cr_assert(st.pages[MMU_PAGE_2M] > 64 && st.pages[MMU_PAGE_2M] < 192, "%llu 2M pages",
	          (unsigned long long)st.pages[MMU_PAGE_2M]);
	rig_fini(&g);
	free(v);
}

Test(replay, one_gig_policy_maps_1g_pages)
{
	struct rig g;
	struct trace_aspace_stats st;
	size_t n;
	struct trace_rec *v = sweep(0x40000000, 2ull << 30, 64 << 20, 1, &n);

	rig_init(&g, TRACE_PAGES_1G, 0);
	replay(&g, v, n);
	trace_aspace_get_stats(g.as, &st);
	cr_assert_eq(st.pages[MMU_PAGE_1G], 2);
	cr_assert_eq(st.first_touch_faults, 2);
	rig_fini(&g);
	free(v);
}

Test(replay, page_crossing_access_maps_both_pages)
{
	struct rig g;
	struct trace_aspace_stats st;
	struct trace_rec v = {.va = 0x10000ffc, .pc = 0x401000, .size = 8, .type = TRACE_STORE};

	rig_init(&g, TRACE_PAGES_4K, 0);
	replay(&g, &v, 1);
	trace_aspace_get_stats(g.as, &st);
	cr_assert_eq(st.first_touch_faults, 2);
	/* the access is retried after each fault, as a CPU re-executes it: the
	 * first page faults, then the second, then it completes */
	cr_assert_geq(total(&g, MMU_C_page_splits), 1);
	cr_assert_eq(total(&g, MMU_C_faults), 2);
	rig_fini(&g);
}

Test(replay, large_record_is_split_into_page_chunks)
{
	struct rig g;
	struct trace_aspace_stats st;
	struct trace_rec v = {
	    .va = 0x20000000, .pc = 0x401000, .size = 3 * 4096, .type = TRACE_LOAD};

	rig_init(&g, TRACE_PAGES_4K, 0);
	replay(&g, &v, 1);
	trace_aspace_get_stats(g.as, &st);
	cr_assert_eq(st.pages[MMU_PAGE_4K], 3);
	rig_fini(&g);
}

Test(replay, fetches_retire_one_instruction_each_when_flagged)
{
	struct rig g;
	struct trace_rec v[3] = {{0x401000, 0x401000, 4, TRACE_FETCH},
	                         {0x7ff000, 0x401000, 8, TRACE_LOAD},
	                         {25, 0x401004, 1, TRACE_RETIRE}};
	struct vmemsim_err err = {0};

	rig_init(&g, TRACE_PAGES_4K, 0);
	cr_assert_eq(trace_replay_batch(g.m, g.as, v, 3, TRACE_F_FETCH_IS_INSN, 0, &err), 0);
	cr_assert_eq(total(&g, MMU_C_instructions), 1 + 25);
	cr_assert_eq(total(&g, MMU_C_fetches), 1);
	rig_fini(&g);
}

Test(replay, user_pages_are_mapped_user_accessible)
{
	struct rig g;
	struct trace_rec v = {.va = 0x601000, .pc = 0x401000, .size = 8, .type = TRACE_STORE};

	rig_init(&g, TRACE_PAGES_4K, 0);
	replay(&g, &v, 1);
	/* CPL 3 store succeeded only if the leaf has U/S and R/W; a second
	 * identical store must hit the DTLB without faulting */
	replay(&g, &v, 1);
	cr_assert_eq(total(&g, MMU_C_faults), 1);
	cr_assert_eq(total(&g, MMU_C_stores), 2);
	rig_fini(&g);
}

/* A .vtr whose block 5 is corrupt: replay keeps the counters of blocks 0..4. */
Test(replay, corrupt_trace_keeps_counters_of_the_replayed_part)
{
	char dir[64], path[128];
	struct trace_writer *w;
	struct trace_writer_opts o = {.block_records = 100};
	struct trace_reader *r;
	struct trace_rec buf[64];
	struct vmemsim_err err = {0};
	struct rig g;
	size_t n, len;
	uint8_t *f;
	uint64_t done = 0, trl, blk5;
	struct trace_rec *v = sweep(0x30000000, 1000 * 4096, 4096, 1, &n);
	long got;

	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/c.vtr", dir);
	cr_assert_eq(trace_writer_open(&w, path, &o, &err), 0);
	cr_assert_eq(trace_writer_append(w, v, n, &err), 0);
	cr_assert_eq(trace_writer_close(w, &err), 0);
	f = th_slurp(path, &len);
	trl = vtr_get64(f + len - 16);
	blk5 = vtr_get64(f + trl + 64 + 16 * 5);
	f[blk5 + 40] ^= 1;
	th_spit(path, f, len);
	free(f);

	rig_init(&g, TRACE_PAGES_4K, 0);
	cr_assert_eq(trace_open(&r, path, TRACE_FMT_AUTO, 0, &err), 0);
	while ((got = trace_next_batch(r, buf, 64, &err)) > 0) {
		cr_assert_eq(trace_replay_batch(g.m, g.as, buf, (size_t)got, 0, done, &err), 0);
		done += (uint64_t)got;
	}
	cr_assert_eq(got, VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "byte offset"), "%s", err.msg);
	cr_assert_eq(done, 500);
	cr_assert_eq(total(&g, MMU_C_loads), 500);
	trace_close(r);
	rig_fini(&g);
	th_rmdir(dir);
	free(v);
}

/* Retires are batched per page of pc: the per-region instruction counts must
 * still be exact when fetches alternate between two regions that meet at a
 * page boundary. */
Test(replay, batched_retires_land_in_the_region_of_each_pc)
{
	struct rig g;
	struct vmemsim_err err = {0};
	struct trace_rec v[40];
	struct mmu_stats s;
	int a, b;

	rig_init(&g, TRACE_PAGES_4K, 0);
	a = mmu_add_region(g.m, "a", 0x400000, 0x401000, &err);
	b = mmu_add_region(g.m, "b", 0x401000, 0x402000, &err);
	cr_assert(a > 0 && b > 0, "%s", err.msg);
	for (int i = 0; i < 40; i++) {
		/* 3 fetches in a, 1 in b, repeating; last fetch of a sits at 0x400ffc */
		uint64_t pc = i % 4 == 3 ? 0x401000 : 0x400ff4 + 4 * (uint64_t)(i % 4);
		v[i] = (struct trace_rec){pc, pc, 4, TRACE_FETCH};
	}
	cr_assert_eq(trace_replay_batch(g.m, g.as, v, 40, TRACE_F_FETCH_IS_INSN, 0, &err), 0);
	mmu_stats_snapshot(g.m, &s);
	cr_assert_eq(s.v[a][MMU_C_instructions], 30);
	cr_assert_eq(s.v[b][MMU_C_instructions], 10);
	rig_fini(&g);
}
