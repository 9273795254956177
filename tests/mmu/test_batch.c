/* tests/mmu/test_batch.c — mmu_access_batch, mmu_prefetch and the inline
 * repeat hit change no result: two models over identical guest memory, one
 * driven by single mmu_access calls, the other by batches (resumed after
 * each fault) or by mmu_access_full, end with the same counters, hot spots,
 * faults and page tables. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define DATA    (64 * SZ_1M) /* guest data: PA [0, DATA) */
#define TABLES  (4 * SZ_1M)  /* page tables above it */
#define VA_BASE PAGE_OFFSET
#define NREC    300000
#define KTEXT   0xffffffff81000000ull
#define UDATA   0x0000000000400000ull

struct rig {
	struct mmu_phys phys;
	struct mmu_brk_alloc ba;
	struct mmu_pt pt;
	struct mmu *m;
};

/* 4K pages in the first 16 MiB, 2M pages above, a read-only 2 MiB and an
 * unmapped 2 MiB hole, so the stream hits every TLB array and faults. */
static void rig_init(struct rig *r)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};

	memset(r, 0, sizeof(*r));
	cr_assert_eq(mmu_phys_init(&r->phys, DATA + TABLES, &err), 0, "%s", err.msg);
	mmu_brk_alloc_init(&r->ba, &r->phys, DATA, 16 * SZ_4K, DATA + 16 * SZ_4K, DATA + TABLES);
	cr_assert_eq(mmu_pt_init(&r->pt, &r->phys, 4, 46, mmu_brk_allocator(&r->ba), &err), 0);
	cr_assert_eq(mmu_pt_map(&r->pt, VA_BASE, 0, 16 * SZ_1M, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, &err),
	             0, "%s", err.msg);
	cr_assert_eq(mmu_pt_map(&r->pt, VA_BASE + 16 * SZ_1M, 16 * SZ_1M, 44 * SZ_1M,
	                        MMU_PS_BIT(MMU_PAGE_2M), MMU_PROT_KERNEL_RW, &err),
	             0, "%s", err.msg);
	cr_assert_eq(mmu_pt_map(&r->pt, VA_BASE + 60 * SZ_1M, 60 * SZ_1M, SZ_2M,
	                        MMU_PS_BIT(MMU_PAGE_2M), MMU_PROT_KERNEL_RO, &err),
	             0, "%s", err.msg);
	/* code: 4K pages at the kernel text address, aliasing the first 1 MiB;
	 * user pages aliasing the next one */
	cr_assert_eq(
	    mmu_pt_map(&r->pt, KTEXT, 0, SZ_1M, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RX, &err),
	    0, "%s", err.msg);
	cr_assert_eq(mmu_pt_map(&r->pt, UDATA, SZ_1M, SZ_1M, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_USER_RW, &err),
	             0, "%s", err.msg);
	mmu_config_default(&cfg);
	cr_assert_eq(mmu_create(&r->m, &cfg, &r->phys, &err), 0, "%s", err.msg);
	mmu_write_cr3(r->m, r->pt.root, 0, false);
}

static void rig_fini(struct rig *r)
{
	mmu_destroy(r->m);
	mmu_phys_fini(&r->phys);
}

/* Random loads, stores and fetches; 1 in 64 crosses a page. */
static void make_stream(struct mmu_access_rec *rec, size_t n)
{
	uint64_t x = 0x2545f4914f6cdd1dull;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		rec[i].va = VA_BASE + ((x >> 8) % DATA);
		rec[i].size = (x & 63) == 0 ? 16 : 8;
		if ((x & 63) == 0)
			rec[i].va = (rec[i].va | 4095) - 7;
		else
			rec[i].va &= ~7ull;
		rec[i].type = (uint32_t)((x >> 2) % 7 == 0 ? MMU_STORE : MMU_LOAD);
		if ((x >> 5) % 11 == 0)
			rec[i].type = MMU_FETCH; /* faults: the data pages are NX */
		rec[i].pc = 0x400000 + ((x >> 40) & 1023);
	}
}

static void assert_same(const struct rig *a, const struct rig *b)
{
	static struct mmu_stats sa, sb;
	struct mmu_hotspot ha[64], hb[64];
	unsigned na, nb;

	mmu_stats_snapshot(a->m, &sa);
	mmu_stats_snapshot(b->m, &sb);
	for (unsigned c = 0; c < MMU_NR_COUNTERS; c++)
		cr_assert_eq(mmu_stats_total(&sa, c), mmu_stats_total(&sb, c), "counter %s",
		             mmu_counter_name(c));
	na = mmu_hotspots(a->m, ha, 64);
	nb = mmu_hotspots(b->m, hb, 64);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(ha, hb, sizeof(ha[0]) * na), 0);
	/* A and D bits written back to the same entries. */
	cr_assert_eq(memcmp(a->phys.base + DATA, b->phys.base + DATA, TABLES), 0);
	cr_assert_eq(mmu_check(b->m, NULL), 0);
}

