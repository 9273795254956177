/*
 * emu/emu_internal.h — struct emu and the helpers the emu/ .c files share.
 * Not installed, not included outside emu/.
 *
 * Invariants (re-checked by the tests):
 *  (1) regions[] is sorted by va, non-overlapping, and is exactly the set of
 *      regions Unicorn has mapped (every uc_mem_map_ptr/uc_mem_unmap goes
 *      through emu_regions.c).
 *  (2) every region agrees with the page tables as they were when it was
 *      mapped: for each page p in it, mmu_pt_lookup(p).pa == pa + (p - va).
 *  (3) a block-cache entry describes the bytes Unicorn reported for its
 *      (address, size); a different size re-decodes.
 *  (4) symbols[] is sorted by va once syms_sorted is set.
 *  (5) cur is NULL, a cached block or &bc.empty; acc_n is 0, or cur's PCs
 *      are trusted and acc_pc/acc_n are cur->acc.pc/n, or (fast_block_pc)
 *      acc_n is UINT32_MAX; bc_slots/bc_mask
 *      equal bc.slots/bc.mask.
 */
#ifndef VMEMSIM_EMU_INTERNAL_H
#define VMEMSIM_EMU_INTERNAL_H

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "emu.h"

/* The PCs of a block's data accesses, in order, learned from RIP (see
 * emu_core.c, "Exact PCs without a register read per access"). */
enum emu_acc_state {
	EMU_ACC_LEARN = 0, /* first execution: record RIP of each access */
	EMU_ACC_VERIFY,    /* second: compare RIP with what was recorded */
	EMU_ACC_TRUSTED,   /* use pc[k] for the k-th access, no RIP read */
	EMU_ACC_RIP        /* the sequence varies: always read RIP */
};
struct emu_acc {
	enum emu_acc_state state;
	uint32_t n, cap;
	uint64_t *pc;
};

/* One decoded basic block.  insn_off[i] is the byte offset of instruction
 * i from the block start (used to count a block cut short by a fault).
 * Blocks live in chunks that never move, so the hooks hold a pointer to the
 * block being executed (e->cur) across cache growth. */
struct emu_block {
	uint64_t va;   /* key */
	uint32_t size; /* bytes, as Unicorn reported; 0 = never decoded */
	uint32_t nr_insns;
	uint32_t fetch1;    /* bytes in the block's first 4 KiB page (== size: one fetch) */
	uint16_t *insn_off; /* nr_insns offsets, owned by the cache */
	uint64_t rep_va;    /* VA of the last instruction if it is a rep string op, else 0 */
	struct emu_acc acc; /* the PCs of its data accesses (pc owned by the cache) */
};

#define EMU_BC_CHUNK 256 /* blocks per storage chunk */
struct emu_block_chunk {
	struct emu_block b[EMU_BC_CHUNK]; /* first: 64-byte blocks on cache lines */
	struct emu_block_chunk *next;
};

struct emu_block_cache {
	struct emu_block **slots; /* open addressing by va, linear probing; NULL = empty */
	size_t mask;              /* slots - 1 (power of two) */
	size_t used;
	struct emu_block_chunk *chunks; /* storage, newest first */
	unsigned chunk_used;            /* blocks taken from chunks (the newest) */
	struct emu_block empty;         /* answer to an empty block report (uncached, per emu) */
};

/* An MMIO window over fragmented leaves (emu_regions.c explains why):
 * frames[i] is the PA of page i, with EMU_FRAME_W/X in the low bits. */
#define EMU_FRAME_W 1ull
#define EMU_FRAME_X 2ull
struct emu_window {
	struct emu *e;
	uint64_t va;
	size_t nr_pages;
	uint64_t frames[];
};

/* One Unicorn region: RAM (win == NULL) or an MMIO window (owned). */
struct emu_map {
	struct emu_region r;
	struct emu_window *win;
};

struct emu_symbol_ent {
	uint64_t va, size;
	char *name;
};

struct emu {
	/* Hot: the first three cache lines hold everything the hooks touch on
	 * every block and access (emu_hooks.c, "hot path"); the memory hooks'
	 * fast path reads only the first. */
	struct mmu *mmu;
	struct emu_block *cur;  /* the block being executed, not yet retired; NULL = none */
	const uint64_t *acc_pc; /* cur's trusted access PCs, valid for k < acc_n */
	uint32_t acc_k;         /* data accesses so far in the current block */
	uint32_t acc_n;         /* 0 unless the fast data path may use acc_pc */
	uint32_t split_left;    /* page-crossing load echoes to drop */
	bool stopping, model_data, model_fetch, exact_pc;
	bool cur_cont;      /* cur continues a rep (see hook_block) */
	bool fast_pcs;      /* exact_pc and no recorder: trusted PCs go to acc_pc */
	bool fast_block_pc; /* !exact_pc and no recorder: acc_n = UINT32_MAX */
	uint64_t loads, stores;
	uint64_t rep_next; /* rep_va of the block last entered */

