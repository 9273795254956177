/*
 * tests/mmu/test_pt_split.c — mmu_split_range against pieces computed by
 * hand from split_mem_range()'s five steps (linux-sparse.md §6).
 */
#include <criterion/criterion.h>

#include "helpers.h"

#define ALL   MMU_PS_ALL
#define K4_2M (MMU_PS_BIT(MMU_PAGE_4K) | MMU_PS_BIT(MMU_PAGE_2M))

static void expect_piece(const struct mmu_range *r, uint64_t s, uint64_t e, enum mmu_page_size ps)
{
	cr_expect_eq(r->start, s, "start %#llx != %#llx", (unsigned long long)r->start,
	             (unsigned long long)s);
	cr_expect_eq(r->end, e, "end %#llx != %#llx", (unsigned long long)r->end,
	             (unsigned long long)e);
	cr_expect_eq(r->ps, ps, "page size %d != %d", r->ps, ps);
}

Test(split_range, awkward_range_with_1g_gives_five_pieces)
{
	struct mmu_range r[5];
	uint64_t end = 3 * SZ_1G + 6 * SZ_1M + 12 * 1024;
	int n = mmu_split_range(SZ_1M, end, ALL, r);

	cr_assert_eq(n, 5);
	expect_piece(&r[0], SZ_1M, SZ_2M, MMU_PAGE_4K);
	expect_piece(&r[1], SZ_2M, SZ_1G, MMU_PAGE_2M);
	expect_piece(&r[2], SZ_1G, 3 * SZ_1G, MMU_PAGE_1G);
	expect_piece(&r[3], 3 * SZ_1G, 3 * SZ_1G + 6 * SZ_1M, MMU_PAGE_2M);
	expect_piece(&r[4], 3 * SZ_1G + 6 * SZ_1M, end, MMU_PAGE_4K);
}

Test(split_range, awkward_range_without_1g_merges_2m_pieces)
{
	struct mmu_range r[5];
	uint64_t end = 3 * SZ_1G + 6 * SZ_1M + 12 * 1024;
	int n = mmu_split_range(SZ_1M, end, K4_2M, r);

	cr_assert_eq(n, 3);
	expect_piece(&r[0], SZ_1M, SZ_2M, MMU_PAGE_4K);
	expect_piece(&r[1], SZ_2M, 3 * SZ_1G + 6 * SZ_1M, MMU_PAGE_2M);
	expect_piece(&r[2], 3 * SZ_1G + 6 * SZ_1M, end, MMU_PAGE_4K);
}

Test(split_range, only_4k_allowed_gives_one_piece)
{
	struct mmu_range r[5];
	int n = mmu_split_range(SZ_1M, 3 * SZ_1G + 12 * 1024, MMU_PS_BIT(MMU_PAGE_4K), r);

	cr_assert_eq(n, 1);
	expect_piece(&r[0], SZ_1M, 3 * SZ_1G + 12 * 1024, MMU_PAGE_4K);
}

Test(split_range, range_around_a_2m_boundary_stays_4k)
{
	struct mmu_range r[5];
	int n = mmu_split_range(SZ_2M - SZ_4K, SZ_2M + SZ_4K, ALL, r);

	cr_assert_eq(n, 1);
	expect_piece(&r[0], SZ_2M - SZ_4K, SZ_2M + SZ_4K, MMU_PAGE_4K);
}

Test(split_range, 2m_aligned_range_across_1g_boundaries)
{
	struct mmu_range r[5];
	int n = mmu_split_range(SZ_1G - SZ_2M, 2 * SZ_1G + SZ_2M, ALL, r);

	cr_assert_eq(n, 3);
	expect_piece(&r[0], SZ_1G - SZ_2M, SZ_1G, MMU_PAGE_2M);
	expect_piece(&r[1], SZ_1G, 2 * SZ_1G, MMU_PAGE_1G);
	expect_piece(&r[2], 2 * SZ_1G, 2 * SZ_1G + SZ_2M, MMU_PAGE_2M);
}

Test(split_range, aligned_gigabytes_are_one_1g_piece)
{
	struct mmu_range r[5];
	int n = mmu_split_range(0, 4 * SZ_1G, ALL, r);

	cr_assert_eq(n, 1);
	expect_piece(&r[0], 0, 4 * SZ_1G, MMU_PAGE_1G);
}

Test(split_range, range_inside_one_2m_block_is_4k)
{
	struct mmu_range r[5];
	int n = mmu_split_range(SZ_1G + SZ_4K, SZ_1G + 5 * SZ_4K, ALL, r);

	cr_assert_eq(n, 1);
	expect_piece(&r[0], SZ_1G + SZ_4K, SZ_1G + 5 * SZ_4K, MMU_PAGE_4K);
}

