/*
 * sparse/sparse.h — the Linux x86-64 memory model, laid out in guest memory.
 *
 * What it models.  Given a physical layout (RAM, reserved and device ranges
 * with NUMA nodes and holes) and one memory model (flatmem, sparse-static,
 * sparse-extreme, vmemmap-4k, vmemmap-2m, vmemmap-altmap, vmemmap-hvo), a
 * struct sparse_machine builds what the kernel has built by the end of
 * paging_init() plus the device memory its drivers hot-add:
 *   - memblock (free and reserved physical extents, top-down allocation),
 *   - mem_section (the static array or SPARSEMEM_EXTREME roots allocated on
 *     demand), mem_section_usage with subsection_map and pageblock flags,
 *   - the memmap (struct page, 64 bytes) from a per-node sparse buffer,
 *     every struct page initialised as __init_single_page() does,
 *   - the boot page tables: direct map top-down with 1G/2M/4K pieces and
 *     page-table pages from BRK then memblock, the kernel image mapping,
 *     vmemmap (4K PTEs, 2M PMDs, altmap, HVO), a stack, memremap windows,
 *   - ZONE_DEVICE hot-add and removal at sub-section or section granularity,
 *   - the seed-004 pfn -> kernel-address lookups (range list, section table).
 * All of it LIVES IN GUEST PHYSICAL MEMORY (struct mmu_phys) in the kernel's
 * own encodings; pointers stored there are guest VAs.  The host keeps only
 * bookkeeping (layout, memblock, accounting) — the guest-memory structures
 * are the truth, and the host-side reference functions below read them back
 * through the page tables exactly as guest code would.
 *
 * Units.  pfn = page frame number (4 KiB).  "pa" = guest-physical byte
 * address, "va" = guest virtual byte address.  Sizes in bytes unless the name
 * says pages.  Constants and names follow the kernel (reference:
 * /work/shared/reference/linux-sparse.md, cited as [ref §n]).
 *
 * Where things are (4-level, the defaults; see docs/memory-model.md):
 *   PA [16 MiB, 48 MiB)  kernel image area, mapped at __START_KERNEL_map + PA:
 *       [16, 32) MiB  the guest ELF is loaded here (VA 0xffffffff81000000)
 *       [32, 40) MiB  .bss: the static mem_section array (sparse-static)
 *       [40, 41) MiB  static page tables (init_top_pgt, level3/level2_kernel)
 *       [41, 41 MiB + brk_pages*4K)  BRK pgt_buf for early page tables
 *   VA 0xffff888000000000 + PA       direct map of RAM (and hot-added device)
 *   VA 0xffffea0000000000 + pfn*64   vmemmap (vmemmap models)
 *   VA 0xffffc90000000000            the stack (4K pages, vmalloc area)
 *   VA 0xffffd00000000000            memremap window for page-less device ranges
 *
 * Ownership.  struct sparse_machine owns its mmu_phys and mmu_pt; callers may
 * borrow &m->phys and &m->pt for emu/ and mmu/ for the machine's lifetime.
 * Nothing here prints, exits or keeps global state.
 *
 * Errors.  0 or a negative VMEMSIM_E* code with a message in *err naming the
 * range ("ranges[2]: ...") or pfn.  A failed sparse_machine_create() leaves
 * nothing allocated; a failed hotplug call leaves the machine as it was.
 */
#ifndef VMEMSIM_SPARSE_H
#define VMEMSIM_SPARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/vmemsim.h"
#include "../mmu/mmu.h"
#include "boot_params.h"

/* ---- Constants: the kernel's x86-64 values, derived from one another ---- */

