/*
 * bench/bench_emu.c — what the MMU model costs inside Unicorn.
 *
 * One guest loop (hand-assembled below: a load, a store and five ALU/branch
 * instructions per iteration) runs under five instrumentations in ONE
 * process, so the figures are ratios on the same machine at the same moment:
 *
 *   none        Unicorn with no hooks (instructions/s of the bare engine)
 *   empty hook  empty UC_HOOK_MEM_READ/WRITE hooks: the baseline the
 *               targets are stated against
 *   hooks only  the full emulator hooks (block cache, exact PC, counting)
 *               with no MMU behind them
 *   full, block pc  the full model with the enclosing block's address as
 *               the PC of data accesses (no RIP read per access)
 *   full model  the full emulator feeding mmu_access (TLBs, PWCs, walks,
 *               caches, cost model), exact PCs
 *
  * Four patterns: "l1-resident" cycles over 16 KiB of the 2M-page direct map
 * in 8-byte steps (TLB and L1D hits: the model's fast path);
 * "l1-loads-only" the same with the store replaced by a load;
 * "1m-lines" walks 1 MiB in 64-byte steps (TLB hits, every line misses L1D
 * and L2); "page-stride" walks 64 MiB of a 4K-mapped region in 4 KiB steps
 * (every access misses the DTLB and the STLB and walks: the worst case).
 *
 * Targets (issue 6): full model <= 1.5x the empty hook's time per access
 * (ratio >= 0.67 below), and >= 25 M modelled accesses/s.  Times are this
 * thread's CPU time (bench_cpu_now); the modes run in BE_ROUNDS interleaved
 * rounds and each keeps its fastest, since on a shared machine other jobs
 * still slow a thread's CPU time (caches, SMT siblings, frequency).
 *
 * For profiling one configuration (perf, callgrind), VMEMSIM_BENCH_EMU=<s>
 * runs only the pattern/mode pairs whose name "pattern/mode" contains s, plus
 * the empty-hook baseline of that pattern; ratios stay meaningful.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "emu/emu.h"

#define BE_PHYS        (128ull << 20)
#define BE_CODE_VA     0xffffffff81000000ull
#define BE_CODE_PA     (1ull << 20)
#define BE_PAGE_OFFSET 0xffff888000000000ull
#define BE_MAP4K_VA    0xffffc90000000000ull
#define BE_DATA_PA     (64ull << 20)
#define BE_STACK_TOP   (BE_PAGE_OFFSET + (4ull << 20))

/* rdi = base, rsi = offset mask, rdx = iterations, rcx = stride:
 *	xor r8d, r8d
 * 1:	mov rax, [rdi + r8]
 *	add rax, 1
 *	mov [rdi + r8], rax
 *	add r8, rcx
 *	and r8, rsi
 *	dec rdx
 *	jnz 1b
 *	hlt                                                                  */
static const uint8_t be_loop[] = {0x45, 0x31, 0xc0, 0x4a, 0x8b, 0x04, 0x07, 0x48, 0x83,
                                  0xc0, 0x01, 0x4a, 0x89, 0x04, 0x07, 0x49, 0x01, 0xc8,
                                  0x49, 0x21, 0xf0, 0x48, 0xff, 0xca, 0x75, 0xe9, 0xf4};

/* The same loop with the store replaced by a second load
 * (mov rbx, [rdi + r8]): Unicorn 2.0.1's stores are slow even without hooks
 * (docs/emulator.md), so this shows the load path alone. */
static const uint8_t be_loop_loads[] = {0x45, 0x31, 0xc0, 0x4a, 0x8b, 0x04, 0x07, 0x48, 0x83,
                                        0xc0, 0x01, 0x4a, 0x8b, 0x1c, 0x07, 0x49, 0x01, 0xc8,
                                        0x49, 0x21, 0xf0, 0x48, 0xff, 0xca, 0x75, 0xe9, 0xf4};
#define BE_LOADS_OFF 0x100 /* where be_loop_loads sits in the code page */
#define BE_ROUNDS    5     /* interleaved rounds per pattern; the fastest counts */

