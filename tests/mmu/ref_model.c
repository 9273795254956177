/*
 * tests/mmu/ref_model.c — the reference model (ref_model.h): the documented
 * policy in the plainest code that states it.  Every lookup scans its set,
 * every hit touches, every counter is incremented where the event happens.
 * Speed is not a goal; obviousness is.
 */
#include <stdlib.h>
#include <string.h>

#include "ref_model.h"

#define VA57     ((1ull << 57) - 1) /* TLB and PWC keys use the 57-bit linear address */
#define PCID_MAX 0xfffu
#define R_W      1u /* RW at every level */
#define R_U      2u /* US at every level */
#define R_X      4u /* no NX at any level (or NXE clear) */
#define HS_MAX   4096

/* One way of a set-associative array. */
struct way {
	uint64_t key;   /* vpn (TLB), va >> level shift (PWC), line number (cache) */
	uint64_t val;   /* page PA (TLB), next table PA (PWC) */
	uint64_t stamp; /* LRU: time of the last touch */
	uint16_t pcid;
	uint8_t valid, global, ps, rights, dirty;
};

struct arr {
	uint32_t sets, ways;
	enum mmu_repl repl;
	unsigned ps_mask; /* TLB arrays: page sizes held */
	uint64_t clock, rng;
	struct way *w; /* sets * ways */
	uint8_t *node; /* PLRU: per set, nodes 1..ways-1; 1 = the victim is on the right */
};

struct tlb {
	unsigned n;
	struct arr a[MMU_MAX_ARRAYS];
};

/* A translation as a TLB holds it. */
struct xl {
	uint64_t pa; /* of the page */
	uint8_t ps, rights, dirty, global;
};

struct ref_mmu {
	struct mmu_config cfg;
	struct mmu_phys *phys;
	unsigned cpl, nr_regions, ncache, nr_hs;
	uint64_t root, l1d_latency;
	uint16_t pcid;
	bool has_pwc;
	struct tlb itlb, dtlb, stlb;
	struct arr pwc[6];
	bool pwc_present[6];
	struct {
		struct arr a;
		uint32_t latency;
		unsigned kind; /* 0 L1D, 1 L2, 2 LLC */
	} cache[3];
	struct {
		uint64_t start, end;
	} region[MMU_MAX_REGIONS];
	uint64_t ctr[MMU_MAX_REGIONS][MMU_NR_COUNTERS];
	struct mmu_hotspot *hs;
};

/* ---- set-associative arrays ------------------------------------------------ */

static int arr_init(struct arr *a, uint32_t entries, uint32_t ways, enum mmu_repl repl,
                    uint64_t seed, unsigned ps_mask)
{
	a->sets = entries / ways;
	a->ways = ways;
	a->repl = repl;
	a->ps_mask = ps_mask;
	a->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	a->w = calloc(entries, sizeof(*a->w));
	a->node = repl == MMU_REPL_PLRU ? calloc(entries, 1) : NULL;
	return a->w && (repl != MMU_REPL_PLRU || a->node) ? 0 : VMEMSIM_ENOMEM;
}

static void arr_fini(struct arr *a)
{
	free(a->w);
	free(a->node);
}

static struct way *arr_set(const struct arr *a, uint64_t index_key)
{
	return &a->w[(index_key % a->sets) * a->ways];
}

