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

/*
 * Why windows.  Unicorn 2.0.1 cannot hold many regions: mapping N of them
 * costs about N^3 (1000 regions: 2.4 s, 2000: 12 s on the development
 * machine) and at 4096 it aborts (qemu/exec.c phys_section_add assertion).
 * Page tables with many small scattered leaves — an HVO vmemmap, where every
 * hugetlb page's tail struct-page pages alias one frame — would need one
 * region per leaf.  So a stretch of more than EMU_WINDOW_MIN_RUNS small runs
 * that follow each other in VA becomes ONE MMIO window whose callbacks copy
 * to and from the frame of each 4 KiB page (looked up in a table built from
 * the same leaves).  Memory hooks fire on MMIO exactly as on RAM, so what the
  * MMU model sees is unchanged; only Unicorn's own access costs more.
 * Executable leaves never go into a window (Unicorn does not fetch from
 * MMIO).
 */
#define EMU_WINDOW_MIN_RUNS 8            /* more small runs than this: a window */
#define EMU_WINDOW_BIG_RUN  (2ull << 20) /* a run this large stays a RAM region */
#define EMU_MAX_UC_REGIONS  1024         /* refuse before Unicorn gets slow */

void emu_regions_fini(struct emu *e)
{
	for (size_t i = 0; i < e->nr_regions; i++)
		free(e->regions[i].win);
	free(e->regions);
	e->regions = NULL;
	e->nr_regions = e->cap_regions = 0;
}

static int map_cmp(const void *a, const void *b)
{
	const struct emu_map *x = a, *y = b;
	return x->r.va < y->r.va ? -1 : x->r.va > y->r.va;
}

static void regions_sort(struct emu *e)
{
	if (e->nr_regions > 1)
		qsort(e->regions, e->nr_regions, sizeof(e->regions[0]), map_cmp);
}

static int regions_reserve(struct emu *e, struct vmemsim_err *err)
{
	if (e->nr_regions < e->cap_regions)
		return 0;
	size_t cap = e->cap_regions ? e->cap_regions * 2 : 64;
	struct emu_map *p = realloc(e->regions, cap * sizeof(*p));
	if (!p)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "emu: out of memory for regions");
	e->regions = p;
	e->cap_regions = cap;
	return 0;
}

static int check_phys(const struct emu *e, uint64_t va, uint64_t pa, uint64_t size,
                      struct vmemsim_err *err)
{
	if (pa > e->phys->size || size > e->phys->size - pa)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "emu: va 0x%llx maps pa 0x%llx+0x%llx beyond guest physical "
		                    "memory (0x%llx bytes)",
		                    (unsigned long long)va, (unsigned long long)pa,
		                    (unsigned long long)size, (unsigned long long)e->phys->size);
	return 0;
}

/* Map r in Unicorn as RAM and append it (sorted later). */
static int region_add(struct emu *e, const struct emu_region *r, struct vmemsim_err *err)
{
	int rc = check_phys(e, r->va, r->pa, r->size, err);
	if (rc || (rc = regions_reserve(e, err)))
		return rc;
	uc_err ue = uc_mem_map_ptr(e->uc, r->va, r->size, emu_region_perms(r),
	                           mmu_phys_ptr(e->phys, r->pa));
	if (ue)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "emu: uc_mem_map_ptr(va 0x%llx, 0x%llx bytes, pa 0x%llx): %s",
		                    (unsigned long long)r->va, (unsigned long long)r->size,
		                    (unsigned long long)r->pa, uc_strerror(ue));
	e->regions[e->nr_regions++] = (struct emu_map){.r = *r, .win = NULL};
	e->regions[e->nr_regions - 1].r.mmio = false;
	return 0;
}

/* ---- MMIO windows -------------------------------------------------------- */

/* Copy n bytes between the window at offset off and buf, page by page. */
static void win_copy(struct emu_window *w, uint64_t off, void *buf, unsigned n, bool to_guest)
{
	uint8_t *b = buf;
	while (n) {
		uint64_t page = off >> 12, in = off & 0xfff;
		unsigned chunk = n < 0x1000 - in ? n : (unsigned)(0x1000 - in);
		uint8_t *host = mmu_phys_ptr(w->e->phys, (w->frames[page] & ~0xfffull) + in);
		if (to_guest)
			memcpy(host, b, chunk);
		else
			memcpy(b, host, chunk);
		b += chunk;
		off += chunk;
		n -= chunk;
	}
}

static uint64_t win_read(uc_engine *uc, uint64_t off, unsigned size, void *user)
{
	uint64_t v = 0;
	win_copy(user, off, &v, size < 8 ? size : 8, false);
	return v;
}

