/*
 * tests/mmu/test_sa.c — the set-associative array: replacement sequences
 * worked out by hand for LRU, tree-PLRU and seeded random, modulo set
 * indexing against the % operator, and the MRU fast path against the plain
 * reference path.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu_internal.h"

static bool holds(const struct sa *sa, uint64_t key)
{
	uint32_t i;

	for (i = 0; i < sa->sets * sa->ways; i++)
		if (sa->tag[i] == key)
			return true;
	return false;
}

Test(sa, invalid_ways_fill_first_in_way_order)
{
	struct sa sa;

	cr_assert_eq(sa_init(&sa, 8, 4, MMU_REPL_LRU, 1), 0);
	cr_expect_eq(sa_fill(&sa, 1, 10), 4);
	cr_expect_eq(sa_fill(&sa, 1, 11), 5);
	cr_expect_eq(sa_fill(&sa, 0, 12), 0);
	sa_fini(&sa);
}

Test(sa, full_set_evicts_lru_way)
{
	struct sa sa;

	cr_assert_eq(sa_init(&sa, 4, 4, MMU_REPL_LRU, 1), 0);
	sa_fill(&sa, 0, 1);
	sa_fill(&sa, 0, 2);
	sa_fill(&sa, 0, 3);
	sa_fill(&sa, 0, 4);
	cr_expect_eq(sa_lookup(&sa, 0, 1, 1), 0); /* order now 2 3 4 1 */
	cr_expect_eq(sa_fill(&sa, 0, 5), 1);      /* evicts 2 */
	cr_expect_eq(sa_lookup(&sa, 0, 3, 3), 2); /* order 4 1 5 3 */
	cr_expect_eq(sa_fill(&sa, 0, 6), 3);      /* evicts 4 */
	cr_expect(!holds(&sa, 2) && !holds(&sa, 4));
	cr_expect(holds(&sa, 1) && holds(&sa, 3) && holds(&sa, 5) && holds(&sa, 6));
	cr_expect_eq(sa_check(&sa, "lru", NULL), 0);
	sa_fini(&sa);
}

/*
 * 4-way tree-PLRU, nodes 1 (root), 2 (ways 0-1), 3 (ways 2-3); a bit of 0
 * means "victim on the left".  Filling ways 0..3 leaves every bit 0 (the
 * last touch, way 3, points node 1 left and node 3 left).  Touch way 0:
 * node 1 -> 1, node 2 -> 1.  Victim: root 1 -> node 3 = 0 -> way 2 (key 3,
 * where true LRU would evict key 2).  That touch of way 2 sets node 1 -> 0,
 * node 3 -> 1.  Next victim: root 0 -> node 2 = 1 -> way 1 (key 2).
 */
Test(sa, four_way_plru_follows_the_tree)
{
	struct sa sa;

	cr_assert_eq(sa_init(&sa, 4, 4, MMU_REPL_PLRU, 1), 0);
	sa_fill(&sa, 0, 1);
	sa_fill(&sa, 0, 2);
	sa_fill(&sa, 0, 3);
	sa_fill(&sa, 0, 4);
	cr_expect_eq(sa.plru[0], 0);
	cr_expect_eq(sa_lookup(&sa, 0, 1, 1), 0);
	cr_expect_eq(sa.plru[0], (1u << 1) | (1u << 2));
	cr_expect_eq(sa_fill(&sa, 0, 5), 2);
	cr_expect_eq(sa.plru[0], (1u << 2) | (1u << 3));
	cr_expect_eq(sa_fill(&sa, 0, 6), 1);
	cr_expect(!holds(&sa, 2) && !holds(&sa, 3));
	cr_expect(holds(&sa, 1) && holds(&sa, 4) && holds(&sa, 5) && holds(&sa, 6));
	cr_expect_eq(sa_check(&sa, "plru", NULL), 0);
	sa_fini(&sa);
}

/* The documented generator: xorshift64 with shifts 13, 7, 17. */
static uint64_t ref_xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

