/* tests/workloads/test_layouts.h — small layouts built in C for the tests. */
#ifndef VMEMSIM_TEST_LAYOUTS_H
#define VMEMSIM_TEST_LAYOUTS_H

#include "../../workloads/workloads.h"

/* 512 MiB RAM in two ranges around a hole, a 64 MiB hugetlb pool, a 128 MiB
 * device range with pages (ZONE_DEVICE) and a 64 MiB page-less one. */
void test_layout_small(struct sparse_layout *l);
/* The same shape, smaller (192 MiB RAM, 32 MiB pool, 64 + 32 MiB device,
 * 4 MiB scratch): fast machine builds for the model x workload matrix. */
void test_layout_tiny(struct sparse_layout *l);
/* 2.25 GiB of RAM in one range (the chase needs 1 GiB of writable pfns). */
void test_layout_flat2g(struct sparse_layout *l);
/* Run cfg (small sizes filled in by the caller); abort the test on a build
 * error other than want_rc. */
int test_run(struct wl_run_config *cfg, struct wl_run_result *res, struct vmemsim_err *err);

#endif
