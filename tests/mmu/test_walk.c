/*
 * tests/mmu/test_walk.c — walks over hand-written page tables: every page
 * size with 4- and 5-level paging, A/D write-back, and #PF error codes
 * worked out from SDM Vol. 3A §4.6-4.7.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "model.h"

#define LEAF_RW (PTE_P | PTE_RW | PTE_US)

TestSuite(walk, .init = model_phys_init, .fini = model_fini);

static void expect_walk(unsigned levels, enum mmu_page_size ps)
{
	uint64_t root = model_build(levels, ps, LEAF_RW), pa = 0, va = T_VA + 0x123;
	unsigned reads = levels - (unsigned)ps, l;

	model_start(NULL, root);
	if (levels == 5) {
		struct mmu_config c;
		mmu_config_default(&c);
		c.levels = 5;
		model_start(&c, root);
	}
	cr_assert_eq(mmu_translate(tm, va, MMU_LOAD, 0, &pa, NULL), 0);
	cr_expect_eq(pa, model_expected_pa(ps, va), "levels %u ps %d: pa %#llx", levels, ps,
	             (unsigned long long)pa);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	cr_expect_eq(ctr_total(MMU_C_walks_4k + ps), 1);
	cr_expect_eq(ctr_total(MMU_C_pwc_misses), 1);
	for (l = 1; l <= 5; l++) {
		uint64_t want = (l <= levels && l > (unsigned)ps) ? 1 : 0;
		cr_expect_eq(ctr_total(MMU_C_pte_reads_l5 + (5 - l)), want,
		             "levels %u ps %d: level %u reads", levels, ps, l);
	}
	/* Every entry read is DRAM-cold: 173 cycles each, plus the 3-cycle PWC probe. */
	cr_expect_eq(ctr_total(MMU_C_pte_dram), reads);
	cr_expect_eq(ctr_total(MMU_C_cycles_walk), 173ull * reads);
	cr_expect_eq(ctr_total(MMU_C_cycles_pwc), 3);
	/* A second translation hits the L1 DTLB. */
	cr_assert_eq(mmu_translate(tm, va + 8, MMU_LOAD, 0, &pa, NULL), 0);
	cr_expect_eq(ctr_total(MMU_C_walks), 1);
	cr_expect_eq(ctr_total(MMU_C_dtlb_hits_4k + ps), 1);
}

Test(walk, four_level_4k_leaf_reads_four_entries)
{
	expect_walk(4, MMU_PAGE_4K);
}
Test(walk, four_level_2m_leaf_reads_three_entries)
{
	expect_walk(4, MMU_PAGE_2M);
}
Test(walk, four_level_1g_leaf_reads_two_entries)
{
	expect_walk(4, MMU_PAGE_1G);
}
Test(walk, five_level_4k_leaf_reads_five_entries)
{
	expect_walk(5, MMU_PAGE_4K);
}
Test(walk, five_level_2m_leaf_reads_four_entries)
{
	expect_walk(5, MMU_PAGE_2M);
}
Test(walk, five_level_1g_leaf_reads_three_entries)
{
	expect_walk(5, MMU_PAGE_1G);
}

Test(walk, load_sets_accessed_on_every_level_but_not_dirty)
{
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_4K, LEAF_RW));
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, NULL), 0);
	cr_expect_eq(mmu_phys_read64(&tphys, T_PML4), T_PDPT | T_TBL | PTE_A);
	cr_expect_eq(mmu_phys_read64(&tphys, T_PDPT + 8), T_PD | T_TBL | PTE_A);
	cr_expect_eq(mmu_phys_read64(&tphys, T_PD + 16), T_PT | T_TBL | PTE_A);
	cr_expect_eq(mmu_phys_read64(&tphys, T_PT + 24), T_PA_4K | LEAF_RW | PTE_A);
}