#define SPARSE_PAGE_SHIFT           12 /* [ref §1] arch/Kconfig */
#define SPARSE_PAGE_SIZE            (1ull << SPARSE_PAGE_SHIFT)
#define SPARSE_SECTION_SIZE_BITS    27 /* asm/sparsemem.h: 128 MiB */
#define SPARSE_MAX_PHYSMEM_BITS     46 /* 4-level; 52 with 5-level */
#define SPARSE_MAX_PHYSMEM_BITS_L5  52
#define SPARSE_PFN_SECTION_SHIFT    (SPARSE_SECTION_SIZE_BITS - SPARSE_PAGE_SHIFT)
#define SPARSE_PAGES_PER_SECTION    (1ull << SPARSE_PFN_SECTION_SHIFT)
#define SPARSE_PAGE_SECTION_MASK    (~(SPARSE_PAGES_PER_SECTION - 1))
#define SPARSE_SECTIONS_SHIFT       (SPARSE_MAX_PHYSMEM_BITS - SPARSE_SECTION_SIZE_BITS)
#define SPARSE_NR_MEM_SECTIONS      (1ull << SPARSE_SECTIONS_SHIFT)
#define SPARSE_SUBSECTION_SHIFT     21 /* mmzone.h: 2 MiB, the same on every arch */
#define SPARSE_PFN_SUBSECTION_SHIFT (SPARSE_SUBSECTION_SHIFT - SPARSE_PAGE_SHIFT)
#define SPARSE_PAGES_PER_SUBSECTION (1ull << SPARSE_PFN_SUBSECTION_SHIFT)
#define SPARSE_SUBSECTIONS_PER_SECTION                                                             \
	(1ull << (SPARSE_SECTION_SIZE_BITS - SPARSE_SUBSECTION_SHIFT))
#define SPARSE_STRUCT_PAGE_SIZE 64ull
#define SPARSE_MEM_SECTION_SIZE 16ull
/* SPARSEMEM_EXTREME: one page of mem_sections per root. */
#define SPARSE_SECTIONS_PER_ROOT  (SPARSE_PAGE_SIZE / SPARSE_MEM_SECTION_SIZE)
#define SPARSE_SECTION_ROOT_MASK  (SPARSE_SECTIONS_PER_ROOT - 1)
#define SPARSE_NR_SECTION_ROOTS   (SPARSE_NR_MEM_SECTIONS / SPARSE_SECTIONS_PER_ROOT)
#define SPARSE_PAGEBLOCK_ORDER    9 /* min(HUGETLB_PAGE_ORDER, MAX_PAGE_ORDER) */
#define SPARSE_PAGEBLOCK_NR_PAGES (1ull << SPARSE_PAGEBLOCK_ORDER)
#define SPARSE_NR_PAGEBLOCK_BITS  4
#define SPARSE_MAX_PAGE_ORDER     10
#define SPARSE_MAX_ORDER_NR_PAGES (1ull << SPARSE_MAX_PAGE_ORDER)
/* Memmap of one full section: 32768 * 64 = 2 MiB (a PMD). */
#define SPARSE_SECTION_MEMMAP_BYTES (SPARSE_PAGES_PER_SECTION * SPARSE_STRUCT_PAGE_SIZE)

#define SPARSE_PAGE_OFFSET         0xffff888000000000ull /* __PAGE_OFFSET_BASE_L4 */
#define SPARSE_PAGE_OFFSET_L5      0xff11000000000000ull
#define SPARSE_VMEMMAP_BASE        0xffffea0000000000ull /* __VMEMMAP_BASE_L4 */
#define SPARSE_VMEMMAP_BASE_L5     0xffd4000000000000ull
#define SPARSE_START_KERNEL_MAP    0xffffffff80000000ull /* __START_KERNEL_map */
#define SPARSE_LOAD_PHYSICAL_ADDR  0x1000000ull          /* 16 MiB */
#define SPARSE_KERNEL_IMAGE_VA     (SPARSE_START_KERNEL_MAP + SPARSE_LOAD_PHYSICAL_ADDR)
#define SPARSE_ISA_END_ADDRESS     0x100000ull           /* the direct map maps [0, 1 MiB) first */
#define SPARSE_VMALLOC_BASE        0xffffc90000000000ull /* VMALLOC_START, 4-level */
#define SPARSE_VMALLOC_BASE_L5     0xffa0000000000000ull
#define SPARSE_STACK_VA            SPARSE_VMALLOC_BASE /* + a guard page, 4-level */
#define SPARSE_MEMREMAP_OFFSET     (7ull << 40)        /* memremap window in vmalloc */
#define SPARSE_MEMREMAP_VA         (SPARSE_VMALLOC_BASE + SPARSE_MEMREMAP_OFFSET)
#define SPARSE_NR_MEM_SECTIONS_L5  (1ull << (SPARSE_MAX_PHYSMEM_BITS_L5 - SPARSE_SECTION_SIZE_BITS))
#define SPARSE_NR_SECTION_ROOTS_L5 (SPARSE_NR_MEM_SECTIONS_L5 / SPARSE_SECTIONS_PER_ROOT)

