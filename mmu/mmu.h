/*
 * mmu/mmu.h — the x86-64 paging and translation hardware, modelled.
 *
 * What it models.  Guest physical memory (one MAP_NORESERVE backing), real
 * x86-64 page tables inside it (4- and 5-level, 4K/2M/1G leaves, the SDM's
 * PTE format), a page-table builder that splits ranges the way the kernel's
 * split_mem_range() does, a walker that reads PTEs through a data-cache
 * hierarchy and sets A/D bits as hardware does, TLBs (L1 ITLB, L1 DTLB, a
 * second-level TLB, each a list of set-associative arrays with page-size
 * sets), paging-structure caches (PML5E/PML4E/PDPTE/PDE), and a
 * cycle-approximate cost model.  Intel SDM Vol. 3A ch. 4 is the authority for
 * names and semantics.
 *
 * Units.  "va" is a linear (virtual) address, "pa" a guest-physical address,
 * both in bytes.  Sizes are bytes unless the name says pages.  Latencies are
 * core cycles.
 *
 * Ownership.  The caller owns struct mmu_phys and struct mmu_pt; struct mmu
 * (opaque) borrows the phys pointer for its lifetime.  Nothing here prints,
 * exits or keeps global state.
 *
 * Errors.  Functions return 0 or a negative VMEMSIM_E* code and describe the
 * problem in *err.  On failure nothing observable has changed unless the
 * comment says otherwise.
 *
 * Model choices (docs/model.md has the full list):
 *   - TLB levels are lists of set-associative arrays; a lookup probes the
 *     arrays in order and each page size an array holds; a fill goes to the
 *     first array of the level holding the page size (none: not cached at
 *     that level).  The STLB is unified.  Entries carry the PCID (or the
 *     global bit), the combined rights of every level and the leaf's D bit.
 *   - Sets are indexed by modulo; replacement is true LRU, tree-PLRU or
 *     seeded xorshift64 random; invalid ways are filled first.  Seeds: TLB
 *     array i of a level uses cfg.seed + i, the PWC of level l cfg.seed + 8 +
 *     l, data cache k (0 L1D, 1 L2, 2 LLC) cfg.seed + 16 + k.
 *   - Data caches are physically indexed, 64-byte lines, non-inclusive (a
 *     miss fills every level above the one that hit, evictions stay local),
 *     write-allocate with no write-back cost.  There is no L1I: fetches go
 *     through the ITLB/STLB/walker only.  No prefetchers, no parallel walks.
 *   - A walk that faults writes nothing; one that translates sets A on every
 *     entry it read and D on the leaf of a store.
 *
 * Cost model (documented in docs/model.md):
 *   cycles = instructions * base_cpi + cycles_mem + cycles_stlb
 *            + cycles_pwc + cycles_walk
 * in-order and blocking: every latency is paid in full, nothing overlaps.
 */
#ifndef VMEMSIM_MMU_H
#define VMEMSIM_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/vmemsim.h"

/* ---- Page sizes and access types ------------------------------------ */

enum mmu_page_size { MMU_PAGE_4K = 0, MMU_PAGE_2M = 1, MMU_PAGE_1G = 2, MMU_NR_PAGE_SIZES = 3 };

#define MMU_PS_BIT(ps) (1u << (ps)) /* page-size masks: bit per size */
#define MMU_PS_ALL     (MMU_PS_BIT(MMU_PAGE_4K) | MMU_PS_BIT(MMU_PAGE_2M) | MMU_PS_BIT(MMU_PAGE_1G))

static inline unsigned mmu_page_shift(enum mmu_page_size ps)
{
	return 12 + 9 * (unsigned)ps;
}
static inline uint64_t mmu_page_bytes(enum mmu_page_size ps)
{
	return 1ull << mmu_page_shift(ps);
}

enum mmu_access_type {
	MMU_FETCH = 0, /* instruction fetch: ITLB, no data cache */
	MMU_LOAD = 1,
	MMU_STORE = 2
};

/* ---- PTE format (SDM Vol. 3A §4.5, tables 4-15 .. 4-20) ------------- */

