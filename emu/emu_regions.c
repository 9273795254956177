/*
 * emu/emu_regions.c — Unicorn's memory, generated from the page tables.
 *
 * The flat-mode trick (see emu.h): every leaf of vmemsim's page tables is
 * mapped into Unicorn at its VIRTUAL address with the host pointer of its
 * PHYSICAL address, so Unicorn reads and writes the right guest-physical
 * bytes without translating anything itself.  Leaves that continue each
 * other in both VA and PA with equal permissions become one region (the
 * direct map of a large machine is then a handful of regions, not millions).
 *
 * e->regions mirrors exactly what Unicorn has mapped (invariant (1) of
 * emu_internal.h); every uc_mem_map_ptr and uc_mem_unmap is in this file.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

void emu_regions_fini(struct emu *e)
{
	free(e->regions);
	e->regions = NULL;
	e->nr_regions = e->cap_regions = 0;
}

static int region_cmp(const void *a, const void *b)
{
	const struct emu_region *x = a, *y = b;
	return x->va < y->va ? -1 : x->va > y->va;
}

static uint32_t region_perms(const struct emu_region *r)
{
	return UC_PROT_READ | (r->write ? UC_PROT_WRITE : 0) | (r->exec ? UC_PROT_EXEC : 0);
}

/* Map r in Unicorn and append it to the list (sorted later). */
static int region_add(struct emu *e, const struct emu_region *r, struct vmemsim_err *err)
{
	if (r->pa > e->phys->size || r->size > e->phys->size - r->pa)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "emu: va 0x%llx maps pa 0x%llx+0x%llx beyond guest physical "
		                    "memory (0x%llx bytes)",
		                    (unsigned long long)r->va, (unsigned long long)r->pa,
		                    (unsigned long long)r->size, (unsigned long long)e->phys->size);
	if (e->nr_regions == e->cap_regions) {
		size_t cap = e->cap_regions ? e->cap_regions * 2 : 64;
		struct emu_region *p = realloc(e->regions, cap * sizeof(*p));
		if (!p)
			return vmemsim_errf(err, VMEMSIM_ENOMEM, "emu: out of memory for regions");
		e->regions = p;
		e->cap_regions = cap;
	}
	uc_err ue =
	    uc_mem_map_ptr(e->uc, r->va, r->size, region_perms(r), mmu_phys_ptr(e->phys, r->pa));
	if (ue)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "emu: uc_mem_map_ptr(va 0x%llx, 0x%llx bytes, pa 0x%llx): %s",
		                    (unsigned long long)r->va, (unsigned long long)r->size,
		                    (unsigned long long)r->pa, uc_strerror(ue));
	e->regions[e->nr_regions++] = *r;
	return 0;
}

static void region_del(struct emu *e, size_t i)
{
	uc_mem_unmap(e->uc, e->regions[i].va, e->regions[i].size);
	memmove(&e->regions[i], &e->regions[i + 1],
	        (e->nr_regions - i - 1) * sizeof(e->regions[0]));
	e->nr_regions--;
}

/* last = the last byte of the range (inclusive, so 2^64 - 1 fits) */
static bool overlaps(const struct emu_region *r, uint64_t first, uint64_t last)
{
	return r->va <= last && r->va + (r->size - 1) >= first;
}

/* Unmap every region meeting [first, last]; the parts of a region outside
 * the range are mapped again as their own regions.  Errors only on memory
 * shortage while re-adding the outside parts. */
static int regions_clear(struct emu *e, uint64_t first, uint64_t last, struct vmemsim_err *err)
{
	int rc = 0;
	for (size_t i = 0; i < e->nr_regions;) {
		struct emu_region r = e->regions[i];
		if (!overlaps(&r, first, last)) {
			i++;
			continue;
		}
		region_del(e, i);
		if (r.va < first) {
			struct emu_region head = r;
			head.size = first - r.va;
			rc = rc ? rc : region_add(e, &head, err);
		}
		if (r.va + (r.size - 1) > last) {
			struct emu_region tail = r;
			tail.va = last + 1;
			tail.pa = r.pa + (tail.va - r.va);
			tail.size = r.size - (tail.va - r.va);
			rc = rc ? rc : region_add(e, &tail, err);
		}
		/* re-added parts went to the end; they do not overlap, so the
		 * scan from i stays correct */
	}
	if (e->nr_regions > 1)
		qsort(e->regions, e->nr_regions, sizeof(e->regions[0]), region_cmp);
	return rc;
}

struct map_ctx {
	struct emu *e;
	uint64_t first, last;
	struct emu_region run; /* size 0 = none yet */
	struct vmemsim_err *err;
	int rc;
};

