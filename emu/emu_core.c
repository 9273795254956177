/*
 * emu/emu_core.c — the guest machine's lifecycle and its run loop: the
 * Unicorn engine in flat 64-bit mode, CPL 0, the registers at entry, the
 * budgets and the classification of why a run stopped.  The hooks that feed
 * the MMU model are in emu_hooks.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_internal.h"

void emu_config_default(struct emu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->instrument = EMU_INSTR_FULL;
	cfg->model_data = true;
	cfg->model_fetch = true;
	cfg->exact_pc = true;
}

int emu_create(struct emu **out, struct mmu *m, const struct mmu_pt *pt, struct mmu_phys *phys,
               const struct emu_config *cfg, struct vmemsim_err *err)
{
	struct emu_config def;
	int rc = VMEMSIM_ENOMEM;
	uc_err ue;
	if (!out || !pt || !phys)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "emu_create: page tables and memory needed");
	if (!cfg) {
		emu_config_default(&def);
		cfg = &def;
	}
	if (cfg->instrument > EMU_INSTR_NONE)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "emu_create: instrument %d unknown",
		                    (int)cfg->instrument);
	struct emu *e = calloc(1, sizeof(*e));
	if (!e)
		return vmemsim_errf(err, rc, "emu_create: out of memory");
	e->mmu = m;
	e->pt = pt;
	e->phys = phys;
	e->instrument = cfg->instrument;
	e->model_data = m && cfg->model_data;
	e->model_fetch = m && cfg->model_fetch;
	e->exact_pc = cfg->exact_pc;
	e->fast_pcs = e->exact_pc;
	e->fast_block_pc = !e->exact_pc;
	if (emu_bc_init(e)) {
		vmemsim_errf(err, rc, "emu_create: out of memory for the block cache");
		goto fail;
	}
	ue = uc_open(UC_ARCH_X86, UC_MODE_64, &e->uc);
	if (ue) {
		e->uc = NULL;
		rc = vmemsim_errf(err, VMEMSIM_EINVAL, "emu_create: uc_open: %s", uc_strerror(ue));
		goto fail;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &e->cs) != CS_ERR_OK) {
		e->cs = 0;
		rc = vmemsim_errf(err, VMEMSIM_EINVAL, "emu_create: capstone cs_open failed");
		goto fail;
	}
	e->csi = cs_malloc(e->cs);
	if (!e->csi) {
		vmemsim_errf(err, rc, "emu_create: capstone cs_malloc failed");
		goto fail;
	}
	rc = emu_add_hooks(e, err);
	if (rc)
		goto fail;
	*out = e;
	return 0;
fail:
	emu_destroy(e);
	return rc;
}

void emu_destroy(struct emu *e)
{
	if (!e)
		return;
	if (e->uc)
		uc_close(e->uc);
	if (e->csi)
		cs_free(e->csi, 1);
	if (e->cs)
		cs_close(&e->cs);
	emu_bc_fini(&e->bc);
	emu_regions_fini(e);
	emu_syms_fini(e);
	free(e->scratch);
	free(e);
}

void emu_set_recorder(struct emu *e, emu_record_fn fn, void *ctx)
{
	e->record = fn;
	e->record_ctx = fn ? ctx : NULL;
	e->fast_pcs = e->exact_pc && !fn; /* the hooks' fast path has no recorder */
	e->fast_block_pc = !e->exact_pc && !fn;
}

void emu_set_retire_recorder(struct emu *e, emu_retire_record_fn fn, void *ctx)
{
	e->record_retire = fn;
	e->record_retire_ctx = ctx;
}

int emu_set_args(struct emu *e, const uint64_t *args, unsigned n, struct vmemsim_err *err)
{
	if (n > 6)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "emu_set_args: %u arguments, at most 6",
		                    n);
	memset(e->args, 0, sizeof(e->args));
	for (unsigned i = 0; i < n; i++)
		e->args[i] = args[i];
	return 0;
}

const char *emu_stop_name(enum emu_stop s)
{
	switch (s) {
	case EMU_STOP_HLT: return "hlt";
	case EMU_STOP_FAULT: return "page fault";
	case EMU_STOP_UNICORN: return "unicorn error";
	case EMU_STOP_INSN_LIMIT: return "instruction budget";
	case EMU_STOP_TIME_LIMIT: return "time budget";
	case EMU_STOP_RECORDER: return "recorder";
	}
	return "?";
}

/* ---- running ----------------------------------------------------------- */

