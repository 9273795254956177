/*
 * emu/emu_hooks.c — the hooks Unicorn calls while the guest runs: block
 * entry (instruction counting, fetches, budgets), data accesses (the MMU
 * model, exact PCs), and what Unicorn refuses (faults, invalid instructions,
 * exceptions).  The hot path: no allocation after a block's first
 * executions, no register read once a block's access PCs are learned.
 *
 * Retirement is lazy: a block's instructions are reported to mmu_retire()
 * when the NEXT block starts (or when the run ends), so a block cut short by
 * a fault retires only the instructions before the faulting one.
 *
 * After a memory hook calls uc_emu_stop(), Unicorn 2.0.1 completes the
 * access being hooked and stops before the next instruction; from a block
 * hook, the block does not run (both measured).  Every hook still returns at
 * once while e->stopping is set, so nothing after a stop is ever counted.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_internal.h"

/* Out of the hooks' fast path: kept out of line so the hot functions stay
 * small and save few registers. */
#define EMU_COLD __attribute__((cold, noinline))

double emu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- stopping ---------------------------------------------------------- */

static void emu_stop_run(struct emu *e, enum emu_stop why)
{
	e->stopping = true;
	e->acc_n = 0; /* every later access takes the slow path, which drops it */
	e->stop = why;
	uc_emu_stop(e->uc);
}

/* Instructions reach mmu_retire() in runs of blocks on one 4 KiB page
 * (mmu_retire attributes them to the region of the PC's page, so the counters
 * are those of one call per block); emu_run() flushes the last run before it
 * returns. */
void emu_retire_flush(struct emu *e)
{
	if (e->ret_n && e->mmu)
		mmu_retire(e->mmu, e->ret_va, e->ret_n);
	e->ret_n = 0;
}

EMU_COLD static void emu_retire_new_page(struct emu *e, uint64_t va, uint64_t n)
{
	emu_retire_flush(e);
	e->ret_va = va;
	e->ret_n = n;
}

/* Retire n instructions of block c and forget it as the pending block. */
static inline void emu_retire(struct emu *e, const struct emu_block *c, uint64_t n)
{
	e->cur = NULL;
	e->acc_n = 0;
	if (!n)
		return;
	e->insns += n;
	if (__builtin_expect((c->va ^ e->ret_va) < 4096, 1))
		e->ret_n += n;
	else
		emu_retire_new_page(e, c->va, n);
	if (__builtin_expect(e->record_retire != NULL, 0))
		e->record_retire(e->record_retire_ctx, c->va, n);
}

/* Retire the pending block: all of it, or (upto_pc != 0) the instructions
 * before upto_pc. */
void emu_retire_cur(struct emu *e, uint64_t upto_pc)
{
	const struct emu_block *c = e->cur;
	if (!c)
		return;
	uint64_t n = upto_pc ? emu_insns_before(c, upto_pc) : c->nr_insns;
	if (e->cur_cont && n) /* the rep instruction was counted when it began */
		n--;
	emu_retire(e, c, n);
}

/* ---- Exact PCs without a register read per access ------------------------
 *
 * uc_reg_read(RIP) in a memory hook gives the accessing instruction (Unicorn
 * syncs RIP before general-register loads and stores) but costs ~7 ns, a
 * quarter of an empty hook.  Within a basic block every instruction runs, in
 * order, so the k-th data access of one execution comes from the same
 * instruction as in any other execution, as long as each instruction makes a
 * fixed number of accesses (only a rep string instruction varies, and it
 * always ends its block).  So a block's first execution records the RIP of
 * each access, the second verifies it access by access and count by count,
 * and later executions use the recorded PCs.  Any disagreement (a different
 * RIP, more or fewer accesses) switches the block to reading RIP for good.
 * The PCs are therefore exactly what reading RIP would give.
 *
 * The hot path sees only e->acc_pc/acc_n: at block entry they are set to the
 * block's PCs if it is trusted (and nothing else needs the slow path), else
 * acc_n = 0, so the k-th access takes acc_pc[k] while k < acc_n and anything
 * else (learning, verifying, an extra access, a stop) goes to the slow path
 * with the same k.
 */