static void arr_touch(struct arr *a, struct way *w)
{
	uint32_t idx = (uint32_t)(w - a->w), set = idx / a->ways, node = idx % a->ways + a->ways;
	uint8_t *t = a->node + (size_t)set * a->ways;

	if (a->repl == MMU_REPL_LRU)
		w->stamp = ++a->clock;
	if (a->repl != MMU_REPL_PLRU)
		return;
	for (; node > 1; node /= 2) /* every node on the path points away from the way */
		t[node / 2] = (node % 2 == 0);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The way a fill of set replaces: the lowest invalid one, else the policy's. */
static struct way *arr_victim(struct arr *a, struct way *set)
{
	uint32_t i, best = 0, node = 1;
	const uint8_t *t;

	for (i = 0; i < a->ways; i++)
		if (!set[i].valid)
			return &set[i];
	switch (a->repl) {
	case MMU_REPL_LRU:
		for (i = 1; i < a->ways; i++)
			if (set[i].stamp < set[best].stamp)
				best = i;
		return &set[best];
	case MMU_REPL_PLRU:
		t = a->node + (size_t)(set - a->w);
		while (node < a->ways)
			node = 2 * node + t[node];
		return &set[node - a->ways];
	default: return &set[xorshift(&a->rng) % a->ways];
	}
}

/* Replace the victim of the set of index_key with a fresh valid way. */
static struct way *arr_fill(struct arr *a, uint64_t index_key, uint64_t key)
{
	struct way *w = arr_victim(a, arr_set(a, index_key));

	memset(w, 0, sizeof(*w));
	w->valid = 1;
	w->key = key;
	arr_touch(a, w);
	return w;
}

/* ---- TLBs ------------------------------------------------------------------ */

static uint64_t vpn(uint64_t va, unsigned ps)
{
	return (va & VA57) >> mmu_page_shift((enum mmu_page_size)ps);
}

static bool tlb_match(const struct way *w, uint64_t va, uint16_t pcid)
{
	return w->valid && w->key == vpn(va, w->ps) && (w->global || w->pcid == pcid);
}

/* Arrays in order; inside one, each size it holds from 4K up. */
static struct way *tlb_lookup(struct tlb *t, uint64_t va, uint16_t pcid)
{
	unsigned i, ps, k;

	for (i = 0; i < t->n; i++) {
		struct arr *a = &t->a[i];
		for (ps = 0; ps < MMU_NR_PAGE_SIZES; ps++) {
			struct way *set = arr_set(a, vpn(va, ps));
			if (!(a->ps_mask & MMU_PS_BIT(ps)))
				continue;
			for (k = 0; k < a->ways; k++) {
				if (set[k].ps == ps && tlb_match(&set[k], va, pcid)) {
					arr_touch(a, &set[k]);
					return &set[k];
				}
			}
		}
	}
	return NULL;
}

/* The array a translation of size ps goes to: the first holding the largest
 * size <= ps that any array holds (*held), or -1 (not cached). */
static int tlb_fill_array(const struct tlb *t, unsigned ps, unsigned *held)
{
	unsigned i;
	int s;

	for (s = (int)ps; s >= 0; s--)
		for (i = 0; i < t->n; i++)
			if (t->a[i].ps_mask & MMU_PS_BIT(s)) {
				*held = (unsigned)s;
				return (int)i;
			}
	return -1;
}

/* A size smaller than the page caches the piece of the page that covers va. */
static void tlb_fill(struct tlb *t, uint64_t va, uint16_t pcid, const struct xl *x)
{
	unsigned ps;
	int i = tlb_fill_array(t, x->ps, &ps);
	uint64_t off = va & (mmu_page_bytes((enum mmu_page_size)x->ps) - 1);
	struct way *w;

	if (i < 0)
		return;
	w = arr_fill(&t->a[i], vpn(va, ps), vpn(va, ps));
	w->val = x->pa + (off & ~(mmu_page_bytes((enum mmu_page_size)ps) - 1));
	w->ps = (uint8_t)ps;
	w->rights = x->rights;
	w->dirty = x->dirty;
	w->global = x->global;
	w->pcid = x->global ? 0 : pcid;
}

/* Drop every entry that maps va's page for pcid (globals too). */
static void tlb_drop_page(struct tlb *t, uint64_t va, uint16_t pcid)
{
	unsigned i;
	uint32_t k;

	for (i = 0; i < t->n; i++)
		for (k = 0; k < t->a[i].sets * t->a[i].ways; k++)
			if (tlb_match(&t->a[i].w[k], va, pcid))
				t->a[i].w[k].valid = 0;
}

/* Drop global entries if globals; non-global ones of pcid (< 0: any). */
static void tlb_flush(struct tlb *t, bool globals, int pcid)
{
	unsigned i;
	uint32_t k;

	for (i = 0; i < t->n; i++) {
		for (k = 0; k < t->a[i].sets * t->a[i].ways; k++) {
			struct way *w = &t->a[i].w[k];
			if (w->global ? globals : (pcid < 0 || w->pcid == pcid))
				w->valid = 0;
		}
	}
}

static void pwc_flush(struct ref_mmu *r, int pcid)
{
	unsigned l;
	uint32_t k;

	for (l = MMU_LEVEL_PD; l <= MMU_LEVEL_PML5; l++)
		for (k = 0; r->pwc_present[l] && k < r->pwc[l].sets * r->pwc[l].ways; k++)
			if (pcid < 0 || r->pwc[l].w[k].pcid == pcid)
				r->pwc[l].w[k].valid = 0;
}

/* ---- creation -------------------------------------------------------------- */

static int tlb_init(struct tlb *t, const struct mmu_tlb_level_config *c, uint64_t seed)
{
	unsigned i;

	for (i = 0; i < c->nr_arrays; i++) {
		const struct mmu_array_config *a = &c->arrays[i];
		if (arr_init(&t->a[t->n++], a->entries, a->ways, a->repl, seed + i,
		             a->ps_mask & MMU_PS_ALL) < 0)
			return VMEMSIM_ENOMEM;
	}
	return 0;
}

static int ref_init_arrays(struct ref_mmu *r)
{
	const struct mmu_config *c = &r->cfg;
	const struct mmu_cache_config *cc[3] = {&c->l1d, &c->l2, &c->llc};
	unsigned l, k;

	if (tlb_init(&r->itlb, &c->itlb, c->seed) < 0 ||
	    tlb_init(&r->dtlb, &c->dtlb, c->seed) < 0 || tlb_init(&r->stlb, &c->stlb, c->seed) < 0)
		return VMEMSIM_ENOMEM;
	for (l = MMU_LEVEL_PD; l <= c->levels; l++) {
		if (!c->pwc[l].entries)
			continue;
		if (arr_init(&r->pwc[l], c->pwc[l].entries, c->pwc[l].ways, c->pwc[l].repl,
		             c->seed + 8 + l, 0) < 0)
			return VMEMSIM_ENOMEM;
		r->pwc_present[l] = r->has_pwc = true;
	}
	for (k = 0; k < 3; k++) {
		if (!cc[k]->size)
			continue;
		if (arr_init(&r->cache[r->ncache].a, cc[k]->size / 64, cc[k]->ways, cc[k]->repl,
		             c->seed + 16 + k, 0) < 0)
			return VMEMSIM_ENOMEM;
		r->cache[r->ncache].latency = cc[k]->latency;
		r->cache[r->ncache++].kind = k;
	}
	r->l1d_latency = c->l1d.size ? c->l1d.latency : 0;
	return 0;
}

void ref_destroy(struct ref_mmu *r)
{
	unsigned i, l;

	if (!r)
		return;
	for (i = 0; i < MMU_MAX_ARRAYS; i++) {
		arr_fini(&r->itlb.a[i]);
		arr_fini(&r->dtlb.a[i]);
		arr_fini(&r->stlb.a[i]);
	}
	for (l = 0; l < 6; l++)
		arr_fini(&r->pwc[l]);
	for (i = 0; i < 3; i++)
		arr_fini(&r->cache[i].a);
	free(r->hs);
	free(r);
}

int ref_create(struct ref_mmu **out, const struct mmu_config *cfg, struct mmu_phys *phys)
{
	struct ref_mmu *r;

	if (mmu_config_check(cfg, NULL) < 0 || !phys || !phys->base)
		return VMEMSIM_EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return VMEMSIM_ENOMEM;
	r->cfg = *cfg;
	r->phys = phys;
	r->nr_regions = 1;
	r->hs = calloc(HS_MAX, sizeof(*r->hs));
	if (!r->hs || ref_init_arrays(r) < 0) {
		ref_destroy(r);
		return VMEMSIM_ENOMEM;
	}
	*out = r;
	return 0;
}

/* ---- architectural state ----------------------------------------------------- */

void ref_write_cr3(struct ref_mmu *r, uint64_t root_pa, uint16_t pcid, bool noflush)
{
	r->root = root_pa & PTE_ADDR_MASK;
	if (!r->cfg.cr4_pcide) {
		r->pcid = 0;
		tlb_flush(&r->itlb, false, -1);
		tlb_flush(&r->dtlb, false, -1);
		tlb_flush(&r->stlb, false, -1);
		pwc_flush(r, -1);
		return;
	}
	r->pcid = pcid & PCID_MAX;
	if (noflush)
		return;
	tlb_flush(&r->itlb, false, r->pcid);
	tlb_flush(&r->dtlb, false, r->pcid);
	tlb_flush(&r->stlb, false, r->pcid);
	pwc_flush(r, r->pcid);
}

void ref_invlpg(struct ref_mmu *r, uint64_t va)
{
	tlb_drop_page(&r->itlb, va, r->pcid);
	tlb_drop_page(&r->dtlb, va, r->pcid);
	tlb_drop_page(&r->stlb, va, r->pcid);
	pwc_flush(r, r->pcid);
}

void ref_flush_all(struct ref_mmu *r)
{
	tlb_flush(&r->itlb, true, -1);
	tlb_flush(&r->dtlb, true, -1);
	tlb_flush(&r->stlb, true, -1);
	pwc_flush(r, -1);
}

void ref_set_cpl(struct ref_mmu *r, unsigned cpl)
{
	r->cpl = cpl == 3 ? 3 : 0;
}

int ref_add_region(struct ref_mmu *r, uint64_t start, uint64_t end)
{
	unsigned i;

	if ((start | end) & 4095 || start >= end || r->nr_regions >= MMU_MAX_REGIONS)
		return VMEMSIM_EINVAL;
	for (i = 1; i < r->nr_regions; i++)
		if (start < r->region[i].end && r->region[i].start < end)
			return VMEMSIM_EEXIST;
	r->region[r->nr_regions].start = start;
	r->region[r->nr_regions].end = end;
	tlb_flush(&r->itlb, true, -1);
	tlb_flush(&r->dtlb, true, -1);
	tlb_flush(&r->stlb, true, -1);
	return (int)r->nr_regions++;
}

static unsigned region_of(const struct ref_mmu *r, uint64_t va)
{
	unsigned i;

	for (i = 1; i < r->nr_regions; i++)
		if (va >= r->region[i].start && va < r->region[i].end)
			return i;
	return 0;
}

void ref_retire(struct ref_mmu *r, uint64_t pc, uint64_t instructions)
{
	r->ctr[region_of(r, pc)][MMU_C_instructions] += instructions;
}

/* ---- data caches ------------------------------------------------------------- */

/* Probe the levels in order; fill every level above the one that hit.
 * Returns the index of that level (ncache: DRAM) and its latency. */
static unsigned cache_access(struct ref_mmu *r, uint64_t pa, uint64_t *latency)
{
	uint64_t line = pa >> 6;
	unsigned i, k, hit = r->ncache;

	for (i = 0; i < r->ncache && hit == r->ncache; i++) {
		struct arr *a = &r->cache[i].a;
		struct way *set = arr_set(a, line);
		for (k = 0; k < a->ways; k++) {
			if (set[k].valid && set[k].key == line) {
				arr_touch(a, &set[k]);
				hit = i;
				break;
			}
		}
	}
	for (i = 0; i < hit; i++)
		arr_fill(&r->cache[i].a, line, line);
	*latency = hit < r->ncache ? r->cache[hit].latency : r->cfg.dram_latency;
	return hit;
}

/* The counter of a cache hit at level index lvl: base + kind, or dram. */
static unsigned cache_ctr(const struct ref_mmu *r, unsigned lvl, unsigned base, unsigned dram)
{
	return lvl < r->ncache ? base + r->cache[lvl].kind : dram;
}

/* ---- hot spots --------------------------------------------------------------- */

static struct mmu_hotspot *hs_get(struct ref_mmu *r, uint64_t pc)
{
	unsigned i;

	for (i = 0; i < r->nr_hs; i++)
		if (r->hs[i].pc == pc)
			return &r->hs[i];
	if (r->nr_hs == HS_MAX)
		return NULL;
	r->hs[r->nr_hs].pc = pc;
	return &r->hs[r->nr_hs++];
}

static int hs_cmp(const void *pa, const void *pb)
{
	const struct mmu_hotspot *a = pa, *b = pb;
	uint64_t ma = a->dtlb_misses + a->itlb_misses, mb = b->dtlb_misses + b->itlb_misses;

	if (a->walk_cycles != b->walk_cycles)
		return a->walk_cycles > b->walk_cycles ? -1 : 1;
	if (ma != mb)
		return ma > mb ? -1 : 1;
	return a->pc < b->pc ? -1 : a->pc > b->pc;
}

unsigned ref_hotspots(const struct ref_mmu *r, struct mmu_hotspot *out, unsigned n)
{
	struct mmu_hotspot *all = malloc(sizeof(*all) * (r->nr_hs + 1));
	unsigned k = r->nr_hs < n ? r->nr_hs : n;

	if (!all)
		return 0;
	memcpy(all, r->hs, sizeof(*all) * r->nr_hs);
	qsort(all, r->nr_hs, sizeof(*all), hs_cmp);
	memcpy(out, all, sizeof(*all) * k);
	free(all);
	return k;
}

/* ---- rights and faults (docs/model.md's table) ------------------------------- */

static uint32_t fault_bits(const struct ref_mmu *r, enum mmu_access_type type)
{
	return (type == MMU_STORE ? PF_W : 0) | (r->cpl == 3 ? PF_U : 0) |
	       (type == MMU_FETCH && (r->cfg.efer_nxe || r->cfg.cr4_smep) ? PF_I : 0);
}

static uint32_t rights_fault(const struct ref_mmu *r, unsigned rights, enum mmu_access_type type)
{
	bool u = rights & R_U, w = rights & R_W, x = rights & R_X, bad;

	if (r->cpl == 3)
		bad = !u || (type == MMU_STORE && !w) || (type == MMU_FETCH && !x);
	else if (type == MMU_FETCH)
		bad = !x || (r->cfg.cr4_smep && u);
	else
		bad = (r->cfg.cr4_smap && u) || (type == MMU_STORE && r->cfg.cr0_wp && !w);
	return bad ? PF_P | fault_bits(r, type) : 0;
}

static uint64_t bits(unsigned lo, unsigned hi) /* bits lo..hi inclusive */
{
	return ((hi == 63 ? 0 : 1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
}

static bool reserved(const struct ref_mmu *r, unsigned level, uint64_t e)
{
	uint64_t rsvd = bits(r->cfg.maxphyaddr, 51) | (r->cfg.efer_nxe ? 0 : PTE_NX);

	if (level >= 4)
		rsvd |= PTE_PS;
	if (level == 3 && (e & PTE_PS))
		rsvd |= bits(13, 29);
	if (level == 2 && (e & PTE_PS))
		rsvd |= bits(13, 20);
	return (e & rsvd) != 0;
}

static bool is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}

static bool table_in_phys(const struct ref_mmu *r, uint64_t table)
{
	return table < r->phys->size && r->phys->size - table >= 4096;
}

static uint64_t entry_pa(uint64_t table, uint64_t va, unsigned level)
{
	return table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
}

/* Count the fault and report the entries from the root to the failing one,
 * read with no side effects. */
static int raise_fault(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                       uint64_t pc, uint32_t ec, struct mmu_fault *f)
{
	uint64_t table = r->root;
	unsigned level;

	r->ctr[reg][MMU_C_faults]++;
	if (!f)
		return VMEMSIM_EFAULT;
	memset(f, 0, sizeof(*f));
	f->va = va;
	f->pc = pc;
	f->error_code = ec;
	f->type = type;
	for (level = r->cfg.levels; !(ec & MMU_FAULT_NONCANONICAL) && level >= 1; level--) {
		uint64_t pte_pa = entry_pa(table, va, level), e;
		if (!table_in_phys(r, table))
			break;
		e = mmu_phys_read64(r->phys, pte_pa);
		f->steps[f->nr_steps].level = (enum mmu_level)level;
		f->steps[f->nr_steps].pte_pa = pte_pa;
		f->steps[f->nr_steps++].pte = e;
		if (!(e & PTE_P) || reserved(r, level, e) || is_leaf(e, level))
			break;
		table = e & PTE_ADDR_MASK;
	}
	return VMEMSIM_EFAULT;
}

/* ---- the walk ------------------------------------------------------------------ */

struct step {
	uint64_t pte_pa, e;
	unsigned rights; /* combined down to this entry */
};

/* The deepest PWC hit: the level to read first, its table and rights. */
static unsigned pwc_probe(struct ref_mmu *r, uint64_t va, uint64_t *ctr, uint64_t *table,
                          unsigned *rights)
{
	unsigned l, k;

	for (l = MMU_LEVEL_PD; l <= r->cfg.levels; l++) {
		struct arr *a = &r->pwc[l];
		uint64_t key = (va & VA57) >> (12 + 9 * (l - 1));
		struct way *set;
		if (!r->pwc_present[l])
			continue;
		set = arr_set(a, key);
		for (k = 0; k < a->ways; k++) {
			if (set[k].valid && set[k].key == key && set[k].pcid == r->pcid) {
				arr_touch(a, &set[k]);
				ctr[MMU_C_pwc_hits_pml5e + (5 - l)]++;
				*table = set[k].val;
				*rights = set[k].rights;
				return l - 1;
			}
		}
	}
	ctr[MMU_C_pwc_misses]++;
	return r->cfg.levels;
}

/* A/D bits into guest memory and PWC fills for the non-leaf entries read. */
static void walk_commit(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, struct step *s,
                        unsigned n, unsigned top)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned level = top - i;
		uint64_t e = s[i].e | PTE_A | (i == n - 1 && type == MMU_STORE ? PTE_D : 0);
		if (e != s[i].e)
			mmu_phys_write64(r->phys, s[i].pte_pa, e);
		s[i].e = e;
		if (i < n - 1 && r->pwc_present[level]) {
			uint64_t key = (va & VA57) >> (12 + 9 * (level - 1));
			struct way *w = arr_fill(&r->pwc[level], key, key);
			w->pcid = r->pcid;
			w->val = e & PTE_ADDR_MASK;
			w->rights = (uint8_t)s[i].rights;
		}
	}
}