static int map_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct map_ctx *c = ctx;
	uint64_t bytes = mmu_page_bytes(leaf->ps);
	/* the leaf's whole page (va may be reported inside a large page) */
	uint64_t lo = va & ~(bytes - 1), hi = lo + (bytes - 1); /* hi inclusive */
	uint64_t pa = leaf->pa & ~(bytes - 1);
	if (lo < c->first) {
		pa += c->first - lo;
		lo = c->first;
	}
	if (hi > c->last)
		hi = c->last;
	if (lo > hi)
		return 0;
	struct emu_region r = {.va = lo,
	                       .size = hi - lo + 1,
	                       .pa = pa,
	                       .write = (leaf->pte & PTE_RW) != 0,
	                       .exec = (leaf->pte & PTE_NX) == 0};
	struct emu_region *run = &c->run;
	if (run->size && run->va + run->size == r.va && run->pa + run->size == r.pa &&
	    run->write == r.write && run->exec == r.exec) {
		run->size += r.size;
		return 0;
	}
	if (run->size && (c->rc = region_add(c->e, run, c->err)))
		return 1;
	*run = r;
	return 0;
}

int emu_map_from_page_tables(struct emu *e, uint64_t va_start, uint64_t va_end,
                             struct vmemsim_err *err)
{
	uint64_t last = va_end ? va_end - 1 : UINT64_MAX;
	if ((va_start & 0xfff) || (va_end & 0xfff) || (va_end && va_end <= va_start))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "emu_map_from_page_tables: bad range [0x%llx, 0x%llx)",
		                    (unsigned long long)va_start, (unsigned long long)va_end);
	int rc = regions_clear(e, va_start, last, err);
	if (rc)
		return rc;
	size_t before = e->nr_regions;
	struct map_ctx c = {.e = e, .first = va_start, .last = last, .err = err};
	mmu_pt_for_each_leaf(e->pt, va_start, va_end ? va_end : UINT64_MAX, map_leaf, &c);
	if (!c.rc && c.run.size)
		c.rc = region_add(e, &c.run, err);
	if (c.rc) {
		while (e->nr_regions > before)
			region_del(e, e->nr_regions - 1);
		return c.rc;
	}
	if (e->nr_regions > 1)
		qsort(e->regions, e->nr_regions, sizeof(e->regions[0]), region_cmp);
	return 0;
}

void emu_unmap(struct emu *e, uint64_t va_start, uint64_t va_end)
{
	regions_clear(e, va_start, va_end ? va_end - 1 : UINT64_MAX, NULL);
}

size_t emu_regions(const struct emu *e, struct emu_region *out, size_t n)
{
	for (size_t i = 0; i < n && i < e->nr_regions; i++)
		out[i] = e->regions[i];
	return e->nr_regions;
}

/* ---- host-side copies through the page tables -------------------------- */

/* The host pointer of va and how many bytes from it stay in the same leaf,
 * or NULL if va is unmapped or maps outside guest memory. */
static uint8_t *va_to_host(const struct emu *e, uint64_t va, size_t *avail)
{
	struct mmu_leaf leaf;
	if (mmu_pt_lookup(e->pt, va, &leaf))
		return NULL;
	uint64_t bytes = mmu_page_bytes(leaf.ps);
	uint64_t left = bytes - (va & (bytes - 1));
	if (leaf.pa >= e->phys->size || left > e->phys->size - leaf.pa)
		return NULL;
	*avail = left;
	return mmu_phys_ptr(e->phys, leaf.pa);
}

int emu_read(const struct emu *e, uint64_t va, void *buf, size_t len, struct vmemsim_err *err)
{
	uint8_t *out = buf;
	while (len) {
		size_t avail;
		uint8_t *p = va_to_host(e, va, &avail);
		if (!p)
			return vmemsim_errf(err, VMEMSIM_EFAULT,
			                    "emu_read: va 0x%llx is not mapped",
			                    (unsigned long long)va);
		size_t n = len < avail ? len : avail;
		memcpy(out, p, n);
		out += n;
		va += n;
		len -= n;
	}
	return 0;
}

int emu_write(struct emu *e, uint64_t va, const void *buf, size_t len, struct vmemsim_err *err)
{
	const uint8_t *in = buf;
	while (len) {
		size_t avail;
		uint8_t *p = va_to_host(e, va, &avail);
		if (!p)
			return vmemsim_errf(err, VMEMSIM_EFAULT,
			                    "emu_write: va 0x%llx is not mapped",
			                    (unsigned long long)va);
		size_t n = len < avail ? len : avail;
		memcpy(p, in, n);
		in += n;
		va += n;
		len -= n;
	}
	return 0;
}
