/*
 * tests/emu/test_model.c — guests under the full MMU model: walker faults
 * with their walk, the MMU's counters agreeing with what the emulator
 * presented, determinism, and hot spots.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "fixture.h"

Test(emu_model, a_walker_fault_names_the_address_the_instruction_and_the_walk)
{
	struct fx f;
	fx_init(&f, true, NULL);
	struct emu_result res;
	uint64_t p = UNMAPPED_VA + 0x18;
	cr_assert_eq(fx_call(&f, "touch", &p, 1, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_FAULT);
	cr_assert(res.fault.have_walk);
	cr_assert_eq(res.fault.va, p);
	cr_assert_eq(res.fault.pc, fx_sym(&f, "touch_load"));
	cr_assert_str_eq(res.fault.insn, "mov rax, qword ptr [rdi]");
	cr_assert_eq(res.fault.walk.error_code & (PF_P | PF_W | PF_I), 0, "not present, read");
	cr_assert_geq(res.fault.walk.nr_steps, 1);
	cr_assert_eq(res.fault.walk.steps[res.fault.walk.nr_steps - 1].pte & PTE_P, 0,
	             "the last entry read is the non-present one");
	char buf[1024];
	emu_fault_format(&res.fault, buf, sizeof(buf));
	cr_assert(strstr(buf, "page fault: load of 8 bytes at va 0xffffc90000001018"), "%s", buf);
	cr_assert(strstr(buf, "<touch+0x1>: mov rax, qword ptr [rdi]"), "%s", buf);
	cr_assert(strstr(buf, "not present"), "%s", buf);
	cr_assert(strstr(buf, "PML4E @pa"), "%s", buf);
	cr_assert(strstr(f.err.msg, "0xffffc90000001018"), "%s", f.err.msg);
	struct mmu_stats st;
	mmu_stats_snapshot(f.mmu, &st);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_faults), 1);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_instructions), 1, "only the nop retired");
	fx_fini(&f);
}

Test(emu_model, a_store_to_a_read_only_page_is_a_protection_fault_with_its_walk)
{
	struct fx f;
	fx_init(&f, true, NULL);
	uint64_t va = 0xffffea0000000000ull;
	fx_map(&f, va, DATA_PA, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RO);
	struct emu_result res;
	uint64_t args[] = {va + 16, 7};
	cr_assert_eq(fx_call(&f, "poke", args, 2, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_FAULT, "the walker, not unicorn, stops it");
	cr_assert_eq(res.fault.walk.error_code & (PF_P | PF_W), PF_P | PF_W);
	cr_assert_eq(res.fault.walk.nr_steps, 4);
	cr_assert_eq(res.fault.pc, fx_sym(&f, "poke"));
	fx_fini(&f);
}

Test(emu_model, fetching_from_an_nx_page_is_an_instruction_fetch_fault)
{
	struct fx f;
	fx_init(&f, true, NULL);
	uint64_t nx = fx_sym(&f, "nx_page");
	/* remap the page NX at the same PA */
	struct mmu_leaf leaf;
	cr_assert_eq(mmu_pt_lookup(&f.pt, nx, &leaf), 0);
	fx_map(&f, nx, leaf.pa, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), PTE_P | PTE_NX);
	mmu_invlpg(f.mmu, nx);
	struct emu_result res;
	int rc = fx_call(&f, "nx_page", NULL, 0, NULL, &res);
	cr_assert_eq(rc, VMEMSIM_EFAULT, "%s", f.err.msg);
	cr_assert_eq(res.fault.type, MMU_FETCH);
	cr_assert_eq(res.fault.va, nx);
	cr_assert_eq(res.fault.pc, nx);
	fx_fini(&f);
}

/* Counts the emulator presented == counts the MMU model recorded. */
Test(emu_model, the_mmu_counts_exactly_what_the_emulator_presented)
{
	struct fx f;
	fx_init(&f, true, NULL);
	struct emu_result res;
	uint64_t args[] = {PAGE_OFFSET + DATA_PA, 300};
	cr_assert_eq(fx_call(&f, "page_walk", args, 2, NULL, &res), 0, "%s", f.err.msg);
	struct mmu_stats st;
	mmu_stats_snapshot(f.mmu, &st);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_instructions), res.instructions);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_loads), res.loads);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_stores), res.stores);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_fetches), res.fetches);
	cr_assert_geq(res.loads, 300);
	cr_assert_geq(res.stores, 300);
	fx_fini(&f);
}

static void run_page_walk(struct mmu_stats *st, struct emu_result *res)
{
	struct fx f;
	fx_init(&f, true, NULL);
	uint64_t args[] = {PAGE_OFFSET + DATA_PA, 4000};
	cr_assert_eq(fx_call(&f, "page_walk", args, 2, NULL, res), 0, "%s", f.err.msg);
	mmu_stats_snapshot(f.mmu, st);
	fx_fini(&f);
}