Test(walk, store_through_clean_entry_rewalks_to_set_dirty)
{
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_2M, LEAF_RW));
	cr_assert_eq(mmu_access(tm, T_VA, 8, MMU_LOAD, 0, NULL), 0);
	cr_expect_eq(mmu_phys_read64(&tphys, T_PD + 16) & PTE_D, 0);
	cr_assert_eq(mmu_access(tm, T_VA, 8, MMU_STORE, 0, NULL), 0);
	cr_expect_eq(mmu_phys_read64(&tphys, T_PD + 16),
	             T_PA_2M | LEAF_RW | PTE_PS | PTE_A | PTE_D);
	cr_expect_eq(ctr_total(MMU_C_dirty_assists), 1);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	/* Now the cached entry is dirty: no third walk. */
	cr_assert_eq(mmu_translate(tm, T_VA + 64, MMU_STORE, 0, &pa, NULL), 0);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	cr_expect_eq(ctr_total(MMU_C_dirty_assists), 1);
	/* Non-leaf entries never get D. */
	cr_expect_eq(mmu_phys_read64(&tphys, T_PDPT + 8) & PTE_D, 0);
}

/* ---- faults ---------------------------------------------------------------- */

struct fault_case {
	const char *what;
	enum mmu_page_size ps;
	uint64_t leaf;   /* leaf flags */
	uint64_t pd_clr; /* bits cleared from the PDE (4K case) */
	unsigned cpl;
	enum mmu_access_type type;
	bool wp, nxe, smep, smap;
	int want_rc;
	uint32_t want_ec;
};

static void run_fault_case(const struct fault_case *fc)
{
	struct mmu_config c;
	struct mmu_fault f;
	uint64_t pa = 0, root, before[4];
	int rc;

	mmu_config_default(&c);
	c.cr0_wp = fc->wp;
	c.efer_nxe = fc->nxe;
	c.cr4_smep = fc->smep;
	c.cr4_smap = fc->smap;
	root = model_build(4, fc->ps, fc->leaf);
	if (fc->pd_clr)
		mmu_phys_write64(&tphys, T_PD + 16,
		                 mmu_phys_read64(&tphys, T_PD + 16) & ~fc->pd_clr);
	before[0] = mmu_phys_read64(&tphys, T_PML4);
	before[1] = mmu_phys_read64(&tphys, T_PDPT + 8);
	before[2] = mmu_phys_read64(&tphys, T_PD + 16);
	before[3] = mmu_phys_read64(&tphys, T_PT + 24);
	model_start(&c, root);
	mmu_set_cpl(tm, fc->cpl);
	memset(&f, 0, sizeof(f));
	rc = mmu_translate(tm, T_VA + 8, fc->type, 0x1234, &pa, &f);
	cr_expect_eq(rc, fc->want_rc, "%s: rc %d", fc->what, rc);
	if (rc == VMEMSIM_EFAULT) {
		cr_expect_eq(f.error_code, fc->want_ec, "%s: error code %#x, expected %#x",
		             fc->what, f.error_code, fc->want_ec);
		cr_expect_eq(f.va, T_VA + 8);
		cr_expect_eq(f.pc, 0x1234);
		cr_expect_eq(ctr_total(MMU_C_faults), 1, "%s", fc->what);
		/* A faulting walk writes nothing. */
		cr_expect_eq(mmu_phys_read64(&tphys, T_PML4), before[0], "%s", fc->what);
		cr_expect_eq(mmu_phys_read64(&tphys, T_PDPT + 8), before[1], "%s", fc->what);
		cr_expect_eq(mmu_phys_read64(&tphys, T_PD + 16), before[2], "%s", fc->what);
		cr_expect_eq(mmu_phys_read64(&tphys, T_PT + 24), before[3], "%s", fc->what);
	}
}