Test(batch, batched_stream_counts_exactly_like_single_calls)
{
	struct mmu_access_rec *rec = malloc(sizeof(*rec) * NREC);
	struct rig a, b;
	size_t i, off, faults_a = 0, faults_b = 0;

	cr_assert_not_null(rec);
	make_stream(rec, NREC);
	rig_init(&a);
	rig_init(&b);
	for (i = 0; i < NREC; i++) {
		struct mmu_fault f;
		if (mmu_access(a.m, rec[i].va, rec[i].size, (enum mmu_access_type)rec[i].type,
		               rec[i].pc, &f) < 0)
			faults_a++;
	}
	for (off = 0; off < NREC;) {
		struct mmu_fault f;
		size_t n = NREC - off < 5000 ? NREC - off : 5000, done = 0;
		int rc = mmu_access_batch(b.m, rec + off, n, &done, &f);
		cr_assert_leq(done, n);
		if (rc < 0) {
			cr_assert_eq(rc, VMEMSIM_EFAULT);
			cr_assert_eq(f.va, rec[off + done].va,
			             "the fault names the failing record");
			faults_b++;
			off += done + 1; /* resume after the faulting record */
		} else {
			cr_assert_eq(done, n);
			off += n;
		}
	}
	cr_assert_gt(faults_a, 1000, "the stream exercises faults");
	cr_assert_eq(faults_a, faults_b);
	assert_same(&a, &b);
	rig_fini(&a);
	rig_fini(&b);
	free(rec);
}

Test(batch, prefetch_hints_change_nothing)
{
	struct mmu_access_rec *rec = malloc(sizeof(*rec) * NREC);
	struct rig a, b;

	cr_assert_not_null(rec);
	make_stream(rec, NREC);
	rig_init(&a);
	rig_init(&b);
	for (size_t i = 0; i < NREC; i++) {
		enum mmu_access_type t = (enum mmu_access_type)rec[i].type;
		/* hints for other, also unmapped and non-canonical, addresses */
		mmu_prefetch(b.m, rec[(i * 7919) % NREC].va, t, i & 1);
		mmu_prefetch(b.m, VA_BASE + 62 * SZ_1M + (i & 4095) * 8, MMU_LOAD, true);
		mmu_prefetch(b.m, 0x0000900000000000ull + i, MMU_STORE, false);
		mmu_access(a.m, rec[i].va, rec[i].size, t, rec[i].pc, NULL);
		mmu_access(b.m, rec[i].va, rec[i].size, t, rec[i].pc, NULL);
	}
	assert_same(&a, &b);
	rig_fini(&a);
	rig_fini(&b);
	free(rec);
}

Test(batch, empty_batch_and_bad_record)
{
	struct mmu_access_rec bad[2] = {{.va = VA_BASE, .size = 8, .type = MMU_LOAD},
	                                {.va = VA_BASE, .size = 0, .type = MMU_LOAD}};
	struct rig r;
	size_t done = 99;

	rig_init(&r);
	cr_assert_eq(mmu_access_batch(r.m, bad, 0, &done, NULL), 0);
	cr_assert_eq(done, 0);
	cr_assert_eq(mmu_access_batch(r.m, bad, 2, &done, NULL), VMEMSIM_EINVAL);
	cr_assert_eq(done, 1, "the first record was performed, the second rejected");
	rig_fini(&r);
}

/* A stream with the emulator's locality: runs of accesses to one line or
 * one page (which the inline repeat hit takes), line- and page-crossing
 * accesses, fetches and data from small pools of pages that share one L1
 * TLB set (so a missed LRU update changes later victims), and now and then
 * a CPL switch (user pages become accessible, kernel ones fault), an
 * INVLPG, a CR3 write, an mmu_translate, a new region or a counter reset,
 * each of which must disarm it.  Two models run in lockstep, one through
 * mmu_access, one through mmu_access_full, compared after every event. */
