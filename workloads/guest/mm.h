/*
 * workloads/guest/mm.h — the guest's memory-model accessors.
 *
 * pfn_to_page(), page_to_pfn() and pfn_valid() written the way the kernel's
 * include/asm-generic/memory_model.h and include/linux/mmzone.h compute them
 * (facts: /work/shared/reference/linux-sparse.md §3, §4), so the instruction
 * and load mix under Unicorn is the kernel's.  The guest is compiled once per
 * memory model with -DGUEST_MODEL=<enum sparse_model>; the model tests below
 * are compile-time constants, so each build keeps only its own path (no
 * #ifdef, as in the kernel's stubs-per-variant style).
 *
 * What the kernel has as compile-time constants (PAGE_SHIFT, the section
 * shift, SECTIONS_PER_ROOT, the page->flags SECTIONS field) are constants
 * here too, checked against boot_params by wl_check_abi().  What the kernel
 * loads from memory (vmemmap_base, mem_section, mem_map, max_mapnr, the
 * 4/5-level NR_MEM_SECTIONS) is loaded from the boot_params block in the
 * image's .data, as the kernel loads its globals.
 */
#ifndef VMEMSIM_GUEST_MM_H
#define VMEMSIM_GUEST_MM_H

#include <stddef.h>
#include <stdint.h>

#include "../../sparse/boot_params.h"

#ifndef GUEST_MODEL
#error "GUEST_MODEL must be set to an enum sparse_model value"
#endif

extern struct sparse_boot_params boot_params;

struct list_head {
	struct list_head *next, *prev;
};

/* struct page as sparse/boot_params.h lays it out (64 bytes, 6.12 offsets);
 * the union mirrors the kernel's: lru for buddy pages, pgmap and
 * zone_device_data for ZONE_DEVICE pages. */
struct page {
	uint64_t flags;
	union {
		struct list_head lru;
		struct {
			void *pgmap;
			void *zone_device_data;
		};
	};
	uint64_t mapping;
	uint64_t index;
	uint64_t private_;
	int32_t _mapcount; /* page_type for PageBuddy pages */
	int32_t _refcount;
	uint64_t memcg_data;
};
_Static_assert(sizeof(struct page) == sizeof(struct sparse_page), "struct page");
_Static_assert(offsetof(struct page, lru) == offsetof(struct sparse_page, lru_next), "lru");
_Static_assert(offsetof(struct page, _mapcount) == offsetof(struct sparse_page, _mapcount), "mc");

struct mem_section {
	uint64_t section_mem_map;
	struct sparse_mem_section_usage *usage;
};
_Static_assert(sizeof(struct mem_section) == sizeof(struct sparse_mem_section), "mem_section");

#define IS_FLATMEM (GUEST_MODEL == SPARSE_MODEL_FLATMEM)
#define IS_CLASSIC_SPARSE                                                                          \
	(GUEST_MODEL == SPARSE_MODEL_STATIC || GUEST_MODEL == SPARSE_MODEL_EXTREME)
#define IS_EXTREME (GUEST_MODEL == SPARSE_MODEL_EXTREME)
#define IS_VMEMMAP (GUEST_MODEL >= SPARSE_MODEL_VMEMMAP_4K)

/* linux-sparse.md §1 */
#define PAGE_SHIFT        12
#define PAGE_SIZE         (1ul << PAGE_SHIFT)
#define PFN_SECTION_SHIFT 15
#define PAGES_PER_SECTION (1ul << PFN_SECTION_SHIFT)
#define PAGE_SECTION_MASK (~(PAGES_PER_SECTION - 1))
/* EXTREME: one page of mem_sections per root (4096 / 16); classic static
 * sparse: SECTIONS_PER_ROOT 1, NR_SECTION_ROOTS = NR_MEM_SECTIONS
 * (linux-sparse.md §1).  The vmemmap models use the EXTREME roots. */
#define SECTIONS_PER_ROOT       (GUEST_MODEL == SPARSE_MODEL_STATIC ? 1ul : 256ul)
#define SECTION_ROOT_MASK       (SECTIONS_PER_ROOT - 1)
#define PFN_SUBSECTION_SHIFT    9 /* SUBSECTION_SHIFT 21 - PAGE_SHIFT */
#define PAGES_PER_SUBSECTION    (1ul << PFN_SUBSECTION_SHIFT)
#define SUBSECTIONS_PER_SECTION (1ul << (PFN_SECTION_SHIFT - PFN_SUBSECTION_SHIFT))
#define PAGEBLOCK_ORDER         9
#define PAGEBLOCK_NR_PAGES      (1ul << PAGEBLOCK_ORDER)
#define MAX_PAGE_ORDER          10
/* Classic sparse keeps the section number in the top bits of page->flags:
 * SECTIONS_WIDTH = MAX_PHYSMEM_BITS(46) - SECTION_SIZE_BITS(27) = 19,
 * SECTIONS_PGSHIFT = 64 - 19 (linux-sparse.md §3). */
#define SECTIONS_WIDTH   19
#define SECTIONS_PGSHIFT (64 - SECTIONS_WIDTH)
#define SECTIONS_MASK    ((1ul << SECTIONS_WIDTH) - 1)