/* page->flags layout, page-flags-layout.h for x86-64: NODES_SHIFT 6, five
 * zones (DMA, DMA32, NORMAL, MOVABLE, DEVICE) -> ZONES_SHIFT 3. */
#define SPARSE_NODES_SHIFT  6
#define SPARSE_MAX_NUMNODES (1u << SPARSE_NODES_SHIFT)
#define SPARSE_ZONES_SHIFT  3
enum sparse_zone {
	SPARSE_ZONE_DMA,
	SPARSE_ZONE_DMA32,
	SPARSE_ZONE_NORMAL,
	SPARSE_ZONE_MOVABLE,
	SPARSE_ZONE_DEVICE
};

_Static_assert(SPARSE_PFN_SECTION_SHIFT == 15, "PFN_SECTION_SHIFT");
_Static_assert(SPARSE_PAGES_PER_SECTION == 32768, "PAGES_PER_SECTION");
_Static_assert(SPARSE_NR_MEM_SECTIONS == (1ull << 19), "NR_MEM_SECTIONS, 4-level");
_Static_assert(SPARSE_SECTIONS_PER_ROOT == 256, "SECTIONS_PER_ROOT");
_Static_assert(SPARSE_NR_SECTION_ROOTS == 2048, "NR_SECTION_ROOTS, 4-level");
_Static_assert(SPARSE_NR_MEM_SECTIONS_L5 == (1ull << 25), "NR_MEM_SECTIONS, 5-level");
_Static_assert(SPARSE_NR_SECTION_ROOTS_L5 == 131072, "NR_SECTION_ROOTS, 5-level");
_Static_assert(SPARSE_MEMREMAP_VA == 0xffffd00000000000ull, "memremap window, 4-level");
_Static_assert(SPARSE_SUBSECTIONS_PER_SECTION == 64, "one u64 subsection_map");
_Static_assert(SPARSE_SUBSECTION_SHIFT <= SPARSE_SECTION_SIZE_BITS, "subsection > section");
_Static_assert(SPARSE_SECTION_MAP_LAST_BIT <= SPARSE_PFN_SECTION_SHIFT,
               "flag bits must fit below a section's worth of struct pages");
_Static_assert((SPARSE_MEM_SECTION_SIZE & (SPARSE_MEM_SECTION_SIZE - 1)) == 0,
               "mem_section must be a power of two (sparse_init BUILD_BUG_ON)");
_Static_assert(SPARSE_SECTION_MEMMAP_BYTES == (2ull << 20), "a section's memmap is one PMD");
_Static_assert(SPARSE_SUBSECTIONS_PER_SECTION *SPARSE_NR_PAGEBLOCK_BITS / 8 == 32,
               "pageblock flags of one section: 32 bytes");

/* ---- pfn / section / root arithmetic (mmzone.h) ------------------------- */

static inline uint64_t sparse_pfn_to_section_nr(uint64_t pfn)
{
	return pfn >> SPARSE_PFN_SECTION_SHIFT;
}
static inline uint64_t sparse_section_nr_to_pfn(uint64_t nr)
{
	return nr << SPARSE_PFN_SECTION_SHIFT;
}
static inline uint64_t sparse_section_nr_to_root(uint64_t nr)
{
	return nr / SPARSE_SECTIONS_PER_ROOT;
}
static inline uint64_t sparse_subsection_map_index(uint64_t pfn)
{
	return (pfn & ~SPARSE_PAGE_SECTION_MASK) >> SPARSE_PFN_SUBSECTION_SHIFT;
}
static inline uint64_t sparse_pfn_to_pa(uint64_t pfn)
{
	return pfn << SPARSE_PAGE_SHIFT;
}

