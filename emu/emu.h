/*
 * emu/emu.h — the guest machine: real x86-64 code under Unicorn, every
 * translation counted by the MMU model.
 *
 * What it models.  One x86-64 CPU in 64-bit mode at CPL 0 executing a guest
 * image (an ELF linked at 0xffffffff81000000) until `hlt`.  Unicorn 2.0.1
 * executes the instructions; vmemsim's MMU model (mmu/) is the MMU.  Unicorn's
 * own paging stays OFF ("flat" mode, CR0.PG = 0, EFER.LMA = 1): in 2.0.1 its
 * x86 MMU identity-maps virtual to physical after its permission checks, so it
 * cannot translate through our page tables (DESIGN.md, "Unicorn facts").
 * Instead every leaf of our page tables is mapped into Unicorn AT ITS VIRTUAL
 * ADDRESS with uc_mem_map_ptr(), the host pointer being the guest-physical
 * backing at the leaf's physical address.  Aliases (direct map and vmemmap
 * over the same frames, HVO tails sharing one page) are therefore the same
 * host bytes: a write through one VA is visible through every other.
 *
 * What is counted.  A UC_HOOK_MEM_READ/WRITE hook presents every data access
 * to mmu_access(va, size, MMU_LOAD/MMU_STORE, pc).  A UC_HOOK_BLOCK hook,
 * with a capstone decode cached per block address, reports the block's
 * instructions to mmu_retire() and presents one MMU_FETCH per 4 KiB page the
 * block's bytes span.  There is no per-instruction hook.  See docs/emulator.md
 * for what the counts include and the approximations.
 *
 * Units.  "va" is a guest virtual address, "pa" guest-physical, in bytes.
  * Instructions are counted per retired block (a block cut short by a fault
 * counts only the instructions before the faulting one; a rep string
 * instruction counts once however many iterations it runs).
 *
 * Ownership.  struct emu (opaque) borrows the mmu, the page tables and the
 * physical memory given to emu_create(); they must outlive it.  The emu owns
 * its Unicorn engine, capstone handle, block cache and symbol table.  Nothing
  * here prints, exits or keeps global state; one emu may be used by one thread
 * at a time.  Parallel runs are separate processes (sweeps); running emus in
 * several threads of one process is untested (libelf's elf_version() is
 * process-global).
 *
 * Errors.  0 or a negative VMEMSIM_E* code with a one-line message in *err
 * (NULL allowed).  On failure nothing observable changes unless the comment
 * says otherwise.
 *
 * Typical run:
 *     emu_create(&e, mmu, &pt, &phys, NULL, &err);
 *     emu_elf_extent("guest.elf", &lo, &hi, &err);     // how much to map
 *     mmu_pt_map(&pt, lo, image_pa, hi - lo, ...);     // caller's layout
 *     emu_map_from_page_tables(e, 0xffff800000000000, 0, &err);  // 0 = 2^64
 *     emu_load_elf(e, "guest.elf", &img, &err);
 *     emu_symbol(e, "boot_params", &va, NULL);  emu_write(e, va, &bp, sizeof bp, &err);
  *     rc = emu_run(e, img.entry, stack_top, 0, &budget, &res, &err);
 *     // rc == VMEMSIM_EFAULT: res.fault holds the report (emu_fault_format)
 */
#ifndef VMEMSIM_EMU_H
#define VMEMSIM_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/vmemsim.h"
#include "../mmu/mmu.h"

/* ---- Configuration ---------------------------------------------------- */

/* How the guest is instrumented.  EMU_INSTR_EMPTY_HOOK exists for the
 * benchmark baseline: an empty data-access hook and nothing else (no block
 * hook, so no instruction counting, no MMU, no budgets but the clock). */
enum emu_instrument {
	EMU_INSTR_FULL = 0,       /* block hook + memory hooks feeding the MMU */
	EMU_INSTR_EMPTY_HOOK = 1, /* baseline: empty UC_HOOK_MEM_READ/WRITE only */
	EMU_INSTR_NONE = 2        /* baseline: no hooks at all */
};

