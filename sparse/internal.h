/*
 * sparse/internal.h — the machine's host-side bookkeeping, shared by the
 * sparse/ source files only.  Not installed, not included outside sparse/.
 */
#ifndef VMEMSIM_SPARSE_INTERNAL_H
#define VMEMSIM_SPARSE_INTERNAL_H

#include <string.h>

#include "sparse.h"

#define SZ_1M (1ull << 20)
#define SZ_2M (2ull << 20)
#define SZ_1G (1ull << 30)

#define ALIGN_UP(x, a)   (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define NO_PA            UINT64_MAX

/* Leaf protections as the kernel writes them (pgtable_types.h): __PAGE_KERNEL
 * is P|RW|A|NX|D|G, __PAGE_KERNEL_EXEC drops NX, __PAGE_KERNEL_RO is P|A|NX|G.
 * A and D come pre-set, so kernel memory never takes an A/D assist. */
#define SPARSE_PAGE_KERNEL      (PTE_P | PTE_RW | PTE_A | PTE_NX | PTE_D | PTE_G)
#define SPARSE_PAGE_KERNEL_EXEC (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_G)
#define SPARSE_PAGE_KERNEL_RO   (PTE_P | PTE_A | PTE_NX | PTE_G)

/* Kernel image area, relative to LOAD_PHYSICAL_ADDR (sparse.h). */
#define IMG_MEM_SECTION_OFF (16ull << 20)
#define IMG_STATIC_PT_OFF   (24ull << 20)
#define IMG_STATIC_PT_PAGES 256ull
#define IMG_BRK_OFF         (25ull << 20)
#define IMG_AREA_SIZE       (32ull << 20)

/* ---- memblock: free physical extents, top-down allocation --------------- */

struct sparse_mb_extent {
	uint64_t start, end;
	unsigned nid;
};
struct sparse_memblock {
	struct sparse_mb_extent *free; /* sorted by start, disjoint, never empty extents */
	unsigned nr, cap;
};
int sparse_mb_init(struct sparse_memblock *mb, const struct sparse_layout *l,
                   struct vmemsim_err *err);
void sparse_mb_fini(struct sparse_memblock *mb);
/* Top-down: the highest aligned block of size in [min, max) on nid (or any
 * node when nid < 0).  Returns NO_PA when none fits. */
uint64_t sparse_mb_alloc(struct sparse_memblock *mb, uint64_t size, uint64_t align, int nid,
                         uint64_t min, uint64_t max);
/* Take [start, end) out of the free extents (memblock_reserve); returns the
 * bytes that were free. */
uint64_t sparse_mb_reserve(struct sparse_memblock *mb, uint64_t start, uint64_t end);
int sparse_mb_free(struct sparse_memblock *mb, uint64_t start, uint64_t size, unsigned nid);
uint64_t sparse_mb_free_bytes(const struct sparse_memblock *mb);
bool sparse_mb_is_free(const struct sparse_memblock *mb, uint64_t pa);

/* ---- a small slab for hot-added mem_section_usage (64-byte slots) ------- */

struct sparse_slab_page {
	uint64_t pa;
	uint64_t used; /* bitmap of 64 slots */
};

/* ---- one hot-added device range ------------------------------------------ */

struct sparse_altmap {
	uint64_t base_pfn, end_pfn, reserve, free, align, alloc;
};

struct sparse_dev {
	uint64_t start_pfn, end_pfn;
	unsigned nid;
	bool with_altmap;
	struct sparse_altmap altmap;
};
#define SPARSE_MAX_DEVS SPARSE_BOOT_MAX_DEV_RANGES

/* ---- the machine ----------------------------------------------------------- */

struct sparse_machine {
	struct mmu_phys phys;
	struct mmu_pt pt;
	struct sparse_memblock mb;
	struct sparse_layout layout; /* checked, ranges sorted by start */
	enum sparse_model model;
	struct sparse_params params;
	/* The paging mode's layout (4- or 5-level, [ref §1]). */
	uint64_t page_offset, vmemmap_base, vmalloc_base;
	uint64_t nr_mem_sections, nr_section_roots;
	unsigned max_physmem_bits;
	struct sparse_boot_params bp;
	struct sparse_stats st;

	uint64_t end_pfn;      /* whole physical span (RAM and device) */
	uint64_t nr_sections;  /* sections spanned: ceil(end_pfn / PAGES_PER_SECTION) */
	uint64_t *memmap_pa;   /* per subsection: PA of its first struct page, or NO_PA */
	uint64_t *hvo_page_pa; /* per hugetlb page under HVO: the one vmemmap page */
	uint64_t nr_hvo;

	/* page-table page sources (alloc_low_pages) */
	uint64_t static_next, static_end; /* image's static tables */
	uint64_t brk_next, brk_end;       /* pgt_buf */
	uint64_t pt_min, pt_max;          /* memblock window for early tables */
	bool pt_early;                    /* use static/brk/window policy */
	bool pt_use_static;
	int pt_nid;

	/* the sparse buffer of the node being initialised */
	uint64_t sbuf_next, sbuf_end;

