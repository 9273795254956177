/* tests/mmu/helpers.c — shared fixtures for the MMU tests. */
#include <string.h>

#include "helpers.h"

static int test_alloc_page(void *ctx, enum mmu_level level, uint64_t *pa)
{
	struct test_alloc *a = ctx;

	(void)level;
	if (a->budget == 0 || a->next + 4096 > a->end)
		return VMEMSIM_ENOMEM;
	if (a->budget > 0)
		a->budget--;
	memset(mmu_phys_ptr(a->phys, a->next), 0, 4096);
	*pa = a->next;
	a->next += 4096;
	a->nr_allocs++;
	return 0;
}

static void test_alloc_free(void *ctx, uint64_t pa)
{
	struct test_alloc *a = ctx;

	if (a->nr_frees < 64)
		a->freed[a->nr_frees] = pa;
	a->nr_frees++;
}

struct mmu_pt_allocator test_alloc_init(struct test_alloc *a, struct mmu_phys *phys, uint64_t start,
                                        uint64_t end)
{
	struct mmu_pt_allocator al = {.alloc = test_alloc_page, .free = test_alloc_free, .ctx = a};

	memset(a, 0, sizeof(*a));
	a->phys = phys;
	a->next = start;
	a->end = end;
	a->budget = -1;
	return al;
}