struct emu_config {
	enum emu_instrument instrument; /* default EMU_INSTR_FULL */
	bool model_data;                /* present loads/stores to the MMU (default true) */
	bool model_fetch;               /* present per-block fetches to the MMU (default true) */
	/* PC given to mmu_access for data accesses.  true (default): the exact
	 * RIP of the accessing instruction (learned per block from RIP in its
	 * first two executions, docs/emulator.md; then as cheap as false);
	 * false: the address of the enclosing basic block (hot spots per block). */
	bool exact_pc;
};
void emu_config_default(struct emu_config *cfg);

/* ---- Lifecycle -------------------------------------------------------- */

struct emu; /* opaque */

/* A Unicorn x86-64 engine, flat, CPL 0, no regions mapped yet.  cfg may be
 * NULL (defaults).  m may be NULL: the guest then runs unmodelled (used by the
 * benchmark baseline and by tests of the plumbing); instructions are still
 * counted and faults come only from Unicorn. */
int emu_create(struct emu **out, struct mmu *m, const struct mmu_pt *pt, struct mmu_phys *phys,
               const struct emu_config *cfg, struct vmemsim_err *err);
void emu_destroy(struct emu *e); /* NULL is fine */

/* ---- Guest memory: Unicorn regions from the page tables ----------------- */

/* Map every leaf of the page tables with a VA in [va_start, va_end) into
 * Unicorn at its VA (va_end 0 means 2^64).  Leaves contiguous in both VA and
 * PA with equal permissions are coalesced into one region.  Permissions come
 * from the leaf: read always, write if PTE_RW, execute unless PTE_NX.
 * Regions already mapped in the range are replaced, so calling it again
 * after the page tables changed resynchronises Unicorn (the MMU model sees
 * the change anyway; call mmu_invlpg/mmu_flush_all as the kernel would).
 * Fragmented stretches become MMIO windows (struct emu_region.mmio); more
 * than 1024 regions in all is refused (VMEMSIM_ENOMEM, "too fragmented").
 * On failure the range is left unmapped in Unicorn. */
int emu_map_from_page_tables(struct emu *e, uint64_t va_start, uint64_t va_end,
                             struct vmemsim_err *err);
/* Remove every Unicorn region in [va_start, va_end) (0 = 2^64). */
void emu_unmap(struct emu *e, uint64_t va_start, uint64_t va_end);

/* One Unicorn region.  mmio: a window over a stretch of small scattered
 * non-executable leaves (more than 8 VA-adjacent runs, none 2 MiB or
 * larger): Unicorn
 * cannot hold thousands of regions (mapping N costs ~N^3; it aborts at 4096),
 * so such a stretch is one MMIO region whose callbacks copy to and from each
 * page's frame.  pa is then the first page's frame, write = any page
  * writable (permissions are enforced per page), exec = false. */
struct emu_region {
	uint64_t va, size, pa;
	bool write, exec, mmio;
};
/* The Unicorn regions, in VA order: fills up to n, returns the total. */
size_t emu_regions(const struct emu *e, struct emu_region *out, size_t n);

/* Host-side copies through the page tables (mmu_pt_lookup: no counting, no
 * A/D bits, no permission checks), for boot parameters and results.  Fail
 * with VMEMSIM_EFAULT naming the first unmapped VA; a failed write may have
 * written the bytes before it. */
int emu_read(const struct emu *e, uint64_t va, void *buf, size_t len, struct vmemsim_err *err);
int emu_write(struct emu *e, uint64_t va, const void *buf, size_t len, struct vmemsim_err *err);

/* ---- Guest images: ELF loading and symbols ----------------------------- */

/* The VA span [*va_lo, *va_hi) of an ELF64 x86-64 file's PT_LOAD segments,
 * page-aligned, so the caller can map it before loading. */
int emu_elf_extent(const char *path, uint64_t *va_lo, uint64_t *va_hi, struct vmemsim_err *err);

struct emu_image {
	uint64_t entry;        /* e_entry */
	uint64_t va_lo, va_hi; /* page-aligned span of the PT_LOAD segments */
	unsigned nr_segments;  /* PT_LOAD segments copied */
	size_t nr_symbols;     /* function and object symbols now known */
};