static uint64_t emu_pc_slow(struct emu *e, uc_engine *uc, struct emu_acc *a, uint32_t k)
{
	uint64_t rip = e->block_va;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	if (!a)
		return rip;
	switch (a->state) {
	case EMU_ACC_LEARN:
		if (k != a->n) {
			a->state = EMU_ACC_RIP;
			break;
		}
		if (a->n == a->cap) {
			uint32_t cap = a->cap ? a->cap * 2 : 8;
			uint64_t *p = realloc(a->pc, cap * sizeof(*p));
			if (!p) {
				a->state = EMU_ACC_RIP;
				break;
			}
			a->pc = p;
			a->cap = cap;
		}
		a->pc[a->n++] = rip;
		break;
	case EMU_ACC_VERIFY:
	case EMU_ACC_TRUSTED:
		if (k >= a->n || a->pc[k] != rip)
			a->state = EMU_ACC_RIP;
		break;
	case EMU_ACC_RIP: break;
	}
	return rip;
}

/* The PC of the k-th data access of the current block, off the fast path. */
static uint64_t emu_access_pc(struct emu *e, uc_engine *uc, uint32_t k)
{
	struct emu_acc *a = e->cur ? &e->cur->acc : NULL;
	if (a && a->state == EMU_ACC_TRUSTED && k < a->n)
		return a->pc[k];
	return emu_pc_slow(e, uc, a, k);
}

/* The current block ran to its end with acc_k accesses: advance its
 * learning state. */
EMU_COLD static void emu_acc_close_slow(struct emu *e, struct emu_acc *a)
{
	if (a->state == EMU_ACC_LEARN)
		a->state = EMU_ACC_VERIFY;
	else if (a->state == EMU_ACC_VERIFY)
		a->state = e->acc_k == a->n ? EMU_ACC_TRUSTED : EMU_ACC_RIP;
	else if (a->state == EMU_ACC_TRUSTED && e->acc_k != a->n)
		a->state = EMU_ACC_RIP;
}

static inline void emu_acc_close(struct emu *e, struct emu_block *c)
{
	if (__builtin_expect(c->acc.state != EMU_ACC_TRUSTED || e->acc_k != c->acc.n, 0))
		emu_acc_close_slow(e, &c->acc);
}

/* ---- block entry --------------------------------------------------------- */

/* The instruction that first touches the page starting at va (or b->va):
 * the one straddling into it, else the one starting on it. */
static uint64_t emu_insn_at_page(const struct emu_block *b, uint64_t va)
{
	unsigned i = emu_insns_before(b, va);
	if (i > 0) {
		uint64_t next = i < b->nr_insns ? b->va + b->insn_off[i] : b->va + b->size;
		if (next > va)
			return b->va + b->insn_off[i - 1];
	}
	return va;
}

/* The fetch of n bytes at va (a page of block b) faulted in the walker. */
EMU_COLD static void emu_fetch_fault(struct emu *e, struct emu_block *b, uint64_t va, uint32_t n)
{
	uint64_t pc = emu_insn_at_page(b, va);
	e->fault.have_walk = true;
	emu_fault_fill(e, va, pc, n, MMU_FETCH);
	e->cur = b; /* what precedes the faulting instruction ran */
	emu_retire_cur(e, pc);
	emu_stop_run(e, EMU_STOP_FAULT);
}

/* A block's one fetch that is not the model's armed repeat hit: the full
 * model, out of line.  Returns false after a walker fault (the run stops). */
static __attribute__((noinline)) bool emu_fetch_full(struct emu *e, struct emu_block *b,
                                                     uint64_t va, uint32_t size)
{
	if (__builtin_expect(!mmu_access_full(e->mmu, va, size, MMU_FETCH, va, &e->fault.walk), 1))
		return true;
	emu_fetch_fault(e, b, va, size);
	return false;
}

/* One MMU_FETCH per 4 KiB page the block's bytes span; size = bytes in that
 * page.  Returns false if the run is stopping (walker fault, recorder). */
EMU_COLD static bool emu_fetch_pages(struct emu *e, struct emu_block *b)
{
	uint64_t va = b->va, end = b->va + b->size;
	while (va < end) {
		uint64_t page_end = (va | 0xfff) + 1;
		uint32_t n = (uint32_t)((end < page_end || page_end == 0 ? end : page_end) - va);
		e->fetches++;
		if (e->record && e->record(e->record_ctx, MMU_FETCH, va, n, b->va)) {
			emu_stop_run(e, EMU_STOP_RECORDER);
			return false;
		}
		if (e->model_fetch && mmu_access(e->mmu, va, n, MMU_FETCH, b->va, &e->fault.walk)) {
			emu_fetch_fault(e, b, va, n);
			return false;
		}
		va += n;
	}
	return true;
}

