/*
 * tests/mmu/test_reference.c — differential tests: the optimised MMU model
 * (mmu/) and the plain reference model (ref_model.c) run the same
 * randomized streams (fixed seeds) over identical page tables and must
 * agree on every counter of every region, every return code, fault report
 * and translated PA, the hot spots and the A/D bits written back.
 *
 * Run them (e.g. after optimising mmu/; every stream test is in suite
 * "reference"; suite "policy" pins three rules the streams found mmu/
 * once broke):
 *     build-x/tests/mmu/test_mmu_reference --filter 'reference/?*'
 *     build-x/tests/mmu/test_mmu_reference --filter 'reference/zen4?*'
 * A longer soak: REF_SEEDS=50 (streams per test) and REF_OPS=1000000
 * (operations per stream) in the environment; REF_DEBUG=1 prints the
 * reference's counters.  Fewer operations than the default may trip the
 * tests' "the stream exercised X" expectations, never the comparison.
 * A failure names the first step where the two differ, the operation, and
 * the first differing counter (region, optimised vs reference); the stream
 * is regenerated from its seed, so it reproduces exactly.
 *
 * Streams: random accesses over a 1 GiB 4K-mapped range, 2M- and 1G-mapped
 * ranges, a range split 4K/2M/1G/2M/4K, global kernel text, user data and
 * text; loads, stores, fetches of 1..4096 bytes crossing lines and pages;
 * runs of repeat hits on one line or page (as an emulator produces);
 * holes, read-only pages, reserved bits, a table outside guest memory,
 * non-canonical addresses; CPL 3 stretches; CR3 writes to two page-table
 * trees with PCIDs and no-flush; INVLPG; full flushes; mmu_translate;
 * mmu_access_batch runs; mmu_retire.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "ref_model.h"

#define NOPS      200000
#define CHECK_GAP 1000  /* steps between counter comparisons */
#define MEM_GAP   50000 /* steps between page-table memory comparisons */
#define PHYS_SIZE (32 * SZ_1M)
#define NPC       48

/* Zones (VA, PA, bytes) — see build_tree. */
#define Z4K    0xffff888000000000ull
#define Z2M    0xffffea0000000000ull
#define Z1G    0xffffc00000000000ull
#define ZMIX   0xffff900000000000ull
#define ZTEXT  0xffffffff80000000ull
#define ZUDATA 0x00007f0000000000ull
#define ZUTEXT 0x0000000000400000ull
#define ZWILD  0xffff800000000000ull /* mostly unmapped kernel space */
#define ZNONC  0x0100000000000000ull /* not canonical with 4 or 5 levels */
#define ZLOW5  0x0000900000000000ull /* canonical with 5 levels only */
#define ZTOP   0x00007fffffffe000ull /* + 8K: the top of the lower half */
#define RSPLIT (Z2M + SZ_1G + SZ_1M) /* a region boundary inside a 2M page */
#define R1G    (ZMIX + 1536 * SZ_1M) /* a 12K region inside a 1G page */

enum {
	Z_4K,
	Z_2M,
	Z_1G,
	Z_MIX,
	Z_TEXT,
	Z_UDATA,
	Z_UTEXT,
	Z_WILD,
	Z_NONC,
	Z_LOW5,
	Z_EDGE2M, /* the 2M page a region boundary cuts */
	Z_EDGE1G, /* a 3-page region inside the 1G page of ZMIX */
	Z_TOP,    /* the last two pages below the canonical hole */
	NZONES
};

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