/* Copy each PT_LOAD segment's file bytes into guest-physical memory at the
 * PAs the page tables give for its VAs (page by page, so the image may be
 * physically scattered) and zero the rest of its memsz (.bss).  The image
 * must already be mapped.  Its STT_FUNC/STT_OBJECT symbols are added to the
 * emu's symbol table.  Errors name the file and the reason (not ELF64, not
 * x86-64, truncated, segment VA unmapped: "seg 1 va 0x..."); on failure the
 * symbol table is unchanged but guest memory may hold part of the image. */
int emu_load_elf(struct emu *e, const char *path, struct emu_image *image, struct vmemsim_err *err);
/* The same from a buffer (name is used in messages). */
int emu_load_elf_mem(struct emu *e, const void *buf, size_t len, const char *name,
                     struct emu_image *image, struct vmemsim_err *err);

/* Add one symbol by hand (hand-assembled guests in tests). */
int emu_add_symbol(struct emu *e, const char *name, uint64_t va, uint64_t size,
                   struct vmemsim_err *err);
/* VA (and size; size may be NULL) of a symbol by name: 0 or VMEMSIM_ENOENT. */
int emu_symbol(const struct emu *e, const char *name, uint64_t *va, uint64_t *size);
/* "func+0x1c" for pc into buf (always NUL-terminated); *offset (may be
 * NULL) gets pc - func.  Returns 0, or VMEMSIM_ENOENT with buf = "0x<pc>"
 * when no symbol contains pc (a symbol of size 0 contains pc up to the next
 * symbol). */
int emu_symbolize(const struct emu *e, uint64_t pc, char *buf, size_t len, uint64_t *offset);
/* Disassemble the instruction at va (read through the page tables) into buf
 * as "mnemonic operands".  0, or VMEMSIM_EFAULT / VMEMSIM_ECORRUPT with buf
 * = "??". */
int emu_disasm(const struct emu *e, uint64_t va, char *buf, size_t len);

/* ---- Running ------------------------------------------------------------ */

/* Budgets: 0 means unlimited.  The instruction budget is checked at block
 * entry (a block that would cross it is not executed), the wall-clock budget
 * every few thousand blocks. */
struct emu_budget {
	uint64_t max_instructions;
	double max_seconds;
};

enum emu_stop {
	EMU_STOP_HLT = 0,    /* the guest executed hlt: normal end */
	EMU_STOP_FAULT,      /* the MMU model raised a page fault */
	EMU_STOP_UNICORN,    /* Unicorn stopped: unmapped, protection, bad insn */
	EMU_STOP_INSN_LIMIT, /* instruction budget exhausted */
	EMU_STOP_TIME_LIMIT, /* wall-clock budget exhausted */
	EMU_STOP_RECORDER    /* the recorder callback asked to stop */
};
const char *emu_stop_name(enum emu_stop s);

/* Why a run stopped abnormally: everything a user needs to find the bug.
 * Self-contained (strings filled in), so it can be formatted after the emu is
 * gone. */
struct emu_fault_report {
	uint64_t va;               /* the faulting address (fetch: the code VA) */
	uint64_t pc;               /* RIP of the faulting instruction */
	uint32_t size;             /* access size in bytes (0 if unknown) */
	enum mmu_access_type type; /* fetch, load or store */
	bool have_walk;            /* walk is filled (EMU_STOP_FAULT) */
	struct mmu_fault walk;     /* the failed walk: error code, steps */
	int uc_err;                /* Unicorn's uc_err, 0 if none */
	char uc_msg[96];           /* uc_strerror(uc_err) */
	char symbol[96];           /* "func+0x1c" or "0x..." */
	char insn[96];             /* "mov qword ptr [rax], rdx" or "??" */
};
/* Multi-line human-readable report, no trailing newline:
 *   page fault: store of 8 bytes at va 0x..., pc 0x... <func+0x1c>: mov ...
 *     #PF error code 0x3 (protection violation, write, supervisor)
 *     walk: PML4E @pa 0x... = 0x... -> PDPTE @pa ... -> PTE @pa ... = 0x...
 * Returns the length that was needed (snprintf semantics). */
size_t emu_fault_format(const struct emu_fault_report *r, char *buf, size_t len);

struct emu_result {
	enum emu_stop stop;
	uint64_t instructions;           /* retired in this run */
	uint64_t blocks;                 /* basic blocks entered */
	uint64_t loads, stores, fetches; /* accesses presented to the MMU */
	double seconds;                  /* wall clock of the run */
	uint64_t rip;                    /* after hlt: just past it (after a fault use fault.pc) */
	uint64_t rax;                    /* RAX then (a function's return value) */
	struct emu_fault_report fault;   /* EMU_STOP_FAULT and EMU_STOP_UNICORN */
};