	uint64_t insns;         /* instructions retired (this run) */
	uint64_t ret_va, ret_n; /* retired, not yet told to mmu_retire: ret_n on ret_va's page */
	uint64_t insn_limit;    /* max_insns, or UINT64_MAX for none */
	uint64_t fetches, blocks;
	uint64_t block_va;           /* current block's address */
	struct emu_block **bc_slots; /* == bc.slots, bc.mask: the block lookup */
	size_t bc_mask;
	uint32_t time_check; /* blocks until the next clock read */
	enum emu_stop stop;
	emu_record_fn record;               /* NULL = none (tested on every access) */
	emu_retire_record_fn record_retire; /* NULL = none */

	/* Cold */
	enum emu_instrument instrument;
	uint64_t max_insns; /* 0 = unlimited */
	double deadline;    /* monotonic seconds, 0 = none */
	uint32_t split_size;
	uint64_t split_lo;
	void *record_ctx;
	void *record_retire_ctx;
	struct emu_fault_report fault;

	uc_engine *uc;
	csh cs;
	const struct mmu_pt *pt;
	struct mmu_phys *phys;
	uint64_t args[6];
	uc_hook h_mem, h_mem2, h_block, h_invalid, h_insn_invalid, h_intr;

	struct emu_map *regions;
	size_t nr_regions, cap_regions;

	struct emu_block_cache bc;
	uint8_t *scratch; /* block bytes being decoded */
	size_t scratch_len;
	cs_insn *csi; /* capstone's per-instruction buffer (cs_malloc) */

	struct emu_symbol_ent *syms;
	size_t nr_syms, cap_syms;
};

/* emu_blocks.c */
int emu_bc_init(struct emu *e);
void emu_bc_fini(struct emu_block_cache *bc);
struct emu_block *emu_bc_lookup_slow(struct emu *e, uint64_t va, uint32_t size);

/* Slot of va: the page number folded into the offset, nothing more (block
 * addresses are already well spread; collisions probe linearly). */
static inline size_t emu_bc_index(uint64_t va, size_t mask)
{
	return (size_t)(va ^ (va >> 12)) & mask;
}

/* The hot path: one probe; collisions and first sightings go out of line. */
static inline struct emu_block *emu_bc_lookup(struct emu *e, uint64_t va, uint32_t size)
{
	struct emu_block *b = e->bc_slots[emu_bc_index(va, e->bc_mask)];
	if (__builtin_expect(b && b->va == va && b->size == size, 1))
		return b;
	return emu_bc_lookup_slow(e, va, size);
}

/* emu_report.c */
void emu_fault_fill(struct emu *e, uint64_t va, uint64_t pc, uint32_t size,
                    enum mmu_access_type type);
unsigned emu_insns_before(const struct emu_block *b, uint64_t pc);

/* emu_hooks.c */
#define EMU_TIME_CHECK_BLOCKS 4096 /* blocks between two clock reads */
double emu_now(void);              /* monotonic seconds */
int emu_add_hooks(struct emu *e, struct vmemsim_err *err);
/* Retire the pending block: all of it, or (upto_pc != 0) the instructions
 * before upto_pc. */
void emu_retire_cur(struct emu *e, uint64_t upto_pc);
/* Hand the instructions retired so far to mmu_retire (end of a run). */
void emu_retire_flush(struct emu *e);
/* Stop the run for an access Unicorn (or a window) refused. */
void emu_refuse(struct emu *e, int uc_err, uint64_t va, uint32_t size, enum mmu_access_type t);

/* emu_regions.c */
static inline uint32_t emu_region_perms(const struct emu_region *r)
{
	return UC_PROT_READ | (r->write ? UC_PROT_WRITE : 0) | (r->exec ? UC_PROT_EXEC : 0);
}
void emu_regions_fini(struct emu *e);

/* emu_elf.c */
void emu_syms_fini(struct emu *e);

#endif /* VMEMSIM_EMU_INTERNAL_H */