struct be_machine {
	struct mmu_phys phys;
	struct mmu_brk_alloc alloc;
	struct mmu_pt pt;
};

static int be_machine_init(struct be_machine *bm, struct vmemsim_err *err)
{
	int rc = mmu_phys_init(&bm->phys, BE_PHYS, err);
	if (rc)
		return rc;
	mmu_brk_alloc_init(&bm->alloc, &bm->phys, 0, 1ull << 20, 32ull << 20, 64ull << 20);
	if ((rc = mmu_pt_init(&bm->pt, &bm->phys, 4, 46, mmu_brk_allocator(&bm->alloc), err)) ||
	    (rc = mmu_pt_map(&bm->pt, BE_CODE_VA, BE_CODE_PA, 4096, MMU_PS_BIT(MMU_PAGE_4K),
	                     MMU_PROT_KERNEL_RX, err)) ||
	    (rc = mmu_pt_map(&bm->pt, BE_PAGE_OFFSET, 0, BE_PHYS, MMU_PS_ALL, MMU_PROT_KERNEL_RW,
	                     err)) ||
	    (rc = mmu_pt_map(&bm->pt, BE_MAP4K_VA, BE_DATA_PA, 64ull << 20, MMU_PS_BIT(MMU_PAGE_4K),
	                     MMU_PROT_KERNEL_RW, err)))
		return rc;
	memcpy(mmu_phys_ptr(&bm->phys, BE_CODE_PA), be_loop, sizeof(be_loop));
	memcpy(mmu_phys_ptr(&bm->phys, BE_CODE_PA + BE_LOADS_OFF), be_loop_loads,
	       sizeof(be_loop_loads));
	return 0;
}

struct be_pattern {
	const char *name;
	uint64_t base, mask, stride, iters;
	uint64_t code_off; /* 0: load + store loop; BE_LOADS_OFF: two loads */
};

struct be_figure {
	double seconds;
	uint64_t accesses, instructions;
};

static int be_run(struct be_machine *bm, enum emu_instrument instr, bool with_mmu, bool exact_pc,
                  const struct be_pattern *p, struct be_figure *fig, struct vmemsim_err *err)
{
	struct mmu *m = NULL;
	struct emu *e = NULL;
	struct emu_config cfg;
	struct emu_result res;
	emu_config_default(&cfg);
	cfg.instrument = instr;
	cfg.exact_pc = exact_pc;
	int rc = 0;
	if (with_mmu) {
		struct mmu_config mc;
		mmu_config_default(&mc);
		if ((rc = mmu_create(&m, &mc, &bm->phys, err)))
			return rc;
		mmu_write_cr3(m, bm->pt.root, 0, false);
	}
	uint64_t args[] = {p->base, p->mask, p->iters, p->stride};
	double t0 = 0;
	if (!(rc = emu_create(&e, m, &bm->pt, &bm->phys, &cfg, err)) &&
	    !(rc = emu_map_from_page_tables(e, 0, 0, err)) &&
	    !(rc = emu_set_args(e, args, 4, err))) {
		t0 = bench_cpu_now();
		rc = emu_run(e, BE_CODE_VA + p->code_off, BE_STACK_TOP, 0, NULL, &res, err);
	}
	if (!rc) {
		fig->seconds = bench_cpu_now() - t0;
		fig->accesses = 2 * p->iters; /* one load, one store per iteration */
		fig->instructions = 7 * p->iters + 2;
		if (instr != EMU_INSTR_NONE &&
		    (res.loads + res.stores != fig->accesses || (p->code_off && res.stores)))
			rc = vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                  "bench_emu: %llu accesses counted, %llu expected",
			                  (unsigned long long)(res.loads + res.stores),
			                  (unsigned long long)fig->accesses);
	}
	emu_destroy(e);
	mmu_destroy(m);
	return rc;
}