/* The block hook's rare cases, out of line: a block that could not be
 * decoded, the instruction budget, the clock. Returns false to stop. */
EMU_COLD static bool emu_block_checks(struct emu *e, struct emu_block *b, uint64_t va,
                                      uint32_t size, bool cont)
{
	if (!b) {
		e->fault.uc_err = UC_ERR_NOMEM;
		emu_fault_fill(e, va, va, size, MMU_FETCH);
		emu_stop_run(e, EMU_STOP_UNICORN);
		return false;
	}
	if (e->insns + b->nr_insns - cont > e->insn_limit) {
		emu_stop_run(e, EMU_STOP_INSN_LIMIT);
		return false;
	}
	if (e->time_check == 0) {
		e->time_check = EMU_TIME_CHECK_BLOCKS;
		if (e->deadline != 0 && emu_now() > e->deadline) {
			emu_stop_run(e, EMU_STOP_TIME_LIMIT);
			return false;
		}
	}
	return true;
}

/* ---- hooks (hot path) -------------------------------------------------- */

/* Every block entry hook_block does not take straight-line: retire the
 * previous block, find this one (or cache it), check budgets, present its
 * fetches, publish its learned PCs. */
static __attribute__((noinline)) void hook_block_slow(uc_engine *uc, uint64_t va, uint32_t size,
                                                      void *user)
{
	struct emu *e = user;
	if (__builtin_expect(e->stopping, 0))
		return;
	struct emu_block *c = e->cur;
	if (__builtin_expect(c != NULL, 1)) {
		emu_acc_close(e, c);
		uint64_t n = c->nr_insns;
		if (__builtin_expect(e->cur_cont, 0) && n)
			n--; /* the rep instruction was counted when it began */
		emu_retire(e, c, n);
	}
	struct emu_block *b = emu_bc_lookup(e, va, size);
	/* QEMU runs each iteration of a rep string instruction as its own
	 * block at the instruction's address: such a re-entry continues the
	 * instruction already counted and fetched (emu_blocks.c) */
	bool cont = va == e->rep_next;
	--e->time_check;
	if (__builtin_expect(
	        !b || e->insns + b->nr_insns - cont > e->insn_limit || e->time_check == 0, 0)) {
		if (!emu_block_checks(e, b, va, size, cont))
			return;
	}
	e->rep_next = b->rep_va;
	e->blocks++;
	e->block_va = va;
	e->cur_cont = cont;
	if (!cont) {
		if (__builtin_expect(b->fetch1 == b->size && !e->record, 1)) {
			e->fetches++;
			if (e->model_fetch && !mmu_access_repeat(e->mmu, va, size, MMU_FETCH) &&
			    !emu_fetch_full(e, b, va, size))
				return;
		} else if (!emu_fetch_pages(e, b)) {
			return;
		}
	}
	e->cur = b;
	e->acc_k = 0;
	if (b->acc.state == EMU_ACC_TRUSTED && e->fast_pcs) {
		e->acc_pc = b->acc.pc;
		e->acc_n = b->acc.n;
	} else if (e->fast_block_pc) {
		e->acc_n = UINT32_MAX;
	}
}

/* Called by Unicorn's translated code at every block entry (a single
 * UC_HOOK_BLOCK is called directly, without Unicorn's hook loop).  The
 * common case, without a call: the previous block ran to its end with the
 * accesses it learned, on the page of the instructions not yet retired;
 * this one is cached, trusted, not a rep continuation, within one page and
 * far from every budget; its fetch re-hits the model's armed page.  Exactly
 * what hook_block_slow does in that case; anything else goes there before
 * any state changes (but the fetch, which is presented last either way:
 * emu_fetch_fault leaves the same state behind). */
