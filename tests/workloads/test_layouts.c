/* tests/workloads/test_layouts.c — see test_layouts.h. */
#include <stdio.h>
#include <string.h>

#include "test_layouts.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

void test_layout_small(struct sparse_layout *l)
{
	sparse_layout_init(l);
	snprintf(l->name, sizeof(l->name), "test-small");
	l->nr_ranges = 4;
	l->ranges[0] =
	    (struct sparse_range){.start = 0, .end = 384 * MiB, .kind = SPARSE_RANGE_RAM};
	l->ranges[1] =
	    (struct sparse_range){.start = GiB, .end = GiB + 128 * MiB, .kind = SPARSE_RANGE_RAM};
	l->ranges[2] = (struct sparse_range){.start = 2 * GiB,
	                                     .end = 2 * GiB + 128 * MiB,
	                                     .kind = SPARSE_RANGE_DEVICE,
	                                     .pages = true,
	                                     .altmap_reserve = 2};
	l->ranges[3] = (struct sparse_range){
	    .start = 3 * GiB, .end = 3 * GiB + 64 * MiB, .kind = SPARSE_RANGE_DEVICE};
	l->hugetlb_start = 256 * MiB;
	l->hugetlb_size = 64 * MiB;
	l->hugetlb_order = 9;
}

void test_layout_tiny(struct sparse_layout *l)
{
	sparse_layout_init(l);
	snprintf(l->name, sizeof(l->name), "test-tiny");
	l->nr_ranges = 4;
	l->ranges[0] =
	    (struct sparse_range){.start = 0, .end = 128 * MiB, .kind = SPARSE_RANGE_RAM};
	l->ranges[1] =
	    (struct sparse_range){.start = GiB, .end = GiB + 64 * MiB, .kind = SPARSE_RANGE_RAM};
	l->ranges[2] = (struct sparse_range){.start = 2 * GiB,
	                                     .end = 2 * GiB + 64 * MiB,
	                                     .kind = SPARSE_RANGE_DEVICE,
	                                     .pages = true,
	                                     .altmap_reserve = 2};
	l->ranges[3] = (struct sparse_range){
	    .start = 3 * GiB, .end = 3 * GiB + 32 * MiB, .kind = SPARSE_RANGE_DEVICE};
	l->hugetlb_start = 64 * MiB;
	l->hugetlb_size = 32 * MiB;
	l->hugetlb_order = 9;
	l->scratch_size = 4 * MiB;
}

void test_layout_flat2g(struct sparse_layout *l)
{
	sparse_layout_init(l);
	snprintf(l->name, sizeof(l->name), "test-flat2g");
	l->nr_ranges = 1;
	l->ranges[0] =
	    (struct sparse_range){.start = 0, .end = 2 * GiB + 256 * MiB, .kind = SPARSE_RANGE_RAM};
}

int test_run(struct wl_run_config *cfg, struct wl_run_result *res, struct vmemsim_err *err)
{
	memset(err, 0, sizeof(*err));
	return wl_run(cfg, res, err);
}
