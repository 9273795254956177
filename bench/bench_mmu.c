/*
 * bench/bench_mmu.c — mmu_access throughput with the default (Skylake-like)
 * configuration, against two baselines run in the same process on the same
 * address stream:
 *   call: the loop calling an empty non-inlined function with mmu_access's
 *         arguments (the floor any per-access hook pays);
 *   read: the loop doing only the host memory read of each access's bytes
 *         (what an emulator without a model does).
 * Then the same stream through mmu_access_batch (records in a buffer), and
 * for the random stream the floor (floor.h): the same operations with the
 * geometry fixed at compile time and none of the model's checks, whose
 * counters are first compared with the model's.
 * Loops are timed in thread CPU time (bench_cpu_now): the machine is shared.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "floor.h"
#include "mmu/mmu.h"

#define VA_BASE 0xffff888000000000ull

__attribute__((noinline)) static int empty_access(void *m, uint64_t va, uint32_t size, int type,
                                                  uint64_t pc, void *fault)
{
	__asm__ volatile("" ::"r"(m), "r"(va), "r"(size), "r"(type), "r"(pc), "r"(fault));
	return 0;
}

struct setup {
	struct mmu_phys phys;
	struct mmu_brk_alloc ba;
	struct mmu_pt pt;
	struct mmu *m;
	struct floor *floor; /* K_FLOOR only */
};

/* Map [VA_BASE, +bytes) to PA 0 with 4K pages; tables above the data. */
static int setup(struct setup *s, uint64_t bytes)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	uint64_t tables = ((bytes / 512 + 4095) & ~4095ull) + (8ull << 20);

	memset(s, 0, sizeof(*s));
	if (mmu_phys_init(&s->phys, bytes + tables, &err) < 0)
		goto fail;
	mmu_brk_alloc_init(&s->ba, &s->phys, bytes, 16 * 4096, bytes + 16 * 4096, bytes + tables);
	if (mmu_pt_init(&s->pt, &s->phys, 4, 46, mmu_brk_allocator(&s->ba), &err) < 0 ||
	    mmu_pt_map(&s->pt, VA_BASE, 0, bytes, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW,
	               &err) < 0)
		goto fail;
	mmu_config_default(&cfg);
	if (mmu_create(&s->m, &cfg, &s->phys, &err) < 0)
		goto fail;
	mmu_write_cr3(s->m, s->pt.root, 0, false);
	return 0;
fail:
	fprintf(stderr, "bench: %s\n", err.msg);
	mmu_phys_fini(&s->phys);
	return -1;
}

static void teardown(struct setup *s)
{
	mmu_destroy(s->m);
	mmu_phys_fini(&s->phys);
}

/* The L1-hit streams over 4 pages, repeated: a sweep of 8-byte loads
 * through 16 KiB, and a mix that alternates pages on every access (so no
 * access re-hits the previous TLB entry or line). */
static inline uint64_t next_l1hit(uint64_t i, bool mix)
{
	if (mix)
		return VA_BASE + ((i & 3) << 12) + (((i >> 2) & 15) << 6);
	return VA_BASE + ((i * 8) & 16383);
}

static inline uint64_t next_random(uint64_t *x, uint64_t mask)
{
	uint64_t v = *x;

	v ^= v << 13;
	v ^= v >> 7;
	v ^= v << 17;
	*x = v;
	return VA_BASE + (v & mask & ~7ull);
}

enum kind { K_CALL, K_READ, K_MMU, K_BATCH, K_FLOOR, K_FLOOR_PF };
enum stream { S_SWEEP, S_MIX, S_RANDOM };

/* The same stream through mmu_access_batch, 4096 records at a time (the
 * records are generated into a buffer, as a trace reader would deliver them). */
