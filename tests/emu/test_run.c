/*
 * tests/emu/test_run.c — running guests without the MMU model: instruction
 * counts against hand counts, exact PCs of data accesses, fetches per page,
 * budgets, and the reports of what Unicorn refuses.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "fixture.h"

#define MAX_REC 64
struct rec {
	unsigned n;
	struct {
		enum mmu_access_type type;
		uint64_t va, pc;
		uint32_t size;
	} a[MAX_REC];
};

static int record(void *ctx, enum mmu_access_type type, uint64_t va, uint32_t size, uint64_t pc)
{
	struct rec *r = ctx;
	if (r->n < MAX_REC)
		r->a[r->n++] = (typeof(r->a[0])){.type = type, .va = va, .pc = pc, .size = size};
	return 0;
}

/* Hand count for sum_n(10): xor + 10 x (add, dec, jnz) + ret = 32, plus the
 * hlt at guest_halt = 33.  Blocks: [xor add dec jnz], 9 x [add dec jnz],
 * [ret], [hlt] = 12.  Data: the ret's load only. */
Test(emu_run, sum_n_retires_its_hand_counted_instructions)
{
	struct fx f;
	fx_init(&f, false, NULL);
	struct emu_result res;
	uint64_t n = 10;
	cr_assert_eq(fx_call(&f, "sum_n", &n, 1, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.stop, EMU_STOP_HLT);
	cr_assert_eq(res.rax, 55);
	cr_assert_eq(res.instructions, 33);
	cr_assert_eq(res.blocks, 12);
	cr_assert_eq(res.loads, 1);
	cr_assert_eq(res.stores, 0);
	cr_assert_eq(res.rip, fx_sym(&f, "guest_halt") + 1);
	fx_fini(&f);
}

/* Three runs of the same block: the first learns each access's PC from RIP,
 * the second verifies, the third uses the learned PCs (emu_core.c): all
 * three must give the hand list. */
Test(emu_run, each_data_access_carries_the_pc_of_its_instruction)
{
	struct fx f;
	fx_init(&f, false, NULL);
	for (int run = 0; run < 3; run++) {
		struct rec r = {0};
		emu_set_recorder(f.emu, record, &r);
		uint64_t p = PAGE_OFFSET + DATA_PA;
		struct emu_result res;
		cr_assert_eq(fx_call(&f, "pc_probe", &p, 1, NULL, &res), 0, "%s", f.err.msg);
		uint64_t sp = STACK_TOP - 8; /* RSP at entry: the return address */
		struct {
			enum mmu_access_type type;
			uint64_t va;
			const char *pc;
		} want[] = {
		    {MMU_LOAD, p, "probe_load"},     {MMU_LOAD, p + 8, "probe_rmw"},
		    {MMU_STORE, p + 8, "probe_rmw"}, {MMU_STORE, sp - 8, "probe_push"},
		    {MMU_LOAD, sp - 8, "probe_pop"}, {MMU_LOAD, sp, "probe_ret"},
		};
		unsigned k = 0;
		for (unsigned i = 0; i < r.n; i++) {
			if (r.a[i].type == MMU_FETCH)
				continue;
			cr_assert_lt(k, 6, "more data accesses than the hand list");
			cr_assert_eq(r.a[i].type, want[k].type, "access %u type", k);
			cr_assert_eq(r.a[i].va, want[k].va, "access %u va", k);
			cr_assert_eq(r.a[i].size, 8);
			cr_assert_eq(r.a[i].pc, fx_sym(&f, want[k].pc),
			             "run %d access %u pc 0x%llx, want %s", run, k,
			             (unsigned long long)r.a[i].pc, want[k].pc);
			k++;
		}
		cr_assert_eq(k, 6);
	}
	fx_fini(&f);
}

Test(emu_run, a_block_across_a_page_boundary_fetches_once_per_page)
{
	struct fx f;
	fx_init(&f, false, NULL);
	struct rec r = {0};
	emu_set_recorder(f.emu, record, &r);
	struct emu_result res;
	uint64_t s = fx_sym(&f, "straddle"), h = fx_sym(&f, "guest_halt");
	cr_assert_eq((s + 3) & 0xfff, 0, "straddle is 3 bytes before a page boundary");
	cr_assert_eq(fx_call(&f, "straddle", NULL, 0, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.fetches, 3);
	cr_assert_eq(res.instructions, 8); /* 6 nops, ret, hlt */
	unsigned k = 0;
	uint64_t want_va[] = {s, s + 3, h};
	uint32_t want_size[] = {3, 4, 1};
	for (unsigned i = 0; i < r.n; i++) {
		if (r.a[i].type != MMU_FETCH)
			continue;
		cr_assert_eq(r.a[i].va, want_va[k]);
		cr_assert_eq(r.a[i].size, want_size[k]);
		k++;
	}
	cr_assert_eq(k, 3);
	fx_fini(&f);
}

Test(emu_run, the_instruction_budget_stops_an_infinite_loop)
{
	struct fx f;
	fx_init(&f, false, NULL);
	struct emu_budget b = {.max_instructions = 100000};
	struct emu_result res;
	cr_assert_eq(fx_call(&f, "spin", NULL, 0, &b, &res), VMEMSIM_ELIMIT);
	cr_assert_eq(res.stop, EMU_STOP_INSN_LIMIT);
	cr_assert_eq(res.instructions, 100000, "spin's blocks are one jmp each");
	cr_assert(strstr(f.err.msg, "instruction budget of 100000"), "%s", f.err.msg);
	fx_fini(&f);
}

Test(emu_run, the_time_budget_stops_an_infinite_loop)
{
	struct fx f;
	fx_init(&f, false, NULL);
	struct emu_budget b = {.max_seconds = 0.2};
	struct emu_result res;
	cr_assert_eq(fx_call(&f, "spin", NULL, 0, &b, &res), VMEMSIM_ELIMIT);
	cr_assert_eq(res.stop, EMU_STOP_TIME_LIMIT);
	cr_assert_geq(res.seconds, 0.2);
	cr_assert_lt(res.seconds, 5.0);
	cr_assert_gt(res.instructions, 1000);
	cr_assert(strstr(f.err.msg, "time budget"), "%s", f.err.msg);
	fx_fini(&f);
}

Test(emu_run, a_load_from_an_unmapped_address_reports_address_and_instruction)
{
	struct fx f;
	fx_init(&f, false, NULL);
	struct emu_result res;
	uint64_t p = UNMAPPED_VA + 0x18;
	cr_assert_eq(fx_call(&f, "touch", &p, 1, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_UNICORN);
	cr_assert_eq(res.fault.va, p);
	cr_assert_eq(res.fault.pc, fx_sym(&f, "touch_load"));
	cr_assert_eq(res.fault.type, MMU_LOAD);
	cr_assert_str_eq(res.fault.insn, "mov rax, qword ptr [rdi]");
	cr_assert_str_eq(res.fault.symbol, "touch+0x1");
	cr_assert_eq(res.fault.uc_err, UC_ERR_READ_UNMAPPED);
	cr_assert_eq(res.instructions, 1, "the nop before the load retired");
	cr_assert(strstr(f.err.msg, "0xffffc90000001018"), "%s", f.err.msg);
	cr_assert(strstr(f.err.msg, "touch+0x1"), "%s", f.err.msg);
	fx_fini(&f);
}

Test(emu_run, a_store_to_a_read_only_page_is_stopped_by_unicorn_without_mmu)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t va = 0xffffea0000000000ull;
	fx_map(&f, va, DATA_PA, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RO);
	struct emu_result res;
	uint64_t args[] = {va + 16, 7};
	cr_assert_eq(fx_call(&f, "poke", args, 2, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_UNICORN);
	cr_assert_eq(res.fault.uc_err, UC_ERR_WRITE_PROT);
	cr_assert_eq(res.fault.type, MMU_STORE);
	cr_assert_eq(res.fault.va, va + 16);
	cr_assert_eq(res.fault.pc, fx_sym(&f, "poke"));
	cr_assert_eq(mmu_phys_read64(&f.phys, DATA_PA + 16), 0, "the store did not land");
	fx_fini(&f);
}

Test(emu_run, an_invalid_instruction_is_reported_with_its_disassembly)
{
	struct fx f;
	fx_init(&f, false, NULL);
	struct emu_result res;
	cr_assert_eq(fx_call(&f, "bad_insn", NULL, 0, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_UNICORN);
	cr_assert_eq(res.fault.pc, fx_sym(&f, "bad_insn_ud2"));
	cr_assert_str_eq(res.fault.insn, "ud2");
	cr_assert_eq(res.instructions, 2);
	char buf[512];
	emu_fault_format(&res.fault, buf, sizeof(buf));
	cr_assert(strstr(buf, "bad_insn+0x2"), "%s", buf);
	fx_fini(&f);
}

Test(emu_run, freestanding_c_sums_an_array_written_by_the_host)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t table = fx_sym(&f, "guest_table"), want = 0;
	uint64_t vals[512];
	for (unsigned i = 0; i < 512; i++) {
		vals[i] = i * 3 + (i & 1);
		want += vals[i];
	}
	cr_assert_eq(emu_write(f.emu, table, vals, sizeof(vals), &f.err), 0, "%s", f.err.msg);
	struct emu_result res;
	uint64_t args[] = {table, 512};
	cr_assert_eq(fx_call(&f, "array_sum", args, 2, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.rax, want);
	uint64_t stored = 0;
	cr_assert_eq(emu_read(f.emu, fx_sym(&f, "guest_result"), &stored, 8, &f.err), 0);
	cr_assert_eq(stored, want);
	cr_assert_geq(res.loads, 512);
	fx_fini(&f);
}

Test(emu_run, more_than_six_arguments_are_refused)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t a[7] = {0};
	cr_assert_eq(emu_set_args(f.emu, a, 7, &f.err), VMEMSIM_EINVAL);
	fx_fini(&f);
}

static int stop_at_third(void *ctx, enum mmu_access_type type, uint64_t va, uint32_t size,
                         uint64_t pc)
{
	return ++*(unsigned *)ctx == 3;
}

Test(emu_run, a_recorder_returning_nonzero_stops_the_run)
{
	struct fx f;
	fx_init(&f, false, NULL);
	unsigned calls = 0;
	emu_set_recorder(f.emu, stop_at_third, &calls);
	struct emu_result res;
	uint64_t n = 1000;
	cr_assert_eq(fx_call(&f, "sum_n", &n, 1, NULL, &res), VMEMSIM_EIO);
	cr_assert_eq(res.stop, EMU_STOP_RECORDER);
	cr_assert_eq(calls, 3);
	fx_fini(&f);
}

/* Unicorn 2.0.1 reports a page-crossing load three times (the load and the
 * two aligned halves of its slow path); the guest made one access. */
Test(emu_run, a_page_crossing_load_is_presented_once)
{
	struct fx f;
	fx_init(&f, false, NULL);
	struct rec r = {0};
	emu_set_recorder(f.emu, record, &r);
	uint64_t p = PAGE_OFFSET + DATA_PA + SZ_4K - 4;
	uint64_t v = 0x0123456789abcdefull;
	cr_assert_eq(emu_write(f.emu, p, &v, 8, &f.err), 0);
	struct emu_result res;
	cr_assert_eq(fx_call(&f, "cross_load", &p, 1, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.rax, v);
	cr_assert_eq(res.loads, 2, "the crossing load and the ret");
	unsigned k = 0;
	for (unsigned i = 0; i < r.n; i++) {
		if (r.a[i].type != MMU_LOAD)
			continue;
		if (k == 0) {
			cr_assert_eq(r.a[i].va, p);
			cr_assert_eq(r.a[i].size, 8);
			cr_assert_eq(r.a[i].pc, fx_sym(&f, "cross_load"));
		}
		k++;
	}
	cr_assert_eq(k, 2);
	fx_fini(&f);
}

Test(emu_run, without_exact_pc_a_data_access_carries_its_block_address)
{
	struct fx f;
	struct emu_config cfg;
	emu_config_default(&cfg);
	cfg.exact_pc = false;
	fx_init(&f, false, &cfg);
	struct rec r = {0};
	emu_set_recorder(f.emu, record, &r);
	uint64_t p = PAGE_OFFSET + DATA_PA;
	struct emu_result res;
	cr_assert_eq(fx_call(&f, "pc_probe", &p, 1, NULL, &res), 0, "%s", f.err.msg);
	unsigned k = 0;
	for (unsigned i = 0; i < r.n; i++)
		if (r.a[i].type != MMU_FETCH) {
			cr_assert_eq(r.a[i].pc, fx_sym(&f, "pc_probe"), "access %u", i);
			k++;
		}
	cr_assert_eq(k, 6);
	fx_fini(&f);
}

Test(emu_run, the_empty_hook_baseline_counts_accesses_but_not_instructions)
{
	struct fx f;
	struct emu_config cfg;
	emu_config_default(&cfg);
	cfg.instrument = EMU_INSTR_EMPTY_HOOK;
	fx_init(&f, false, &cfg);
	uint64_t p = PAGE_OFFSET + DATA_PA;
	struct emu_result res;
	cr_assert_eq(fx_call(&f, "pc_probe", &p, 1, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.stop, EMU_STOP_HLT);
	cr_assert_eq(res.loads, 4);
	cr_assert_eq(res.stores, 2);
	cr_assert_eq(res.instructions, 0);
	fx_fini(&f);
}

/* QEMU runs every iteration of a rep string instruction as a block of its
 * own; the instruction still retires once, and is fetched once. */
Test(emu_run, a_rep_string_instruction_retires_once_whatever_its_count)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t src = PAGE_OFFSET + DATA_PA, dst = src + SZ_1M;
	uint8_t pattern[100];
	for (int i = 0; i < 100; i++)
		pattern[i] = (uint8_t)(i * 7 + 1);
	cr_assert_eq(emu_write(f.emu, src, pattern, sizeof(pattern), &f.err), 0);
	struct emu_result res;
	uint64_t args[] = {dst, src, 100};
	cr_assert_eq(fx_call(&f, "rep_copy", args, 3, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.instructions, 4, "mov, rep movsb, ret, hlt");
	cr_assert_eq(res.loads, 100 + 1);
	cr_assert_eq(res.stores, 100);
	cr_assert_eq(res.fetches, 3, "[mov, rep movsb], [ret], [hlt]");
	uint8_t out[100];
	cr_assert_eq(emu_read(f.emu, dst, out, sizeof(out), &f.err), 0);
	cr_assert_arr_eq(out, pattern, sizeof(pattern));
	/* with a zero count the instruction still retires, touching nothing */
	uint64_t zargs[] = {dst, 0};
	cr_assert_eq(fx_call(&f, "rep_zero", zargs, 2, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.instructions, 5);
	cr_assert_eq(res.stores, 0);
	uint64_t zargs2[] = {dst, 9};
	cr_assert_eq(fx_call(&f, "rep_zero", zargs2, 2, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.instructions, 5);
	cr_assert_eq(res.stores, 9);
	cr_assert_eq(emu_read(f.emu, dst, out, 72, &f.err), 0);
	for (int i = 0; i < 72; i++)
		cr_assert_eq(out[i], 0);
	cr_assert_eq(out[72], pattern[72]);
	fx_fini(&f);
}

/* The block [mov rcx, rdx; rep movsb] makes no access when rdx is 0 and
 * two per iteration otherwise: learned PCs must not be trusted across that. */
Test(emu_run, a_block_whose_access_count_varies_keeps_exact_pcs)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t src = PAGE_OFFSET + DATA_PA, dst = src + SZ_1M;
	uint64_t rep_pc = fx_sym(&f, "rep_copy") + 3; /* mov rcx, rdx is 3 bytes */
	uint64_t counts[] = {0, 0, 0, 4, 4, 0, 4};
	for (unsigned run = 0; run < sizeof(counts) / sizeof(counts[0]); run++) {
		struct rec r = {0};
		emu_set_recorder(f.emu, record, &r);
		struct emu_result res;
		uint64_t args[] = {dst, src, counts[run]};
		cr_assert_eq(fx_call(&f, "rep_copy", args, 3, NULL, &res), 0, "%s", f.err.msg);
		unsigned n = 0;
		for (unsigned i = 0; i < r.n; i++) {
			if (r.a[i].type == MMU_FETCH || r.a[i].va >= STACK_TOP - SZ_1M)
				continue; /* the ret's stack load */
			cr_assert_eq(r.a[i].pc, rep_pc, "run %u access %u", run, i);
			n++;
		}
		cr_assert_eq(n, 2 * counts[run]);
	}
	fx_fini(&f);
}
