/*
 * sparse/alloc.c — physical memory allocation for the model: memblock (free
 * extents of RAM, top-down like memblock_alloc), per-use accounting, the
 * page-table page source (alloc_low_pages: static tables, BRK, then memblock
 * within the mapped window), and a 64-byte slab for hot-added usage.
 *
 * Invariants:
 *  (1) mb.free[] is sorted by start, extents are disjoint, non-empty, 4 KiB
 *      aligned and lie inside RAM ranges of their node.
 *  (2) st.bytes[use] is the sum of live allocations of that use.
 *  (3) every page handed to the page-table builder is zeroed.
 */
#include <stdlib.h>

#include "internal.h"

/* ---- memblock ---------------------------------------------------------- */

static int sparse_mb_insert(struct sparse_memblock *mb, unsigned at, struct sparse_mb_extent e)
{
	if (mb->nr == mb->cap) {
		unsigned cap = mb->cap ? mb->cap * 2 : 64;
		struct sparse_mb_extent *n = realloc(mb->free, cap * sizeof(*n));
		if (!n)
			return VMEMSIM_ENOMEM;
		mb->free = n;
		mb->cap = cap;
	}
	memmove(&mb->free[at + 1], &mb->free[at], (mb->nr - at) * sizeof(*mb->free));
	mb->free[at] = e;
	mb->nr++;
	return 0;
}

static void sparse_mb_remove_at(struct sparse_memblock *mb, unsigned at)
{
	memmove(&mb->free[at], &mb->free[at + 1], (mb->nr - at - 1) * sizeof(*mb->free));
	mb->nr--;
}

int sparse_mb_init(struct sparse_memblock *mb, const struct sparse_layout *l,
                   struct vmemsim_err *err)
{
	memset(mb, 0, sizeof(*mb));
	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		struct sparse_mb_extent e = {r->start, r->end, r->nid};
		if (r->kind != SPARSE_RANGE_RAM)
			continue;
		if (sparse_mb_insert(mb, mb->nr, e) < 0) {
			sparse_mb_fini(mb);
			return vmemsim_errf(err, VMEMSIM_ENOMEM, "memblock: out of host memory");
		}
	}
	return 0;
}

void sparse_mb_fini(struct sparse_memblock *mb)
{
	free(mb->free);
	memset(mb, 0, sizeof(*mb));
}

/* Cut [start, end) out of extent i (which contains it). */
static int sparse_mb_carve(struct sparse_memblock *mb, unsigned i, uint64_t start, uint64_t end)
{
	struct sparse_mb_extent e = mb->free[i];

	if (start == e.start && end == e.end) {
		sparse_mb_remove_at(mb, i);
		return 0;
	}
	if (start == e.start) {
		mb->free[i].start = end;
		return 0;
	}
	if (end == e.end) {
		mb->free[i].end = start;
		return 0;
	}
	struct sparse_mb_extent tail = {end, e.end, e.nid};
	if (sparse_mb_insert(mb, i + 1, tail) < 0)
		return VMEMSIM_ENOMEM;
	mb->free[i].end = start;
	return 0;
}

uint64_t sparse_mb_alloc(struct sparse_memblock *mb, uint64_t size, uint64_t align, int nid,
                         uint64_t min, uint64_t max)
{
	for (unsigned i = mb->nr; i-- > 0;) {
		struct sparse_mb_extent *e = &mb->free[i];
		uint64_t lo = e->start > min ? e->start : min;
		uint64_t hi = e->end < max ? e->end : max;
		uint64_t pa;

		if (nid >= 0 && e->nid != (unsigned)nid)
			continue;
		if (hi < lo + size)
			continue;
		pa = ALIGN_DOWN(hi - size, align);
		if (pa < lo)
			continue;
		if (sparse_mb_carve(mb, i, pa, pa + size) < 0)
			return NO_PA;
		return pa;
	}
	return NO_PA;
}

uint64_t sparse_mb_reserve(struct sparse_memblock *mb, uint64_t start, uint64_t end)
{
	uint64_t taken = 0;

	for (unsigned i = mb->nr; i-- > 0;) {
		struct sparse_mb_extent e = mb->free[i];
		uint64_t lo = e.start > start ? e.start : start;
		uint64_t hi = e.end < end ? e.end : end;
		if (lo >= hi)
			continue;
		if (sparse_mb_carve(mb, i, lo, hi) < 0)
			break;
		taken += hi - lo;
	}
	return taken;
}

