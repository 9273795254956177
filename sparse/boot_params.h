/*
 * sparse/boot_params.h — the layout handed to guest code, and the guest-visible
 * shapes of the memory model's structures.
 *
 * Shared by the host (sparse/ fills it, emu/ copies it into the guest's
 * `boot_params` symbol before start) and by freestanding guest workloads
 * (workloads/).  So: stdint only, no libc, no host pointers.  Every address
 * in here is a u64 guest virtual address (VA) or a pfn, never a host pointer.
 *
 * Versioning.  magic is SPARSE_BOOT_MAGIC, version is SPARSE_BOOT_VERSION and
 * size is sizeof(struct sparse_boot_params) as the host built it.  Fields are
 * only ever appended at the end (the version is bumped each time), so a guest
 * built against version N can read a block of version >= N.
 *
 * The structures below (struct sparse_page, struct sparse_mem_section,
 * struct sparse_mem_section_usage, the seed-004 lookup nodes) are laid out in
 * guest physical memory exactly as written here; guest code reads them through
 * the direct map, vmemmap or the kernel image mapping like the kernel would.
 */
#ifndef VMEMSIM_SPARSE_BOOT_PARAMS_H
#define VMEMSIM_SPARSE_BOOT_PARAMS_H

#include <stdint.h>

#define SPARSE_BOOT_MAGIC   0x544f4f424d454d56ull /* "VMEMBOOT" little-endian */
#define SPARSE_BOOT_VERSION 1

/* ---- Memory models (DESIGN.md table; names in sparse_model_name()) ---- */

enum sparse_model {
	SPARSE_MODEL_FLATMEM = 0,        /* "flatmem": mem_map + (pfn - first pfn) */
	SPARSE_MODEL_STATIC = 1,         /* "sparse-static": static mem_section[roots][256] */
	SPARSE_MODEL_EXTREME = 2,        /* "sparse-extreme": mem_section -> root -> section */
	SPARSE_MODEL_VMEMMAP_4K = 3,     /* "vmemmap-4k": vmemmap + pfn, 4K PTEs */
	SPARSE_MODEL_VMEMMAP_2M = 4,     /* "vmemmap-2m": vmemmap + pfn, 2M PMDs */
	SPARSE_MODEL_VMEMMAP_ALTMAP = 5, /* "vmemmap-altmap": device memmap in device */
	SPARSE_MODEL_VMEMMAP_HVO = 6,    /* "vmemmap-hvo": hugetlb tails share one RO page */
	SPARSE_NR_MODELS = 7
};

/* ---- Guest-visible structures ----------------------------------------- */

/*
 * struct page, 64 bytes, field offsets as in Linux 6.12 (mm_types.h) for the
 * fields vmemsim writes: flags at 0, the lru list at 8, _mapcount at 48,
 * _refcount at 52.  flags = |SECTION|NODE|ZONE|...|PG_* bits|; the field
 * positions for the model in use are in the boot params (page_*_pgshift).
 */
struct sparse_page {
	uint64_t flags;
	uint64_t lru_next; /* VA; a free page's buddy-list link */
	uint64_t lru_prev;
	uint64_t mapping;
	uint64_t index;
	uint64_t private_; /* buddy order of a free head page */
	int32_t _mapcount; /* -1: not mapped */
	int32_t _refcount; /* 1 after __init_single_page */
	uint64_t memcg_data;
};

#define SPARSE_PG_head     6  /* page-flags.h: "Must be in bit 6" */
#define SPARSE_PG_reserved 13 /* enum pageflags order in 6.12 */

/* mem_section: section_mem_map is the memmap VA minus the section's first
 * pfn (in struct-page units) with flag bits in the low SECTION_MAP_LAST_BIT
 * bits and the node id above them until the section has a memmap. */
struct sparse_mem_section {
	uint64_t section_mem_map;
	uint64_t usage; /* VA of struct sparse_mem_section_usage, 0 if none */
};

