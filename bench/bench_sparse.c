/*
 * bench/bench_sparse.c — building a memory model, against the bare cost of
 * writing its memmap.
 *   baseline: write 64 bytes per struct page into a fresh MAP_NORESERVE
 *             mapping (page faults + stores, what any builder must pay);
 *   build:    sparse_machine_create() of a 5 GiB small-vm layout under
 *             vmemmap-2m (memblock, sections, memmap init, direct map,
 *             vmemmap), counted in struct pages initialised.
 * The ratio says how close the builder is to that floor.  Thread CPU time.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"
#include "sparse/sparse.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void small_vm(struct sparse_layout *l)
{
	sparse_layout_init(l);
	l->nr_ranges = 3;
	l->ranges[0] = (struct sparse_range){.start = 0, .end = 636 << 10};
	l->ranges[1] = (struct sparse_range){.start = 1 * MiB, .end = 3 * GiB};
	l->ranges[2] = (struct sparse_range){.start = 4 * GiB, .end = 5 * GiB};
}

static double write_memmap(uint64_t pages)
{
	uint64_t bytes = pages * 64;
	double t0 = bench_cpu_now();
	uint64_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t *s = p + 8 * i;
		s[0] = i << 55;
		s[1] = s[2] = (uint64_t)(s + 1);
		s[3] = s[4] = s[5] = 0;
		s[6] = 0x00000001ffffffffull;
		s[7] = 0;
	}
	bench_sink(p[pages - 1]);
	munmap(p, bytes);
	return bench_cpu_now() - t0;
}

int bench_sparse_build(void)
{
	struct sparse_layout l;
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};
	double base_t = 0, build_t = 0, t0;
	uint64_t pages = 0, base_ops = 0, build_ops = 0;

	small_vm(&l);
	if (sparse_machine_create(&m, &l, SPARSE_MODEL_VMEMMAP_2M, NULL, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return -1;
	}
	pages = sparse_machine_stats(m)->early_sections * SPARSE_PAGES_PER_SECTION;
	sparse_machine_destroy(m);
	while (base_t < bench_seconds()) {
		double t = write_memmap(pages);
		if (t < 0)
			return -1;
		base_t += t;
		base_ops += pages;
	}
	while (build_t < bench_seconds()) {
		t0 = bench_cpu_now();
		if (sparse_machine_create(&m, &l, SPARSE_MODEL_VMEMMAP_2M, NULL, &err) < 0)
			return -1;
		sparse_machine_destroy(m);
		build_t += bench_cpu_now() - t0;
		build_ops += pages;
	}
	bench_report("sparse_build (struct pages/s)", (double)build_ops, build_t,
	             bench_rate((double)base_ops, base_t));
	return 0;
}