Test(sa, seeded_random_victims_follow_xorshift64)
{
	struct sa sa;
	uint64_t state = 1, key = 100;
	unsigned i;

	cr_assert_eq(sa_init(&sa, 8, 8, MMU_REPL_RANDOM, 1), 0);
	for (i = 0; i < 8; i++)
		cr_expect_eq(sa_fill(&sa, 0, key++), i); /* invalid ways first, no draw */
	/* First draw from state 1, by hand: 1 ^ 1<<13 = 8193; ^ 8193>>7 = 8257;
	 * ^ 8257<<17 = 1082269761; % 8 = 1. */
	cr_expect_eq(sa_fill(&sa, 0, key++), 1);
	ref_xorshift(&state);
	cr_expect_eq(state, 1082269761ull);
	for (i = 0; i < 50; i++) {
		uint32_t want = (uint32_t)(ref_xorshift(&state) % 8);
		cr_expect_eq(sa_fill(&sa, 0, key++), want, "draw %u", i);
	}
	sa_fini(&sa);
}

Test(sa, modulo_indexing_matches_the_remainder_operator)
{
	static const uint32_t sets[] = {1, 3, 7, 12, 72, 384, 1000, 1536, 12345, 1u << 20};
	struct sa sa;
	uint64_t x = 88172645463325252ull;
	unsigned i, j;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		cr_assert_eq(sa_init(&sa, sets[i], 1, MMU_REPL_LRU, 1), 0);
		cr_expect_eq(sa_set(&sa, 0), 0);
		cr_expect_eq(sa_set(&sa, ~0ull), ~0ull % sets[i]);
		cr_expect_eq(sa_set(&sa, 1ull << 63), (1ull << 63) % sets[i]);
		for (j = 0; j < 20000; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint64_t k = j & 1 ? x : x >> (j % 64);
			cr_assert_eq(sa_set(&sa, k), k % sets[i], "key %#llx mod %u",
			             (unsigned long long)k, sets[i]);
		}
		sa_fini(&sa);
	}
}

/* The MRU fast path and the plain scan make the same decisions. */
static void fast_path_agrees(enum mmu_repl repl)
{
	struct sa fast, ref;
	uint64_t rng = 12345;
	unsigned i;

	cr_assert_eq(sa_init(&fast, 64, 4, repl, 7), 0);
	cr_assert_eq(sa_init(&ref, 64, 4, repl, 7), 0);
	for (i = 0; i < 200000; i++) {
		uint64_t r = sa_xorshift(&rng);
		/* Mostly repeat the last key, so the MRU path runs often. */
		uint64_t key = (r & 3) ? (r >> 8) % 8 : (r >> 8) % 96;
		uint32_t set = sa_set(&fast, key);
		int a = sa_lookup(&fast, set, key, key);
		int b = sa_lookup_slow(&ref, set, key, key);
		cr_assert_eq(a, b, "step %u key %llu", i, (unsigned long long)key);
		if (a < 0)
			cr_assert_eq(sa_fill(&fast, set, key), sa_fill(&ref, set, key), "step %u",
			             i);
	}
	cr_expect_eq(sa_check(&fast, "fast", NULL), 0);
	sa_fini(&fast);
	sa_fini(&ref);
}

Test(sa, mru_fast_path_agrees_with_reference_lru)
{
	fast_path_agrees(MMU_REPL_LRU);
}
Test(sa, mru_fast_path_agrees_with_reference_plru)
{
	fast_path_agrees(MMU_REPL_PLRU);
}
Test(sa, mru_fast_path_agrees_with_reference_random)
{
	fast_path_agrees(MMU_REPL_RANDOM);
}

Test(sa, check_detects_a_duplicated_tag)
{
	struct sa sa;
	struct vmemsim_err err = {0};

	cr_assert_eq(sa_init(&sa, 8, 4, MMU_REPL_LRU, 1), 0);
	sa_fill(&sa, 0, 4);
	sa_fill(&sa, 0, 8);
	sa.tag[1] = 4;
	cr_expect_eq(sa_check(&sa, "dtlb", &err), VMEMSIM_ECORRUPT);
	cr_expect_str_eq(err.msg, "dtlb: set 0: tag 0x4 in ways 0 and 1");
	sa_fini(&sa);
}

Test(sa, geometry_errors_are_rejected)
{
	struct sa sa;

	cr_expect_eq(sa_init(&sa, 10, 4, MMU_REPL_LRU, 1), VMEMSIM_EINVAL);
	cr_expect_eq(sa_init(&sa, 0, 4, MMU_REPL_LRU, 1), VMEMSIM_EINVAL);
	cr_expect_eq(sa_init(&sa, 8, 0, MMU_REPL_LRU, 1), VMEMSIM_EINVAL);
}