#define SPARSE_SECTION_MARKED_PRESENT    (1ull << 0)
#define SPARSE_SECTION_HAS_MEM_MAP       (1ull << 1)
#define SPARSE_SECTION_IS_ONLINE         (1ull << 2)
#define SPARSE_SECTION_IS_EARLY          (1ull << 3)
#define SPARSE_SECTION_TAINT_ZONE_DEVICE (1ull << 4)
#define SPARSE_SECTION_MAP_LAST_BIT      5
#define SPARSE_SECTION_MAP_MASK          (~((1ull << SPARSE_SECTION_MAP_LAST_BIT) - 1))
#define SPARSE_SECTION_NID_SHIFT         SPARSE_SECTION_MAP_LAST_BIT

/* mem_section_usage (mmzone.h): rcu_head, then the 64-bit subsection_map
 * (bit i = sub-section i of the section has a memmap), then 4 bits of
 * pageblock flags per 512-page pageblock (64 pageblocks = 32 bytes). */
struct sparse_mem_section_usage {
	uint64_t rcu_head[2];
	uint64_t subsection_map;
	uint8_t pageblock_flags[32];
};

/* One RAM / reserved / device pfn range, [start_pfn, end_pfn). */
enum sparse_range_kind {
	SPARSE_RANGE_RAM = 0,
	SPARSE_RANGE_RESERVED = 1, /* in the memmap (Reserved pages), not allocatable */
	SPARSE_RANGE_DEVICE = 2    /* pmem / ZONE_DEVICE */
};

struct sparse_boot_range {
	uint64_t start_pfn, end_pfn;
	uint64_t nid;
	uint64_t kind; /* enum sparse_range_kind */
};

/* A device range as hot-added: its memmap (if any) and its kernel mapping. */
#define SPARSE_DEV_HAS_MEMMAP (1ull << 0) /* struct pages exist (ZONE_DEVICE) */
#define SPARSE_DEV_ALTMAP     (1ull << 1) /* memmap stored in the range itself */

struct sparse_boot_dev_range {
	uint64_t start_pfn, end_pfn;
	uint64_t nid;
	uint64_t flags; /* SPARSE_DEV_* */
	uint64_t kaddr; /* VA where the range is memremap()ed (seed-004 lookup) */
	/* struct vmem_altmap (memremap.h), valid with SPARSE_DEV_ALTMAP: */
	uint64_t altmap_base_pfn, altmap_end_pfn;
	uint64_t altmap_reserve, altmap_free, altmap_align, altmap_alloc;
	/* First pfn whose struct page is initialised by memmap_init_zone_device
	 * (start_pfn + vmem_altmap_offset, i.e. past reserve + free). */
	uint64_t first_data_pfn;
};

/* Seed 004, the range-list lookup: a singly linked list of these, sorted by
 * start_pfn; kaddr(pfn) = kaddr + ((pfn - start_pfn) << PAGE_SHIFT). */
struct sparse_pfn_range_node {
	uint64_t next; /* VA of the next node, 0 at the end */
	uint64_t start_pfn, end_pfn;
	uint64_t kaddr;
};
/* Seed 004, the section table: pfn_section_table[pfn >> PFN_SECTION_SHIFT]
 * is the VA of the first range node that intersects that section (0 if
 * none); the guest checks bounds and follows next while the node ends at or
 * below pfn (a section can hold more than one sub-section-aligned range). */

/* ---- The boot parameters ----------------------------------------------- */

#define SPARSE_BOOT_MAX_RANGES     32
#define SPARSE_BOOT_MAX_DEV_RANGES 16

struct sparse_boot_params {
	uint64_t magic;        /* SPARSE_BOOT_MAGIC */
	uint64_t version;      /* SPARSE_BOOT_VERSION */
	uint64_t size;         /* sizeof(struct sparse_boot_params) */
	uint64_t memory_model; /* enum sparse_model */