#define SECTION_MAP_MASK SPARSE_SECTION_MAP_MASK

/* ---- sections (mmzone.h) -------------------------------------------------- */

static inline unsigned long pfn_to_section_nr(unsigned long pfn)
{
	return pfn >> PFN_SECTION_SHIFT;
}

static inline struct mem_section *__nr_to_section(unsigned long nr)
{
	unsigned long root = nr / SECTIONS_PER_ROOT;

	if (root >= boot_params.nr_section_roots)
		return NULL;
	if (IS_EXTREME || IS_VMEMMAP) {
		/* struct mem_section **mem_section: the root array is allocated
		 * at boot, each root page when its first section appears. */
		struct mem_section **roots = (struct mem_section **)boot_params.mem_section;
		if (!roots || !roots[root])
			return NULL;
		return &roots[root][nr & SECTION_ROOT_MASK];
	}
	/* static struct mem_section mem_section[NR_SECTION_ROOTS][SECTIONS_PER_ROOT]:
	 * the address is a link-time constant in the kernel, a .data load here. */
	struct mem_section(*table)[SECTIONS_PER_ROOT] =
	    (struct mem_section(*)[SECTIONS_PER_ROOT])boot_params.mem_section;
	return &table[root][nr & SECTION_ROOT_MASK];
}

static inline struct mem_section *__pfn_to_section(unsigned long pfn)
{
	return __nr_to_section(pfn_to_section_nr(pfn));
}

static inline struct page *__section_mem_map_addr(const struct mem_section *ms)
{
	return (struct page *)(ms->section_mem_map & SECTION_MAP_MASK);
}

static inline int valid_section(const struct mem_section *ms)
{
	return ms && (ms->section_mem_map & SPARSE_SECTION_HAS_MEM_MAP);
}

static inline int early_section(const struct mem_section *ms)
{
	return ms && (ms->section_mem_map & SPARSE_SECTION_IS_EARLY);
}

/* ---- memory_model.h ------------------------------------------------------- */

static inline struct page *pfn_to_page(unsigned long pfn)
{
	if (IS_FLATMEM)
		return (struct page *)boot_params.mem_map + (pfn - boot_params.arch_pfn_offset);
	if (IS_VMEMMAP)
		return (struct page *)boot_params.vmemmap_base + pfn;
	return __section_mem_map_addr(__pfn_to_section(pfn)) + pfn;
}

static inline unsigned long page_to_section(const struct page *page)
{
	return (page->flags >> SECTIONS_PGSHIFT) & SECTIONS_MASK;
}

static inline unsigned long page_to_pfn(const struct page *page)
{
	if (IS_FLATMEM)
		return (unsigned long)(page - (struct page *)boot_params.mem_map) +
		       boot_params.arch_pfn_offset;
	if (IS_VMEMMAP)
		return (unsigned long)(page - (struct page *)boot_params.vmemmap_base);
	return (unsigned long)(page -
	                       __section_mem_map_addr(__nr_to_section(page_to_section(page))));
}

/* ---- pfn_valid (mmzone.h; linux-sparse.md §4) ----------------------------- */

static inline int pfn_section_valid(const struct mem_section *ms, unsigned long pfn)
{
	if (!IS_VMEMMAP)
		return 1; /* classic sparse: a section is all or nothing */
	const struct sparse_mem_section_usage *usage = ms->usage;
	if (!usage)
		return 0;
	unsigned long idx = (pfn & (PAGES_PER_SECTION - 1)) >> PFN_SUBSECTION_SHIFT;
	return (usage->subsection_map >> idx) & 1;
}

/* rcu_read_lock_sched()/unlock are preempt_disable()/enable(): compiler
 * barriers, so the caller's pfn_to_page() cannot reuse this section lookup. */
static inline void rcu_barrier_sched(void)
{
	__asm__ volatile("" ::: "memory");
}

static inline int pfn_valid(unsigned long pfn)
{
	if (IS_FLATMEM)
		return pfn - boot_params.arch_pfn_offset < boot_params.max_mapnr;
	/* Reject pfns whose physical address would overflow. */
	if ((pfn << PAGE_SHIFT) >> PAGE_SHIFT != pfn)
		return 0;
	if (pfn_to_section_nr(pfn) >= boot_params.nr_mem_sections)
		return 0;
	rcu_barrier_sched();
	const struct mem_section *ms = __pfn_to_section(pfn);
	int ret = 0;
	if (valid_section(ms))
		ret = early_section(ms) || pfn_section_valid(ms, pfn);
	rcu_barrier_sched();
	return ret;
}

/* mm_zero_struct_page(): eight 8-byte stores for a 64-byte struct page. */
static inline void mm_zero_struct_page(struct page *page)
{
	uint64_t *w = (uint64_t *)page;
	w[0] = 0, w[1] = 0, w[2] = 0, w[3] = 0, w[4] = 0, w[5] = 0, w[6] = 0, w[7] = 0;
}

#endif /* VMEMSIM_GUEST_MM_H */