/* What a stream is made of; rates are per 1024 unless noted. */
struct profile {
	unsigned w[NZONES]; /* zone weights */
	unsigned hot;       /* an access from the zone's 64-page hot set */
	unsigned repeat;    /* start a run of 1..64 accesses to the same line/page */
	unsigned store, fetch, cross_page, cross_line, big;
	unsigned invlpg, cr3, flush, cpl, translate, retire, pte, bad; /* per 65536 */
	unsigned batch; /* a run of accesses goes as one batch */
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

struct rig {
	struct mmu_phys pa, pb; /* guest memory of the optimised / reference model */
	struct test_alloc ta;
	struct mmu_pt_allocator al;
	struct mmu_pt ta_pt, tb_pt; /* two trees: PCIDs 0/2 use A, 1/3 use B */
	uint64_t tables_end;
	struct mmu *m;
	struct ref_mmu *r;
	const struct mmu_pt *cur; /* the tree CR3 points at */
	uint64_t parked[2];       /* PA of a leaf made not-present in A's / B's memory (0: none) */
};

struct mismatch {
	size_t step;
	char what[512];
};

/* ---- page tables ------------------------------------------------------------ */

static void map(struct mmu_pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned mask,
                uint64_t prot)
{
	struct vmemsim_err err = {0};

	cr_assert_eq(mmu_pt_map(pt, va, pa, size, mask, prot, &err), 0, "%s", err.msg);
}

static void poke_leaf(struct mmu_pt *pt, uint64_t va, uint64_t set_bits)
{
	struct mmu_leaf l;

	cr_assert_eq(mmu_pt_lookup(pt, va, &l), 0);
	mmu_phys_write64(pt->phys, l.pte_pa, l.pte | set_bits);
}

/* The PA of the level-`level` entry that selects va (the tables must exist). */
static uint64_t entry_at(const struct mmu_pt *pt, uint64_t va, unsigned level)
{
	uint64_t table = pt->root;
	unsigned l;

	for (l = pt->levels; l > level; l--)
		table = mmu_phys_read64(pt->phys, table + 8 * ((va >> (12 + 9 * (l - 1))) & 511)) &
		        PTE_ADDR_MASK;
	return table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
}

static void build_tree(struct rig *g, struct mmu_pt *pt, unsigned levels, uint64_t z4k_pa)
{
	const unsigned k4 = MMU_PS_BIT(MMU_PAGE_4K), m2 = MMU_PS_BIT(MMU_PAGE_2M);
	struct vmemsim_err err = {0};
	unsigned i;

	cr_assert_eq(mmu_pt_init(pt, &g->pa, levels, 46, g->al, &err), 0, "%s", err.msg);
	map(pt, Z4K, z4k_pa, SZ_1G, k4, MMU_PROT_KERNEL_RW);
	map(pt, Z2M, 4 * SZ_1G, 4 * SZ_1G, k4 | m2, MMU_PROT_KERNEL_RW);
	map(pt, Z1G, 16 * SZ_1G, 8 * SZ_1G, MMU_PS_ALL, MMU_PROT_KERNEL_RW);
	/* 4K head, 2M up to 1G, one 1G page, 2M and 4K tails; read-only text. */
	map(pt, ZMIX + 5 * SZ_4K, 32 * SZ_1G + 5 * SZ_4K, 2 * SZ_1G + 3 * SZ_1M + 2 * SZ_4K,
	    MMU_PS_ALL, MMU_PROT_KERNEL_RX);
	map(pt, ZTEXT, 16 * SZ_1M, 2 * SZ_1M, k4, MMU_PROT_KERNEL_RX | PTE_G);
	map(pt, ZTEXT + 2 * SZ_1M, 18 * SZ_1M, 14 * SZ_1M, m2, MMU_PROT_KERNEL_RX | PTE_G);
	map(pt, ZUDATA, 48 * SZ_1G, 4 * SZ_1M, k4, MMU_PROT_USER_RW);
	map(pt, ZUDATA + 4 * SZ_1M, 48 * SZ_1G + 4 * SZ_1M, 60 * SZ_1M, m2, MMU_PROT_USER_RW);
	map(pt, ZUTEXT, 49 * SZ_1G, 8 * SZ_1M, k4, PTE_P | PTE_US);
	map(pt, ZTOP, 50 * SZ_1G, 2 * SZ_4K, k4, MMU_PROT_USER_RW);
	for (i = 0; i < 24; i++) { /* holes, read-only pages, reserved bits */
		uint64_t off = ((i * 7919ull + 13) % 262144) * SZ_4K;
		if (i % 3 == 0)
			cr_assert_eq(mmu_pt_unmap(pt, Z4K + off, SZ_4K, &err), 0, "%s", err.msg);
		else if (i % 3 == 1)
			cr_assert_eq(mmu_pt_map_page(pt, Z4K + off, z4k_pa + off, MMU_PAGE_4K,
			                             MMU_PROT_KERNEL_RO, &err),
			             0, "%s", err.msg);
		else
			poke_leaf(pt, Z4K + off, 1ull << 50); /* above MAXPHYADDR 46 */
	}
	cr_assert_eq(mmu_pt_unmap(pt, Z2M + 10 * SZ_2M, SZ_2M, &err), 0, "%s", err.msg);
	cr_assert_eq(mmu_pt_map_page(pt, Z2M + 20 * SZ_2M, 4 * SZ_1G + 20 * SZ_2M, MMU_PAGE_2M,
	                             MMU_PROT_KERNEL_RO, &err),
	             0, "%s", err.msg);
	poke_leaf(pt, Z2M + 30 * SZ_2M, 1ull << 13); /* bits 20:13 of a 2M leaf */
	poke_leaf(pt, Z1G + 3 * SZ_1G, 1ull << 20);  /* bits 29:13 of a 1G leaf */
	/* A PDE whose page table lies outside guest memory. */
	mmu_phys_write64(&g->pa, entry_at(pt, Z4K + 100 * SZ_2M, MMU_LEVEL_PD),
	                 0x3f00000000ull | PTE_P | PTE_RW);
}

/* Both models over copies of the same tables, the same regions, CR3 = tree A. */
static void rig_init(struct rig *g, const struct mmu_config *cfg)
{
	struct vmemsim_err err = {0};

	memset(g, 0, sizeof(*g));
	cr_assert_eq(mmu_phys_init(&g->pa, PHYS_SIZE, &err), 0, "%s", err.msg);
	cr_assert_eq(mmu_phys_init(&g->pb, PHYS_SIZE, &err), 0, "%s", err.msg);
	g->al = test_alloc_init(&g->ta, &g->pa, SZ_1M, PHYS_SIZE);
	build_tree(g, &g->ta_pt, cfg->levels, 0);
	build_tree(g, &g->tb_pt, cfg->levels, SZ_1G);
	g->tables_end = g->ta.next;
	memcpy(g->pb.base, g->pa.base, g->tables_end);
	cr_assert_eq(mmu_create(&g->m, cfg, &g->pa, &err), 0, "%s", err.msg);
	cr_assert_eq(ref_create(&g->r, cfg, &g->pb), 0);
	/* Regions: one boundary inside a 2M page, a 12K one inside the 1G page. */
	static const uint64_t reg[][2] = {{Z4K, Z4K + SZ_1G},
	                                  {Z2M, RSPLIT},
	                                  {ZTEXT, ZTEXT + 16 * SZ_1M},
	                                  {ZUDATA, ZUDATA + 64 * SZ_1M},
	                                  {R1G, R1G + 3 * SZ_4K}};
	for (unsigned i = 0; i < 5; i++) {
		cr_assert_eq(mmu_add_region(g->m, "r", reg[i][0], reg[i][1], &err), (int)i + 1,
		             "%s", err.msg);
		cr_assert_eq(ref_add_region(g->r, reg[i][0], reg[i][1]), (int)i + 1);
	}
	mmu_write_cr3(g->m, g->ta_pt.root, 0, false);
	ref_write_cr3(g->r, g->ta_pt.root, 0, false);
	g->cur = &g->ta_pt;
}

static void rig_fini(struct rig *g)
{
	mmu_destroy(g->m);
	ref_destroy(g->r);
	mmu_phys_fini(&g->pa);
	mmu_phys_fini(&g->pb);
}

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

static size_t n_einval; /* bad records the models agreed to reject */

static bool same_result(struct mismatch *mm, const struct op *o, size_t step, int rm, int rr,
                        const struct mmu_fault *fm, const struct mmu_fault *fr)
{
	n_einval += rm == VMEMSIM_EINVAL && rr == VMEMSIM_EINVAL;
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
static size_t n_edits; /* leaves edited by edit_leaf */

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
	n_edits++;
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

static uint64_t total(const struct mmu_stats *s, enum mmu_counter c)
{
	return mmu_stats_total(s, c);
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
static void check_stream(const struct mmu_config *cfg, const struct profile *p, uint64_t seed,
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

/* ---- configurations (numbers from the JSON files in configs/cpu/) ------------------------- */

static void arr(struct mmu_array_config *a, const char *name, uint32_t entries, uint32_t ways,
                unsigned ps_mask)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->entries = entries;
	a->ways = ways;
	a->ps_mask = ps_mask;
}

#define K4 MMU_PS_BIT(MMU_PAGE_4K)
#define M2 MMU_PS_BIT(MMU_PAGE_2M)
#define G1 MMU_PS_BIT(MMU_PAGE_1G)

/* configs/cpu/zen4.json: fully associative L1 TLBs holding every size, a
 * 3072-entry 8-way (384 sets) L2 TLB. */
static void config_zen4(struct mmu_config *c)
{
	mmu_config_default(c);
	snprintf(c->name, sizeof(c->name), "zen4");
	c->itlb.nr_arrays = 1;
	arr(&c->itlb.arrays[0], "itlb", 64, 64, K4 | M2 | G1);
	c->dtlb.nr_arrays = 1;
	arr(&c->dtlb.arrays[0], "dtlb", 72, 72, K4 | M2 | G1);
	c->stlb.nr_arrays = 2;
	arr(&c->stlb.arrays[0], "l2-dtlb", 3072, 8, K4 | M2);
	arr(&c->stlb.arrays[1], "l2-dtlb-1g", 64, 64, G1);
	c->stlb_latency = 7;
	c->l1d = (struct mmu_cache_config){32 << 10, 8, 4, MMU_REPL_LRU};
	c->l2 = (struct mmu_cache_config){1 << 20, 8, 14, MMU_REPL_LRU};
	c->llc = (struct mmu_cache_config){32 << 20, 16, 60, MMU_REPL_LRU};
	c->dram_latency = 375;
}

/* configs/cpu/golden-cove.json: a 6-way DTLB (16 sets), 10-way L2 (2048
 * sets), 12-way 30 MiB LLC (40960 sets). */
static void config_golden_cove(struct mmu_config *c)
{
	mmu_config_default(c);
	snprintf(c->name, sizeof(c->name), "golden-cove");
	arr(&c->itlb.arrays[0], "itlb-4k", 256, 8, K4);
	arr(&c->itlb.arrays[1], "itlb-2m", 32, 8, M2);
	arr(&c->dtlb.arrays[0], "dtlb-4k", 96, 6, K4);
	arr(&c->dtlb.arrays[1], "dtlb-2m", 32, 4, M2);
	arr(&c->dtlb.arrays[2], "dtlb-1g", 8, 8, G1);
	arr(&c->stlb.arrays[0], "stlb", 2048, 16, K4 | M2);
	arr(&c->stlb.arrays[1], "stlb-1g", 1024, 8, G1);
	c->stlb_latency = 7;
	c->l1d = (struct mmu_cache_config){48 << 10, 12, 5, MMU_REPL_LRU};
	c->l2 = (struct mmu_cache_config){1280 << 10, 10, 15, MMU_REPL_LRU};
	c->llc = (struct mmu_cache_config){30 << 20, 12, 63, MMU_REPL_LRU};
	c->dram_latency = 303;
}

/* Every array and cache to policy where its geometry allows it. */
static void set_repl(struct mmu_config *c, enum mmu_repl repl)
{
	struct mmu_tlb_level_config *lv[3] = {&c->itlb, &c->dtlb, &c->stlb};
	struct mmu_cache_config *cc[3] = {&c->l1d, &c->l2, &c->llc};
	unsigned i, k;

	for (i = 0; i < 3; i++)
		for (k = 0; k < lv[i]->nr_arrays; k++)
			lv[i]->arrays[k].repl = repl;
	for (k = MMU_LEVEL_PD; k <= MMU_LEVEL_PML5; k++)
		c->pwc[k].repl = repl;
	for (i = 0; i < 3; i++)
		cc[i]->repl = repl;
}

/* ---- profiles ------------------------------------------------------------------- */

/* Everything at once: all zones, faults of every kind, PCIDs, INVLPG, CPL 3. */
static const struct profile mixed = {.w = {[Z_4K] = 30,
                                           [Z_2M] = 12,
                                           [Z_1G] = 8,
                                           [Z_MIX] = 8,
                                           [Z_TEXT] = 10,
                                           [Z_UDATA] = 4,
                                           [Z_UTEXT] = 2,
                                           [Z_WILD] = 1,
                                           [Z_NONC] = 1,
                                           [Z_EDGE2M] = 2,
                                           [Z_EDGE1G] = 2,
                                           [Z_TOP] = 2},
                                     .hot = 600,
                                     .repeat = 60,
                                     .store = 300,
                                     .fetch = 40,
                                     .cross_page = 20,
                                     .cross_line = 40,
                                     .big = 6,
                                     .invlpg = 40,
                                     .cr3 = 30,
                                     .flush = 3,
                                     .cpl = 20,
                                     .translate = 600,
                                     .retire = 2000,
                                     .pte = 200,
                                     .bad = 80,
                                     .batch = 20};

/* Random over 1 GiB of 4K pages: nearly every access walks. */
static const struct profile random_4k = {
    .w = {[Z_4K] = 1}, .hot = 100, .store = 250, .cross_line = 10, .cross_page = 5};

/* 2M and 1G pages. */
static const struct profile large = {.w = {[Z_2M] = 2, [Z_1G] = 2, [Z_MIX] = 1, [Z_TEXT] = 1},
                                     .hot = 300,
                                     .store = 300,
                                     .fetch = 50,
                                     .cross_page = 10,
                                     .cross_line = 30,
                                     .invlpg = 30};

/* An emulator's stream: long runs on one line or page. */
static const struct profile repeats = {.w = {[Z_4K] = 4, [Z_2M] = 2, [Z_TEXT] = 4, [Z_UDATA] = 1},
                                       .hot = 900,
                                       .repeat = 700,
                                       .store = 300,
                                       .fetch = 120,
                                       .cross_line = 20,
                                       .cross_page = 4,
                                       .invlpg = 20,
                                       .cr3 = 10,
                                       .cpl = 10,
                                       .pte = 100,
                                       .batch = 60};

static void expect_exercised(const struct mmu_stats *s)
{
	cr_expect_gt(total(s, MMU_C_walks), 1000, "the stream walks");
	cr_expect_gt(total(s, MMU_C_dtlb_hits_4k) + total(s, MMU_C_dtlb_hits_2m) +
	                 total(s, MMU_C_dtlb_hits_1g),
	             1000, "and hits the DTLB");
	cr_expect_gt(total(s, MMU_C_l1d_hits) + total(s, MMU_C_pte_l1d_hits), 1000);
}

static void expect_faults(const struct mmu_stats *s)
{
	cr_expect_gt(total(s, MMU_C_faults), 50, "the stream faults");
	cr_expect_gt(total(s, MMU_C_walks_faulted), 20);
	cr_expect_gt(total(s, MMU_C_page_splits), 50);
	cr_expect_gt(total(s, MMU_C_dirty_assists), 5);
	cr_expect_gt(total(s, MMU_C_stlb_hits_4k), 100);
}

/* ---- the tests ------------------------------------------------------------------ */

Test(reference, skylake_mixed_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	check_stream(&c, &mixed, 1, &s);
	expect_exercised(&s);
	expect_faults(&s);
	cr_expect_gt(n_einval, 50, "bad sizes and types: %zu", n_einval);
	cr_expect_gt(n_edits, 100, "page-table edits: %zu", n_edits);
}

Test(reference, skylake_random_4k_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	check_stream(&c, &random_4k, 2, &s);
	cr_expect_gt(total(&s, MMU_C_walks_4k), NOPS / 4);
	cr_expect_gt(total(&s, MMU_C_pwc_hits_pde), 1000);
}

Test(reference, skylake_large_page_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	check_stream(&c, &large, 3, &s);
	cr_expect_gt(total(&s, MMU_C_walks_2m), 100);
	cr_expect_gt(total(&s, MMU_C_walks_1g), 100);
	cr_expect_gt(total(&s, MMU_C_dtlb_hits_1g), 1000);
	cr_expect_gt(total(&s, MMU_C_itlb_hits_2m), 100, "1G text fractured into 2M ITLB entries");
}

Test(reference, skylake_repeat_hit_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	check_stream(&c, &repeats, 4, &s);
	expect_exercised(&s);
	cr_expect_gt(total(&s, MMU_C_itlb_hits_4k) + total(&s, MMU_C_itlb_hits_2m), 3000);
}

Test(reference, zen4_smep_smap_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	config_zen4(&c);
	c.cr4_smep = c.cr4_smap = true;
	snprintf(c.name, sizeof(c.name), "zen4-smep-smap");
	check_stream(&c, &mixed, 5, &s);
	expect_exercised(&s);
	expect_faults(&s);
}

Test(reference, golden_cove_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	config_golden_cove(&c);
	check_stream(&c, &mixed, 6, &s);
	expect_exercised(&s);
	expect_faults(&s);
}

Test(reference, plru_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	arr(&c.stlb.arrays[0], "stlb", 2048, 16, K4 | M2);
	arr(&c.itlb.arrays[1], "itlb-2m", 32, 32, M2);
	arr(&c.dtlb.arrays[2], "dtlb-1g", 64, 64, G1);
	set_repl(&c, MMU_REPL_PLRU);
	snprintf(c.name, sizeof(c.name), "skylake-plru");
	check_stream(&c, &mixed, 7, &s);
	expect_exercised(&s);
}

Test(reference, random_replacement_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	config_zen4(&c);
	set_repl(&c, MMU_REPL_RANDOM);
	c.seed = 0; /* array 0 of each level then starts from the fixed non-zero state */
	snprintf(c.name, sizeof(c.name), "zen4-random-seed0");
	check_stream(&c, &mixed, 8, &s);
	expect_exercised(&s);
}

Test(reference, no_pwc_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	for (unsigned l = 0; l < 6; l++)
		c.pwc[l].entries = 0;
	snprintf(c.name, sizeof(c.name), "skylake-no-pwc");
	check_stream(&c, &mixed, 9, &s);
	cr_expect_eq(total(&s, MMU_C_cycles_pwc), 0);
	cr_expect_eq(total(&s, MMU_C_pwc_misses), 0);
}

Test(reference, no_l2_no_llc_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	c.l2.size = c.llc.size = 0;
	snprintf(c.name, sizeof(c.name), "skylake-no-l2-llc");
	check_stream(&c, &mixed, 10, &s);
	cr_expect_eq(total(&s, MMU_C_l2_hits) + total(&s, MMU_C_llc_hits), 0);
}

Test(reference, llc_only_and_no_cache_streams_agree)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	c.l1d.size = c.l2.size = 0;
	snprintf(c.name, sizeof(c.name), "skylake-llc-only");
	check_stream(&c, &repeats, 11, &s);
	cr_expect_gt(total(&s, MMU_C_llc_hits), 1000);
	c.llc.size = 0;
	snprintf(c.name, sizeof(c.name), "skylake-no-cache");
	check_stream(&c, &repeats, 12, &s);
	cr_expect_eq(total(&s, MMU_C_l1d_hits) + total(&s, MMU_C_llc_hits) +
	                 total(&s, MMU_C_pte_l1d_hits) + total(&s, MMU_C_pte_llc_hits),
	             0, "no cache: every line and every entry from DRAM");
	cr_expect_eq(total(&s, MMU_C_pte_dram),
	             total(&s, MMU_C_pte_reads_l4) + total(&s, MMU_C_pte_reads_l3) +
	                 total(&s, MMU_C_pte_reads_l2) + total(&s, MMU_C_pte_reads_l1));
	cr_expect_eq(total(&s, MMU_C_cycles_mem), 173 * total(&s, MMU_C_dram_accesses));
}

Test(reference, five_level_maxphyaddr_52_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;
	struct profile p = mixed;

	mmu_config_default(&c);
	c.levels = 5;
	c.maxphyaddr = 52; /* bit 50 of the poked 4K leaves is then an address bit */
	p.w[Z_LOW5] = 2;   /* canonical with 5 levels only: not-present PML5Es */
	snprintf(c.name, sizeof(c.name), "skylake-5level-52");
	check_stream(&c, &p, 13, &s);
	cr_expect_gt(total(&s, MMU_C_pte_reads_l5), 100);
	cr_expect_gt(total(&s, MMU_C_pwc_hits_pml5e), 10);
}

Test(reference, no_nxe_no_wp_no_pcid_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	c.efer_nxe = c.cr0_wp = c.cr4_pcide = false;
	snprintf(c.name, sizeof(c.name), "skylake-no-nxe-wp-pcid");
	check_stream(&c, &mixed, 14, &s);
	cr_expect_gt(total(&s, MMU_C_faults), 1000, "NX is a reserved bit without EFER.NXE");
}

/*
 * Unusual geometry: an ITLB that holds only 2M (4K pages are not cached
 * there), a DTLB whose first array holds 4K and 1G, an STLB without 1G
 * (1G pages fractured into 2M entries) whose two arrays both hold 2M (fills
 * go to the first), mixed policies, a PDPTE cache alone, no L2.
 */
Test(reference, odd_geometry_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;
	unsigned l;

	mmu_config_default(&c);
	c.itlb.nr_arrays = 1;
	arr(&c.itlb.arrays[0], "itlb-2m", 16, 4, M2);
	c.dtlb.nr_arrays = 2;
	arr(&c.dtlb.arrays[0], "dtlb-4k1g", 32, 4, K4 | G1);
	arr(&c.dtlb.arrays[1], "dtlb-2m", 16, 16, M2);
	c.dtlb.arrays[1].repl = MMU_REPL_PLRU;
	c.stlb.nr_arrays = 2;
	arr(&c.stlb.arrays[0], "stlb-2m", 64, 8, M2);
	arr(&c.stlb.arrays[1], "stlb", 768, 12, K4 | M2);
	c.stlb.arrays[1].repl = MMU_REPL_RANDOM;
	for (l = 0; l < 6; l++)
		c.pwc[l].entries = 0;
	c.pwc[MMU_LEVEL_PDPT].entries = 8;
	c.pwc[MMU_LEVEL_PDPT].ways = 2;
	c.l1d = (struct mmu_cache_config){16 << 10, 4, 3, MMU_REPL_PLRU};
	c.l2.size = 0;
	c.llc = (struct mmu_cache_config){3 << 20, 12, 40, MMU_REPL_RANDOM};
	snprintf(c.name, sizeof(c.name), "odd-geometry");
	check_stream(&c, &mixed, 15, &s);
	cr_expect_eq(total(&s, MMU_C_itlb_hits_4k), 0, "no ITLB array holds 4K");
	cr_expect_eq(total(&s, MMU_C_stlb_hits_1g), 0, "1G pages are 2M entries in the STLB");
	cr_expect_gt(total(&s, MMU_C_stlb_hits_2m), 100);
	cr_expect_gt(total(&s, MMU_C_pwc_hits_pdpte), 1000);
	expect_exercised(&s);
}

/* A second seed for the default machine: other faults, other orders. */
Test(reference, skylake_second_mixed_stream_agrees)
{
	struct mmu_config c;
	struct mmu_stats s;

	mmu_config_default(&c);
	check_stream(&c, &mixed, 0x5eed5eed5eedull, &s);
	expect_exercised(&s);
	expect_faults(&s);
}

/* ---- documented policy that mmu/ does not follow (failing until resolved) ------- */

/* A small rig: two VA-adjacent 4K pages at PAGE_OFFSET, default config. */
static void pair_init(struct rig *g)
{
	struct mmu_config c;
	struct vmemsim_err err = {0};

	memset(g, 0, sizeof(*g));
	mmu_config_default(&c);
	cr_assert_eq(mmu_phys_init(&g->pa, 4 * SZ_1M, &err), 0, "%s", err.msg);
	cr_assert_eq(mmu_phys_init(&g->pb, 4 * SZ_1M, &err), 0, "%s", err.msg);
	g->al = test_alloc_init(&g->ta, &g->pa, SZ_1M, 4 * SZ_1M);
	cr_assert_eq(mmu_pt_init(&g->ta_pt, &g->pa, 4, 46, g->al, &err), 0, "%s", err.msg);
	map(&g->ta_pt, PAGE_OFFSET, 0, 2 * SZ_4K, K4, MMU_PROT_KERNEL_RW);
	memcpy(g->pb.base, g->pa.base, 4 * SZ_1M);
	cr_assert_eq(mmu_create(&g->m, &c, &g->pa, &err), 0, "%s", err.msg);
	cr_assert_eq(ref_create(&g->r, &c, &g->pb), 0);
	mmu_write_cr3(g->m, g->ta_pt.root, 0, false);
	ref_write_cr3(g->r, g->ta_pt.root, 0, false);
}

/*
 * docs/model.md: "a data access that crosses a line touches both lines
 * (line_splits)"; counters.def: line_splits counts "data accesses that
 * crossed a cache line" (unit: accesses).  A page boundary is a line
 * boundary, so an 8-byte load 4 bytes before it is one line split, and a
 * 4096-byte load from the middle of a page (64 lines over two pages) is
 * one more.  (mmu/ once counted line_splits per page part: 0 and 2.)
 */
Test(policy, page_crossing_data_access_counts_one_line_split)
{
	static const struct {
		uint64_t va;
		uint32_t size, lines;
	} acc[2] = {{PAGE_OFFSET + SZ_4K - 4, 8, 2}, {PAGE_OFFSET + 2048, 4096, 64}};
	struct mmu_stats before, s;
	struct rig g;

	pair_init(&g);
	for (unsigned i = 0; i < 2; i++) {
		mmu_stats_snapshot(g.m, &before);
		cr_assert_eq(mmu_access(g.m, acc[i].va, acc[i].size, MMU_LOAD, 0, NULL), 0);
		mmu_stats_snapshot(g.m, &s);
		mmu_stats_sub(&s, &before);
		cr_expect_eq(total(&s, MMU_C_page_splits), 1);
		cr_expect_eq(total(&s, MMU_C_l1d_hits) + total(&s, MMU_C_dram_accesses),
		             acc[i].lines);
		cr_expect_eq(total(&s, MMU_C_line_splits), 1,
		             "load of %u bytes at %#llx (crosses a page): %llu line splits",
		             acc[i].size, (unsigned long long)acc[i].va,
		             (unsigned long long)total(&s, MMU_C_line_splits));
		ref_stats(g.r, &before);
		cr_assert_eq(ref_access(g.r, acc[i].va, acc[i].size, MMU_LOAD, 0, NULL), 0);
		ref_stats(g.r, &s);
		mmu_stats_sub(&s, &before);
		cr_expect_eq(total(&s, MMU_C_line_splits), 1, "the reference follows the docs");
	}
	rig_fini(&g);
}

/*
 * mmu.h: "Adding a region flushes the TLBs (their entries cache region
 * ids)."  Nothing is said about the paging-structure caches, which hold no
 * region id, so they stay and the walk after adding a region starts from
 * the PDE cache.  (mmu/ once flushed them too.)
 */
Test(policy, adding_a_region_keeps_the_paging_structure_caches)
{
	struct mmu_stats before, s;
	struct rig g;

	pair_init(&g);
	cr_assert_eq(mmu_access(g.m, PAGE_OFFSET, 8, MMU_LOAD, 0, NULL), 0);
	cr_assert_eq(ref_access(g.r, PAGE_OFFSET, 8, MMU_LOAD, 0, NULL), 0);
	cr_assert_eq(mmu_add_region(g.m, "r", PAGE_OFFSET, PAGE_OFFSET + SZ_4K, NULL), 1);
	cr_assert_eq(ref_add_region(g.r, PAGE_OFFSET, PAGE_OFFSET + SZ_4K), 1);
	ref_stats(g.r, &before);
	cr_assert_eq(ref_access(g.r, PAGE_OFFSET + SZ_4K, 8, MMU_LOAD, 0, NULL), 0);
	ref_stats(g.r, &s);
	mmu_stats_sub(&s, &before);
	cr_expect_eq(total(&s, MMU_C_pwc_hits_pde), 1, "the reference walks from the PDE cache");
	mmu_stats_snapshot(g.m, &before);
	cr_assert_eq(mmu_access(g.m, PAGE_OFFSET + SZ_4K, 8, MMU_LOAD, 0, NULL), 0);
	mmu_stats_snapshot(g.m, &s);
	mmu_stats_sub(&s, &before);
	cr_expect_eq(total(&s, MMU_C_walks), 1);
	cr_expect_eq(
	    total(&s, MMU_C_pwc_hits_pde), 1,
	    "walk after mmu_add_region: %llu PDE-cache hits, %llu PWC misses, %llu "
	    "entries read",
	    (unsigned long long)total(&s, MMU_C_pwc_hits_pde),
	    (unsigned long long)total(&s, MMU_C_pwc_misses),
	    (unsigned long long)(total(&s, MMU_C_pte_reads_l4) + total(&s, MMU_C_pte_reads_l3) +
	                         total(&s, MMU_C_pte_reads_l2) + total(&s, MMU_C_pte_reads_l1)));
	rig_fini(&g);
}

/*
 * docs/model.md: "An access, its TLB misses, walks and faults are charged to
 * the region of its VA".  A non-canonical VA belongs to no region, because
 * mmu_add_region refuses any range that is not inside one canonical half
 * (it once accepted [0x800000000000, +4K) and then charged that range's
 * faults to region 0); the fault is charged to region 0, "other".
 */
Test(policy, regions_are_canonical_so_non_canonical_faults_are_other)
{
	static const struct {
		uint64_t start, end;
	} bad[] = {
	    {0x0000800000000000ull, 0x0000800000001000ull}, /* inside the hole */
	    {0x00007ffffffff000ull, 0x0000800000001000ull}, /* runs into it */
	    {0xffff7ffffffff000ull, 0xffff800000001000ull}, /* runs out of it */
	};
	const uint64_t hole = 0x0000800000000000ull;
	struct vmemsim_err err = {0};
	struct mmu_stats s;
	struct rig g;

	pair_init(&g);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(mmu_add_region(g.m, "hole", bad[i].start, bad[i].end, &err),
		             VMEMSIM_EINVAL, "[%#llx, %#llx)", (unsigned long long)bad[i].start,
		             (unsigned long long)bad[i].end);
		cr_expect(strstr(err.msg, "canonical"), "%s", err.msg);
	}
	cr_assert_eq(mmu_nr_regions(g.m), 1, "nothing was added");
	cr_assert_eq(mmu_add_region(g.m, "low", 0x00007ffffffff000ull, 0x0000800000000000ull, NULL),
	             1, "the last page of the lower half is a region");
	cr_assert_eq(mmu_access(g.m, hole + 8, 8, MMU_LOAD, 0, NULL), VMEMSIM_EFAULT);
	cr_assert_eq(ref_access(g.r, hole + 8, 8, MMU_LOAD, 0, NULL), VMEMSIM_EFAULT);
	ref_stats(g.r, &s);
	cr_expect_eq(s.v[0][MMU_C_faults], 1, "the reference charges region 0");
	mmu_stats_snapshot(g.m, &s);
	cr_expect_eq(s.v[0][MMU_C_faults], 1);
	rig_fini(&g);
}
