/* tests/sparse/test_big.c — a 1 TiB span costs host memory only for what
 * is written; flatmem cannot cover it. */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "helpers.h"

/* 16 x 256 MiB of RAM spread over 1 TiB on 4 nodes, plus pmem at the top. */
static void sparse_1t(struct sparse_layout *l)
{
	sparse_layout_init(l);
	add_range(l, 0, 256 * MiB, 0, SPARSE_RANGE_RAM);
	for (unsigned i = 1; i < 16; i++)
		add_range(l, i * 64 * GiB, i * 64 * GiB + 256 * MiB, i / 4, SPARSE_RANGE_RAM);
	add_range(l, 1023 * GiB, 1024 * GiB, 3, SPARSE_RANGE_DEVICE);
}

Test(sparse_big, one_tib_layout_is_cheap_in_host_memory)
{
	struct sparse_layout l;
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};
	struct timespec a, b;

	sparse_1t(&l);
	for (int mo = SPARSE_MODEL_EXTREME; mo <= SPARSE_MODEL_VMEMMAP_ALTMAP; mo += 2) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		cr_assert_eq(sparse_machine_create(&m, &l, mo, NULL, &err), 0, "%s", err.msg);
		clock_gettime(CLOCK_MONOTONIC, &b);
		uint64_t res = mmu_phys_resident(sparse_machine_phys(m));
		cr_log_info("%s: 1 TiB built in %.3f s, %llu MiB resident", sparse_model_name(mo),
		            (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
		            (unsigned long long)(res >> 20));
		/* 4 GiB RAM -> 64 MiB memmap; pmem 1 GiB -> 16 MiB memmap; the
		 * rest is tables.  Far below the span. */
		cr_assert_lt(res, 160 * MiB, "%llu MiB resident", (unsigned long long)(res >> 20));
		cr_assert(sparse_pfn_valid(m, (15 * 64 * GiB) >> 12));
		cr_assert_not(sparse_pfn_valid(m, (15 * 64 * GiB + 256 * MiB) >> 12));
		cr_assert_eq(sparse_machine_check(m, &err), 0, "%s", err.msg);
		sparse_machine_destroy(m);
	}
}

Test(sparse_big, flatmem_cannot_cover_a_sparse_tib)
{
	struct sparse_layout l;
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};

	sparse_1t(&l);
	cr_assert_eq(sparse_machine_create(&m, &l, SPARSE_MODEL_FLATMEM, NULL, &err),
	             VMEMSIM_ENOMEM);
	cr_assert(strstr(err.msg, "flatmem: mem_map"), "%s", err.msg);
	cr_assert_null(m);
}
