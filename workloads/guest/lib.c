/*
 * workloads/guest/lib.c — the little libc the compiler may call (memset,
 * memcpy), pfn picking over the layout's ranges, the scratch area.
 */
#include "guest.h"

void *memset(void *s, int c, unsigned long n)
{
	unsigned char *p = s;
	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *wl_scratch(uint64_t bytes)
{
	if (!boot_params.scratch_va || boot_params.scratch_size < bytes) {
		wl_fail(WL_ERR_SCRATCH, bytes, boot_params.scratch_size);
		return NULL;
	}
	return (void *)boot_params.scratch_va;
}

/* ---- pfn sets ------------------------------------------------------------ */

#define WL_MAX_PIECES (2 * SPARSE_BOOT_MAX_RANGES + SPARSE_BOOT_MAX_DEV_RANGES)

/* Pieces [start, end) in ascending order; before[i] = pfns in pieces < i. */
static struct {
	unsigned long start, end, before;
} pieces[WL_MAX_PIECES];
static unsigned nr_pieces;

static void add_piece(unsigned long start, unsigned long end, uint64_t *total)
{
	if (start >= end || nr_pieces == WL_MAX_PIECES)
		return;
	pieces[nr_pieces].start = start;
	pieces[nr_pieces].end = end;
	pieces[nr_pieces].before = *total;
	*total += end - start;
	nr_pieces++;
}

uint64_t wl_pick_init(enum wl_pick_set set)
{
	uint64_t total = 0;
	unsigned long hs = boot_params.hugetlb_start_pfn, he = boot_params.hugetlb_end_pfn;

	nr_pieces = 0;
	if (set == WL_PICK_DEVICE) {
		for (uint64_t i = 0;
		     i < boot_params.nr_dev_ranges && i < SPARSE_BOOT_MAX_DEV_RANGES; i++)
			add_piece(boot_params.dev_ranges[i].start_pfn,
			          boot_params.dev_ranges[i].end_pfn, &total);
		return total;
	}
	for (uint64_t i = 0; i < boot_params.nr_ranges && i < SPARSE_BOOT_MAX_RANGES; i++) {
		const struct sparse_boot_range *r = &boot_params.ranges[i];
		if (r->kind != SPARSE_RANGE_RAM)
			continue;
		if (set == WL_PICK_RAM || he <= r->start_pfn || hs >= r->end_pfn) {
			add_piece(r->start_pfn, r->end_pfn, &total);
			continue;
		}
		add_piece(r->start_pfn, hs, &total); /* empty if the pool starts first */
		add_piece(he, r->end_pfn, &total);
	}
	return total;
}

unsigned long wl_pick_rank(uint64_t r)
{
	/* Binary search for the last piece starting at or below rank r: at most
	 * six steps for the largest layouts, so drawing a pfn stays a small,
	 * model-independent part of every measured operation. */
	unsigned lo = 0, hi = nr_pieces ? nr_pieces - 1 : 0;
	while (lo < hi) {
		unsigned mid = (lo + hi + 1) / 2;
		if (pieces[mid].before <= r)
			lo = mid;
		else
			hi = mid - 1;
	}
	return pieces[lo].start + (r - pieces[lo].before);
}