static int walk(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                uint64_t pc, struct xl *out, struct mmu_fault *fault)
{
	uint64_t *ctr = r->ctr[reg], table = r->root, cycles = 0, lat;
	unsigned rights = R_W | R_U | R_X, top = r->cfg.levels, level, n = 0, lvl;
	struct mmu_hotspot *hs = hs_get(r, pc);
	struct step s[5];
	uint32_t ec;

	ctr[MMU_C_walks]++;
	if (r->has_pwc) {
		ctr[MMU_C_cycles_pwc] += r->cfg.pwc_latency;
		cycles += r->cfg.pwc_latency;
		top = pwc_probe(r, va, ctr, &table, &rights);
	}
	for (level = top;; level--) {
		uint64_t pte_pa = entry_pa(table, va, level), e;
		if (!table_in_phys(r, table)) {
			ec = MMU_FAULT_BADPHYS | PF_P | fault_bits(r, type);
			goto fault;
		}
		lvl = cache_access(r, pte_pa, &lat);
		ctr[cache_ctr(r, lvl, MMU_C_pte_l1d_hits, MMU_C_pte_dram)]++;
		ctr[MMU_C_pte_reads_l5 + (5 - level)]++;
		ctr[MMU_C_cycles_walk] += lat;
		cycles += lat;
		e = mmu_phys_read64(r->phys, pte_pa);
		if (!(e & PTE_P)) {
			ec = fault_bits(r, type);
			goto fault;
		}
		if (reserved(r, level, e)) {
			ec = PF_RSVD | PF_P | fault_bits(r, type);
			goto fault;
		}
		rights &= ((e & PTE_RW) ? R_W : 0) | ((e & PTE_US) ? R_U : 0) |
		          (r->cfg.efer_nxe && (e & PTE_NX) ? 0 : R_X);
		s[n++] = (struct step){pte_pa, e, rights};
		if (is_leaf(e, level))
			break;
		table = e & PTE_ADDR_MASK;
	}
	ec = rights_fault(r, rights, type);
	if (ec)
		goto fault;
	walk_commit(r, va, type, s, n, top);
	out->ps = (uint8_t)(level - 1);
	out->pa = s[n - 1].e & PTE_ADDR_MASK & ~(mmu_page_bytes((enum mmu_page_size)out->ps) - 1);
	out->rights = (uint8_t)rights;
	out->dirty = (s[n - 1].e & PTE_D) != 0;
	out->global = (s[n - 1].e & PTE_G) != 0;
	ctr[MMU_C_walks_4k + out->ps]++;
	if (hs) {
		hs->walks++;
		hs->walk_cycles += cycles;
	}
	return 0;
fault:
	ctr[MMU_C_walks_faulted]++;
	if (hs) {
		hs->walks++;
		hs->walk_cycles += cycles;
	}
	return raise_fault(r, va, type, reg, pc, ec, fault);
}