static void hook_block(uc_engine *uc, uint64_t va, uint32_t size, void *user)
{
	struct emu *e = user;
	struct emu_block *c = e->cur, *b = e->bc_slots[emu_bc_index(va, e->bc_mask)];

	if (__builtin_expect(
	        !c || !b || b->va != va || b->size != size || e->stopping || e->cur_cont ||
	            !e->model_fetch || !e->fast_pcs || e->record || e->record_retire ||
	            c->acc.state != EMU_ACC_TRUSTED || e->acc_k != c->acc.n || !c->nr_insns ||
	            (c->va ^ e->ret_va) >= 4096 || va == e->rep_next || b->fetch1 != size ||
	            b->acc.state != EMU_ACC_TRUSTED || e->time_check <= 1 ||
	            e->insns + c->nr_insns + b->nr_insns > e->insn_limit,
	        0)) {
		hook_block_slow(uc, va, size, user);
		return;
	}
	e->insns += c->nr_insns; /* emu_retire of c */
	e->ret_n += c->nr_insns;
	--e->time_check;
	e->rep_next = b->rep_va;
	e->blocks++;
	e->block_va = va;
	e->fetches++;
	e->cur = b;
	e->acc_k = 0;
	e->acc_pc = b->acc.pc;
	e->acc_n = b->acc.n;
	if (!mmu_access_repeat(e->mmu, va, size, MMU_FETCH))
		emu_fetch_full(e, b, va, size);
}

/* A data access the model refused: the run stops with the walk. */
EMU_COLD static void emu_data_fault(struct emu *e, uc_engine *uc, uint64_t va, int size,
                                    enum mmu_access_type type, uint64_t pc)
{
	if (!e->exact_pc)
		uc_reg_read(uc, UC_X86_REG_RIP, &pc);
	e->fault.have_walk = true;
	emu_fault_fill(e, va, pc, (uint32_t)size, type);
	emu_retire_cur(e, pc);
	emu_stop_run(e, EMU_STOP_FAULT);
}

/* A fast-path access that is not the model's armed repeat hit
 * (mmu_access_repeat): the full model, and its fault.  Out of line, so the
 * hooks keep nothing live across a call. */
static __attribute__((noinline)) void emu_data_full(struct emu *e, uint64_t va, int size,
                                                    enum mmu_access_type type, uint64_t pc)
{
	if (__builtin_expect(mmu_access_full(e->mmu, va, (uint32_t)size, type, pc, &e->fault.walk),
	                     0))
		emu_data_fault(e, e->uc, va, size, type, pc);
}

/* Every case the fast path does not take: PCs being learned or read from
 * RIP, block PCs, a recorder, a stop in progress.  k is the access's index
 * in its block (already counted in acc_k). */
EMU_COLD static void emu_data_slow(struct emu *e, uc_engine *uc, uint64_t va, int size,
                                   enum mmu_access_type type, uint32_t k)
{
	if (e->stopping) /* the rest of a stopped instruction's accesses */
		return;
	if (type == MMU_LOAD)
		e->loads++;
	else
		e->stores++;
	uint64_t pc = e->exact_pc ? emu_access_pc(e, uc, k) : e->block_va;
	if (e->record && e->record(e->record_ctx, type, va, (uint32_t)size, pc)) {
		emu_stop_run(e, EMU_STOP_RECORDER);
		return;
	}
	if (e->model_data && mmu_access(e->mmu, va, (uint32_t)size, type, pc, &e->fault.walk))
		emu_data_fault(e, uc, va, size, type, pc);
}

/* Unicorn 2.0.1 reports a load that crosses a 4 KiB page three times: the
 * load itself, then the two aligned loads its slow path splits it into
 * (va & ~(size-1) and that + size).  Only the first is the guest's access:
 * the MMU model splits it by page itself.  Stores are reported once. */
EMU_COLD static void emu_load_split(struct emu *e, uc_engine *uc, uint64_t va, int size)
{
	if (e->split_left) {
		if ((uint32_t)size == e->split_size &&
		    (va == e->split_lo || va == e->split_lo + (uint64_t)size)) {
			e->split_left--;
			return;
		}
		e->split_left = 0;
	}
	if ((va & 0xfff) + (uint64_t)size > 0x1000) {
		e->split_left = 2;
		e->split_size = (uint32_t)size;
		e->split_lo = va & ~((uint64_t)size - 1);
	}
	emu_data_slow(e, uc, va, size, MMU_LOAD, e->acc_k++);
}

/* The memory hooks' fast path.  exact is a constant: with exact PCs the
 * k-th access takes the block's learned acc_pc[k]; without, the block's
 * address (acc_n is then UINT32_MAX while the fast path is allowed). */
