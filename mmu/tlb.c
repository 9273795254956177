/*
 * mmu/tlb.c — one TLB level (L1 ITLB, L1 DTLB or STLB): a list of
 * set-associative arrays, each holding a set of page sizes.
 *
 * Invariants (checked by mmu_check through tlb_level_check):
 *  (1) a valid entry's page size is one its array holds, and the entry sits
 *      in set vpn % sets of that array;
 *  (2) fill[ps] is the first array holding fill_ps[ps], the largest page
 *      size <= ps that some array holds, or -1 if there is none: a page
 *      larger than every size a level holds is cached as the smaller entry
 *      that covers the access (SDM Vol. 3A §4.10.2.3, "fractured" entries),
 *      so a 1G page fetched through Skylake's 4K/2M ITLB gets 2M entries;
 *  (3) a global entry carries no PCID; a non-global one no global bit;
 *  (4) nr_valid[ps] counts the valid entries of size ps, so every fill and
 *      drop goes through here;
 *  (5) bit k of live is set iff probe k's array holds valid entries of its
 *      size (a lookup skips the other probes).
 * Lookup probes arrays in order and, inside an array, its sizes from 4K up.
 */
#include <stdlib.h>
#include <string.h>

#include "mmu_internal.h"

int tlb_level_init(struct tlb_level *l, const struct mmu_tlb_level_config *c, uint64_t seed)
{
	int8_t native[MMU_NR_PAGE_SIZES];
	unsigned i, ps;
	int rc;

	*l = (struct tlb_level){0};
	for (ps = 0; ps < MMU_NR_PAGE_SIZES; ps++)
		l->fill[ps] = -1;
	for (i = 0; i < c->nr_arrays && i < MMU_MAX_ARRAYS; i++) {
		const struct mmu_array_config *ac = &c->arrays[i];
		struct tlb_array *a = &l->a[l->n];

		if (!ac->entries)
			continue;
		rc = sa_init(&a->sa, ac->entries, ac->ways, ac->repl, seed + i);
		if (rc < 0)
			goto fail;
		/* Signatures see vpn and page size, not the PCID or global bit. */
		sa_set_sig_key(&a->sa, 12, TLB_GLOBAL >> 12);
		a->ent = calloc(ac->entries, sizeof(*a->ent));
		if (!a->ent) {
			sa_fini(&a->sa);
			rc = VMEMSIM_ENOMEM;
			goto fail;
		}
		a->ps_mask = ac->ps_mask & MMU_PS_ALL;
		for (ps = 0; ps < MMU_NR_PAGE_SIZES; ps++) {
			if (!(a->ps_mask & MMU_PS_BIT(ps)))
				continue;
			a->ps[a->nps++] = (uint8_t)ps;
			l->probe_a[l->nprobe] = (uint8_t)l->n;
			l->probe_ps[l->nprobe++] = (uint8_t)ps;
			if (l->fill[ps] < 0)
				l->fill[ps] = (int8_t)l->n;
		}
		l->n++;
	}
	memcpy(native, l->fill, sizeof(native));
	for (ps = 0; ps < MMU_NR_PAGE_SIZES; ps++) {
		int s = (int)ps;
		while (s >= 0 && native[s] < 0)
			s--; /* the largest size <= ps that an array holds */
		l->fill_ps[ps] = (uint8_t)(s < 0 ? ps : (unsigned)s);
		l->fill[ps] = s < 0 ? -1 : native[s];
		if (l->fill[ps] >= 0 && l->fill_ps[ps] != ps)
			l->fractures = true;
	}
	return 0;
fail:
	tlb_level_fini(l);
	return rc;
}

void tlb_level_fini(struct tlb_level *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++) {
		sa_fini(&l->a[i].sa);
		free(l->a[i].ent);
	}
	l->n = 0;
}

/* The live mask from the valid-entry counts (after a count left or reached 0). */
static uint32_t tlb_live_mask(const struct tlb_level *l)
{
	uint32_t live = 0;
	unsigned k;

	for (k = 0; k < l->nprobe; k++)
		if (l->a[l->probe_a[k]].nr_valid[l->probe_ps[k]])
			live |= 1u << k;
	return live;
}

struct tlb_ent *tlb_lookup_slow(struct tlb_level *l, uint64_t va, uint16_t pcid)
{
	unsigned i, j;

	for (i = 0; i < l->n; i++) {
		struct tlb_array *a = &l->a[i];
		for (j = 0; j < a->nps; j++) {
			uint64_t k = tlb_key(va, (enum mmu_page_size)a->ps[j]);
			int idx =
			    sa_lookup_slow(&a->sa, tlb_set(&a->sa, k), k | pcid, k | TLB_GLOBAL);
			if (idx >= 0)
				return &a->ent[idx];
		}
	}
	return NULL;
}

void tlb_update_live(struct tlb_level *l)
{
	l->live = tlb_live_mask(l);
}

static void tlb_drop(struct tlb_level *l, struct tlb_array *a, uint32_t e)
{
	if (!--a->nr_valid[tlb_tag_ps(a->sa.tag[e])])
		l->live = tlb_live_mask(l);
	sa_invalidate(&a->sa, e);
}

/* The fractured pieces of va's page other than the one covering va: they
 * sit in other sets, so only a scan finds them.  Levels that never fracture
 * (every page size they cache has an array) skip this. */