/* ---- translation and access ---------------------------------------------------- */

static bool allowed(const struct ref_mmu *r, const struct xl *x, enum mmu_access_type type)
{
	return !rights_fault(r, x->rights, type) && (type != MMU_STORE || x->dirty);
}

static struct xl way_xl(const struct way *w)
{
	return (struct xl){
	    .pa = w->val, .ps = w->ps, .rights = w->rights, .dirty = w->dirty, .global = w->global};
}

static int walk_fill(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                     uint64_t pc, struct xl *x, struct mmu_fault *fault)
{
	int rc = walk(r, va, type, reg, pc, x, fault);

	if (rc < 0)
		return rc;
	tlb_fill(&r->stlb, va, r->pcid, x);
	tlb_fill(type == MMU_FETCH ? &r->itlb : &r->dtlb, va, r->pcid, x);
	return 0;
}

/* A cached translation that does not allow the access: drop the page's
 * entries and walk again (a store through a clean entry is a dirty assist). */
static int rewalk(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                  uint64_t pc, struct xl *x, struct mmu_fault *fault)
{
	if (type == MMU_STORE && !x->dirty && !rights_fault(r, x->rights, type))
		r->ctr[reg][MMU_C_dirty_assists]++;
	tlb_drop_page(type == MMU_FETCH ? &r->itlb : &r->dtlb, va, r->pcid);
	tlb_drop_page(&r->stlb, va, r->pcid);
	return walk_fill(r, va, type, reg, pc, x, fault);
}