#define US PTE_US
#define NX PTE_NX
Test(walk, faults_carry_architectural_error_codes)
{
	static const struct fault_case cases[] = {
	    /* what, ps, leaf, pd_clr, cpl, type, wp, nxe, smep, smap, rc, ec */
	    {"not present load", MMU_PAGE_4K, 0, 0, 0, MMU_LOAD, 1, 1, 0, 0, VMEMSIM_EFAULT, 0},
	    {"not present store", MMU_PAGE_4K, 0, 0, 0, MMU_STORE, 1, 1, 0, 0, VMEMSIM_EFAULT,
	     PF_W},
	    {"not present user load", MMU_PAGE_4K, 0, 0, 3, MMU_LOAD, 1, 1, 0, 0, VMEMSIM_EFAULT,
	     PF_U},
	    {"not present fetch, NXE", MMU_PAGE_4K, 0, 0, 0, MMU_FETCH, 1, 1, 0, 0, VMEMSIM_EFAULT,
	     PF_I},
	    {"not present fetch, no NXE no SMEP", MMU_PAGE_4K, 0, 0, 0, MMU_FETCH, 1, 0, 0, 0,
	     VMEMSIM_EFAULT, 0},
	    {"not present PDE", MMU_PAGE_4K, PTE_P, PTE_P, 0, MMU_LOAD, 1, 1, 0, 0, VMEMSIM_EFAULT,
	     0},
	    {"RO store with WP", MMU_PAGE_4K, PTE_P, 0, 0, MMU_STORE, 1, 1, 0, 0, VMEMSIM_EFAULT,
	     PF_P | PF_W},
	    {"RO store without WP", MMU_PAGE_4K, PTE_P, 0, 0, MMU_STORE, 0, 1, 0, 0, 0, 0},
	    {"RO user store without WP", MMU_PAGE_4K, PTE_P | US, 0, 3, MMU_STORE, 0, 1, 0, 0,
	     VMEMSIM_EFAULT, PF_P | PF_W | PF_U},
	    {"RO PDE, user store", MMU_PAGE_4K, PTE_P | PTE_RW | US, PTE_RW, 3, MMU_STORE, 1, 1, 0,
	     0, VMEMSIM_EFAULT, PF_P | PF_W | PF_U},
	    {"user load of supervisor page", MMU_PAGE_4K, PTE_P | PTE_RW, 0, 3, MMU_LOAD, 1, 1, 0,
	     0, VMEMSIM_EFAULT, PF_P | PF_U},
	    {"user load under supervisor PDE", MMU_PAGE_4K, PTE_P | US, PTE_US, 3, MMU_LOAD, 1, 1,
	     0, 0, VMEMSIM_EFAULT, PF_P | PF_U},
	    {"user load of user page", MMU_PAGE_4K, PTE_P | US, 0, 3, MMU_LOAD, 1, 1, 0, 0, 0, 0},
	    {"NX fetch", MMU_PAGE_2M, PTE_P | NX, 0, 0, MMU_FETCH, 1, 1, 0, 0, VMEMSIM_EFAULT,
	     PF_P | PF_I},
	    {"NX user fetch", MMU_PAGE_1G, PTE_P | US | NX, 0, 3, MMU_FETCH, 1, 1, 0, 0,
	     VMEMSIM_EFAULT, PF_P | PF_I | PF_U},
	    {"NX load is fine", MMU_PAGE_4K, PTE_P | NX, 0, 0, MMU_LOAD, 1, 1, 0, 0, 0, 0},
	    {"NX without NXE is reserved", MMU_PAGE_4K, PTE_P | NX, 0, 0, MMU_LOAD, 1, 0, 0, 0,
	     VMEMSIM_EFAULT, PF_P | PF_RSVD},
	    {"address bit 46 with maxphyaddr 46", MMU_PAGE_4K, PTE_P | (1ull << 46), 0, 0, MMU_LOAD,
	     1, 1, 0, 0, VMEMSIM_EFAULT, PF_P | PF_RSVD},
	    {"bit 13 of a 2M leaf", MMU_PAGE_2M, PTE_P | (1ull << 13), 0, 0, MMU_STORE, 1, 1, 0, 0,
	     VMEMSIM_EFAULT, PF_P | PF_RSVD | PF_W},
	    {"bit 29 of a 1G leaf", MMU_PAGE_1G, PTE_P | (1ull << 29), 0, 0, MMU_LOAD, 1, 1, 0, 0,
	     VMEMSIM_EFAULT, PF_P | PF_RSVD},
	    {"SMEP: supervisor fetch from user page", MMU_PAGE_4K, PTE_P | US, 0, 0, MMU_FETCH, 1,
	     1, 1, 0, VMEMSIM_EFAULT, PF_P | PF_I},
	    {"SMEP, no NXE: I still set", MMU_PAGE_4K, PTE_P | US, 0, 0, MMU_FETCH, 1, 0, 1, 0,
	     VMEMSIM_EFAULT, PF_P | PF_I},
	    {"no SMEP: supervisor fetch from user page", MMU_PAGE_4K, PTE_P | US, 0, 0, MMU_FETCH,
	     1, 1, 0, 0, 0, 0},
	    {"SMAP: supervisor load of user page", MMU_PAGE_4K, PTE_P | US, 0, 0, MMU_LOAD, 1, 1, 0,
	     1, VMEMSIM_EFAULT, PF_P},
	    {"SMAP: supervisor store to user page", MMU_PAGE_4K, PTE_P | PTE_RW | US, 0, 0,
	     MMU_STORE, 1, 1, 0, 1, VMEMSIM_EFAULT, PF_P | PF_W},
	    {"SMAP: supervisor page unaffected", MMU_PAGE_4K, PTE_P | PTE_RW, 0, 0, MMU_STORE, 1, 1,
	     0, 1, 0, 0},
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_fault_case(&cases[i]);
		mmu_destroy(tm);
		tm = NULL;
	}
}