/* section_mem_map: mem_map VA minus the section's first pfn in struct-page
 * units, | flags (sparse_encode_mem_map / __section_mem_map_addr). */
static inline uint64_t sparse_encode_mem_map(uint64_t mem_map_va, uint64_t section_nr)
{
	return mem_map_va - sparse_section_nr_to_pfn(section_nr) * SPARSE_STRUCT_PAGE_SIZE;
}
static inline uint64_t sparse_decode_mem_map(uint64_t section_mem_map, uint64_t section_nr)
{
	return (section_mem_map & SPARSE_SECTION_MAP_MASK) +
	       sparse_section_nr_to_pfn(section_nr) * SPARSE_STRUCT_PAGE_SIZE;
}

/* ---- Models ---------------------------------------------------------------- */

/* "flatmem", "sparse-static", ... exactly as in DESIGN.md. */
const char *sparse_model_name(enum sparse_model model);
/* Returns 0 and sets *model, or VMEMSIM_EINVAL naming the valid names. */
int sparse_model_parse(const char *name, enum sparse_model *model, struct vmemsim_err *err);
static inline bool sparse_model_is_vmemmap(enum sparse_model m)
{
	return m >= SPARSE_MODEL_VMEMMAP_4K;
}
static inline bool sparse_model_is_classic(enum sparse_model m)
{
	return m == SPARSE_MODEL_STATIC || m == SPARSE_MODEL_EXTREME;
}

/* ---- Physical layouts ---------------------------------------------------- */

#define SPARSE_MAX_RANGES 48

struct sparse_range {
	uint64_t start, end; /* PA, [start, end), 4 KiB aligned */
	unsigned nid;
	enum sparse_range_kind kind;
	/* Device ranges only: */
	bool pages;              /* hot-added with a memmap (ZONE_DEVICE); else page-less */
	uint64_t altmap_reserve; /* pfns before the altmap (pmem info block), default 2 */
};

enum sparse_hotplug_mode {
	SPARSE_HOTPLUG_SUBSECTION = 0, /* 2 MiB granularity (v5.3+) */
	SPARSE_HOTPLUG_SECTION = 1     /* 128 MiB granularity, padding lost (pre-5.3) */
};

struct sparse_layout {
	char name[64];
	unsigned nr_ranges;
	struct sparse_range ranges[SPARSE_MAX_RANGES]; /* any order; checked and sorted */
	unsigned maxphyaddr;                           /* default 46, at most 52 */
	uint64_t hugetlb_start, hugetlb_size;          /* PA range of the hugetlb pool, 0 = none */
	unsigned hugetlb_order;                        /* 9 (2 MiB) */
	uint64_t scratch_size;                         /* workload scratch in RAM, default 16 MiB */
};

/* Build parameters beyond the layout: kernel knobs. */
struct sparse_params {
	unsigned pgtable_levels; /* 4 or 5 (LA57: L5 bases, MAX_PHYSMEM_BITS 52) */
	unsigned dm_step_shift;  /* direct-map step growth: 8 today, 5 for 2012 */
	bool dm_gbpages;         /* 1G direct-map leaves allowed (default true) */
	unsigned brk_pages;      /* INIT_PGT_BUF_SIZE / 4 KiB, default 6 */
	enum sparse_hotplug_mode hotplug_mode;
	uint64_t image_size; /* bytes for the guest ELF, default 16 MiB */
	uint64_t stack_size; /* default 64 KiB */
};
void sparse_layout_init(struct sparse_layout *l); /* empty, defaults set */
void sparse_params_default(struct sparse_params *p);
/* Check a layout: ranges 4 KiB aligned, non-empty, below 2^maxphyaddr and
 * 2^MAX_PHYSMEM_BITS, not overlapping, nodes < 64, RAM under the kernel
 * image area, the hugetlb pool inside one RAM range and aligned to its page
 * size.  Messages name "ranges[i]" by the index the caller gave. */