Test(split_range, upper_half_kernel_addresses_split_like_low_ones)
{
	struct mmu_range r[5];
	uint64_t s = PAGE_OFFSET + SZ_1M, e = PAGE_OFFSET + 3 * SZ_1G + 6 * SZ_1M + 12 * 1024;
	int n = mmu_split_range(s, e, ALL, r);

	cr_assert_eq(n, 5);
	expect_piece(&r[2], PAGE_OFFSET + SZ_1G, PAGE_OFFSET + 3 * SZ_1G, MMU_PAGE_1G);
	expect_piece(&r[4], PAGE_OFFSET + 3 * SZ_1G + 6 * SZ_1M, e, MMU_PAGE_4K);
}

Test(split_range, empty_range_gives_no_pieces)
{
	struct mmu_range r[5];

	cr_expect_eq(mmu_split_range(SZ_2M, SZ_2M, ALL, r), 0);
	cr_expect_eq(mmu_split_range(SZ_1G, SZ_2M, ALL, r), 0);
}

/* Worked by hand from init.c's five steps.  [1G - 3M + 8K, 1G + 5M + 12K):
 * head [.., 1G - 2M) 4K; 2M step [1G - 2M, min(1G, 1G + 4M)) = up to 1G;
 * 1G step empty (round_up 1G == round_down 1G); 2M tail [1G, 1G + 4M);
 * 4K tail.  The two 2M pieces touch with equal masks and merge. */
Test(split_range, unaligned_range_across_a_1g_boundary_merges_its_2m_pieces)
{
	uint64_t s = SZ_1G - 3 * SZ_1M + 8 * 1024, e = SZ_1G + 5 * SZ_1M + 12 * 1024;
	unsigned masks[2] = {ALL, K4_2M}, i;

	for (i = 0; i < 2; i++) {
		struct mmu_range r[5];
		int n = mmu_split_range(s, e, masks[i], r);

		cr_assert_eq(n, 3, "mask %#x: %d pieces", masks[i], n);
		expect_piece(&r[0], s, SZ_1G - SZ_2M, MMU_PAGE_4K);
		expect_piece(&r[1], SZ_1G - SZ_2M, SZ_1G + 2 * SZ_2M, MMU_PAGE_2M);
		expect_piece(&r[2], SZ_1G + 2 * SZ_2M, e, MMU_PAGE_4K);
	}
}

/* page_size_mask with 1G but not 2M: the 2M steps get mask 0 and merge
 * with the 4K head and tail around the 1G middle. */
Test(split_range, mask_without_2m_leaves_4k_around_the_1g_middle)
{
	struct mmu_range r[5];
	uint64_t end = 3 * SZ_1G + 6 * SZ_1M + 12 * 1024;
	int n = mmu_split_range(SZ_1M, end, MMU_PS_BIT(MMU_PAGE_4K) | MMU_PS_BIT(MMU_PAGE_1G), r);

	cr_assert_eq(n, 3);
	expect_piece(&r[0], SZ_1M, SZ_1G, MMU_PAGE_4K);
	expect_piece(&r[1], SZ_1G, 3 * SZ_1G, MMU_PAGE_1G);
	expect_piece(&r[2], 3 * SZ_1G, end, MMU_PAGE_4K);
}

Test(split_range, exactly_one_aligned_2m_block_is_one_2m_piece)
{
	struct mmu_range r[5];
	int n = mmu_split_range(SZ_2M, 2 * SZ_2M, ALL, r);

	cr_assert_eq(n, 1);
	expect_piece(&r[0], SZ_2M, 2 * SZ_2M, MMU_PAGE_2M);
}

/* At the top of the address space round_up(pos, 1G) wraps to 0: the
 * 2M step must stop at round_down(end, 2M), not run away.
 * [2^64 - 1G - 2M, 2^64 - 4K): 2M [.., 2^64 - 1G), 1G step empty,
 * 2M tail [2^64 - 1G, 2^64 - 2M) merged, 4K tail [2^64 - 2M, end). */
Test(split_range, ranges_ending_near_the_top_of_the_address_space_do_not_wrap)
{
	struct mmu_range r[5];
	uint64_t top = 0ull - SZ_1G, end = 0ull - SZ_4K;
	int n = mmu_split_range(top - SZ_2M, end, ALL, r);

	cr_assert_eq(n, 2);
	expect_piece(&r[0], top - SZ_2M, 0ull - SZ_2M, MMU_PAGE_2M);
	expect_piece(&r[1], 0ull - SZ_2M, end, MMU_PAGE_4K);
	n = mmu_split_range(0ull - 3 * SZ_1M, end, ALL, r);
	cr_assert_eq(n, 1);
	expect_piece(&r[0], 0ull - 3 * SZ_1M, end, MMU_PAGE_4K);
}