Test(walk, ps_in_a_pml4e_is_a_reserved_bit_fault)
{
	struct mmu_fault f;
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_4K, LEAF_RW));
	mmu_phys_write64(&tphys, T_PML4, T_PDPT | T_TBL | PTE_PS);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, &f), VMEMSIM_EFAULT);
	cr_expect_eq(f.error_code, PF_P | PF_RSVD);
	cr_expect_eq(f.nr_steps, 1);
	cr_expect_eq(f.steps[0].level, MMU_LEVEL_PML4);
	cr_expect_eq(f.steps[0].pte_pa, T_PML4);
}

Test(walk, fault_records_every_step_from_the_root)
{
	struct mmu_fault f;
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_4K, 0));
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_STORE, 0, &pa, &f), VMEMSIM_EFAULT);
	cr_expect_eq(f.error_code, PF_W);
	cr_assert_eq(f.nr_steps, 4);
	cr_expect_eq(f.steps[0].level, MMU_LEVEL_PML4);
	cr_expect_eq(f.steps[1].pte_pa, T_PDPT + 8);
	cr_expect_eq(f.steps[2].pte, T_PT | T_TBL);
	cr_expect_eq(f.steps[3].level, MMU_LEVEL_PT);
	cr_expect_eq(f.steps[3].pte_pa, T_PT + 24);
	cr_expect_eq(f.steps[3].pte, T_PA_4K); /* P clear */
	cr_expect_eq(f.type, MMU_STORE);
	cr_expect_eq(ctr_total(MMU_C_walks_faulted), 1);
}

Test(walk, permission_fault_through_a_cached_entry_rewalks)
{
	struct mmu_fault f;
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_4K, PTE_P));
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, NULL), 0);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_STORE, 0, &pa, &f), VMEMSIM_EFAULT);
	cr_expect_eq(f.error_code, PF_P | PF_W);
	cr_expect_eq(ctr_total(MMU_C_walks), 2);
	cr_expect_eq(ctr_total(MMU_C_dirty_assists), 0);
}

