/*
 * emu/emu_check.c — emu_check(): Unicorn's memory against the page tables,
 * in one pass over the leaves.  Invariants (1) and (2) of emu_internal.h.
 */
#include <stdlib.h>

#include "emu_internal.h"

struct tile_ctx {
	const struct emu_map *m;
	uint64_t next; /* first VA of the region not yet backed by a leaf */
	uint64_t bad_va;
	const char *why;
};

static int tile_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct tile_ctx *c = ctx;
	const struct emu_region *r = &c->m->r;
	uint64_t bytes = mmu_page_bytes(leaf->ps), lo = va & ~(bytes - 1);
	uint64_t pa = (leaf->pa & ~(bytes - 1)), last = r->va + (r->size - 1);
	uint64_t hi = lo + (bytes - 1) < last ? lo + (bytes - 1) : last;
	if (lo < r->va) {
		pa += r->va - lo;
		lo = r->va;
	}
	if (lo != c->next) {
		c->bad_va = c->next;
		c->why = "no leaf";
		return 1;
	}
	bool w = (leaf->pte & PTE_RW) != 0, x = (leaf->pte & PTE_NX) == 0;
	for (uint64_t p = lo; p <= hi && p >= lo; p += 4096) {
		uint64_t want = pa + (p - lo);
		bool ok;
		if (c->m->win) {
			uint64_t f = c->m->win->frames[(p - r->va) >> 12];
			ok = (f & ~0xfffull) == want && ((f & EMU_FRAME_W) != 0) == w;
		} else {
			ok = r->pa + (p - r->va) == want && r->write == w && r->exec == x;
		}
		if (!ok) {
			c->bad_va = p;
			c->why = "frame or permissions differ from the leaf";
			return 1;
		}
		if (!c->m->win) /* RAM: one comparison covers the leaf */
			break;
	}
	c->next = hi + 1;
	return 0;
}

static int check_against_unicorn(const struct emu *e, struct vmemsim_err *err)
{
	uc_mem_region *ur;
	uint32_t n;
	if (uc_mem_regions(e->uc, &ur, &n) != UC_ERR_OK)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "emu_check: uc_mem_regions failed");
	int rc = 0;
	if (n != e->nr_regions)
		rc = vmemsim_errf(err, VMEMSIM_ECORRUPT, "emu_check: %u Unicorn regions, %zu known",
		                  n, e->nr_regions);
	for (uint32_t i = 0; i < n && !rc; i++) {
		const struct emu_region *r = &e->regions[i].r;
		if (ur[i].begin != r->va || ur[i].end != r->va + (r->size - 1) ||
		    (!r->mmio && ur[i].perms != emu_region_perms(r)))
			rc = vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                  "emu_check: Unicorn region %u [0x%llx, 0x%llx] perms %u "
			                  "differs from va 0x%llx",
			                  i, (unsigned long long)ur[i].begin,
			                  (unsigned long long)ur[i].end, ur[i].perms,
			                  (unsigned long long)r->va);
		if (!rc && i && r->va < e->regions[i - 1].r.va + e->regions[i - 1].r.size)
			rc = vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                  "emu_check: regions overlap at va 0x%llx",
			                  (unsigned long long)r->va);
	}
	uc_free(ur);
	return rc;
}

struct cover_ctx {
	const struct emu *e;
	uint64_t bad_va;
};

static int cover_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct cover_ctx *c = ctx;
	uint64_t bytes = mmu_page_bytes(leaf->ps), p = va & ~(bytes - 1);
	uint64_t last = p + (bytes - 1);
	size_t lo = 0, hi = c->e->nr_regions; /* first region ending at or after p */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct emu_region *r = &c->e->regions[mid].r;
		if (r->va + (r->size - 1) < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < c->e->nr_regions; i++) {
		const struct emu_region *r = &c->e->regions[i].r;
		if (r->va > p) {
			c->bad_va = p;
			return 1;
		}
		if (r->va + (r->size - 1) >= last)
			return 0;
		p = r->va + r->size;
	}
	c->bad_va = p;
	return 1;
}

int emu_check(const struct emu *e, uint64_t va_start, uint64_t va_end, struct vmemsim_err *err)
{
	int rc = check_against_unicorn(e, err);
	for (size_t i = 0; i < e->nr_regions && !rc; i++) {
		const struct emu_region *r = &e->regions[i].r;
		struct tile_ctx c = {.m = &e->regions[i], .next = r->va};
		uint64_t end = r->va + r->size; /* 0 if the region ends at 2^64 */
		mmu_pt_for_each_leaf(e->pt, r->va, end ? end : UINT64_MAX, tile_leaf, &c);
		if (!c.why && c.next != end) {
			c.bad_va = c.next;
			c.why = "no leaf";
		}
		if (c.why)
			rc = vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                  "emu_check: va 0x%llx in the region at 0x%llx: %s",
			                  (unsigned long long)c.bad_va, (unsigned long long)r->va,
			                  c.why);
	}
	if (!rc) {
		struct cover_ctx c = {.e = e};
		if (mmu_pt_for_each_leaf(e->pt, va_start, va_end ? va_end : UINT64_MAX, cover_leaf,
		                         &c))
			rc = vmemsim_errf(
			    err, VMEMSIM_ECORRUPT,
			    "emu_check: the leaf at va 0x%llx is not mapped in Unicorn",
			    (unsigned long long)c.bad_va);
	}
	return rc;
}