static uint64_t run_batch(struct setup *s, enum stream st, uint64_t mask, uint64_t first,
                          uint64_t count, uint64_t *x)
{
	static struct mmu_access_rec rec[4096];
	uint64_t acc = 0, i = 0;

	while (i < count) {
		size_t n = 0;
		for (; n < 4096 && i < count; n++, i++) {
			rec[n].va = st == S_RANDOM ? next_random(x, mask)
			                           : next_l1hit(first + i, st == S_MIX);
			rec[n].pc = i & 255;
			rec[n].size = 8;
			rec[n].type = MMU_LOAD;
		}
		acc += (uint64_t)mmu_access_batch(s->m, rec, n, NULL, NULL);
	}
	return acc;
}

/* Run `kind` over the stream for about bench_seconds(); returns the rate. */
static double run(struct setup *s, enum kind kind, enum stream st, uint64_t mask, uint64_t *ops_out,
                  double *secs_out)
{
	const uint64_t chunk = 1 << 20;
	uint64_t ops = 0, x = 88172645463325252ull, acc = 0, ring[16];
	double t0 = bench_cpu_now(), t;

	for (unsigned j = 0; kind == K_FLOOR_PF && j < 8; j++) /* the stream 8 ahead */
		ring[j] = next_random(&x, mask);
	do {
		if (kind == K_FLOOR_PF) {
			for (uint64_t i = ops; i < ops + chunk; i++) {
				ring[(i + 8) & 15] = next_random(&x, mask);
				floor_prefetch(s->floor, ring[(i + 8) & 15], 1);
				floor_prefetch(s->floor, ring[(i + 2) & 15], 2);
				acc += floor_access(s->floor, ring[i & 15]);
			}
			ops += chunk;
			t = bench_cpu_now() - t0;
			continue;
		}
		if (kind == K_BATCH) {
			acc += run_batch(s, st, mask, ops, chunk, &x);
			ops += chunk;
			t = bench_cpu_now() - t0;
			continue;
		}
		for (uint64_t i = 0; i < chunk; i++) {
			uint64_t va = st == S_RANDOM ? next_random(&x, mask)
			                             : next_l1hit(ops + i, st == S_MIX);
			switch (kind) {
			case K_CALL:
				acc += (uint64_t)empty_access(s->m, va, 8, MMU_LOAD, i & 255, NULL);
				break;
			case K_READ: acc += mmu_phys_read64(&s->phys, va - VA_BASE); break;
			case K_FLOOR: acc += floor_access(s->floor, va); break;
			case K_MMU:
			case K_BATCH:    /* run above */
			case K_FLOOR_PF: /* run above */
				acc += (uint64_t)mmu_access(s->m, va, 8, MMU_LOAD, i & 255, NULL);
				break;
			}
		}
		ops += chunk;
		t = bench_cpu_now() - t0;
	} while (t < bench_seconds());
	bench_sink(acc);
	*ops_out = ops;
	*secs_out = t;
	return bench_rate((double)ops, t);
}

/* Run n accesses of the random stream through a fresh model and a fresh
 * floor; 0 if every counter the floor keeps is equal. */
static int floor_check(const char *name, uint64_t bytes, uint64_t n)
{
	static struct mmu_stats st;
	uint64_t fc[MMU_NR_COUNTERS], x = 88172645463325252ull, i;
	struct vmemsim_err err = {0};
	struct setup s;
	struct floor *f;
	size_t c;
	int rc = 0;

	if (setup(&s, bytes) < 0)
		return 1;
	f = floor_create(mmu_get_config(s.m), &s.phys, s.pt.root, &err);
	if (!f) {
		fprintf(stderr, "bench: %s\n", err.msg);
		teardown(&s);
		return 1;
	}
	for (i = 0; i < n; i++)
		rc |= mmu_access(s.m, next_random(&x, bytes - 1), 8, MMU_LOAD, i & 255, NULL);
	x = 88172645463325252ull;
	for (i = 0; i < n; i++)
		floor_access(f, next_random(&x, bytes - 1));
	mmu_stats_snapshot(s.m, &st);
	floor_counters(f, fc);
	if (rc || floor_bad(f)) {
		fprintf(stderr, "bench: %s/floor: a walk faulted\n", name);
		rc = 1;
	}
	for (c = 0; c < floor_nr_kept; c++) {
		uint64_t v = mmu_stats_total(&st, floor_kept[c]);
		if (v != fc[floor_kept[c]]) {
			fprintf(stderr, "bench: %s/floor: %s is %llu, the model's %llu\n", name,
			        mmu_counter_name(floor_kept[c]),
			        (unsigned long long)fc[floor_kept[c]], (unsigned long long)v);
			rc = 1;
		}
	}
	if (!rc)
		printf("%s/floor: its %zu counters equal the model's over %llu accesses (%llu "
		       "walks)\n",
		       name, floor_nr_kept, (unsigned long long)n,
		       (unsigned long long)fc[MMU_C_walks]);
	floor_destroy(f);
	teardown(&s);
	return rc;
}