static uint64_t next_x(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

struct pair {
	struct rig a, b; /* a: mmu_access (inline repeat hit), b: mmu_access_full */
	unsigned inl, events, faults;
};

static void pair_access(struct pair *p, enum mmu_access_type t, uint64_t va, uint32_t size)
{
	/* struct mmu_fast is public for mmu_access's sake; reading it is harmless */
	const struct mmu_fast *f = (const struct mmu_fast *)(const void *)p->a.m;
	uint64_t before = f->n[t], pc = 0x1000 + (va & 0xff0);
	struct mmu_fault fa, fb;
	int ra = mmu_access(p->a.m, va, size, t, pc, &fa);
	int rb = mmu_access_full(p->b.m, va, size, t, pc, &fb);

	cr_assert_eq(ra, rb, "access %#llx", (unsigned long long)va);
	p->inl += f->n[t] == before + 1;
	p->faults += ra < 0;
}

/* One event on both models; returns whether it was one. */
static bool pair_event(struct pair *p, uint64_t k, uint64_t y, uint64_t va, unsigned *cpl,
                       unsigned *regions)
{
	struct rig *r[2] = {&p->a, &p->b};
	uint64_t pa;

	if (k > 5 || (k == 4 && *regions >= 3))
		return false;
	if (k == 0)
		*cpl ^= 3;
	for (int i = 0; i < 2; i++) {
		struct mmu *m = r[i]->m;
		uint64_t start = VA_BASE + *regions * 4 * SZ_1M;
		switch (k) {
		case 0: mmu_set_cpl(m, *cpl); break;
		case 1: mmu_invlpg(m, va); break;
		case 2:
			mmu_write_cr3(m, r[i]->pt.root, (uint16_t)((y >> 20) & 3), (y >> 22) & 1);
			break;
		case 3: mmu_reset_stats(m); break;
		case 4: cr_assert_geq(mmu_add_region(m, "r", start, start + SZ_1M, NULL), 1); break;
		case 5: /* another page of the same DTLB set: a new last[] entry */
			mmu_translate(m, va ^ (16 * SZ_4K), MMU_LOAD, 0, &pa, NULL);
			break;
		}
	}
	*regions += k == 4;
	p->events++;
	return true;
}

/* A random line in a pool of 12 pages that share one set of Skylake's L1
 * DTLB (16 sets) and ITLB (16 sets), or anywhere in base's megabytes. */
static uint64_t pick(uint64_t y, uint64_t base, uint64_t bytes)
{
	if ((y >> 60) & 1)
		return base + ((y >> 24) % 12) * 16 * SZ_4K + ((y >> 36) & 4095);
	return base + (y >> 24) % bytes;
}

Test(batch, inline_repeat_hits_count_exactly_like_the_full_path)
{
	static struct pair p;
	uint64_t x = 0x9e3779b97f4a7c15ull, va = VA_BASE, code = KTEXT;
	unsigned cpl = 0, regions = 0;

	memset(&p, 0, sizeof(p));
	rig_init(&p.a);
	rig_init(&p.b);
	for (unsigned i = 0; i < NREC; i++) {
		uint64_t y = next_x(&x), k = y % 4096;
		enum mmu_access_type t = (y >> 12) % 3 == 0 ? MMU_STORE : MMU_LOAD;
		uint32_t size = 1u << ((y >> 16) % 4);

		if (pair_event(&p, k, y, va, &cpl, &regions)) {
			assert_same(&p.a, &p.b);
			cr_assert_eq(mmu_check(p.a.m, NULL), 0, "step %u", i);
		}
		if (k == 0 && (y >> 50) & 1) /* a fetch right after the mode switch */
			pair_access(&p, MMU_FETCH, code, 1);
		if (k > 5 && k < 1024) /* a new line (kept across events) */
			va = (cpl ? pick(y, UDATA, SZ_1M) : pick(y, VA_BASE, 64 * SZ_1M)) & ~7ull;
		if (k % 64 == 7)
			va = (va | 4095) - 3; /* the next 8-byte access crosses the page */
		if (k % 8 == 6) {
			if (k < 3072)
				code = pick(y, KTEXT, SZ_1M);
			pair_access(&p, MMU_FETCH, code, 1 + (uint32_t)(y >> 40) % 32);
			continue;
		}
		pair_access(&p, t, va, size);
		va += (y >> 30) % 3 == 0 ? size : 0;
	}
	cr_assert_gt(p.faults, 100, "the stream exercises faults");
	cr_assert_gt(p.events, 300, "and disarming events");
	cr_assert_gt(p.inl, NREC / 4, "most accesses take the inline repeat hit (%u)", p.inl);
	assert_same(&p.a, &p.b);
	cr_assert_eq(mmu_check(p.a.m, NULL), 0);
	rig_fini(&p.a);
	rig_fini(&p.b);
}
