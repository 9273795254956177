/*
 * tests/mmu/ref_stream.c — the differential tests' streams (ref_stream.h):
 * the generator (accesses from a profile's zones, runs of repeat hits,
 * architectural operations, bad records, batches), and the runner that
 * applies each operation to both models of a rig and compares return codes,
 * fault reports, translated PAs, every counter, the hot spots and the page
 * tables' A/D bits.  A difference is reported at the first step it appears:
 * the stream is regenerated from its seed and run again comparing after
 * every step.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_stream.h"

#define CHECK_GAP 1000  /* steps between counter comparisons */
#define MEM_GAP   50000 /* steps between page-table memory comparisons */
#define NPC       48

static const struct {
	uint64_t va, len;
	bool user, text;
} zone[NZONES] = {
    [Z_4K] = {Z4K, SZ_1G, false, false},
    [Z_2M] = {Z2M, 4 * SZ_1G, false, false},
    [Z_1G] = {Z1G, 8 * SZ_1G, false, false},
    [Z_MIX] = {ZMIX, 2 * SZ_1G + 4 * SZ_1M, false, true},
    [Z_TEXT] = {ZTEXT, 16 * SZ_1M, false, true},
    [Z_UDATA] = {ZUDATA, 64 * SZ_1M, true, false},
    [Z_UTEXT] = {ZUTEXT, 8 * SZ_1M, true, true},
    [Z_WILD] = {ZWILD, 1ull << 46, false, false},
    [Z_NONC] = {ZNONC, 1ull << 40, false, false},
    [Z_LOW5] = {ZLOW5, 1ull << 44, true, false},
    [Z_EDGE2M] = {RSPLIT - SZ_1M, SZ_2M, false, false},
    [Z_EDGE1G] = {R1G - 2 * SZ_4K, 7 * SZ_4K, false, true},
    [Z_TOP] = {ZTOP, 2 * SZ_4K, true, false},
};

enum op_kind {
	OP_ACCESS,
	OP_TRANSLATE,
	OP_INVLPG,
	OP_CR3,
	OP_FLUSH,
	OP_CPL,
	OP_RETIRE,
	OP_PTE /* edit a leaf of the current tree in both copies, then INVLPG (flag: how) */
};

struct op {
	uint8_t kind, type, batch, flag;
	uint32_t size;
	uint64_t va, pc;
};

struct mismatch {
	size_t step;
	char what[512];
};

/* ---- streams ------------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static unsigned pick_zone(const struct profile *p, unsigned cpl, uint64_t *s)
{
	unsigned total = 0, z, x;

	for (z = 0; z < NZONES; z++)
		total += p->w[z] * (cpl == 3 && zone[z].user ? 50 : 1);
	x = (unsigned)(rnd(s) % total);
	for (z = 0; z < NZONES; z++) {
		unsigned w = p->w[z] * (cpl == 3 && zone[z].user ? 50 : 1);
		if (x < w)
			return z;
		x -= w;
	}
	return 0;
}

static void gen_access(const struct profile *p, struct op *o, unsigned cpl, uint64_t *s)
{
	unsigned z = pick_zone(p, cpl, s);
	uint64_t r = rnd(s), off;

	if ((r & 1023) < p->hot) /* a 64-page hot set spread over the zone */
		off = (((r >> 10) & 63) * (zone[z].len / 64 / SZ_4K)) * SZ_4K + ((r >> 16) & 4095);
	else
		off = (rnd(s) % zone[z].len);
	o->kind = OP_ACCESS;
	o->va = zone[z].va + off;
	r = rnd(s);
	o->type = (r & 1023) < p->store ? MMU_STORE : MMU_LOAD;
	if (((r >> 10) & 1023) < (zone[z].text ? p->fetch * 8 : p->fetch / 8))
		o->type = MMU_FETCH;
	o->size = 1u << ((r >> 20) % 4); /* 1..8 */
	o->va &= ~(uint64_t)(o->size - 1);
	if (((r >> 24) & 1023) < p->cross_line) {
		o->size = 16;
		o->va = (o->va | 63) - 7;
	}
	if (((r >> 34) & 1023) < p->cross_page) {
		o->size = 2 + (unsigned)((r >> 44) % 63);
		o->va = (o->va | 4095) - (r >> 50) % (o->size - 1);
	}
	if (((r >> 44) & 1023) < p->big)
		o->size = 1 + (unsigned)((r >> 54) % 4096);
}