/* The floor's rate on s's tables, against call and against mmu_access. */
static int bench_floor(struct setup *s, const char *name, double call_rate, double mmu_rate,
                       double batch_rate)
{
	struct vmemsim_err err = {0};
	char label[96];
	uint64_t ops;
	double secs;

	s->floor = floor_create(mmu_get_config(s->m), &s->phys, s->pt.root, &err);
	if (!s->floor) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	run(s, K_FLOOR, S_RANDOM, (1ull << 30) - 1, &ops, &secs); /* warm-up */
	run(s, K_FLOOR, S_RANDOM, (1ull << 30) - 1, &ops, &secs);
	snprintf(label, sizeof(label), "%s/floor vs call", name);
	bench_report(label, (double)ops, secs, call_rate);
	snprintf(label, sizeof(label), "%s/floor vs mmu_access", name);
	bench_report(label, (double)ops, secs, mmu_rate);
	run(s, K_FLOOR_PF, S_RANDOM, (1ull << 30) - 1, &ops, &secs);
	snprintf(label, sizeof(label), "%s/floor_prefetch vs mmu_access_batch", name);
	bench_report(label, (double)ops, secs, batch_rate);
	floor_destroy(s->floor);
	s->floor = NULL;
	return 0;
}

static int bench_stream(const char *name, enum stream st, uint64_t bytes)
{
	struct setup s;
	char label[96];
	uint64_t ops;
	double secs, call_rate, read_rate, mmu_rate, batch_rate;
	int rc = 0;

	if (setup(&s, bytes) < 0)
		return 1;
	if (st == S_RANDOM) /* pre-fault the host pages so the read baseline measures reads */
		memset(s.phys.base, 0, bytes);
	call_rate = run(&s, K_CALL, st, bytes - 1, &ops, &secs);
	snprintf(label, sizeof(label), "%s/baseline_call", name);
	bench_report(label, (double)ops, secs, call_rate);
	read_rate = run(&s, K_READ, st, bytes - 1, &ops, &secs);
	snprintf(label, sizeof(label), "%s/baseline_read", name);
	bench_report(label, (double)ops, secs, call_rate);
	run(&s, K_MMU, st, bytes - 1, &ops, &secs); /* warm-up */
	mmu_rate = run(&s, K_MMU, st, bytes - 1, &ops, &secs);
	snprintf(label, sizeof(label), "%s/mmu_access vs call", name);
	bench_report(label, (double)ops, secs, call_rate);
	snprintf(label, sizeof(label), "%s/mmu_access vs read", name);
	bench_report(label, (double)ops, secs, read_rate);
	batch_rate = run(&s, K_BATCH, st, bytes - 1, &ops, &secs);
	snprintf(label, sizeof(label), "%s/mmu_access_batch vs call", name);
	bench_report(label, (double)ops, secs, call_rate);
	if (st == S_RANDOM)
		rc = floor_check(name, bytes, 1 << 20) ||
		     bench_floor(&s, name, call_rate, mmu_rate, batch_rate);
	teardown(&s);
	return rc;
}

int bench_mmu_l1hit(void)
{
	return bench_stream("mmu_l1hit", S_SWEEP, 1ull << 20);
}

int bench_mmu_l1hit_mix(void)
{
	return bench_stream("mmu_l1hit_mix", S_MIX, 1ull << 20);
}

int bench_mmu_random_1g(void)
{
	return bench_stream("mmu_random_1g", S_RANDOM, 1ull << 30);
}