static void tlb_invlpg_pieces(struct tlb_level *l, uint64_t va, uint16_t pcid)
{
	unsigned i;
	uint32_t e;

	for (i = 0; i < l->n; i++) {
		struct tlb_array *a = &l->a[i];
		for (e = 0; e < a->sa.sets * a->sa.ways; e++) {
			uint64_t t = a->sa.tag[e], piece_va;
			unsigned leaf_sh;
			if (t == SA_INVALID || a->ent[e].leaf_ps == a->ent[e].ps)
				continue;
			if (!(t & TLB_GLOBAL) && (t & TLB_PCID_MASK) != pcid)
				continue;
			piece_va = (t >> 16) << mmu_page_shift((enum mmu_page_size)a->ent[e].ps);
			leaf_sh = mmu_page_shift((enum mmu_page_size)a->ent[e].leaf_ps);
			if (piece_va >> leaf_sh == (va & TLB_VA_MASK) >> leaf_sh)
				tlb_drop(l, a, e);
		}
	}
}

void tlb_invlpg(struct tlb_level *l, uint64_t va, uint16_t pcid)
{
	unsigned i, j;

	if (l->fractures)
		tlb_invlpg_pieces(l, va, pcid);

	for (i = 0; i < l->n; i++) {
		struct tlb_array *a = &l->a[i];
		for (j = 0; j < a->nps; j++) {
			uint64_t k = tlb_key(va, (enum mmu_page_size)a->ps[j]);
			uint32_t set = tlb_set(&a->sa, k), w;
			for (w = 0; w < a->sa.ways; w++) {
				uint64_t t = a->sa.tag[set * a->sa.ways + w];
				if (t == (k | pcid) || t == (k | TLB_GLOBAL))
					tlb_drop(l, a, set * a->sa.ways + w);
			}
		}
	}
}

void tlb_flush(struct tlb_level *l, bool globals, int pcid)
{
	unsigned i;
	uint32_t e;

	for (i = 0; i < l->n; i++) {
		struct tlb_array *a = &l->a[i];
		for (e = 0; e < a->sa.sets * a->sa.ways; e++) {
			uint64_t t = a->sa.tag[e];
			if (t == SA_INVALID)
				continue;
			if (t & TLB_GLOBAL) {
				if (globals)
					tlb_drop(l, a, e);
			} else if (pcid < 0 || (t & TLB_PCID_MASK) == (uint64_t)pcid) {
				tlb_drop(l, a, e);
			}
		}
	}
}

int tlb_level_check(const struct tlb_level *l, const char *name, unsigned nr_regions,
                    struct vmemsim_err *err)
{
	unsigned i;
	uint32_t e;
	int rc;

	for (i = 0; i < l->n; i++) {
		const struct tlb_array *a = &l->a[i];
		uint32_t count[MMU_NR_PAGE_SIZES] = {0};
		rc = sa_check(&a->sa, name, err);
		if (rc < 0)
			return rc;
		for (e = 0; e < a->sa.sets * a->sa.ways; e++)
			if (a->sa.tag[e] != SA_INVALID &&
			    tlb_tag_ps(a->sa.tag[e]) < MMU_NR_PAGE_SIZES)
				count[tlb_tag_ps(a->sa.tag[e])]++;
		if (memcmp(count, a->nr_valid, sizeof(count)))
			return vmemsim_errf(
			    err, VMEMSIM_ECORRUPT,
			    "%s array %u: valid-entry counts %u/%u/%u, tags say %u/%u/%u", name, i,
			    a->nr_valid[0], a->nr_valid[1], a->nr_valid[2], count[0], count[1],
			    count[2]);
		if (l->live != tlb_live_mask(l))
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: live-probe mask %#x, counts say %#x", name,
			                    l->live, tlb_live_mask(l));
		for (e = 0; e < a->sa.sets * a->sa.ways; e++) {
			uint64_t t = a->sa.tag[e];
			unsigned ps = (unsigned)(t >> 12) & 3;
			if (t == SA_INVALID)
				continue;
			if (ps >= MMU_NR_PAGE_SIZES || !(a->ps_mask & MMU_PS_BIT(ps)) ||
			    a->ent[e].ps != ps)
				return vmemsim_errf(err, VMEMSIM_ECORRUPT,
				                    "%s array %u entry %u: page size %u not held",
				                    name, i, e, ps);
			if (sa_set(&a->sa, t >> 16) != e / a->sa.ways)
				return vmemsim_errf(
				    err, VMEMSIM_ECORRUPT,
				    "%s array %u entry %u: tag %#llx in the wrong set", name, i, e,
				    (unsigned long long)t);
			if ((t & TLB_GLOBAL) && (t & TLB_PCID_MASK))
				return vmemsim_errf(
				    err, VMEMSIM_ECORRUPT,
				    "%s array %u entry %u: global entry with a PCID", name, i, e);
			if (a->ent[e].region >= nr_regions && a->ent[e].region != REGION_MIXED)
				return vmemsim_errf(
				    err, VMEMSIM_ECORRUPT,
				    "%s array %u entry %u: region %u does not exist", name, i, e,
				    a->ent[e].region);
		}
	}
	return 0;
}