int sparse_mb_free(struct sparse_memblock *mb, uint64_t start, uint64_t size, unsigned nid)
{
	uint64_t end = start + size;
	unsigned i = 0;

	while (i < mb->nr && mb->free[i].start < start)
		i++;
	/* merge with the previous and/or next extent of the same node */
	if (i > 0 && mb->free[i - 1].end == start && mb->free[i - 1].nid == nid) {
		mb->free[i - 1].end = end;
		if (i < mb->nr && mb->free[i].start == end && mb->free[i].nid == nid) {
			mb->free[i - 1].end = mb->free[i].end;
			sparse_mb_remove_at(mb, i);
		}
		return 0;
	}
	if (i < mb->nr && mb->free[i].start == end && mb->free[i].nid == nid) {
		mb->free[i].start = start;
		return 0;
	}
	struct sparse_mb_extent e = {start, end, nid};
	return sparse_mb_insert(mb, i, e);
}

uint64_t sparse_mb_free_bytes(const struct sparse_memblock *mb)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < mb->nr; i++)
		s += mb->free[i].end - mb->free[i].start;
	return s;
}

bool sparse_mb_is_free(const struct sparse_memblock *mb, uint64_t pa)
{
	for (unsigned i = 0; i < mb->nr; i++)
		if (pa >= mb->free[i].start && pa < mb->free[i].end)
			return true;
	return false;
}

/* ---- accounted allocations ------------------------------------------------ */

static const char *const use_names[SPARSE_NR_USES] = {
    [SPARSE_USE_MEMMAP] = "memmap",           [SPARSE_USE_MEMMAP_ALTMAP] = "memmap (altmap)",
    [SPARSE_USE_USAGE] = "mem_section_usage", [SPARSE_USE_MEM_SECTION] = "mem_section",
    [SPARSE_USE_PGTABLE] = "page tables",     [SPARSE_USE_LOOKUP] = "pfn lookup tables",
    [SPARSE_USE_KERNEL] = "kernel",           [SPARSE_USE_STACK] = "stack",
    [SPARSE_USE_SCRATCH] = "scratch",         [SPARSE_USE_HUGETLB] = "hugetlb pool",
};

const char *sparse_use_name(enum sparse_use u)
{
	return (unsigned)u < SPARSE_NR_USES ? use_names[u] : "?";
}

/* memblock_alloc_try_nid(): the node first, then any node.  The memory is
 * zeroed (memblock_alloc zeroes; guest memory starts zero, but a freed and
 * reused block may not be). */
uint64_t sparse_alloc(struct sparse_machine *m, enum sparse_use use, uint64_t size, uint64_t align,
                      int nid)
{
	uint64_t pa = sparse_mb_alloc(&m->mb, size, align, nid, 0, UINT64_MAX);

	if (pa == NO_PA && nid >= 0)
		pa = sparse_mb_alloc(&m->mb, size, align, -1, 0, UINT64_MAX);
	if (pa == NO_PA)
		return NO_PA;
	memset(sparse_ptr(m, pa), 0, size);
	m->st.bytes[use] += size;
	return pa;
}

void sparse_free(struct sparse_machine *m, enum sparse_use use, uint64_t pa, uint64_t size)
{
	sparse_mb_free(&m->mb, pa, size, sparse_pfn_nid(m, pa >> SPARSE_PAGE_SHIFT));
	m->st.bytes[use] -= size;
}

/* ---- page-table pages (alloc_low_pages, init.c) ------------------------- */