/* Unicorn enforces RAM permissions itself; a window must enforce them too,
  * also for a store the model already refused (Unicorn completes the hooked
 * access before it stops). */
static void win_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *user)
{
	struct emu_window *w = user;
	size = size < 8 ? size : 8;
	if (!(w->frames[off >> 12] & EMU_FRAME_W) ||
	    !(w->frames[(off + size - 1) >> 12] & EMU_FRAME_W)) {
		emu_refuse(w->e, UC_ERR_WRITE_PROT, w->va + off, size, MMU_STORE);
		return;
	}
	win_copy(w, off, &value, size, true);
}

static int window_add(struct emu *e, uint64_t va, size_t npages, const uint64_t *frames,
                      struct vmemsim_err *err)
{
	int rc = regions_reserve(e, err);
	if (rc)
		return rc;
	struct emu_window *w = malloc(sizeof(*w) + npages * sizeof(w->frames[0]));
	if (!w)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "emu: out of memory for a window");
	w->e = e;
	w->va = va;
	w->nr_pages = npages;
	memcpy(w->frames, frames, npages * sizeof(w->frames[0]));
	bool any_w = false;
	for (size_t i = 0; i < npages; i++)
		any_w |= (frames[i] & EMU_FRAME_W) != 0;
	uc_err ue = uc_mmio_map(e->uc, va, npages << 12, win_read, w, win_write, w);
	if (ue) {
		free(w);
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "emu: uc_mmio_map(va 0x%llx, %zu pages): %s",
		                    (unsigned long long)va, npages, uc_strerror(ue));
	}
	e->regions[e->nr_regions++] = (struct emu_map){.r = {.va = va,
	                                                     .size = npages << 12,
	                                                     .pa = frames[0] & ~0xfffull,
	                                                     .write = any_w,
	                                                     .exec = false,
	                                                     .mmio = true},
	                                               .win = w};
	return 0;
}

static void region_del(struct emu *e, size_t i)
{
	uc_mem_unmap(e->uc, e->regions[i].r.va, e->regions[i].r.size);
	free(e->regions[i].win);
	memmove(&e->regions[i], &e->regions[i + 1],
	        (e->nr_regions - i - 1) * sizeof(e->regions[0]));
	e->nr_regions--;
}

/* last = the last byte of the range (inclusive, so 2^64 - 1 fits) */
static bool overlaps(const struct emu_region *r, uint64_t first, uint64_t last)
{
	return r->va <= last && r->va + (r->size - 1) >= first;
}

/* Map again the part [va, va+size) of a removed region m. */
static int region_readd_part(struct emu *e, const struct emu_map *m, uint64_t va, uint64_t size,
                             struct vmemsim_err *err)
{
	if (m->win)
		return window_add(e, va, size >> 12, m->win->frames + ((va - m->r.va) >> 12), err);
	struct emu_region part = m->r;
	part.va = va;
	part.pa = m->r.pa + (va - m->r.va);
	part.size = size;
	return region_add(e, &part, err);
}

/* Unmap every region meeting [first, last]; the parts of a region outside
 * the range are mapped again as their own regions.  Errors only on memory
 * shortage while re-adding the outside parts. */
static int regions_clear(struct emu *e, uint64_t first, uint64_t last, struct vmemsim_err *err)
{
	int rc = 0;
	for (size_t i = 0; i < e->nr_regions;) {
		struct emu_map m = e->regions[i];
		if (!overlaps(&m.r, first, last)) {
			i++;
			continue;
		}
		struct emu_window *keep = m.win; /* region_del frees it: copy first */
		if (keep) {
			size_t bytes = sizeof(*keep) + keep->nr_pages * sizeof(keep->frames[0]);
			m.win = malloc(bytes);
			if (m.win)
				memcpy(m.win, keep, bytes);
			else
				rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "emu: out of memory");
		}
		region_del(e, i);
		if (keep && !m.win)
			continue;
		uint64_t end = m.r.va + (m.r.size - 1);
		if (m.r.va < first && !rc)
			rc = region_readd_part(e, &m, m.r.va, first - m.r.va, err);
		if (end > last && !rc)
			rc = region_readd_part(e, &m, last + 1, end - last, err);
		free(m.win);
		/* re-added parts went to the end; they do not overlap, so the
		 * scan from i stays correct */
	}
	regions_sort(e);
	return rc;
}

/* ---- building regions from the page tables --------------------------------- */

struct runs {
	struct emu_region *v;
	size_t n, cap;
};