Test(walk, non_canonical_address_is_reported_not_walked)
{
	struct mmu_fault f;
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_4K, LEAF_RW));
	cr_assert_eq(mmu_translate(tm, 0x0000800000000000ull, MMU_LOAD, 0, &pa, &f),
	             VMEMSIM_EFAULT);
	cr_expect_eq(f.error_code, MMU_FAULT_NONCANONICAL);
	cr_expect_eq(f.nr_steps, 0);
	/* 0x01ff800000000000 has the low 57 bits of a canonical address: still rejected. */
	cr_assert_eq(mmu_access(tm, 0x01ff800000000000ull, 8, MMU_LOAD, 0, &f), VMEMSIM_EFAULT);
	cr_expect_eq(ctr_total(MMU_C_walks), 0);
}

Test(walk, table_outside_guest_memory_is_reported)
{
	struct mmu_fault f;
	uint64_t pa;

	model_start(NULL, model_build(4, MMU_PAGE_4K, LEAF_RW));
	mmu_phys_write64(&tphys, T_PD + 16, (1ull << 40) | T_TBL);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, &f), VMEMSIM_EFAULT);
	cr_expect(f.error_code & MMU_FAULT_BADPHYS);
}

Test(walk, bad_access_size_is_einval)
{
	model_start(NULL, model_build(4, MMU_PAGE_4K, LEAF_RW));
	cr_expect_eq(mmu_access(tm, T_VA, 0, MMU_LOAD, 0, NULL), VMEMSIM_EINVAL);
	cr_expect_eq(mmu_access(tm, T_VA, 4097, MMU_LOAD, 0, NULL), VMEMSIM_EINVAL);
}

/* More of SDM Vol. 3A §4.6-4.7 and tables 4-15..4-20, each worked out by
 * hand: P=0 wins over reserved bits, PAT bit 12 of a large leaf is not
 * reserved, SMEP/SMAP apply only to supervisor accesses, SMAP ignores
 * CR0.WP, and a reserved bit wins over a rights violation. */
Test(walk, fault_precedence_and_supervisor_only_rules)
{
	static const struct fault_case cases[] = {
	    /* what, ps, leaf, pd_clr, cpl, type, wp, nxe, smep, smap, rc, ec */
	    {"not present with a reserved bit: no RSVD", MMU_PAGE_4K, 1ull << 46, 0, 0, MMU_LOAD, 1,
	     1, 0, 0, VMEMSIM_EFAULT, 0},
	    {"PAT bit 12 of a 2M leaf is not reserved", MMU_PAGE_2M, PTE_P | (1ull << 12), 0, 0,
	     MMU_LOAD, 1, 1, 0, 0, 0, 0},
	    {"PAT bit 12 of a 1G leaf is not reserved", MMU_PAGE_1G, PTE_P | (1ull << 12), 0, 0,
	     MMU_LOAD, 1, 1, 0, 0, 0, 0},
	    {"bit 13 of a 1G leaf", MMU_PAGE_1G, PTE_P | (1ull << 13), 0, 0, MMU_LOAD, 1, 1, 0, 0,
	     VMEMSIM_EFAULT, PF_P | PF_RSVD},
	    {"bit 20 of a 2M leaf", MMU_PAGE_2M, PTE_P | (1ull << 20), 0, 3, MMU_FETCH, 1, 1, 0, 0,
	     VMEMSIM_EFAULT, PF_P | PF_RSVD | PF_U | PF_I},
	    {"bit 21 of a 2M leaf is an address bit", MMU_PAGE_2M, PTE_P | (1ull << 21), 0, 0,
	     MMU_LOAD, 1, 1, 0, 0, 0, 0},
	    {"reserved bit beats a user violation", MMU_PAGE_4K, PTE_P | (1ull << 50), 0, 3,
	     MMU_LOAD, 1, 1, 0, 0, VMEMSIM_EFAULT, PF_P | PF_RSVD | PF_U},
	    {"not-present PTE under a supervisor PDE at CPL 3", MMU_PAGE_4K, 0, PTE_US, 3, MMU_LOAD,
	     1, 1, 0, 0, VMEMSIM_EFAULT, PF_U},
	    {"user fetch of a supervisor page", MMU_PAGE_4K, PTE_P, 0, 3, MMU_FETCH, 1, 1, 1, 0,
	     VMEMSIM_EFAULT, PF_P | PF_U | PF_I},
	    {"SMEP does not apply at CPL 3", MMU_PAGE_4K, PTE_P | US, 0, 3, MMU_FETCH, 1, 1, 1, 0,
	     0, 0},
	    {"SMAP does not apply at CPL 3", MMU_PAGE_4K, PTE_P | PTE_RW | US, 0, 3, MMU_STORE, 1,
	     1, 0, 1, 0, 0},
	    {"SMAP refuses a supervisor store to a user page without WP", MMU_PAGE_4K, PTE_P | US,
	     0, 0, MMU_STORE, 0, 1, 0, 1, VMEMSIM_EFAULT, PF_P | PF_W},
	    {"SMAP: supervisor fetch from a user page is SMEP's business", MMU_PAGE_4K, PTE_P | US,
	     0, 0, MMU_FETCH, 1, 1, 0, 1, 0, 0},
	    {"SMEP: supervisor load of a user page is allowed", MMU_PAGE_4K, PTE_P | US, 0, 0,
	     MMU_LOAD, 1, 1, 1, 0, 0, 0},
	    {"user store to a RW page whose PDE lacks US", MMU_PAGE_4K, PTE_P | PTE_RW | US, PTE_US,
	     3, MMU_STORE, 0, 1, 0, 0, VMEMSIM_EFAULT, PF_P | PF_W | PF_U},
	    {"supervisor fetch with NX clear but no NXE", MMU_PAGE_4K, PTE_P, 0, 0, MMU_FETCH, 1, 0,
	     0, 0, 0, 0},
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_fault_case(&cases[i]);
		mmu_destroy(tm);
		tm = NULL;
	}
}

