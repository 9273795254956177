/*
 * tests/mmu/ref_arrays.c — the reference model's set-associative arrays and
 * what is built from them: the TLBs (page-size sets, fractured fills), the
 * paging-structure caches' flushes, and the data caches.  Every lookup scans
 * its set and every hit touches; see ref_model.h for the policy.
 */
#include <stdlib.h>
#include <string.h>

#include "ref_internal.h"

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

struct way *ref_arr_set(const struct arr *a, uint64_t index_key)
{
	return &a->w[(index_key % a->sets) * a->ways];
}

void ref_arr_touch(struct arr *a, struct way *w)
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
struct way *ref_arr_fill(struct arr *a, uint64_t index_key, uint64_t key)
{
	struct way *w = arr_victim(a, ref_arr_set(a, index_key));

	memset(w, 0, sizeof(*w));
	w->valid = 1;
	w->key = key;
	ref_arr_touch(a, w);
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
struct way *ref_tlb_lookup(struct tlb *t, uint64_t va, uint16_t pcid)
{
	unsigned i, ps, k;

	for (i = 0; i < t->n; i++) {
		struct arr *a = &t->a[i];
		for (ps = 0; ps < MMU_NR_PAGE_SIZES; ps++) {
			struct way *set = ref_arr_set(a, vpn(va, ps));
			if (!(a->ps_mask & MMU_PS_BIT(ps)))
				continue;
			for (k = 0; k < a->ways; k++) {
				if (set[k].ps == ps && tlb_match(&set[k], va, pcid)) {
					ref_arr_touch(a, &set[k]);
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
void ref_tlb_fill(struct tlb *t, uint64_t va, uint16_t pcid, const struct xl *x)
{
	unsigned ps;
	int i = tlb_fill_array(t, x->ps, &ps);
	uint64_t off = va & (mmu_page_bytes((enum mmu_page_size)x->ps) - 1);
	struct way *w;

	if (i < 0)
		return;
	w = ref_arr_fill(&t->a[i], vpn(va, ps), vpn(va, ps));
	w->val = x->pa + (off & ~(mmu_page_bytes((enum mmu_page_size)ps) - 1));
	w->ps = (uint8_t)ps;
	w->leaf_ps = x->leaf_ps;
	w->rights = x->rights;
	w->dirty = x->dirty;
	w->global = x->global;
	w->pcid = x->global ? 0 : pcid;
}

/* Drop every entry that maps va's page for pcid (globals too): an entry
 * whose page in the tables (leaf_ps, not the piece it keeps) holds va. */
void ref_tlb_drop_page(struct tlb *t, uint64_t va, uint16_t pcid)
{
	unsigned i;
	uint32_t k;

	for (i = 0; i < t->n; i++) {
		for (k = 0; k < t->a[i].sets * t->a[i].ways; k++) {
			struct way *w = &t->a[i].w[k];
			unsigned sh = mmu_page_shift((enum mmu_page_size)w->ps);
			uint64_t page = vpn(w->key << sh, w->leaf_ps);
			if (w->valid && page == vpn(va, w->leaf_ps) &&
			    (w->global || w->pcid == pcid))
				w->valid = 0;
		}
	}
}

/* Drop global entries if globals; non-global ones of pcid (< 0: any). */
void ref_tlb_flush(struct tlb *t, bool globals, int pcid)
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

void ref_pwc_flush(struct ref_mmu *r, int pcid)
{
	unsigned l;
	uint32_t k;

	for (l = MMU_LEVEL_PD; l <= MMU_LEVEL_PML5; l++)
		for (k = 0; r->pwc_present[l] && k < r->pwc[l].sets * r->pwc[l].ways; k++)
			if (pcid < 0 || r->pwc[l].w[k].pcid == pcid)
				r->pwc[l].w[k].valid = 0;
}

/* ---- data caches ------------------------------------------------------------- */

/* Probe the levels in order; fill every level above the one that hit.
 * Returns the index of that level (ncache: DRAM) and its latency. */
unsigned ref_cache_access(struct ref_mmu *r, uint64_t pa, uint64_t *latency)
{
	uint64_t line = pa >> 6;
	unsigned i, k, hit = r->ncache;

	for (i = 0; i < r->ncache && hit == r->ncache; i++) {
		struct arr *a = &r->cache[i].a;
		struct way *set = ref_arr_set(a, line);
		for (k = 0; k < a->ways; k++) {
			if (set[k].valid && set[k].key == line) {
				ref_arr_touch(a, &set[k]);
				hit = i;
				break;
			}
		}
	}
	for (i = 0; i < hit; i++)
		ref_arr_fill(&r->cache[i].a, line, line);
	*latency = hit < r->ncache ? r->cache[hit].latency : r->cfg.dram_latency;
	return hit;
}

/* The counter of a cache hit at level index lvl: base + kind, or dram. */
unsigned ref_cache_ctr(const struct ref_mmu *r, unsigned lvl, unsigned base, unsigned dram)
{
	return lvl < r->ncache ? base + r->cache[lvl].kind : dram;
}

/* ---- building and freeing ----------------------------------------------------- */

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

int ref_arrays_init(struct ref_mmu *r)
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

void ref_arrays_fini(struct ref_mmu *r)
{
	unsigned i, l;

	for (i = 0; i < MMU_MAX_ARRAYS; i++) {
		arr_fini(&r->itlb.a[i]);
		arr_fini(&r->dtlb.a[i]);
		arr_fini(&r->stlb.a[i]);
	}
	for (l = 0; l < 6; l++)
		arr_fini(&r->pwc[l]);
	for (i = 0; i < 3; i++)
		arr_fini(&r->cache[i].a);
}