static bool editable(uint64_t va) /* leaves edit_leaf may change: not global, not shared */
{
	return (va >= Z4K && va - Z4K < SZ_1G) || (va >= Z2M && va - Z2M < 4 * SZ_1G) ||
	       (va >= Z1G && va - Z1G < 8 * SZ_1G) || (va >= ZUDATA && va - ZUDATA < 64 * SZ_1M);
}

/* Maybe an architectural operation instead of an access; INVLPGs and
 * page-table edits often aim at the page of the last access, which a run of
 * repeat hits then accesses again. */
static bool gen_special(const struct profile *p, struct op *o, const struct op *last, unsigned *cpl,
                        uint64_t *s)
{
	uint64_t x = rnd(s) & 65535;

	if (x < p->invlpg) {
		gen_access(p, o, *cpl, s);
		o->va = last && (rnd(s) & 1) ? last->va : o->va;
		o->kind = OP_INVLPG;
	} else if ((x -= p->invlpg) < p->cr3) {
		o->kind = OP_CR3;
		o->va = rnd(s) & 3; /* pcid */
		o->flag = rnd(s) & 1;
	} else if ((x -= p->cr3) < p->flush) {
		o->kind = OP_FLUSH;
	} else if ((x -= p->flush) < p->cpl) {
		o->kind = OP_CPL;
		*cpl = 3 - *cpl;
		o->flag = (uint8_t)*cpl;
	} else if ((x -= p->cpl) < p->retire) {
		o->kind = OP_RETIRE;
		o->size = 1 + (unsigned)(rnd(s) % 40);
	} else if ((x -= p->retire) < p->pte) {
		o->kind = OP_PTE;
		o->va = (rnd(s) & 1 ? Z4K : Z2M) + (rnd(s) % SZ_1G);
		if (last && editable(last->va) && (rnd(s) & 1))
			o->va = last->va;
		o->flag = (uint8_t)(rnd(s) % 5);
	} else {
		return false;
	}
	return true;
}

/* The same line (data) or page (fetch) as the last access; 1 in 16 starts
 * there but crosses into the next line (data) or page (fetch). */
static void gen_repeat(struct op *o, const struct op *last, uint64_t *s)
{
	uint64_t r = rnd(s);

	*o = *last;
	o->kind = OP_ACCESS;
	o->batch = 0; /* gen_stream decides */
	o->type = o->type > MMU_STORE ? MMU_LOAD : o->type;
	o->va =
	    o->type == MMU_FETCH ? (o->va & ~4095ull) + (r & 4032) : (o->va & ~63ull) + (r & 56);
	o->size = o->type == MMU_FETCH ? 16 : 8;
	if (o->type != MMU_FETCH)
		o->type = ((r >> 12) & 3) == 0 ? MMU_STORE : MMU_LOAD;
	if (((r >> 14) & 15) == 0) {
		o->va |= o->type == MMU_FETCH ? 4095 - 7 : 63 - 3;
		o->size = 1 + (unsigned)((r >> 18) % 16) + 8;
	}
}

/* The stream: accesses with runs of repeat hits, and the occasional
 * architectural operation (also inside runs). */
static struct op *gen_stream(const struct profile *p, uint64_t seed, size_t n)
{
	struct op *ops = calloc(n, sizeof(*ops)), *last = NULL;
	uint64_t s = seed | 1, x;
	unsigned cpl = 0, repeat = 0, batch = 0;
	size_t i;

	cr_assert_not_null(ops);
	for (i = 0; i < n; i++) {
		struct op *o = &ops[i];
		o->pc = (cpl == 3 ? ZUTEXT : ZTEXT) + (rnd(&s) % NPC) * 64;
		if (gen_special(p, o, last, &cpl, &s)) {
		} else if (repeat && last) {
			gen_repeat(o, last, &s);
			repeat--;
		} else {
			gen_access(p, o, cpl, &s);
			if ((rnd(&s) & 65535) < p->translate)
				o->kind = OP_TRANSLATE;
			if ((rnd(&s) & 1023) < p->repeat)
				repeat = 1 + (unsigned)(rnd(&s) % 64);
			if ((rnd(&s) & 65535) < p->bad) { /* EINVAL: nothing counted */
				x = rnd(&s) % 3;
				o->size = x == 0 ? 0 : x == 1 ? 4097 : o->size;
				o->type = x == 2 ? 3 : o->type;
			}
		}
		if (o->kind == OP_ACCESS || o->kind == OP_TRANSLATE)
			last = o;
		if (o->kind == OP_ACCESS && !batch && (rnd(&s) & 1023) < p->batch)
			batch = 1 + (unsigned)(rnd(&s) % 200);
		if (o->kind == OP_ACCESS && batch) {
			o->batch = 1;
			batch--;
		} else {
			batch = 0;
		}
	}
	return ops;
}