#define PTE_P         (1ull << 0) /* present */
#define PTE_RW        (1ull << 1) /* writable */
#define PTE_US        (1ull << 2) /* user-accessible */
#define PTE_PWT       (1ull << 3)
#define PTE_PCD       (1ull << 4)
#define PTE_A         (1ull << 5)           /* accessed: set by the walker on every level */
#define PTE_D         (1ull << 6)           /* dirty: set on the leaf of a write */
#define PTE_PS        (1ull << 7)           /* page size: leaf at PDPTE (1G) or PDE (2M) */
#define PTE_G         (1ull << 8)           /* global (leaf only) */
#define PTE_NX        (1ull << 63)          /* execute-disable; reserved unless EFER.NXE */
#define PTE_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 */

/* Protection shorthands for the builder. */
#define MMU_PROT_KERNEL_RW (PTE_P | PTE_RW | PTE_NX)
#define MMU_PROT_KERNEL_RO (PTE_P | PTE_NX)
#define MMU_PROT_KERNEL_RX (PTE_P)
#define MMU_PROT_USER_RW   (PTE_P | PTE_RW | PTE_US | PTE_NX)

/* #PF error code bits (SDM Vol. 3A §4.7). */
#define PF_P    (1u << 0) /* 0: not present; 1: protection violation */
#define PF_W    (1u << 1) /* the access was a write */
#define PF_U    (1u << 2) /* the access was made at CPL 3 */
#define PF_RSVD (1u << 3) /* a reserved bit was set in a paging structure */
#define PF_I    (1u << 4) /* the access was an instruction fetch */
/* Not SDM bits: reasons vmemsim reports through the same fault struct. */
#define MMU_FAULT_NONCANONICAL (1u << 30) /* VA not canonical (#GP on hardware) */
#define MMU_FAULT_BADPHYS      (1u << 31) /* a table lies outside guest memory */

/* Paging levels, numbered as the SDM's tables are walked: 5 = PML5 ... 1 = PT. */
enum mmu_level {
	MMU_LEVEL_PT = 1,
	MMU_LEVEL_PD = 2,
	MMU_LEVEL_PDPT = 3,
	MMU_LEVEL_PML4 = 4,
	MMU_LEVEL_PML5 = 5
};

/* ---- Guest physical memory ------------------------------------------ */

/* One MAP_NORESERVE anonymous mapping of the whole physical span; untouched
 * pages cost the host nothing and read as zero. */
struct mmu_phys {
	uint8_t *base;
	uint64_t size;
};

int mmu_phys_init(struct mmu_phys *phys, uint64_t size, struct vmemsim_err *err);
void mmu_phys_fini(struct mmu_phys *phys);
/* Host bytes actually resident (mincore), for tests and `layout` reports. */
uint64_t mmu_phys_resident(const struct mmu_phys *phys);

static inline void *mmu_phys_ptr(const struct mmu_phys *phys, uint64_t pa)
{
	return phys->base + pa;
}
static inline uint64_t mmu_phys_read64(const struct mmu_phys *phys, uint64_t pa)
{
	return *(const uint64_t *)(phys->base + pa);
}
static inline void mmu_phys_write64(struct mmu_phys *phys, uint64_t pa, uint64_t v)
{
	*(uint64_t *)(phys->base + pa) = v;
}

/* ---- Page-table pages: the allocator interface ---------------------- */

/* Page-table pages come from here.  alloc() returns one zeroed, 4 KiB-aligned
 * page's PA for a table of the given level, or a negative code. */
struct mmu_pt_allocator {
	int (*alloc)(void *ctx, enum mmu_level level, uint64_t *pa);
	void (*free)(void *ctx, uint64_t pa); /* may be NULL: pages leak */
	void *ctx;
};

/* The kernel's boot policy (seed 003; linux-sparse.md §6 alloc_low_pages):
 * a small BRK-like buffer first, then pages taken top-down from
 * [floor, top).  Counts how many came from each. */
struct mmu_brk_alloc {
	struct mmu_phys *phys;
	uint64_t brk_start, brk_end, brk_next; /* BRK buffer [start, end) */
	uint64_t floor, top;                   /* top-down region, top moves down */
	uint64_t from_brk, from_topdown;       /* pages handed out */
};
void mmu_brk_alloc_init(struct mmu_brk_alloc *a, struct mmu_phys *phys, uint64_t brk_start,
                        uint64_t brk_size, uint64_t floor, uint64_t top);
struct mmu_pt_allocator mmu_brk_allocator(struct mmu_brk_alloc *a);