static int runs_push(struct runs *rs, const struct emu_region *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct emu_region *p = realloc(rs->v, cap * sizeof(*p));
		if (!p)
			return VMEMSIM_ENOMEM;
		rs->v = p;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

struct map_ctx {
	uint64_t first, last;
	struct runs runs; /* coalesced, in VA order */
	int rc;
};

static int collect_leaf(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
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
	struct emu_region *run = c->runs.n ? &c->runs.v[c->runs.n - 1] : NULL;
	if (run && run->va + run->size == r.va && run->pa + run->size == r.pa &&
	    run->write == r.write && run->exec == r.exec) {
		run->size += r.size;
		return 0;
	}
	if (runs_push(&c->runs, &r)) {
		c->rc = VMEMSIM_ENOMEM;
		return 1;
	}
	return 0;
}

/* A run that may go into a window: small, and not executable (Unicorn does
 * not fetch code from MMIO, so code always stays in RAM regions). */
static bool run_small(const struct emu_region *r)
{
	return r->size < EMU_WINDOW_BIG_RUN && !r->exec;
}

/* The end (exclusive index) of the stretch of small VA-adjacent runs
 * starting at i. */
static size_t stretch_end(const struct runs *rs, size_t i)
{
	size_t j = i + 1;
	if (!run_small(&rs->v[i]))
		return j;
	while (j < rs->n && run_small(&rs->v[j]) &&
	       rs->v[j].va == rs->v[j - 1].va + rs->v[j - 1].size)
		j++;
	return j;
}

static int window_from_runs(struct emu *e, const struct emu_region *r, size_t n,
                            struct vmemsim_err *err)
{
	uint64_t va = r[0].va, bytes = r[n - 1].va + r[n - 1].size - va;
	size_t npages = bytes >> 12;
	uint64_t *frames = malloc(npages * sizeof(*frames));
	if (!frames)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "emu: out of memory for a window");
	int rc = 0;
	for (size_t k = 0; k < n && !rc; k++) {
		rc = check_phys(e, r[k].va, r[k].pa, r[k].size, err);
		for (uint64_t off = 0; off < r[k].size && !rc; off += 4096)
			frames[(r[k].va + off - va) >> 12] = (r[k].pa + off) |
			                                     (r[k].write ? EMU_FRAME_W : 0) |
			                                     (r[k].exec ? EMU_FRAME_X : 0);
	}
	if (!rc)
		rc = window_add(e, va, npages, frames, err);
	free(frames);
	return rc;
}

/* How many Unicorn regions the runs will take. */
static size_t regions_needed(const struct runs *rs)
{
	size_t n = 0;
	for (size_t i = 0, j; i < rs->n; i = j) {
		j = stretch_end(rs, i);
		n += j - i > EMU_WINDOW_MIN_RUNS ? 1 : j - i;
	}
	return n;
}

static int map_runs(struct emu *e, const struct runs *rs, struct vmemsim_err *err)
{
	int rc = 0;
	for (size_t i = 0, j; i < rs->n && !rc; i = j) {
		j = stretch_end(rs, i);
		if (j - i > EMU_WINDOW_MIN_RUNS) {
			rc = window_from_runs(e, &rs->v[i], j - i, err);
			continue;
		}
		for (size_t k = i; k < j && !rc; k++)
			rc = region_add(e, &rs->v[k], err);
	}
	return rc;
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
	struct map_ctx c = {.first = va_start, .last = last};
	mmu_pt_for_each_leaf(e->pt, va_start, va_end ? va_end : UINT64_MAX, collect_leaf, &c);
	size_t before = e->nr_regions, need = c.runs.n ? regions_needed(&c.runs) : 0;
	if (c.rc)
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "emu: out of memory collecting leaves");
	else if (before + need > EMU_MAX_UC_REGIONS)
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM,
		                  "emu: the page tables in [0x%llx, 0x%llx] need %zu Unicorn "
		                  "regions (limit %d): too fragmented",
		                  (unsigned long long)va_start, (unsigned long long)last,
		                  before + need, EMU_MAX_UC_REGIONS);
	else
		rc = map_runs(e, &c.runs, err);
	free(c.runs.v);
	if (rc) {
		while (e->nr_regions > before)
			region_del(e, e->nr_regions - 1);
		return rc;
	}
	regions_sort(e);
	return 0;
}

void emu_unmap(struct emu *e, uint64_t va_start, uint64_t va_end)
{
	regions_clear(e, va_start, va_end ? va_end - 1 : UINT64_MAX, NULL);
}

size_t emu_regions(const struct emu *e, struct emu_region *out, size_t n)
{
	for (size_t i = 0; i < n && i < e->nr_regions; i++)
		out[i] = e->regions[i].r;
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
