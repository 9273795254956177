/* tests/sparse/test_layout.c — layout validation names the bad range. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static void base(struct sparse_layout *l)
{
	sparse_layout_init(l);
	add_range(l, 0, 1 * GiB, 0, SPARSE_RANGE_RAM);
}

Test(sparse_layout, tiny_layout_is_valid)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	tiny_layout(&l);
	cr_assert_eq(sparse_layout_check(&l, &err), 0, "%s", err.msg);
}

Test(sparse_layout, overlapping_ranges_name_both_indexes)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	base(&l);
	add_range(&l, 2 * GiB, 3 * GiB, 0, SPARSE_RANGE_RAM);
	add_range(&l, 512 * MiB, 514 * MiB, 0, SPARSE_RANGE_DEVICE);
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EEXIST);
	cr_assert(strstr(err.msg, "ranges[2]") && strstr(err.msg, "overlaps ranges[0]"), "%s",
	          err.msg);
}

Test(sparse_layout, range_beyond_maxphyaddr_is_rejected)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	base(&l);
	l.maxphyaddr = 39;
	add_range(&l, 511 * GiB, 513 * GiB, 0, SPARSE_RANGE_DEVICE);
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "ranges[1]") && strstr(err.msg, "MAXPHYADDR"), "%s", err.msg);
}

Test(sparse_layout, unaligned_range_is_rejected)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	base(&l);
	add_range(&l, 2 * GiB + 100, 3 * GiB, 0, SPARSE_RANGE_RAM);
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "ranges[1]") && strstr(err.msg, "4 KiB aligned"), "%s", err.msg);
}

Test(sparse_layout, empty_range_is_rejected)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	base(&l);
	add_range(&l, 2 * GiB, 2 * GiB, 0, SPARSE_RANGE_RAM);
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "ranges[1]: empty"), "%s", err.msg);
}

Test(sparse_layout, kernel_image_area_needs_ram)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	sparse_layout_init(&l);
	add_range(&l, 0, 32 * MiB, 0, SPARSE_RANGE_RAM);
	add_range(&l, 1 * GiB, 2 * GiB, 0, SPARSE_RANGE_RAM);
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "kernel image"), "%s", err.msg);
}

Test(sparse_layout, node_beyond_max_numnodes_is_rejected)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	base(&l);
	add_range(&l, 2 * GiB, 3 * GiB, 64, SPARSE_RANGE_RAM);
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "ranges[1]: node 64"), "%s", err.msg);
}

Test(sparse_layout, hugetlb_pool_must_be_aligned_and_in_ram)
{
	struct sparse_layout l;
	struct vmemsim_err err = {0};
	base(&l);
	l.hugetlb_start = 100 * MiB + 4096;
	l.hugetlb_size = 4 * MiB;
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "hugetlb") && strstr(err.msg, "aligned"), "%s", err.msg);
	l.hugetlb_start = 1 * GiB;
	cr_assert_eq(sparse_layout_check(&l, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "not inside one RAM range"), "%s", err.msg);
}

Test(sparse_layout, failed_create_leaves_out_untouched)
{
	struct sparse_layout l;
	struct sparse_machine *m = (struct sparse_machine *)0x1;
	struct vmemsim_err err = {0};
	base(&l);
	add_range(&l, 100 * MiB, 200 * MiB, 0, SPARSE_RANGE_RAM);
	cr_assert_eq(sparse_machine_create(&m, &l, SPARSE_MODEL_VMEMMAP_2M, NULL, &err),
	             VMEMSIM_EEXIST);
	cr_assert_eq(m, (struct sparse_machine *)0x1);
}