/* ---- Page tables: builder and side-effect-free lookup ---------------- */

struct mmu_pt {
	struct mmu_phys *phys;
	struct mmu_pt_allocator alloc;
	uint64_t root;           /* PA of the PML4 (levels 4) or PML5 (levels 5) */
	unsigned levels;         /* 4 or 5 */
	unsigned maxphyaddr;     /* physical-address width, <= 52 */
	uint64_t table_pages[6]; /* tables in the tree (allocated - freed), by enum mmu_level */
};

int mmu_pt_init(struct mmu_pt *pt, struct mmu_phys *phys, unsigned levels, unsigned maxphyaddr,
                struct mmu_pt_allocator alloc, struct vmemsim_err *err);

/* split_mem_range() (linux-sparse.md §6): cut [start, end) into at most 5
 * pieces — 4K head to the first 2M boundary, 2M up to the first 1G boundary,
 * the 1G (or 2M) middle, then 2M and 4K tails — each with the largest page
 * size allowed by ps_mask; adjacent pieces with equal sizes are merged.
 * Returns the number of pieces written to out[]. */
struct mmu_range {
	uint64_t start, end;
	enum mmu_page_size ps;
};
int mmu_split_range(uint64_t start, uint64_t end, unsigned ps_mask, struct mmu_range out[5]);

/* Map [va, va+size) to [pa, pa+size) with prot (PTE_* bits for the leaf;
 * intermediate entries are P|RW|US so the leaf decides).  Splits by
 * mmu_split_range on the VA; a piece uses a large page only where va and pa
 * are both aligned to it.  va, pa, size must be 4 KiB-aligned, [va, va+size)
 * canonical and not wrapping past 2^64, pa+size within maxphyaddr.  Existing
 * leaves in the range are replaced (a large leaf that only partly overlaps is
 * split first, keeping its protections, as kernel_physical_mapping_init()
 * does).  On failure, the mappings made so far remain (tables are not rolled
 * back) and the error names the VA that failed. */
int mmu_pt_map(struct mmu_pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned ps_mask,
               uint64_t prot, struct vmemsim_err *err);

/* Map exactly one page of size ps (va, pa aligned to it). */
int mmu_pt_map_page(struct mmu_pt *pt, uint64_t va, uint64_t pa, enum mmu_page_size ps,
                    uint64_t prot, struct vmemsim_err *err);

/* The builder edits memory only: after changing a mapping a live struct mmu
 * may have cached, call mmu_invlpg() or mmu_flush_all() as a kernel would
 * (making a not-present entry present needs nothing: misses are not cached).
 *
 * Clear the leaves covering [va, va+size); tables whose entries all become
 * empty are freed through the allocator and unlinked. */
int mmu_pt_unmap(struct mmu_pt *pt, uint64_t va, uint64_t size, struct vmemsim_err *err);

/* A software walk with no side effects: no A/D update, no caches, no
 * counters.  Returns 0 and fills the leaf, or VMEMSIM_EFAULT if unmapped. */
struct mmu_leaf {
	uint64_t pa;     /* the translation of va */
	uint64_t pte;    /* the leaf entry */
	uint64_t pte_pa; /* where the leaf entry lives */
	enum mmu_page_size ps;
};
int mmu_pt_lookup(const struct mmu_pt *pt, uint64_t va, struct mmu_leaf *leaf);

/* Call fn for every leaf mapping va in [start, end), in VA order.  fn returns
 * 0 to continue or non-zero to stop (that value is returned). */
typedef int (*mmu_leaf_fn)(void *ctx, uint64_t va, const struct mmu_leaf *leaf);
int mmu_pt_for_each_leaf(const struct mmu_pt *pt, uint64_t start, uint64_t end, mmu_leaf_fn fn,
                         void *ctx);

/* ---- Configuration --------------------------------------------------- */

enum mmu_repl {
	MMU_REPL_LRU = 0,   /* true LRU */
	MMU_REPL_PLRU = 1,  /* tree pseudo-LRU; ways must be a power of two */
	MMU_REPL_RANDOM = 2 /* seeded xorshift; reproducible */
};

/* One set-associative array.  sets = entries / ways; the set index is taken
 * modulo sets (not masked), so 3072-entry 8-way = 384 sets works. */