static int emu_set_regs(struct emu *e, uint64_t entry, uint64_t rsp, uint64_t ret,
                        struct vmemsim_err *err)
{
	static const int gprs[] = {UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX,
	                           UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_R8,
	                           UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12,
	                           UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15};
	static const int argr[] = {UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
	                           UC_X86_REG_RCX, UC_X86_REG_R8,  UC_X86_REG_R9};
	uint64_t zero = 0, flags = 0x2;
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
		uc_reg_write(e->uc, gprs[i], &zero);
	for (size_t i = 0; i < 6; i++)
		uc_reg_write(e->uc, argr[i], &e->args[i]);
	uc_reg_write(e->uc, UC_X86_REG_RFLAGS, &flags);
	if (ret) {
		rsp -= 8;
		if (uc_mem_write(e->uc, rsp, &ret, sizeof(ret)) != UC_ERR_OK)
			return vmemsim_errf(err, VMEMSIM_EFAULT,
			                    "emu_run: stack va 0x%llx is not mapped writable",
			                    (unsigned long long)rsp);
	}
	uc_reg_write(e->uc, UC_X86_REG_RSP, &rsp);
	uc_reg_write(e->uc, UC_X86_REG_RIP, &entry);
	return 0;
}

static void emu_run_reset(struct emu *e, const struct emu_budget *budget)
{
	e->stopping = false;
	e->stop = EMU_STOP_HLT;
	e->cur = NULL;
	e->acc_n = 0;
	e->ret_n = 0;
	e->insns = e->loads = e->stores = e->fetches = e->blocks = 0;
	e->block_va = 0;
	e->split_left = 0;
	e->rep_next = 0;
	e->cur_cont = false;
	e->acc_k = 0;
	memset(&e->fault, 0, sizeof(e->fault));
	e->max_insns = budget ? budget->max_instructions : 0;
	e->insn_limit = e->max_insns ? e->max_insns : UINT64_MAX;
	e->deadline = budget && budget->max_seconds > 0 ? emu_now() + budget->max_seconds : 0;
	e->time_check = EMU_TIME_CHECK_BLOCKS;
}

/* Unicorn returned without any hook stopping it: a hlt (RIP is just past an
 * 0xf4 byte), or an error no hook saw. */
static void emu_classify_end(struct emu *e, uc_err ue, uint64_t rip)
{
	uint8_t prev = 0;
	if (ue == UC_ERR_OK && uc_mem_read(e->uc, rip - 1, &prev, 1) == UC_ERR_OK && prev == 0xf4) {
		emu_retire_cur(e, 0);
		return;
	}
	e->stop = EMU_STOP_UNICORN;
	e->fault.uc_err = ue;
	emu_fault_fill(e, rip, rip, 0, MMU_FETCH);
	if (ue == UC_ERR_OK)
		snprintf(e->fault.uc_msg, sizeof(e->fault.uc_msg), "stopped without hlt");
	emu_retire_cur(e, rip);
}

static int emu_run_rc(struct emu *e, const struct emu_budget *budget, struct vmemsim_err *err)
{
	char line[512];
	switch (e->stop) {
	case EMU_STOP_HLT: return 0;
	case EMU_STOP_INSN_LIMIT:
		return vmemsim_errf(
		    err, VMEMSIM_ELIMIT, "instruction budget of %llu exhausted at pc 0x%llx",
		    (unsigned long long)budget->max_instructions, (unsigned long long)e->block_va);
	case EMU_STOP_TIME_LIMIT:
		return vmemsim_errf(err, VMEMSIM_ELIMIT,
		                    "time budget of %.3g s exhausted after %llu instructions",
		                    budget->max_seconds, (unsigned long long)e->insns);
	case EMU_STOP_RECORDER:
		return vmemsim_errf(err, VMEMSIM_EIO, "the access recorder stopped the run");
	case EMU_STOP_FAULT:
	case EMU_STOP_UNICORN:
		emu_fault_format(&e->fault, line, sizeof(line));
		line[strcspn(line, "\n")] = 0;
		return vmemsim_errf(err, VMEMSIM_EFAULT, "%s", line);
	}
	return VMEMSIM_EINVAL;
}

int emu_run(struct emu *e, uint64_t entry_va, uint64_t stack_top_va, uint64_t return_va,
            const struct emu_budget *budget, struct emu_result *result, struct vmemsim_err *err)
{
	memset(result, 0, sizeof(*result));
	emu_run_reset(e, budget);
	int rc = emu_set_regs(e, entry_va, stack_top_va, return_va, err);
	if (rc) {
		result->stop = EMU_STOP_UNICORN;
		return rc;
	}
	double t0 = emu_now();
	uc_err ue = uc_emu_start(e->uc, entry_va, 0, 0, 0);
	result->seconds = emu_now() - t0;
	uint64_t rip = 0;
	uc_reg_read(e->uc, UC_X86_REG_RIP, &rip);
	if (!e->stopping)
		emu_classify_end(e, ue, rip);
	emu_retire_flush(e);
	uc_reg_read(e->uc, UC_X86_REG_RAX, &result->rax);
	result->rip = rip;
	result->stop = e->stop;
	result->instructions = e->insns;
	result->blocks = e->blocks;
	result->loads = e->loads;
	result->stores = e->stores;
	result->fetches = e->fetches;
	result->fault = e->fault;
	return emu_run_rc(e, budget, err);
}