static int pt_alloc(void *ctx, enum mmu_level level, uint64_t *pa)
{
	struct sparse_machine *m = ctx;
	uint64_t p = NO_PA;

	if (m->pt_use_static && m->static_next < m->static_end) {
		p = m->static_next;
		m->static_next += SPARSE_PAGE_SIZE;
		m->st.pt_from_static++;
	} else if (m->pt_early && m->brk_next < m->brk_end) {
		p = m->brk_next;
		m->brk_next += SPARSE_PAGE_SIZE;
		m->st.pt_from_brk++;
	} else if (m->pt_early) {
		/* memblock within [min_pfn_mapped, max_pfn_mapped): already mapped */
		p = sparse_mb_alloc(&m->mb, SPARSE_PAGE_SIZE, SPARSE_PAGE_SIZE, -1, m->pt_min,
		                    m->pt_max);
		if (p == NO_PA)
			p = sparse_mb_alloc(&m->mb, SPARSE_PAGE_SIZE, SPARSE_PAGE_SIZE, -1, 0,
			                    UINT64_MAX);
		if (p != NO_PA) {
			m->st.bytes[SPARSE_USE_PGTABLE] += SPARSE_PAGE_SIZE;
			m->st.pt_from_memblock++;
		}
	} else {
		/* after boot: the node's memory, like pte_alloc_one on the node */
		p = sparse_alloc(m, SPARSE_USE_PGTABLE, SPARSE_PAGE_SIZE, SPARSE_PAGE_SIZE,
		                 m->pt_nid);
		if (p != NO_PA)
			m->st.pt_from_memblock++;
	}
	if (p == NO_PA)
		return VMEMSIM_ENOMEM;
	memset(sparse_ptr(m, p), 0, SPARSE_PAGE_SIZE);
	(void)level;
	*pa = p;
	return 0;
}

static bool in_image(uint64_t pa)
{
	return pa >= SPARSE_LOAD_PHYSICAL_ADDR && pa < SPARSE_LOAD_PHYSICAL_ADDR + IMG_AREA_SIZE;
}

/* Tables freed by unmapping go back to memblock; static and BRK tables are
 * part of the image and are never reused (the kernel frees neither). */
static void pt_free(void *ctx, uint64_t pa)
{
	struct sparse_machine *m = ctx;

	if (in_image(pa))
		return;
	sparse_free(m, SPARSE_USE_PGTABLE, pa, SPARSE_PAGE_SIZE);
}

struct mmu_pt_allocator sparse_pt_allocator(struct sparse_machine *m)
{
	struct mmu_pt_allocator a = {.alloc = pt_alloc, .free = pt_free, .ctx = m};
	return a;
}

/* ---- 64-byte slab for hot-added mem_section_usage ------------------------ */

int sparse_slab_alloc(struct sparse_machine *m, uint64_t *pa)
{
	unsigned i;

	for (i = 0; i < m->nr_slab; i++)
		if (m->slab[i].used != UINT64_MAX)
			break;
	if (i == m->nr_slab) {
		if (m->nr_slab == m->cap_slab) {
			unsigned cap = m->cap_slab ? 2 * m->cap_slab : 8;
			struct sparse_slab_page *n = realloc(m->slab, cap * sizeof(*n));
			if (!n)
				return VMEMSIM_ENOMEM;
			m->slab = n;
			m->cap_slab = cap;
		}
		uint64_t p =
		    sparse_alloc(m, SPARSE_USE_USAGE, SPARSE_PAGE_SIZE, SPARSE_PAGE_SIZE, -1);
		if (p == NO_PA)
			return VMEMSIM_ENOMEM;
		m->slab[m->nr_slab].pa = p;
		m->slab[m->nr_slab].used = 0;
		m->nr_slab++;
	}
	unsigned slot = (unsigned)__builtin_ctzll(~m->slab[i].used);
	m->slab[i].used |= 1ull << slot;
	*pa = m->slab[i].pa + 64ull * slot;
	memset(sparse_ptr(m, *pa), 0, 64);
	return 0;
}

void sparse_slab_free(struct sparse_machine *m, uint64_t pa)
{
	for (unsigned i = 0; i < m->nr_slab; i++) {
		if (pa < m->slab[i].pa || pa >= m->slab[i].pa + SPARSE_PAGE_SIZE)
			continue;
		m->slab[i].used &= ~(1ull << ((pa - m->slab[i].pa) / 64));
		if (!m->slab[i].used) {
			sparse_free(m, SPARSE_USE_USAGE, m->slab[i].pa, SPARSE_PAGE_SIZE);
			m->slab[i] = m->slab[--m->nr_slab];
		}
		return;
	}
}
