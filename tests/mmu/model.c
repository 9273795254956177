/* tests/mmu/model.c — a model over hand-built page tables. */
#include <criterion/criterion.h>
#include <string.h>

#include "model.h"

struct mmu_phys tphys;
struct mmu *tm;

void model_phys_init(void)
{
	cr_assert_eq(mmu_phys_init(&tphys, 64 * SZ_1M, NULL), 0);
	tm = NULL;
}

void model_fini(void)
{
	if (tm) {
		struct vmemsim_err err = {0};
		cr_expect_eq(mmu_check(tm, &err), 0, "mmu_check: %s", err.msg);
		mmu_destroy(tm);
	}
	tm = NULL;
	mmu_phys_fini(&tphys);
}

void model_start(const struct mmu_config *cfg, uint64_t root)
{
	struct mmu_config def;
	struct vmemsim_err err = {0};

	if (!cfg) {
		mmu_config_default(&def);
		cfg = &def;
	}
	if (tm)
		mmu_destroy(tm);
	cr_assert_eq(mmu_create(&tm, cfg, &tphys, &err), 0, "mmu_create: %s", err.msg);
	mmu_write_cr3(tm, root, 0, false);
}

static void put(uint64_t pa, uint64_t v)
{
	mmu_phys_write64(&tphys, pa, v);
}

uint64_t model_build(unsigned levels, enum mmu_page_size ps, uint64_t leaf_flags)
{
	memset(mmu_phys_ptr(&tphys, 0), 0, 0x6000);
	if (levels == 5)
		put(T_PML5 + 0 * 8, T_PML4 | T_TBL);
	put(T_PML4 + 0 * 8, T_PDPT | T_TBL);
	if (ps == MMU_PAGE_1G) {
		put(T_PDPT + 1 * 8, T_PA_1G | leaf_flags | PTE_PS);
	} else {
		put(T_PDPT + 1 * 8, T_PD | T_TBL);
		if (ps == MMU_PAGE_2M) {
			put(T_PD + 2 * 8, T_PA_2M | leaf_flags | PTE_PS);
		} else {
			put(T_PD + 2 * 8, T_PT | T_TBL);
			put(T_PT + 3 * 8, T_PA_4K | leaf_flags);
		}
	}
	return levels == 5 ? T_PML5 : T_PML4;
}

uint64_t model_expected_pa(enum mmu_page_size ps, uint64_t va)
{
	if (ps == MMU_PAGE_1G)
		return T_PA_1G + (va & (SZ_1G - 1));
	if (ps == MMU_PAGE_2M)
		return T_PA_2M + (va & (SZ_2M - 1));
	return T_PA_4K + (va & (SZ_4K - 1));
}

uint64_t ctr_total(enum mmu_counter c)
{
	struct mmu_stats s;

	mmu_stats_snapshot(tm, &s);
	return mmu_stats_total(&s, c);
}