struct mmu_array_config {
	char name[32];
	uint32_t entries; /* 0 = absent (PWCs; mmu_config_check refuses it for TLB arrays) */
	uint32_t ways;    /* entries for fully associative */
	unsigned ps_mask; /* page sizes held (MMU_PS_BIT); ignored for PWCs */
	enum mmu_repl repl;
};

#define MMU_MAX_ARRAYS 4
struct mmu_tlb_level_config {
	unsigned nr_arrays;
	struct mmu_array_config arrays[MMU_MAX_ARRAYS];
};

struct mmu_cache_config {
	uint32_t size; /* bytes; 0 = level absent */
	uint32_t ways;
	uint32_t latency; /* load-to-use cycles of a hit at this level */
	enum mmu_repl repl;
};

struct mmu_config {
	char name[64];
	unsigned levels;     /* 4 or 5 */
	unsigned maxphyaddr; /* 36..52 */
	struct mmu_tlb_level_config itlb, dtlb, stlb;
	uint32_t stlb_latency; /* cycles added by a second-level TLB hit */
	/* Paging-structure caches, indexed by the level of the entry they hold:
	 * pwc[MMU_LEVEL_PML5] caches PML5Es ... pwc[MMU_LEVEL_PD] caches PDEs.
	 * Indexes 0 and 1 unused. */
	struct mmu_array_config pwc[6];
	uint32_t pwc_latency; /* cycles per walk that probes the PWCs */
	struct mmu_cache_config l1d, l2, llc;
	uint32_t dram_latency;
	double base_cpi; /* cycles per instruction outside memory stalls */
	uint64_t seed;   /* for MMU_REPL_RANDOM */
	bool cr0_wp, efer_nxe, cr4_smep, cr4_smap, cr4_pcide;
};

/* A Skylake-client-like default (configs/cpu/skylake.json is the cited one). */
void mmu_config_default(struct mmu_config *cfg);
/* Reject impossible geometries: zero sizes, entries not divisible by ways,
 * PLRU on a non-power-of-two way count, levels not 4/5, ... The message
 * begins with the structure's key path in the CPU config schema
 * (docs/configs.md), then ": ", so a config reader can point at the key:
 * "tlb.stlb.arrays[0]: 1000 entries not divisible by 12 ways". */
int mmu_config_check(const struct mmu_config *cfg, struct vmemsim_err *err);

/* ---- Lifecycle -------------------------------------------------------- */

struct mmu; /* opaque */

/* Check cfg (mmu_config_check), allocate every structure the model will
 * ever use (the hot path allocates nothing) and return it in *out, with
 * empty TLBs/caches, CPL 0, PCID 0 and root 0.  phys must be initialised and
 * outlive the model.  On failure *out is unchanged and nothing is leaked.
 * Memory: about 1.5 MiB for the default config, mostly the 8 MiB LLC's
 * 131072 tags and their set headers, plus a 192 KiB hot-spot table. */
int mmu_create(struct mmu **out, const struct mmu_config *cfg, struct mmu_phys *phys,
               struct vmemsim_err *err);
void mmu_destroy(struct mmu *m);
const struct mmu_config *mmu_get_config(const struct mmu *m);

/* ---- Architectural state and TLB maintenance -------------------------- */

/* MOV to CR3 (the model starts with root 0: write CR3 before any access).
 * Without CR4.PCIDE: flush every non-global TLB entry and all PWC entries.  With PCIDE: noflush (bit 63) keeps everything; otherwise the
 * non-global TLB entries and PWC entries tagged pcid are flushed. */
void mmu_write_cr3(struct mmu *m, uint64_t root_pa, uint16_t pcid, bool noflush);
/* INVLPG: the TLB entries for va's page (any size, current PCID, and global
 * ones) and every PWC entry of the current PCID. */
void mmu_invlpg(struct mmu *m, uint64_t va);
/* Everything, global entries included (CR4.PGE toggle). */
void mmu_flush_all(struct mmu *m);
void mmu_set_cpl(struct mmu *m, unsigned cpl); /* 0 (default) or 3 */

/* ---- Regions for the per-region breakdown ----------------------------- */