Test(sa, nibble_lru_order_tracks_recency)
{
	struct sa sa;
	uint32_t w;

	/* 16 ways: the order word is full; touch ways 15..0, the victim is 15. */
	cr_assert_eq(sa_init(&sa, 16, 16, MMU_REPL_LRU, 1), 0);
	for (w = 0; w < 16; w++)
		sa_fill(&sa, 0, 100 + w);
	cr_expect_eq(sa_lru_victim(&sa, 0), 0);
	for (w = 16; w-- > 0;)
		cr_expect_geq(sa_lookup(&sa, 0, 100 + w, 100 + w), 0);
	cr_expect_eq(sa_lru_victim(&sa, 0), 15);
	cr_expect_eq(*sa_order(&sa, 0) & 15, 0);
	cr_expect_eq(sa_check(&sa, "lru16", NULL), 0);
	sa_fini(&sa);
	/* 24 ways use stamps: same answers. */
	cr_assert_eq(sa_init(&sa, 24, 24, MMU_REPL_LRU, 1), 0);
	for (w = 0; w < 24; w++)
		sa_fill(&sa, 0, 100 + w);
	cr_expect_eq(sa_lru_victim(&sa, 0), 0);
	cr_expect_geq(sa_lookup(&sa, 0, 100, 100), 0);
	cr_expect_eq(sa_lru_victim(&sa, 0), 1);
	cr_expect_eq(sa_check(&sa, "lru24", NULL), 0);
	sa_fini(&sa);
}

/* A TLB level probed through the inline fast path and a copy probed only
 * through the plain reference path return the same entries and choose the
 * same victims over a random stream of lookups, fills and INVLPGs.  (A page
 * is global or not for good: a global and a PCID-tagged entry for one page
 * at once is the stale-entry case, where hardware is unspecified too.) */
Test(sa, tlb_fast_lookup_agrees_with_reference_lookup)
{
	struct mmu_tlb_level_config c = {.nr_arrays = 2};
	struct tlb_level fast, ref;
	uint64_t rng = 99;
	unsigned i;

	c.arrays[0] =
	    (struct mmu_array_config){.entries = 48,
	                              .ways = 6,
	                              .ps_mask = MMU_PS_BIT(MMU_PAGE_4K) | MMU_PS_BIT(MMU_PAGE_2M),
	                              .repl = MMU_REPL_LRU};
	c.arrays[1] = (struct mmu_array_config){
	    .entries = 8, .ways = 4, .ps_mask = MMU_PS_BIT(MMU_PAGE_1G), .repl = MMU_REPL_PLRU};
	cr_assert_eq(tlb_level_init(&fast, &c, 5), 0);
	cr_assert_eq(tlb_level_init(&ref, &c, 5), 0);
	for (i = 0; i < 100000; i++) {
		uint64_t r = sa_xorshift(&rng);
		enum mmu_page_size ps = (enum mmu_page_size)((r >> 40) % 3);
		uint64_t va = ((r >> 8) % 64) << mmu_page_shift(ps);
		uint16_t pcid = (uint16_t)((r >> 50) & 1);
		struct tlb_ent *a = tlb_lookup(&fast, va, pcid);
		struct tlb_ent *b = tlb_lookup_slow(&ref, va, pcid);
		long ia = a ? (long)(a - fast.a[a->ps == MMU_PAGE_1G].ent) : -1;
		long ib = b ? (long)(b - ref.a[b->ps == MMU_PAGE_1G].ent) : -1;

		cr_assert_eq(ia, ib, "step %u", i);
		if (!a) {
			struct tlb_ent e = {
			    .pa = va, .ps = (uint8_t)ps, .global = (va >> 12) % 5 == 0};
			tlb_fill(&fast, va, pcid, e.global, &e);
			tlb_fill(&ref, va, pcid, e.global, &e);
		}
		if ((r & 63) == 0) {
			tlb_invlpg(&fast, va, pcid);
			tlb_invlpg(&ref, va, pcid);
		}
		if ((r & 4095) == 1) { /* empties sizes: the live-probe mask must follow */
			tlb_flush(&fast, (r >> 12) & 1, (r >> 13) & 1 ? -1 : pcid);
			tlb_flush(&ref, (r >> 12) & 1, (r >> 13) & 1 ? -1 : pcid);
			cr_assert_eq(tlb_level_check(&fast, "fast", 1, NULL), 0, "step %u", i);
		}
	}
	for (i = 0; i < 2; i++)
		for (unsigned e = 0; e < fast.a[i].sa.sets * fast.a[i].sa.ways; e++)
			cr_assert_eq(fast.a[i].sa.tag[e], ref.a[i].sa.tag[e]);
	cr_expect_eq(tlb_level_check(&fast, "fast", 1, NULL), 0);
	tlb_level_fini(&fast);
	tlb_level_fini(&ref);
}