int bench_emu(void)
{
	/* iterations for ~bench_seconds() per run with the empty hook */
	uint64_t n = (uint64_t)(bench_seconds() * 8e6);
	n = n < 100000 ? 100000 : n;
	const struct be_pattern pats[] = {
	    {"l1-resident", BE_PAGE_OFFSET + BE_DATA_PA, (16ull << 10) - 1, 8, n, 0},
	    {"l1-loads-only", BE_PAGE_OFFSET + BE_DATA_PA, (16ull << 10) - 1, 8, 2 * n,
	     BE_LOADS_OFF},
	    {"1m-lines", BE_PAGE_OFFSET + BE_DATA_PA, (1ull << 20) - 1, 64, n, 0},
	    {"page-stride", BE_MAP4K_VA, (64ull << 20) - 1, 4096, n / 2, 0},
	};
	static const struct {
		const char *name;
		enum emu_instrument instr;
		bool mmu, exact_pc;
	} modes[] = {{"no-hooks", EMU_INSTR_NONE, false, true},
	             {"empty-hook", EMU_INSTR_EMPTY_HOOK, false, true},
	             {"hooks-only", EMU_INSTR_FULL, false, true},
	             {"full-block-pc", EMU_INSTR_FULL, true, false},
	             {"full-model", EMU_INSTR_FULL, true, true}};
	enum { NR_MODES = sizeof(modes) / sizeof(modes[0]), EMPTY = 1, FULL = NR_MODES - 1 };
	struct be_machine bm;
	struct vmemsim_err err = {0};
	const char *only = getenv("VMEMSIM_BENCH_EMU");
	int rc = be_machine_init(&bm, &err);
	if (rc) {
		fprintf(stderr, "bench_emu: %s\n", err.msg);
		return 1;
	}
	printf("emu: a 7-instruction guest loop with 1 load + 1 store; rates are data accesses, "
	       "baseline = empty memory hook\n");
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]) && !rc; i++) {
		struct be_figure fig[NR_MODES];
		bool run[NR_MODES], any = false;
		for (size_t k = 0; k < NR_MODES; k++) {
			char name[64];
			snprintf(name, sizeof(name), "%s/%s", pats[i].name, modes[k].name);
			run[k] = !only || strstr(name, only);
			any |= run[k];
		}
		if (!any)
			continue;
		run[EMPTY] = true;
		memset(fig, 0, sizeof(fig));
		/* warm-up: the host faults the touched guest pages in once */
		rc = be_run(&bm, EMU_INSTR_NONE, false, true, &pats[i], &fig[0], &err);
		/* BE_ROUNDS interleaved rounds of 1/BE_ROUNDS of the work each; a
		 * mode's figure is its fastest round (the least disturbed by other
		 * jobs on a shared machine) */
		struct be_pattern round = pats[i];
		round.iters = pats[i].iters / BE_ROUNDS;
		for (unsigned r = 0; r < BE_ROUNDS && !rc; r++)
			for (size_t k = 0; k < NR_MODES && !rc; k++) {
				struct be_figure f;
				if (!run[k])
					continue;
				rc = be_run(&bm, modes[k].instr, modes[k].mmu, modes[k].exact_pc,
				            &round, &f, &err);
				if (!rc && (r == 0 || f.seconds < fig[k].seconds))
					fig[k] = f;
			}
		if (rc)
			break;
		double base = bench_rate((double)fig[EMPTY].accesses, fig[EMPTY].seconds);
		for (size_t k = 0; k < NR_MODES; k++) {
			char name[64];
			snprintf(name, sizeof(name), "emu/%s/%s", pats[i].name, modes[k].name);
			if (run[k])
				bench_report(name, (double)fig[k].accesses, fig[k].seconds, base);
		}
		if (!run[FULL])
			continue;
		printf("emu/%s: the full model costs %.2fx the empty hook per access (target <= "
		       "1.5x), %.1f M modelled accesses/s (target >= 25)\n",
		       pats[i].name, fig[FULL].seconds / fig[EMPTY].seconds,
		       bench_rate((double)fig[FULL].accesses, fig[FULL].seconds) / 1e6);
	}
	if (rc)
		fprintf(stderr, "bench_emu: %s\n", err.msg);
	mmu_phys_fini(&bm.phys);
	return rc ? 1 : 0;
}
