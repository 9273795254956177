/*
 * mmu/brk_alloc.c — the kernel's boot-time page-table page policy
 * (alloc_low_pages, linux-sparse.md §6; seed 003): a small BRK buffer is used
 * first, then pages are taken top-down from [floor, top).
 *
 * Invariants:
 *  (1) brk_start <= brk_next <= brk_end, all 4 KiB aligned.
 *  (2) floor <= top, both 4 KiB aligned; pages handed out top-down lie in
 *      [top, old top).
 *  (3) every page handed out is zeroed and lies inside phys.
 */
#include <string.h>

#include "mmu.h"

void mmu_brk_alloc_init(struct mmu_brk_alloc *a, struct mmu_phys *phys, uint64_t brk_start,
                        uint64_t brk_size, uint64_t floor, uint64_t top)
{
	memset(a, 0, sizeof(*a));
	a->phys = phys;
	a->brk_start = brk_start & ~4095ull;
	a->brk_end = (brk_start + brk_size) & ~4095ull;
	if (a->brk_end < a->brk_start)
		a->brk_end = a->brk_start;
	a->brk_next = a->brk_start;
	a->floor = (floor + 4095) & ~4095ull;
	a->top = top & ~4095ull;
	if (a->top < a->floor)
		a->top = a->floor;
}

static bool brk_page_in_phys(const struct mmu_brk_alloc *a, uint64_t pa)
{
	return pa + 4096 <= a->phys->size && pa + 4096 > pa;
}

static int brk_alloc(void *ctx, enum mmu_level level, uint64_t *pa)
{
	struct mmu_brk_alloc *a = ctx;
	uint64_t p;

	(void)level;
	if (a->brk_next + 4096 <= a->brk_end && brk_page_in_phys(a, a->brk_next)) {
		p = a->brk_next;
		a->brk_next += 4096;
		a->from_brk++;
	} else if (a->top >= a->floor + 4096 && brk_page_in_phys(a, a->top - 4096)) {
		a->top -= 4096;
		p = a->top;
		a->from_topdown++;
	} else {
		return VMEMSIM_ENOMEM;
	}
	memset(mmu_phys_ptr(a->phys, p), 0, 4096);
	*pa = p;
	return 0;
}

struct mmu_pt_allocator mmu_brk_allocator(struct mmu_brk_alloc *a)
{
	struct mmu_pt_allocator al = {.alloc = brk_alloc, .free = NULL, .ctx = a};
	return al;
}
