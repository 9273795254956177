/* tests/sparse/helpers.h — layouts shared by the sparse tests. */
#ifndef VMEMSIM_TESTS_SPARSE_HELPERS_H
#define VMEMSIM_TESTS_SPARSE_HELPERS_H

#include "sparse/sparse.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static inline void add_range(struct sparse_layout *l, uint64_t start, uint64_t end, unsigned nid,
                             enum sparse_range_kind kind)
{
	struct sparse_range *r = &l->ranges[l->nr_ranges++];
	r->start = start;
	r->end = end;
	r->nid = nid;
	r->kind = kind;
	r->pages = kind == SPARSE_RANGE_DEVICE;
	r->altmap_reserve = 2;
}

/* A small awkward machine: low 640K, RAM to 200 MiB, a reserved range, RAM
 * in partial sections on node 1, pmem crossing a section boundary, a
 * 16 MiB hugetlb pool. */
static inline void tiny_layout(struct sparse_layout *l)
{
	sparse_layout_init(l);
	add_range(l, 0, 0x9f000, 0, SPARSE_RANGE_RAM);
	add_range(l, 1 * MiB, 200 * MiB, 0, SPARSE_RANGE_RAM);
	add_range(l, 200 * MiB, 202 * MiB, 0, SPARSE_RANGE_RESERVED);
	add_range(l, 262 * MiB, 386 * MiB, 1, SPARSE_RANGE_RAM);
	add_range(l, 514 * MiB, 642 * MiB, 1, SPARSE_RANGE_DEVICE);
	l->hugetlb_start = 64 * MiB;
	l->hugetlb_size = 16 * MiB;
	l->scratch_size = 2 * MiB;
}

#endif
