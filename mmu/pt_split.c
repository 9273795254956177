/*
 * mmu/pt_split.c — split_mem_range(): cut a range into page-size pieces the
 * way arch/x86/mm/init.c does (linux-sparse.md §6).
 *
 * Case analysis (x86-64, kernel order):
 *   1. 4K head:   [start, roundup(start, 2M)), clipped to end.
 *   2. 2M piece:  [roundup(pos, 2M), min(roundup(pos, 1G), rounddown(end, 2M))).
 *   3. 1G middle: [roundup(pos, 1G), rounddown(end, 1G)), 1G|2M allowed.
 *   4. 2M tail:   [roundup(pos, 2M), rounddown(end, 2M)).
 *   5. 4K tail:   [pos, end).
 * "pos" is where the previous piece ended.  Each piece takes the largest page
 * size its slot allows that ps_mask also allows (4K is always allowed), then
 * adjacent pieces with equal sizes are merged.  The kernel's promotion of a
 * range whose aligned window is all RAM (adjust_range_page_size_mask) is
 * not modelled: the caller decides what is RAM.
 */
#include "mmu.h"

#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static uint64_t round_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

/* The largest size in allowed & ps_mask; 4K when none. */
static enum mmu_page_size split_pick(unsigned allowed, unsigned ps_mask)
{
	unsigned m = allowed & ps_mask;

	if (m & MMU_PS_BIT(MMU_PAGE_1G))
		return MMU_PAGE_1G;
	if (m & MMU_PS_BIT(MMU_PAGE_2M))
		return MMU_PAGE_2M;
	return MMU_PAGE_4K;
}

static int split_save(struct mmu_range out[5], int n, uint64_t s, uint64_t e, enum mmu_page_size ps)
{
	if (s >= e)
		return n;
	if (n > 0 && out[n - 1].end == s && out[n - 1].ps == ps) {
		out[n - 1].end = e;
		return n;
	}
	out[n].start = s;
	out[n].end = e;
	out[n].ps = ps;
	return n + 1;
}

int mmu_split_range(uint64_t start, uint64_t end, unsigned ps_mask, struct mmu_range out[5])
{
	const unsigned b2m = MMU_PS_BIT(MMU_PAGE_2M), b1g = MMU_PS_BIT(MMU_PAGE_1G);
	uint64_t pos = start, s, e;
	int n = 0;

	if (start >= end)
		return 0;
	/* 1. 4K head up to the first 2M boundary. */
	e = round_up(pos, SZ_2M);
	if (e > end || e < pos)
		e = end;
	if (pos < e) {
		n = split_save(out, n, pos, e, MMU_PAGE_4K);
		pos = e;
	}
	/* 2. 2M pieces up to the first 1G boundary. */
	s = round_up(pos, SZ_2M);
	e = round_up(pos, SZ_1G);
	if (e > round_down(end, SZ_2M) || e < pos)
		e = round_down(end, SZ_2M);
	if (s < e) {
		n = split_save(out, n, s, e, split_pick(b2m, ps_mask));
		pos = e;
	}
	/* 3. The 1G middle. */
	s = round_up(pos, SZ_1G);
	e = round_down(end, SZ_1G);
	if (s < e && s >= pos) {
		n = split_save(out, n, s, e, split_pick(b2m | b1g, ps_mask));
		pos = e;
	}
	/* 4. 2M tail. */
	s = round_up(pos, SZ_2M);
	e = round_down(end, SZ_2M);
	if (s < e && s >= pos) {
		n = split_save(out, n, s, e, split_pick(b2m, ps_mask));
		pos = e;
	}
	/* 5. 4K tail. */
	n = split_save(out, n, pos, end, MMU_PAGE_4K);
	return n;
}