	/* Constants (x86-64, 4-level unless pgtable_levels says 5). */
	uint64_t pgtable_levels;
	uint64_t page_shift;        /* 12 */
	uint64_t section_size_bits; /* 27 */
	uint64_t pfn_section_shift; /* 15 */
	uint64_t subsection_shift;  /* 21 */
	uint64_t max_physmem_bits;  /* 46 or 52 */
	uint64_t nr_mem_sections;
	uint64_t sections_per_root; /* 256 (EXTREME, vmemmap); 1 for sparse-static */
	uint64_t nr_section_roots;
	uint64_t struct_page_size; /* 64 */

	/* page->flags field positions for this model (shift 0 + width 0 = absent). */
	uint64_t sections_pgshift, sections_width;
	uint64_t nodes_pgshift, nodes_width;
	uint64_t zones_pgshift, zones_width;

	/* Kernel virtual address space. */
	uint64_t page_offset;      /* direct map base, 0xffff888000000000 */
	uint64_t vmemmap_base;     /* 0xffffea0000000000 (vmemmap models) */
	uint64_t start_kernel_map; /* __START_KERNEL_map 0xffffffff80000000 */
	uint64_t phys_base;        /* 0: image VA = start_kernel_map + PA */
	uint64_t kernel_image_va, kernel_image_pa, kernel_image_size;
	uint64_t stack_bottom, stack_top; /* VAs; rsp starts at stack_top */

	/* Sections.  mem_section is, for sparse-extreme, the VA of the array of
	 * nr_section_roots root pointers (each 0 or the VA of a page of
	 * sections_per_root struct sparse_mem_section); for sparse-static the VA
	 * of the flat [nr_section_roots][sections_per_root] array; for the
	 * vmemmap models the (extreme) root-pointer array that pfn_valid uses. */
	uint64_t mem_section;
	uint64_t highest_present_section_nr;

	/* flatmem: mem_map VA, ARCH_PFN_OFFSET, max_mapnr. */
	uint64_t mem_map, arch_pfn_offset, max_mapnr;

	/* pfn span: min_low_pfn..max_pfn of all RAM; the whole physical span
	 * including device memory ends at end_pfn. */
	uint64_t min_pfn, max_pfn, end_pfn;

	uint64_t nr_ranges; /* RAM and reserved ranges, sorted */
	struct sparse_boot_range ranges[SPARSE_BOOT_MAX_RANGES];
	uint64_t nr_dev_ranges;
	struct sparse_boot_dev_range dev_ranges[SPARSE_BOOT_MAX_DEV_RANGES];

	/* Seed 004 lookups (guest memory, direct-map VAs). */
	uint64_t pfn_range_list;    /* VA of the first struct sparse_pfn_range_node */
	uint64_t pfn_section_table; /* VA of u64[pfn_section_entries] */
	uint64_t pfn_section_entries;

	/* HVO: the hugetlb pool [start, end), pages of 2^hugetlb_order pfns
	 * whose tail vmemmap pages are mapped read-only (vmemmap-hvo only; the
	 * pool is declared by the layout for every model). */
	uint64_t hugetlb_start_pfn, hugetlb_end_pfn, hugetlb_order;

	/* A zeroed RAM area reserved for the workload's own data (direct map). */
	uint64_t scratch_va, scratch_size;

	uint64_t reserved[16]; /* zero; room to grow without moving the end */
};

_Static_assert(sizeof(struct sparse_page) == 64, "struct page is 64 bytes on x86-64");
_Static_assert(sizeof(struct sparse_mem_section) == 16, "mem_section without PAGE_EXTENSION");
_Static_assert(sizeof(struct sparse_mem_section_usage) == 56, "usage: rcu + map + 32 B flags");
_Static_assert(sizeof(struct sparse_boot_params) % 8 == 0, "all u64");

#endif /* VMEMSIM_SPARSE_BOOT_PARAMS_H */
