/* tests/mmu/helpers.h — shared fixtures for the MMU tests. */
#ifndef VMEMSIM_TEST_MMU_HELPERS_H
#define VMEMSIM_TEST_MMU_HELPERS_H

#include "mmu/mmu.h"

#define SZ_4K       (1ull << 12)
#define SZ_1M       (1ull << 20)
#define SZ_2M       (1ull << 21)
#define SZ_1G       (1ull << 30)
#define PAGE_OFFSET 0xffff888000000000ull

/* A bump allocator the tests control: hands out pages from [next, end),
 * fails after `budget` allocations (budget < 0: unlimited), records frees. */
struct test_alloc {
	struct mmu_phys *phys;
	uint64_t next, end;
	long budget;
	unsigned nr_allocs, nr_frees;
	uint64_t freed[64];
};
struct mmu_pt_allocator test_alloc_init(struct test_alloc *a, struct mmu_phys *phys, uint64_t start,
                                        uint64_t end);

#endif