/* L1 TLB, STLB, walk.  OUT: *x, *reg (va's region). */
static int translate(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, uint64_t pc,
                     struct xl *x, unsigned *reg, struct mmu_fault *fault)
{
	bool fetch = type == MMU_FETCH;
	uint64_t *ctr = r->ctr[ *reg = region_of(r, va)];
	struct tlb *l1 = fetch ? &r->itlb : &r->dtlb;
	struct way *w = tlb_lookup(l1, va, r->pcid);
	struct mmu_hotspot *hs;

	if (w) {
		ctr[(fetch ? MMU_C_itlb_hits_4k : MMU_C_dtlb_hits_4k) + w->ps]++;
		*x = way_xl(w);
		return allowed(r, x, type) ? 0 : rewalk(r, va, type, *reg, pc, x, fault);
	}
	ctr[fetch ? MMU_C_itlb_misses : MMU_C_dtlb_misses]++;
	hs = hs_get(r, pc);
	if (hs && fetch)
		hs->itlb_misses++;
	else if (hs)
		hs->dtlb_misses++;
	w = tlb_lookup(&r->stlb, va, r->pcid);
	if (!w) {
		ctr[MMU_C_stlb_misses]++;
		return walk_fill(r, va, type, *reg, pc, x, fault);
	}
	ctr[MMU_C_stlb_hits_4k + w->ps]++;
	ctr[MMU_C_cycles_stlb] += r->cfg.stlb_latency;
	*x = way_xl(w);
	if (!allowed(r, x, type))
		return rewalk(r, va, type, *reg, pc, x, fault);
	tlb_fill(l1, va, r->pcid, x);
	return 0;
}