Test(sa, signatures_follow_fills_and_invalidations)
{
	struct sa sa;
	struct vmemsim_err err = {0};
	uint32_t i;

	/* 72 ways (Zen 4's fully associative L1 DTLB): five 16-byte rows. */
	cr_assert_eq(sa_init(&sa, 72, 72, MMU_REPL_LRU, 1), 0);
	cr_expect_eq(sa.sig_stride, 80);
	for (i = 0; i < 72; i++)
		cr_expect_eq(sa_fill(&sa, 0, 1000 + i * 7), i);
	for (i = 0; i < 72; i++)
		cr_expect_eq(sa_lookup(&sa, 0, 1000 + i * 7, 1000 + i * 7), (int)i);
	cr_expect_eq(sa_lookup(&sa, 0, 5, 5), -1);
	sa_invalidate(&sa, 40);
	cr_expect_eq(sa_lookup(&sa, 0, 1000 + 40 * 7, 1000 + 40 * 7), -1);
	cr_expect_eq(sa_fill(&sa, 0, 9), 40); /* the invalid way is filled first */
	cr_expect_eq(sa_check(&sa, "fa72", &err), 0, "%s", err.msg);
	sa_sig_row(&sa, 0)[3] ^= 0x10;
	cr_expect_eq(sa_check(&sa, "fa72", &err), VMEMSIM_ECORRUPT);
	cr_expect(strstr(err.msg, "signature") != NULL, "%s", err.msg);
	sa_fini(&sa);
}

/* The one-pass probe-and-fill of the data caches (sa_access1) against the
 * plain reference, sa_lookup_slow and, on a miss, sa_fill: same hits, same
 * victims, same tags and replacement state. */
static void access1_agrees(uint32_t entries, uint32_t ways, enum mmu_repl repl)
{
	struct sa fast, ref;
	uint64_t rng = 777 + ways;
	unsigned i;

	cr_assert_eq(sa_init(&fast, entries, ways, repl, 11), 0);
	cr_assert_eq(sa_init(&ref, entries, ways, repl, 11), 0);
	for (i = 0; i < 100000; i++) {
		uint64_t r = sa_xorshift(&rng);
		/* A working set about twice the capacity, with repeats. */
		uint64_t key = (r & 3) ? (r >> 8) % (entries / 2) : (r >> 8) % (2 * entries);
		uint32_t set = sa_set(&fast, key);
		bool hit = sa_access1(&fast, set, key);
		int b = sa_lookup_slow(&ref, set, key, key);

		cr_assert_eq(hit, b >= 0, "step %u key %llu", i, (unsigned long long)key);
		if (b < 0)
			sa_fill(&ref, set, key);
		if (i % 4096 == 0 || i == 99999) {
			cr_assert_eq(memcmp(fast.tag, ref.tag, sizeof(*fast.tag) * entries), 0,
			             "tags differ after step %u", i);
			if (repl == MMU_REPL_LRU)
				cr_assert_eq(sa_lru_victim(&fast, set), sa_lru_victim(&ref, set));
			if (repl == MMU_REPL_PLRU)
				cr_assert_eq(sa_plru_victim(&fast, set), sa_plru_victim(&ref, set));
		}
	}
	cr_expect_eq(sa_check(&fast, "fast", NULL), 0);
	sa_fini(&fast);
	sa_fini(&ref);
}

Test(sa, access1_agrees_with_reference_lru_8_ways)
{
	access1_agrees(512, 8, MMU_REPL_LRU);
}
Test(sa, access1_agrees_with_reference_lru_12_ways_non_pow2_sets)
{
	access1_agrees(1536, 12, MMU_REPL_LRU);
}
Test(sa, access1_agrees_with_reference_lru_16_ways)
{
	access1_agrees(1024, 16, MMU_REPL_LRU);
}
Test(sa, access1_agrees_with_reference_lru_24_ways_stamps)
{
	access1_agrees(480, 24, MMU_REPL_LRU);
}
Test(sa, access1_agrees_with_reference_plru)
{
	access1_agrees(256, 4, MMU_REPL_PLRU);
}
Test(sa, access1_agrees_with_reference_random)
{
	access1_agrees(256, 4, MMU_REPL_RANDOM);
}