int sparse_layout_check(const struct sparse_layout *l, struct vmemsim_err *err);

/* ---- Accounting ------------------------------------------------------------- */

enum sparse_use {
	SPARSE_USE_MEMMAP,        /* struct pages in RAM */
	SPARSE_USE_MEMMAP_ALTMAP, /* struct pages stored in device memory */
	SPARSE_USE_USAGE,         /* mem_section_usage */
	SPARSE_USE_MEM_SECTION,   /* root array and root pages */
	SPARSE_USE_PGTABLE,       /* page-table pages in RAM (not BRK/static) */
	SPARSE_USE_LOOKUP,        /* seed-004 range list and section table */
	SPARSE_USE_KERNEL,        /* kernel image area, first MiB */
	SPARSE_USE_STACK,
	SPARSE_USE_SCRATCH,
	SPARSE_USE_HUGETLB,
	SPARSE_NR_USES
};
const char *sparse_use_name(enum sparse_use u);

/* Page-table pages per level (index enum mmu_level) by what they map. */
enum sparse_pt_purpose {
	SPARSE_PT_DIRECT_MAP,
	SPARSE_PT_VMEMMAP,
	SPARSE_PT_KERNEL, /* image, stack, memremap, the root itself */
	SPARSE_PT_HOTPLUG_DIRECT_MAP,
	SPARSE_NR_PT_PURPOSES
};

struct sparse_stats {
	uint64_t bytes[SPARSE_NR_USES]; /* currently allocated per use */
	uint64_t pt_pages[SPARSE_NR_PT_PURPOSES][6];
	uint64_t pt_from_static, pt_from_brk, pt_from_memblock; /* allocations by source */
	/* Direct-map leaves by page size (enum mmu_page_size): RAM and hot-added
	 * device memory. */
	uint64_t dm_leaves[MMU_NR_PAGE_SIZES];
	uint64_t dm_steps; /* top-down rounds taken */
	/* vmemmap leaves by page size. */
	uint64_t vmemmap_leaves[MMU_NR_PAGE_SIZES];
	uint64_t present_sections, early_sections, online_sections, roots_allocated;
	uint64_t ram_bytes, device_bytes;
	uint64_t device_added_bytes;  /* device capacity with a memmap or mapping */
	uint64_t padding_lost_bytes;  /* device capacity lost to hotplug alignment */
	uint64_t hvo_freed_pages;     /* vmemmap pages returned by HVO */
	uint64_t memblock_free_bytes; /* RAM still free */
};

/* ---- The machine ------------------------------------------------------------ */

#define SPARSE_MAX_REGIONS 8
struct sparse_region {
	const char *name;    /* "direct map", "vmemmap", "kernel image", ... */
	uint64_t start, end; /* VA, page aligned, non-overlapping */
};

struct sparse_machine;

/* Build everything for layout + model.  The layout is checked first
 * (sparse_layout_check) and copied.  On failure nothing is allocated and
 * *out is unchanged. */
int sparse_machine_create(struct sparse_machine **out, const struct sparse_layout *layout,
                          enum sparse_model model, const struct sparse_params *params,
                          struct vmemsim_err *err);
void sparse_machine_destroy(struct sparse_machine *m);

struct mmu_phys *sparse_machine_phys(struct sparse_machine *m);
struct mmu_pt *sparse_machine_pt(struct sparse_machine *m);
enum sparse_model sparse_machine_model(const struct sparse_machine *m);
const struct sparse_layout *sparse_machine_layout(const struct sparse_machine *m);
/* The block emu/ copies into the guest's boot_params symbol. */
const struct sparse_boot_params *sparse_machine_boot_params(const struct sparse_machine *m);
const struct sparse_stats *sparse_machine_stats(const struct sparse_machine *m);
/* Named VA regions for mmu_add_region(); returns how many were written. */
unsigned sparse_machine_regions(const struct sparse_machine *m,
                                struct sparse_region out[SPARSE_MAX_REGIONS]);

/* ---- Guest memory access through the page tables ------------------------ */