static uint64_t xl_pa(const struct xl *x, uint64_t va)
{
	return x->pa | (va & (mmu_page_bytes((enum mmu_page_size)x->ps) - 1));
}

/* One page's part [va, va + size) of an access of `whole` bytes at `first`. */
static int access_part(struct ref_mmu *r, uint64_t va, uint32_t size, enum mmu_access_type type,
                       uint64_t pc, struct mmu_fault *fault, uint64_t first, uint32_t whole)
{
	uint64_t pa, line, lat, *ctr;
	struct xl x;
	unsigned reg, lvl;
	int rc = translate(r, va, type, pc, &x, &reg, fault);

	if (rc < 0)
		return rc;
	ctr = r->ctr[reg];
	if (va == first)
		ctr[MMU_C_fetches + type]++;
	if (type == MMU_FETCH)
		return 0;
	pa = xl_pa(&x, va);
	if (va == first && (va >> 6) != ((va + whole - 1) >> 6))
		ctr[MMU_C_line_splits]++;
	for (line = pa >> 6; line <= (pa + size - 1) >> 6; line++) {
		lvl = cache_access(r, line << 6, &lat);
		ctr[cache_ctr(r, lvl, MMU_C_l1d_hits, MMU_C_dram_accesses)]++;
		ctr[MMU_C_cycles_mem] += lat - r->l1d_latency;
	}
	return 0;
}