#define MMU_MAX_REGIONS 16
/* Region 0 is "other".  Regions are page-aligned VA ranges, not overlapping;
 * an access is charged to the region of its VA (a walk, a TLB miss, a fault
 * likewise; retired instructions to the region of their PC).  A region lies
 * inside one canonical half of the linear address space, so non-canonical
 * VAs are always region 0.  Returns the region id, or VMEMSIM_EINVAL (bad
 * range, too many) / VMEMSIM_EEXIST (overlap) with nothing added.  Adding a
 * region flushes the TLBs (their entries cache region ids); the
 * paging-structure caches hold none and stay. */
int mmu_add_region(struct mmu *m, const char *name, uint64_t start, uint64_t end,
                   struct vmemsim_err *err);
unsigned mmu_nr_regions(const struct mmu *m);
const char *mmu_region_name(const struct mmu *m, unsigned id);

/* ---- Hot path --------------------------------------------------------- */

struct mmu_fault {
	uint64_t va, pc;
	uint32_t error_code; /* PF_* bits */
	enum mmu_access_type type;
	unsigned nr_steps; /* entries read, top level first */
	struct {
		enum mmu_level level;
		uint64_t pte_pa, pte;
	} steps[5];
};

/* Translate and perform one access of size bytes (1..4096).  Goes L1 TLB ->
 * STLB -> PWCs -> walk; then (loads and stores) the data caches at the
 * physical address, every 64-byte line the access touches.  Page-crossing
 * accesses are translated per page (counted once in loads/stores, once in
 * page_splits).  Returns 0; VMEMSIM_EINVAL for a size outside 1..4096 or a
 * bad type (nothing counted); or VMEMSIM_EFAULT with *fault filled (fault
 * may be NULL): a #PF (error_code = PF_* bits, steps = the entries from the
 * root to the failing one) or a non-canonical VA / a table outside guest
 * memory (MMU_FAULT_* bits).  The counters of the work done up to the fault
 * stay counted.  Allocates nothing. */
static inline int mmu_access(struct mmu *m, uint64_t va, uint32_t size, enum mmu_access_type type,
                             uint64_t pc, struct mmu_fault *fault);

/* mmu_access without the inline repeat-hit test below: every case. */
int mmu_access_full(struct mmu *m, uint64_t va, uint32_t size, enum mmu_access_type type,
                    uint64_t pc, struct mmu_fault *fault);

/*
 * The repeat hit, inline.  An emulator makes most of its accesses to the
 * line (data) or page (fetch) it accessed last; such an access hits the L1
 * TLB entry and the L1D line that are already the most recent of their
 * sets, so it changes no replacement state and counts the same counters as
 * the access before it: an L1 TLB hit, the access, an L1D hit.  The model
 * arms this memory only after an access that left exactly that state, and
 * disarms it whenever the L1 TLB entry, the last L1D line, the rights masks
 * or the regions change; the caller's hook then pays a compare and one
 * increment.  The increments are added to the counters when the memory is
 * disarmed or rearmed, and mmu_stats_snapshot() adds those still pending, so
 * every counter reads exactly as if mmu_access_full() had run.
 *
 * struct mmu begins with this struct; it is public only so that the test
 * can be inline.  Nothing outside mmu/ may write it.
 */
struct mmu_fast {
	uint64_t dline; /* va >> 6 of the line a load/store may re-hit (~0: none) */
	uint64_t ipage; /* va >> 12 of the page a fetch may re-hit (~0: none) */
	uint32_t dok;   /* bit t set: an access of type t to dline re-hits */
	uint64_t n[3];  /* repeat hits per type not yet in the counters */
};

/* The inline test alone: counts the access and returns true if it is an
 * armed repeat hit, else changes nothing and returns false (the caller then
 * calls mmu_access_full).  For drivers that want to do work only when the
 * access leaves the repeat hit, as the emulator's hooks do. */
static inline bool mmu_access_repeat(struct mmu *m, uint64_t va, uint32_t size,
                                     enum mmu_access_type type)
{
	struct mmu_fast *f = (struct mmu_fast *)(void *)m;

	/* size - 1 wraps for size 0, which then goes to mmu_access_full's check */
	if (type == MMU_FETCH) {
		if ((va >> 12) == f->ipage && size - 1 < 4096 - (uint32_t)(va & 4095)) {
			f->n[MMU_FETCH]++;
			return true;
		}
	} else if ((unsigned)type <= MMU_STORE && (va >> 6) == f->dline &&
	           size - 1 < 64 - (uint32_t)(va & 63) && ((f->dok >> type) & 1)) {
		f->n[type]++;
		return true;
	}
	return false;
}