/* Translate va with mmu_pt_lookup; VMEMSIM_EFAULT if unmapped. */
int sparse_va_to_pa(const struct sparse_machine *m, uint64_t va, uint64_t *pa);
int sparse_read64(const struct sparse_machine *m, uint64_t va, uint64_t *val);

/* ---- Host-side reference lookups (read guest memory like the guest) ------- */

/* pfn_valid() of the model: flatmem by max_mapnr; classic sparse by
 * valid_section; vmemmap by valid_section && (early || subsection bit). */
bool sparse_pfn_valid(const struct sparse_machine *m, uint64_t pfn);
/* The struct page VA of pfn, as the model's pfn_to_page computes it.
 * VMEMSIM_EINVAL if pfn is not valid; VMEMSIM_EFAULT if a structure on the
 * way is unmapped (a bug). */
int sparse_pfn_to_page(const struct sparse_machine *m, uint64_t pfn, uint64_t *page_va);
int sparse_page_to_pfn(const struct sparse_machine *m, uint64_t page_va, uint64_t *pfn);
/* VA of the mem_section of section_nr (0 if its root is absent). */
uint64_t sparse_nr_to_section(const struct sparse_machine *m, uint64_t section_nr);
/* Read a mem_section (EINVAL when absent). */
int sparse_read_section(const struct sparse_machine *m, uint64_t section_nr,
                        struct sparse_mem_section *ms);

/* Seed 004: the kernel VA of a page-less (or any device) pfn by walking the
 * range list, or through the section-indexed table.  VMEMSIM_ENOENT if pfn is
 * in no device range.  *steps (may be NULL) = nodes visited. */
int sparse_pfn_to_kaddr_list(const struct sparse_machine *m, uint64_t pfn, uint64_t *kaddr,
                             unsigned *steps);
int sparse_pfn_to_kaddr_table(const struct sparse_machine *m, uint64_t pfn, uint64_t *kaddr,
                              unsigned *steps);

/* ---- Hotplug (ZONE_DEVICE, vmemmap models) ------------------------------- */

/* devm_memremap_pages() of [start_pfn, start_pfn + nr_pages) on node nid:
 * direct map, vmemmap, the sections and subsection maps,
 * memmap_init_zone_device.  with_altmap stores the memmap of whole sections
 * in the range itself after altmap_reserve pfns (any vmemmap model but
 * vmemmap-4k; the layout's device ranges use it under vmemmap-altmap).  The
 * range must be aligned to the mode's granularity (2 MiB or 128 MiB) and
 * not overlap RAM or memory already added.  Errors: EINVAL (model without
 * ZONE_DEVICE, misaligned, range too small for its altmap, altmap under
 * vmemmap-4k), EEXIST (overlap), ENOMEM; on error nothing changed. */
int sparse_hotplug_add(struct sparse_machine *m, uint64_t start_pfn, uint64_t nr_pages,
                       unsigned nid, bool with_altmap, uint64_t altmap_reserve,
                       struct vmemsim_err *err);
/* Undo a whole earlier sparse_hotplug_add() of exactly that range: vmemmap
 * and direct map unmapped, their pages and emptied tables freed, sections
 * emptied.  ENOENT if no such range was added. */
int sparse_hotplug_remove(struct sparse_machine *m, uint64_t start_pfn, uint64_t nr_pages,
                          struct vmemsim_err *err);
/* The capacity of [start, end) a mode can use, and what padding loses. */
uint64_t sparse_hotplug_usable(uint64_t start, uint64_t end, enum sparse_hotplug_mode mode,
                               uint64_t *lost);

/* ---- Debug and tests ------------------------------------------------------- */

/* Re-verify the invariants listed in sparse/machine.c (sections agree with
 * the layout, memblock extents disjoint, accounting adds up).  0 or
 * VMEMSIM_ECORRUPT with the first violation. */
int sparse_machine_check(const struct sparse_machine *m, struct vmemsim_err *err);
/* Expected PA of pfn's struct page according to the builder's own records
 * (independent of the guest structures), for tests. */
int sparse_memmap_pa(const struct sparse_machine *m, uint64_t pfn, uint64_t *pa);

#endif /* VMEMSIM_SPARSE_H */