/* Set the SysV argument registers rdi, rsi, rdx, rcx, r8, r9 (n <= 6) for
 * the next emu_run; the other general registers start at 0. */
int emu_set_args(struct emu *e, const uint64_t *args, unsigned n, struct vmemsim_err *err);

/* Run from entry_va with RSP = stack_top_va until hlt or a stop.  If
 * return_va is non-zero it is pushed first (RSP = stack_top_va - 8), so a
 * plain C function can be called and return to a `hlt` at return_va.  The
 * MMU's counters accumulate (snapshot before/after for per-run figures).
  * Returns 0 after hlt; otherwise VMEMSIM_EFAULT (EMU_STOP_FAULT,
 * EMU_STOP_UNICORN, or return_va not writable at stack_top_va - 8),
 * VMEMSIM_ELIMIT (budgets) or VMEMSIM_EIO (the recorder stopped it), the
 * message being the first line of the fault report or the budget hit.
 * *result is always filled. */
int emu_run(struct emu *e, uint64_t entry_va, uint64_t stack_top_va, uint64_t return_va,
            const struct emu_budget *budget, struct emu_result *result, struct vmemsim_err *err);

/* ---- Recording: tee every access presented to the MMU ------------------ */

/* Called for each access, in order, before it is presented to the MMU:
 * fetches (one per page a block spans, size = bytes in that page), loads
 * and stores.  Return 0 to continue, non-zero to stop the run
 * (EMU_STOP_RECORDER, emu_run returns VMEMSIM_EIO).  Keep it cheap: it runs
 * inside the memory hook.  fn NULL removes the recorder. */
typedef int (*emu_record_fn)(void *ctx, enum mmu_access_type type, uint64_t va, uint32_t size,
                             uint64_t pc);
void emu_set_recorder(struct emu *e, emu_record_fn fn, void *ctx);

/* Called whenever instructions retire (exactly when mmu_retire() is told):
 * pc is the block's address, as mmu_retire() sees it.  With this and the
 * access recorder, a trace replays every counter of the run, instructions
 * and cycles included.  fn NULL removes it. */
typedef void (*emu_retire_record_fn)(void *ctx, uint64_t pc, uint64_t instructions);
void emu_set_retire_recorder(struct emu *e, emu_retire_record_fn fn, void *ctx);

/* ---- Hot spots ---------------------------------------------------------- */

/* The PCs that cost most walk cycles (mmu_hotspots), symbolized and
 * disassembled.  Fills up to n, returns how many. */
struct emu_hotspot {
	struct mmu_hotspot h;
	char symbol[96];
	char insn[96];
};
unsigned emu_hotspots(const struct emu *e, struct emu_hotspot *out, unsigned n);

/* The same summed per function (symbol without offset; PCs outside every
 * symbol are grouped as "?"), most walk cycles first. */
struct emu_hotspot_fn {
	char symbol[96];
	uint64_t dtlb_misses, itlb_misses, walks, walk_cycles;
	unsigned nr_pcs;
};
unsigned emu_hotspot_functions(const struct emu *e, struct emu_hotspot_fn *out, unsigned n);

/* ---- Debug and tests ---------------------------------------------------- */

/* Re-verify that Unicorn's memory is what the page tables say: the regions
 * are sorted, disjoint and exactly Unicorn's (uc_mem_regions); every byte of
 * every region is backed by a leaf whose frame and permissions match (RAM
 * region: pa + offset, its RW/NX; window: each page's frame and RW); and
 * every leaf in [va_start, va_end) (va_end 0 = 2^64) lies inside regions.
 * Cost: one pass over the leaves.  0, or VMEMSIM_ECORRUPT naming the first
 * disagreeing VA. */
int emu_check(const struct emu *e, uint64_t va_start, uint64_t va_end, struct vmemsim_err *err);

/* Blocks decoded and cached so far (a block is decoded once). */
size_t emu_nr_cached_blocks(const struct emu *e);

#endif /* VMEMSIM_EMU_H */