static inline int mmu_access(struct mmu *m, uint64_t va, uint32_t size, enum mmu_access_type type,
                             uint64_t pc, struct mmu_fault *fault)
{
	if (mmu_access_repeat(m, va, size, type))
		return 0;
	return mmu_access_full(m, va, size, type, pc, fault);
}

/* Translate like mmu_access (TLBs, walk, A/D bits, faults and their
 * counters) but present no access: the fetches/loads/stores counters and the
 * data caches are untouched.  For fault reports, drivers and tests.
 * OUT: *pa, unchanged on failure. */
int mmu_translate(struct mmu *m, uint64_t va, enum mmu_access_type type, uint64_t pc, uint64_t *pa,
                  struct mmu_fault *fault);

/* One record of a batch: the arguments of one mmu_access call. */
struct mmu_access_rec {
	uint64_t va, pc;
	uint32_t size;
	uint32_t type; /* enum mmu_access_type */
};

/* mmu_access over recs[0..n) in order: exactly the counters, faults and
 * model state of n mmu_access calls.  While walks are frequent it prefetches
 * the host memory (page-table entries, cache-model sets) of the records a
 * few places ahead, so their host cache misses overlap the current access.
 * Stops at the first record that fails and returns its error (*fault filled
 * as by mmu_access); *done (may be NULL) = records performed, n on success. */
int mmu_access_batch(struct mmu *m, const struct mmu_access_rec *recs, size_t n, size_t *done,
                     struct mmu_fault *fault);

/* A hint for a driver that will access va a few accesses from now: with
 * data false, prefetch va's leaf page-table entry and its cache-model sets;
 * with data true (call it later, once that entry is likely host-cached),
 * read the entry and prefetch the data line's cache-model sets.  Reads guest
 * page tables only; changes no model state and counts nothing. */
void mmu_prefetch(const struct mmu *m, uint64_t va, enum mmu_access_type type, bool data);

/* The driver reports retired instructions (charged to the region of pc). */
void mmu_retire(struct mmu *m, uint64_t pc, uint64_t instructions);

/* ---- Counters ---------------------------------------------------------- */

enum mmu_counter {
#define MMU_COUNTER(id, unit, desc) MMU_C_##id,
#include "counters.def"
#undef MMU_COUNTER
	MMU_NR_COUNTERS
};

const char *mmu_counter_name(enum mmu_counter c);
const char *mmu_counter_unit(enum mmu_counter c);
const char *mmu_counter_desc(enum mmu_counter c);

/* A snapshot of every counter of every region.  Per-phase figures come from
 * subtracting snapshots (warm-up removal). */
struct mmu_stats {
	unsigned nr_regions;
	double base_cpi;
	uint64_t v[MMU_MAX_REGIONS][MMU_NR_COUNTERS];
};
void mmu_stats_snapshot(const struct mmu *m, struct mmu_stats *out);
void mmu_stats_sub(struct mmu_stats *a, const struct mmu_stats *b); /* a -= b */
uint64_t mmu_stats_total(const struct mmu_stats *s, enum mmu_counter c);
/* Total cycles under the cost model, for one region or (region < 0) all. */
double mmu_stats_cycles(const struct mmu_stats *s, int region);
void mmu_reset_stats(struct mmu *m);

/* ---- Hot spots: the PCs behind TLB misses and walks -------------------- */

struct mmu_hotspot {
	uint64_t pc;
	uint64_t dtlb_misses, itlb_misses, walks, walk_cycles;
};
/* Fill up to n entries, most walk cycles first (then most L1 TLB misses,
 * then lowest PC); returns how many.  The table holds 4096 PCs; a new PC
 * that finds no free slot near its hash is not recorded. */
unsigned mmu_hotspots(const struct mmu *m, struct mmu_hotspot *out, unsigned n);

/* ---- Debug and tests --------------------------------------------------- */

/* Re-verify the model's invariants (TLB tags in their sets, replacement
 * state consistent, ...).  0 or VMEMSIM_ECORRUPT with a description. */
int mmu_check(const struct mmu *m, struct vmemsim_err *err);

#endif /* VMEMSIM_MMU_H */