static inline void emu_load_fast(struct emu *e, uc_engine *uc, uint64_t va, int size, bool exact)
{
	uint32_t k = e->acc_k;
	if (__builtin_expect(
	        k < e->acc_n && !e->split_left && (va & 0xfff) + (uint64_t)size <= 0x1000, 1)) {
		e->acc_k = k + 1;
		e->loads++;
		if (!e->model_data || mmu_access_repeat(e->mmu, va, (uint32_t)size, MMU_LOAD))
			return;
		emu_data_full(e, va, size, MMU_LOAD, exact ? e->acc_pc[k] : e->block_va);
		return;
	}
	emu_load_split(e, uc, va, size);
}

static inline void emu_store_fast(struct emu *e, uc_engine *uc, uint64_t va, int size, bool exact)
{
	uint32_t k = e->acc_k++;
	if (__builtin_expect(k < e->acc_n, 1)) {
		e->stores++;
		if (!e->model_data || mmu_access_repeat(e->mmu, va, (uint32_t)size, MMU_STORE))
			return;
		emu_data_full(e, va, size, MMU_STORE, exact ? e->acc_pc[k] : e->block_va);
		return;
	}
	emu_data_slow(e, uc, va, size, MMU_STORE, k);
}

static void hook_load(uc_engine *uc, uc_mem_type type, uint64_t va, int size, int64_t value,
                      void *user)
{
	emu_load_fast(user, uc, va, size, true);
}

static void hook_store(uc_engine *uc, uc_mem_type type, uint64_t va, int size, int64_t value,
                       void *user)
{
	emu_store_fast(user, uc, va, size, true);
}

/* exact_pc = false: the same with the block's address as PC */
static void hook_load_block_pc(uc_engine *uc, uc_mem_type type, uint64_t va, int size,
                               int64_t value, void *user)
{
	emu_load_fast(user, uc, va, size, false);
}

static void hook_store_block_pc(uc_engine *uc, uc_mem_type type, uint64_t va, int size,
                                int64_t value, void *user)
{
	emu_store_fast(user, uc, va, size, false);
}

/* The benchmark baseline: the same two hooks, doing nothing but count. */
static void hook_empty_load(uc_engine *uc, uc_mem_type type, uint64_t va, int size, int64_t value,
                            void *user)
{
	((struct emu *)user)->loads++;
}

static void hook_empty_store(uc_engine *uc, uc_mem_type type, uint64_t va, int size, int64_t value,
                             void *user)
{
	((struct emu *)user)->stores++;
}

/* ---- hooks (slow path): what Unicorn refused --------------------------- */

static enum mmu_access_type uc_type_to_mmu(uc_mem_type t)
{
	switch (t) {
	case UC_MEM_FETCH:
	case UC_MEM_FETCH_UNMAPPED:
	case UC_MEM_FETCH_PROT: return MMU_FETCH;
	case UC_MEM_WRITE:
	case UC_MEM_WRITE_UNMAPPED:
	case UC_MEM_WRITE_PROT: return MMU_STORE;
	default: return MMU_LOAD;
	}
}

static uc_err uc_type_to_err(uc_mem_type t)
{
	switch (t) {
	case UC_MEM_READ_UNMAPPED: return UC_ERR_READ_UNMAPPED;
	case UC_MEM_WRITE_UNMAPPED: return UC_ERR_WRITE_UNMAPPED;
	case UC_MEM_FETCH_UNMAPPED: return UC_ERR_FETCH_UNMAPPED;
	case UC_MEM_READ_PROT: return UC_ERR_READ_PROT;
	case UC_MEM_WRITE_PROT: return UC_ERR_WRITE_PROT;
	case UC_MEM_FETCH_PROT: return UC_ERR_FETCH_PROT;
	default: return UC_ERR_EXCEPTION;
	}
}

/* Unicorn (or an MMIO window) refused an access at va.  Ask the walker why:
 * if it faults too, this is an ordinary page fault with its walk; if it does
 * not, the Unicorn regions are stale (page tables changed without
 * emu_map_from_page_tables) and that is reported as such. */