/* ---- running both models and comparing ----------------------------------------- */

static const char *const type_name[] = {"fetch", "load", "store"};

static void describe(const struct op *o, size_t step, char *buf, size_t len)
{
	static const char *const kind[] = {"access",    "translate", "invlpg", "cr3",
	                                   "flush_all", "set_cpl",   "retire", "pte edit"};

	snprintf(buf, len, "step %zu (%s%s %s va %#llx size %u pc %#llx flag %u)", step,
	         kind[o->kind], o->batch ? " in a batch" : "",
	         o->type < 3 ? type_name[o->type] : "bad-type", (unsigned long long)o->va, o->size,
	         (unsigned long long)o->pc, o->flag);
}

static bool differ(struct mismatch *mm, const struct op *o, size_t step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool differ(struct mismatch *mm, const struct op *o, size_t step, const char *fmt, ...)
{
	char where[200];
	va_list ap;
	int k;

	describe(o, step, where, sizeof(where));
	k = snprintf(mm->what, sizeof(mm->what), "%s: ", where);
	va_start(ap, fmt);
	vsnprintf(mm->what + k, sizeof(mm->what) - (size_t)k, fmt, ap);
	va_end(ap);
	mm->step = step;
	return false;
}

static bool same_fault(const struct mmu_fault *a, const struct mmu_fault *b)
{
	unsigned i;

	if (a->va != b->va || a->pc != b->pc || a->error_code != b->error_code ||
	    a->type != b->type || a->nr_steps != b->nr_steps)
		return false;
	for (i = 0; i < a->nr_steps && i < 5; i++)
		if (a->steps[i].level != b->steps[i].level ||
		    a->steps[i].pte_pa != b->steps[i].pte_pa || a->steps[i].pte != b->steps[i].pte)
			return false;
	return true;
}

size_t stream_n_einval; /* bad records the models agreed to reject */

static bool same_result(struct mismatch *mm, const struct op *o, size_t step, int rm, int rr,
                        const struct mmu_fault *fm, const struct mmu_fault *fr)
{
	stream_n_einval += rm == VMEMSIM_EINVAL && rr == VMEMSIM_EINVAL;
	if (rm != rr)
		return differ(mm, o, step, "mmu returned %d, reference %d", rm, rr);
	if (rm == VMEMSIM_EFAULT && !same_fault(fm, fr))
		return differ(mm, o, step,
		              "fault reports differ: mmu va %#llx ec %#x steps %u, "
		              "reference va %#llx ec %#x steps %u",
		              (unsigned long long)fm->va, fm->error_code, fm->nr_steps,
		              (unsigned long long)fr->va, fr->error_code, fr->nr_steps);
	return true;
}

/* Counters of every region, hot spots, and (mem) the page tables' A/D bits. */
static bool same_state(struct rig *g, struct mismatch *mm, const struct op *o, size_t step,
                       bool mem)
{
	static struct mmu_stats a, b;
	static struct mmu_hotspot ha[NPC * 2 + 8], hb[NPC * 2 + 8];
	struct vmemsim_err err = {0};
	unsigned r, c, na, nb, i;

	mmu_stats_snapshot(g->m, &a);
	ref_stats(g->r, &b);
	if (a.nr_regions != b.nr_regions)
		return differ(mm, o, step, "%u regions, reference %u", a.nr_regions, b.nr_regions);
	for (r = 0; r < a.nr_regions; r++)
		for (c = 0; c < MMU_NR_COUNTERS; c++)
			if (a.v[r][c] != b.v[r][c])
				return differ(mm, o, step,
				              "counter %s, region %u: mmu %llu, reference %llu",
				              mmu_counter_name(c), r, (unsigned long long)a.v[r][c],
				              (unsigned long long)b.v[r][c]);
	na = mmu_hotspots(g->m, ha, NPC * 2 + 8);
	nb = ref_hotspots(g->r, hb, NPC * 2 + 8);
	if (na != nb)
		return differ(mm, o, step, "%u hot spots, reference %u", na, nb);
	for (i = 0; i < na; i++)
		if (memcmp(&ha[i], &hb[i], sizeof(ha[i])))
			return differ(
			    mm, o, step,
			    "hot spot %u: mmu pc %#llx walks %llu cycles %llu, reference pc "
			    "%#llx walks %llu cycles %llu",
			    i, (unsigned long long)ha[i].pc, (unsigned long long)ha[i].walks,
			    (unsigned long long)ha[i].walk_cycles, (unsigned long long)hb[i].pc,
			    (unsigned long long)hb[i].walks, (unsigned long long)hb[i].walk_cycles);
	if (mem && mmu_check(g->m, &err) < 0)
		return differ(mm, o, step, "mmu_check: %s", err.msg);
	if (mem && memcmp(g->pa.base, g->pb.base, g->tables_end)) {
		uint64_t pa = 0;
		while (mmu_phys_read64(&g->pa, pa) == mmu_phys_read64(&g->pb, pa))
			pa += 8;
		return differ(
		    mm, o, step, "page-table entry at PA %#llx: mmu %#llx, reference %#llx",
		    (unsigned long long)pa, (unsigned long long)mmu_phys_read64(&g->pa, pa),
		    (unsigned long long)mmu_phys_read64(&g->pb, pa));
	}
	return true;
}

/* A run of batched accesses: mmu_access_batch (resumed after each fault)
 * against single reference accesses.  Returns false on the first difference. */
static bool run_batch(struct rig *g, const struct op *ops, size_t i, size_t cnt,
                      struct mismatch *mm)
{
	static struct mmu_access_rec rec[256];
	struct mmu_fault fm, fr;
	size_t k, off = 0, done;
	int rm, rr;

	for (k = 0; k < cnt; k++)
		rec[k] = (struct mmu_access_rec){ops[i + k].va, ops[i + k].pc, ops[i + k].size,
		                                 ops[i + k].type};
	while (off < cnt) {
		rm = mmu_access_batch(g->m, rec + off, cnt - off, &done, &fm);
		for (k = off; k < off + done; k++)
			if ((rr = ref_access(g->r, rec[k].va, rec[k].size, rec[k].type, rec[k].pc,
			                     &fr)) != 0)
				return differ(mm, &ops[i + k], i + k,
				              "mmu returned 0, reference %d", rr);
		if (rm == 0)
			return true;
		k = off + done;
		rr = ref_access(g->r, rec[k].va, rec[k].size, rec[k].type, rec[k].pc, &fr);
		if (!same_result(mm, &ops[i + k], i + k, rm, rr, &fm, &fr))
			return false;
		off = k + 1;
	}
	return true;
}

/*
 * What a kernel does to a live mapping, applied to both models' memory
 * alike (each copy keeps its own A/D bits): flag 0 toggles RW, 1 clears D
 * (page_mkclean), 2 clears A (page aging), then INVLPG; 3 makes the leaf
 * not present (then INVLPG), 4 makes the parked one present again (no
 * INVLPG: misses are not cached).
 */
size_t stream_n_edits; /* leaves edited by edit_leaf */

static void edit_leaf(struct rig *g, const struct op *o)
{
	static const uint64_t bit[3] = {PTE_RW, PTE_D, PTE_A};
	struct mmu_phys *ph[2] = {&g->pa, &g->pb};
	struct mmu_leaf l;
	unsigned k;

	if (o->flag == 4) {
		for (k = 0; k < 2 && g->parked[0]; k++)
			mmu_phys_write64(ph[k], g->parked[k],
			                 mmu_phys_read64(ph[k], g->parked[k]) | PTE_P);
		g->parked[0] = g->parked[1] = 0;
		return;
	}
	if (mmu_pt_lookup(g->cur, o->va, &l) < 0 || (o->flag == 3 && g->parked[0]))
		return;
	stream_n_edits++;
	for (k = 0; k < 2; k++) {
		uint64_t e = mmu_phys_read64(ph[k], l.pte_pa);
		if (o->flag == 3) {
			e &= ~PTE_P;
			g->parked[k] = l.pte_pa;
		} else {
			e = o->flag == 0 ? e ^ PTE_RW : e & ~bit[o->flag];
		}
		mmu_phys_write64(ph[k], l.pte_pa, e);
	}
	mmu_invlpg(g->m, o->va);
	ref_invlpg(g->r, o->va);
}

static bool run_op(struct rig *g, const struct op *o, size_t step, struct mismatch *mm)
{
	struct mmu_fault fm, fr;
	uint64_t pm = 0, pr = 0;
	int rm = 0, rr = 0;

	switch (o->kind) {
	case OP_ACCESS:
		rm = mmu_access(g->m, o->va, o->size, o->type, o->pc, &fm);
		rr = ref_access(g->r, o->va, o->size, o->type, o->pc, &fr);
		break;
	case OP_TRANSLATE:
		rm = mmu_translate(g->m, o->va, o->type, o->pc, &pm, &fm);
		rr = ref_translate(g->r, o->va, o->type, o->pc, &pr, &fr);
		if (rm == 0 && rr == 0 && pm != pr)
			return differ(mm, o, step, "translated to %#llx, reference %#llx",
			              (unsigned long long)pm, (unsigned long long)pr);
		break;
	case OP_INVLPG:
		mmu_invlpg(g->m, o->va);
		ref_invlpg(g->r, o->va);
		break;
	case OP_CR3: {
		uint64_t root = o->va & 1 ? g->tb_pt.root : g->ta_pt.root;
		g->cur = o->va & 1 ? &g->tb_pt : &g->ta_pt;
		mmu_write_cr3(g->m, root, (uint16_t)o->va, o->flag);
		ref_write_cr3(g->r, root, (uint16_t)o->va, o->flag);
		break;
	}
	case OP_FLUSH:
		mmu_flush_all(g->m);
		ref_flush_all(g->r);
		break;
	case OP_CPL:
		mmu_set_cpl(g->m, o->flag);
		ref_set_cpl(g->r, o->flag);
		break;
	case OP_PTE: edit_leaf(g, o); break;
	default:
		mmu_retire(g->m, o->pc, o->size);
		ref_retire(g->r, o->pc, o->size);
		break;
	}
	return same_result(mm, o, step, rm, rr, &fm, &fr);
}

/*
 * Run ops[0..n) through both models, comparing every result, the counters
 * every `gap` steps and the page tables every MEM_GAP steps and at the end.
 * Statistics are reset half-way.  *end gets the reference's final counters.
 */
static bool run(const struct mmu_config *cfg, const struct op *ops, size_t n, size_t reset_at,
                size_t gap, struct mismatch *mm, struct mmu_stats *end)
{
	struct vmemsim_err err = {0};
	struct rig g;
	size_t i = 0, next = gap, cnt;
	bool ok = true, reset = false;

	rig_init(&g, cfg);
	while (ok && i < n) {
		if (!reset && i >= reset_at) {
			reset = true;
			mmu_reset_stats(g.m);
			ref_reset_stats(g.r);
		}
		for (cnt = 0; i + cnt < n && ops[i + cnt].batch && cnt < 256; cnt++)
			;
		ok = cnt ? run_batch(&g, ops, i, cnt, mm) : run_op(&g, &ops[i], i, mm);
		i += cnt ? cnt : 1;
		if (ok && (i >= next || i == n)) {
			ok = same_state(&g, mm, &ops[i - 1], i - 1, i % MEM_GAP < gap || i == n);
			next = i + gap;
		}
	}
	if (ok)
		cr_expect_eq(mmu_check(g.m, &err), 0, "mmu_check: %s", err.msg);
	ref_stats(g.r, end);
	rig_fini(&g);
	return ok;
}

static size_t env_size(const char *name, size_t dflt)
{
	const char *v = getenv(name);

	return v && strtoull(v, NULL, 0) ? (size_t)strtoull(v, NULL, 0) : dflt;
}

/* The whole stream (REF_SEEDS=k: k streams from seed on; REF_OPS=n: n
 * operations each); on a difference, run again comparing after every step
 * up to it to name the first step that differs.  Statistics are reset
 * half-way; *end gets the reference's counters of the second half. */
void stream_check(const struct mmu_config *cfg, const struct profile *p, uint64_t seed,
                  struct mmu_stats *end)
{
	size_t nops = env_size("REF_OPS", NOPS), seeds = env_size("REF_SEEDS", 1), k;
	struct mismatch mm, first;

	for (k = 0; k < seeds; k++) {
		uint64_t sd = seed + k * 0x9e3779b97f4a7c15ull;
		struct op *ops = gen_stream(p, sd, nops);
		if (!run(cfg, ops, nops, nops / 2, CHECK_GAP, &mm, end)) {
			first = mm;
			run(cfg, ops, mm.step + 1, nops / 2, 1, &first, end);
			free(ops);
			cr_assert_fail("%s, stream seed %#llx: optimised and reference models "
			               "differ at %s",
			               cfg->name, (unsigned long long)sd, first.what);
		}
		free(ops);
	}
	if (getenv("REF_DEBUG")) /* the reference's counters of the second half, per region */
		for (unsigned c = 0; c < MMU_NR_COUNTERS; c++)
			for (unsigned r = 0; r < end->nr_regions; r++)
				fprintf(stderr, "%s region %u %s %llu\n", cfg->name, r,
				        mmu_counter_name(c), (unsigned long long)end->v[r][c]);
}