	struct sparse_slab_page *slab;
	unsigned nr_slab, cap_slab;

	struct sparse_dev devs[SPARSE_MAX_DEVS];
	unsigned nr_devs;
	uint64_t memremap_next; /* next free VA in the memremap window */
};

/* layout.c */
int sparse_layout_sort(struct sparse_layout *l);
unsigned sparse_pfn_nid(const struct sparse_machine *m, uint64_t pfn);
bool sparse_pfn_in_memory(const struct sparse_machine *m, uint64_t pfn, bool *reserved);

/* alloc.c: memblock allocations with accounting, direct-map VAs */
uint64_t sparse_alloc(struct sparse_machine *m, enum sparse_use use, uint64_t size, uint64_t align,
                      int nid);
void sparse_free(struct sparse_machine *m, enum sparse_use use, uint64_t pa, uint64_t size);
/* The direct-map VA of pa (__va). */
static inline uint64_t sparse_va(const struct sparse_machine *m, uint64_t pa)
{
	return m->page_offset + pa;
}
static inline void *sparse_ptr(struct sparse_machine *m, uint64_t pa)
{
	return mmu_phys_ptr(&m->phys, pa);
}
static inline void wr64(struct sparse_machine *m, uint64_t pa, uint64_t v)
{
	mmu_phys_write64(&m->phys, pa, v);
}
static inline uint64_t rd64(const struct sparse_machine *m, uint64_t pa)
{
	return mmu_phys_read64(&m->phys, pa);
}
struct mmu_pt_allocator sparse_pt_allocator(struct sparse_machine *m);
int sparse_slab_alloc(struct sparse_machine *m, uint64_t *pa);
void sparse_slab_free(struct sparse_machine *m, uint64_t pa);

/* sections.c */
int sparse_sections_init(struct sparse_machine *m, struct vmemsim_err *err);
uint64_t sparse_section_pa(const struct sparse_machine *m, uint64_t nr); /* NO_PA if absent */
int sparse_ensure_root(struct sparse_machine *m, uint64_t nr, unsigned nid,
                       struct vmemsim_err *err);
int sparse_memory_present(struct sparse_machine *m, struct vmemsim_err *err);
unsigned sparse_section_early_nid(const struct sparse_machine *m, uint64_t nr);
void sparse_init_one_section(struct sparse_machine *m, uint64_t nr, uint64_t mem_map_va,
                             uint64_t usage_pa, uint64_t flags);
void sparse_section_set_usage_pb(struct sparse_machine *m, uint64_t usage_pa, uint64_t pfn_lo,
                                 uint64_t pfn_hi);

/* memmap.c */
int sparse_memmap_init(struct sparse_machine *m, struct vmemsim_err *err);
void sparse_init_pages(struct sparse_machine *m, uint64_t pfn_lo, uint64_t pfn_hi,
                       enum sparse_zone zone_override, bool device);
uint64_t sparse_page_va(const struct sparse_machine *m, uint64_t pfn);
uint64_t sparse_memmap_pa_of(const struct sparse_machine *m, uint64_t pfn);
uint64_t sparse_buffer_alloc(struct sparse_machine *m, uint64_t size);
void sparse_hugetlb_prep(struct sparse_machine *m);

/* vmemmap.c */
int sparse_vmemmap_populate(struct sparse_machine *m, uint64_t pfn, uint64_t nr_pages, unsigned nid,
                            struct sparse_altmap *altmap, struct vmemsim_err *err);
void sparse_vmemmap_depopulate(struct sparse_machine *m, uint64_t pfn, uint64_t nr_pages,
                               struct sparse_altmap *altmap);
int sparse_hvo_apply(struct sparse_machine *m, struct vmemsim_err *err);

/* boot_pt.c */
int sparse_boot_pt_init(struct sparse_machine *m, struct vmemsim_err *err);
int sparse_direct_map_init(struct sparse_machine *m, struct vmemsim_err *err);
int sparse_kernel_maps_init(struct sparse_machine *m, struct vmemsim_err *err);
int sparse_map(struct sparse_machine *m, enum sparse_pt_purpose purpose, uint64_t va, uint64_t pa,
               uint64_t size, unsigned ps_mask, uint64_t prot, struct vmemsim_err *err);
int sparse_init_memory_mapping(struct sparse_machine *m, uint64_t start, uint64_t end,
                               enum sparse_pt_purpose purpose, struct vmemsim_err *err);
void sparse_unmap(struct sparse_machine *m, enum sparse_pt_purpose purpose, uint64_t va,
                  uint64_t size);
int sparse_memremap(struct sparse_machine *m, uint64_t pa, uint64_t size, uint64_t *kaddr,
                    struct vmemsim_err *err);
void sparse_count_leaves(struct sparse_machine *m);

/* hotplug.c */
bool sparse_altmap_fits(uint64_t nr_pages, uint64_t reserve);

/* lookup.c */
int sparse_lookup_tables_init(struct sparse_machine *m, struct vmemsim_err *err);

#endif /* VMEMSIM_SPARSE_INTERNAL_H */