/* Reserved bits in non-leaf entries: PS in a PML5E (5-level), and an
 * address bit at or above MAXPHYADDR in a PDE; the walk stops at that
 * entry and writes no A bit anywhere. */
Test(walk, reserved_bits_in_non_leaf_entries)
{
	struct mmu_config c;
	struct mmu_fault f;
	uint64_t pa;

	mmu_config_default(&c);
	c.levels = 5;
	model_start(&c, model_build(5, MMU_PAGE_4K, LEAF_RW));
	mmu_phys_write64(&tphys, T_PML5, T_PML4 | T_TBL | PTE_PS);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_STORE, 0, &pa, &f), VMEMSIM_EFAULT);
	cr_expect_eq(f.error_code, PF_P | PF_RSVD | PF_W);
	cr_expect_eq(f.nr_steps, 1);
	cr_expect_eq(f.steps[0].level, MMU_LEVEL_PML5);

	mmu_config_default(&c);
	c.maxphyaddr = 39;
	model_start(&c, model_build(4, MMU_PAGE_4K, LEAF_RW));
	mmu_phys_write64(&tphys, T_PD + 16, T_PT | T_TBL | (1ull << 39));
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, &f), VMEMSIM_EFAULT);
	cr_expect_eq(f.error_code, PF_P | PF_RSVD);
	cr_expect_eq(f.nr_steps, 3);
	cr_expect_eq(f.steps[2].level, MMU_LEVEL_PD);
	cr_expect_eq(mmu_phys_read64(&tphys, T_PML4) & PTE_A, 0, "a faulting walk sets no A");
	/* Bit 38 is below MAXPHYADDR 39: an ordinary address bit of the leaf. */
	mmu_phys_write64(&tphys, T_PD + 16, T_PT | T_TBL);
	mmu_phys_write64(&tphys, T_PT + 24, (1ull << 38) | LEAF_RW);
	cr_assert_eq(mmu_translate(tm, T_VA, MMU_LOAD, 0, &pa, &f), 0);
	cr_expect_eq(pa, (1ull << 38) | (T_VA & 4095));
}