void emu_refuse(struct emu *e, int uc_err, uint64_t va, uint32_t size, enum mmu_access_type t)
{
	if (e->stopping)
		return;
	uint64_t pc = va, pa;
	if (t != MMU_FETCH)
		uc_reg_read(e->uc, UC_X86_REG_RIP, &pc);
	/* translate only: the access never happened, so it is not counted as a
	 * load/store/fetch (the emulator's own counts agree) */
	if (e->mmu && mmu_translate(e->mmu, va, t, pc, &pa, &e->fault.walk) == VMEMSIM_EFAULT) {
		e->fault.have_walk = true;
		emu_fault_fill(e, va, pc, size, t);
		emu_retire_cur(e, t == MMU_FETCH ? 0 : pc);
		emu_stop_run(e, EMU_STOP_FAULT);
		return;
	}
	e->fault.uc_err = uc_err;
	emu_fault_fill(e, va, pc, size, t);
	emu_retire_cur(e, t == MMU_FETCH ? 0 : pc);
	emu_stop_run(e, EMU_STOP_UNICORN);
}

static bool hook_invalid(uc_engine *uc, uc_mem_type type, uint64_t va, int size, int64_t value,
                         void *user)
{
	emu_refuse(user, uc_type_to_err(type), va, size > 0 ? (uint32_t)size : 0,
	           uc_type_to_mmu(type));
	return false;
}

static bool hook_insn_invalid(uc_engine *uc, void *user)
{
	struct emu *e = user;
	uint64_t pc = 0;
	uc_reg_read(uc, UC_X86_REG_RIP, &pc);
	e->fault.uc_err = UC_ERR_INSN_INVALID;
	emu_fault_fill(e, pc, pc, 0, MMU_FETCH);
	emu_retire_cur(e, pc);
	emu_stop_run(e, EMU_STOP_UNICORN);
	return false;
}

/* Exceptions and int n: vmemsim has no IDT, so any of them ends the run. */
static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct emu *e = user;
	if (e->stopping)
		return;
	uint64_t pc = 0;
	uc_reg_read(uc, UC_X86_REG_RIP, &pc);
	e->fault.uc_err = UC_ERR_EXCEPTION;
	emu_fault_fill(e, pc, pc, 0, MMU_FETCH);
	snprintf(e->fault.uc_msg, sizeof(e->fault.uc_msg), "exception vector %u", intno);
	emu_retire_cur(e, pc);
	emu_stop_run(e, EMU_STOP_UNICORN);
}

/* ---- installing the hooks ----------------------------------------------- */

int emu_add_hooks(struct emu *e, struct vmemsim_err *err)
{
	uc_err ue = UC_ERR_OK;
	switch (e->instrument) {
	case EMU_INSTR_NONE: break;
	case EMU_INSTR_EMPTY_HOOK:
		ue = uc_hook_add(e->uc, &e->h_mem, UC_HOOK_MEM_READ, (void *)hook_empty_load, e, 1,
		                 0);
		if (!ue)
			ue = uc_hook_add(e->uc, &e->h_mem2, UC_HOOK_MEM_WRITE,
			                 (void *)hook_empty_store, e, 1, 0);
		break;
	case EMU_INSTR_FULL:
		ue = uc_hook_add(e->uc, &e->h_block, UC_HOOK_BLOCK, (void *)hook_block, e, 1, 0);
		if (!ue)
			ue = uc_hook_add(
			    e->uc, &e->h_mem, UC_HOOK_MEM_READ,
			    e->exact_pc ? (void *)hook_load : (void *)hook_load_block_pc, e, 1, 0);
		if (!ue)
			ue = uc_hook_add(e->uc, &e->h_mem2, UC_HOOK_MEM_WRITE,
			                 e->exact_pc ? (void *)hook_store
			                             : (void *)hook_store_block_pc,
			                 e, 1, 0);
		break;
	}
	if (!ue)
		ue = uc_hook_add(e->uc, &e->h_invalid, UC_HOOK_MEM_INVALID, (void *)hook_invalid, e,
		                 1, 0);
	if (!ue)
		ue = uc_hook_add(e->uc, &e->h_insn_invalid, UC_HOOK_INSN_INVALID,
		                 (void *)hook_insn_invalid, e, 1, 0);
	if (!ue)
		ue = uc_hook_add(e->uc, &e->h_intr, UC_HOOK_INTR, (void *)hook_intr, e, 1, 0);
	if (ue)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "emu: uc_hook_add: %s", uc_strerror(ue));
	return 0;
}