static bool canonical(const struct ref_mmu *r, uint64_t va)
{
	unsigned sh = r->cfg.levels == 5 ? 7 : 16;

	return (uint64_t)((int64_t)(va << sh) >> sh) == va;
}

int ref_access(struct ref_mmu *r, uint64_t va, uint32_t size, enum mmu_access_type type,
               uint64_t pc, struct mmu_fault *fault)
{
	uint32_t first = 4096 - (uint32_t)(va & 4095);
	int rc;

	if ((unsigned)type > MMU_STORE || size == 0 || size > 4096)
		return VMEMSIM_EINVAL;
	if (!canonical(r, va))
		return raise_fault(r, va, type, region_of(r, va), pc,
		                   MMU_FAULT_NONCANONICAL | fault_bits(r, type), fault);
	if (size <= first)
		return access_part(r, va, size, type, pc, fault, va, size);
	rc = access_part(r, va, first, type, pc, fault, va, size);
	if (rc < 0)
		return rc;
	r->ctr[region_of(r, va)][MMU_C_page_splits]++;
	if (!canonical(r, va + first))
		return raise_fault(r, va + first, type, region_of(r, va + first), pc,
		                   MMU_FAULT_NONCANONICAL | fault_bits(r, type), fault);
	return access_part(r, va + first, size - first, type, pc, fault, va, size);
}

int ref_translate(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, uint64_t pc,
                  uint64_t *pa, struct mmu_fault *fault)
{
	struct xl x;
	unsigned reg;
	int rc;

	if ((unsigned)type > MMU_STORE)
		return VMEMSIM_EINVAL;
	if (!canonical(r, va))
		return raise_fault(r, va, type, region_of(r, va), pc,
		                   MMU_FAULT_NONCANONICAL | fault_bits(r, type), fault);
	rc = translate(r, va, type, pc, &x, &reg, fault);
	if (rc < 0)
		return rc;
	*pa = xl_pa(&x, va);
	return 0;
}

/* ---- counters ---------------------------------------------------------------- */

void ref_stats(const struct ref_mmu *r, struct mmu_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->nr_regions = r->nr_regions;
	out->base_cpi = r->cfg.base_cpi;
	memcpy(out->v, r->ctr, sizeof(out->v[0]) * r->nr_regions);
}

void ref_reset_stats(struct ref_mmu *r)
{
	memset(r->ctr, 0, sizeof(r->ctr));
	memset(r->hs, 0, sizeof(*r->hs) * HS_MAX);
	r->nr_hs = 0;
}