Test(emu_model, the_same_run_twice_gives_identical_counters)
{
	static struct mmu_stats a, b;
	struct emu_result ra, rb;
	run_page_walk(&a, &ra);
	run_page_walk(&b, &rb);
	cr_assert_eq(ra.instructions, rb.instructions);
	cr_assert_eq(ra.rax, rb.rax);
	for (unsigned c = 0; c < MMU_NR_COUNTERS; c++)
		cr_assert_eq(mmu_stats_total(&a, c), mmu_stats_total(&b, c), "counter %s",
		             mmu_counter_name(c));
	cr_assert_gt(mmu_stats_total(&a, MMU_C_dtlb_misses), 0);
}

Test(emu_model, hot_spots_point_at_the_instructions_that_miss)
{
	struct fx f;
	fx_init(&f, true, NULL);
	struct emu_result res;
	/* 4K pages so every touched page needs its own TLB entry */
	uint64_t va = 0xffffea0000000000ull;
	fx_map(&f, va, DATA_PA, 16 * SZ_1M, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
	uint64_t args[] = {va, 4096};
	cr_assert_eq(fx_call(&f, "page_walk", args, 2, NULL, &res), 0, "%s", f.err.msg);
	struct emu_hotspot h[4];
	unsigned n = emu_hotspots(f.emu, h, 4);
	cr_assert_geq(n, 1);
	uint64_t pw, pw_size;
	cr_assert_eq(emu_symbol(f.emu, "page_walk", &pw, &pw_size), 0);
	cr_assert(h[0].h.pc >= pw && h[0].h.pc < pw + pw_size, "top pc 0x%llx",
	          (unsigned long long)h[0].h.pc);
	cr_assert(strncmp(h[0].symbol, "page_walk+0x", 12) == 0, "%s", h[0].symbol);
	cr_assert(strstr(h[0].insn, "qword ptr"), "%s", h[0].insn);
	cr_assert_geq(h[0].h.dtlb_misses, 4096 - 64, "one miss per new page, TLB-sized slack");
	struct emu_hotspot_fn fn[4];
	unsigned nf = emu_hotspot_functions(f.emu, fn, 4);
	cr_assert_geq(nf, 1);
	cr_assert_str_eq(fn[0].symbol, "page_walk");
	fx_fini(&f);
}

Test(emu_model, a_non_canonical_address_is_reported_as_such_and_not_counted_as_a_load)
{
	struct fx f;
	fx_init(&f, true, NULL);
	struct emu_result res;
	uint64_t p = 0x8000000000000000ull;
	cr_assert_eq(fx_call(&f, "touch", &p, 1, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_FAULT);
	cr_assert_eq(res.fault.va, p);
	cr_assert(res.fault.walk.error_code & MMU_FAULT_NONCANONICAL);
	char buf[1024];
	emu_fault_format(&res.fault, buf, sizeof(buf));
	cr_assert(strstr(buf, "non-canonical"), "%s", buf);
	struct mmu_stats st;
	mmu_stats_snapshot(f.mmu, &st);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_loads), res.loads,
	             "the refused load is in neither");
	fx_fini(&f);
}

Test(emu_model, a_page_crossing_load_is_one_load_and_one_page_split)
{
	struct fx f;
	fx_init(&f, true, NULL);
	uint64_t p = PAGE_OFFSET + DATA_PA + SZ_4K - 4;
	struct emu_result res;
	cr_assert_eq(fx_call(&f, "cross_load", &p, 1, NULL, &res), 0, "%s", f.err.msg);
	struct mmu_stats st;
	mmu_stats_snapshot(f.mmu, &st);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_loads), 2);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_page_splits), 1);
	fx_fini(&f);
}

/* pc_probe's first load faults: whatever Unicorn still reports while it
 * stops is neither counted by the emulator nor presented to the model, so
 * the two agree. */
Test(emu_model, after_a_fault_the_rest_of_the_instruction_is_not_counted)
{
	struct fx f;
	fx_init(&f, true, NULL);
	struct emu_result res;
	uint64_t p = UNMAPPED_VA;
	cr_assert_eq(fx_call(&f, "pc_probe", &p, 1, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.fault.pc, fx_sym(&f, "probe_load"));
	struct mmu_stats st;
	mmu_stats_snapshot(f.mmu, &st);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_loads), res.loads);
	cr_assert_eq(mmu_stats_total(&st, MMU_C_stores), res.stores);
	cr_assert_eq(res.stores, 0);
	fx_fini(&f);
}
