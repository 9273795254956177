/* tests/emu/fixture.c — see fixture.h. */
#include <criterion/criterion.h>
#include <string.h>

#include "fixture.h"

const char *fx_guest_path(void)
{
	return EMU_TEST_GUEST;
}

void fx_map(struct fx *f, uint64_t va, uint64_t pa, uint64_t size, unsigned ps_mask, uint64_t prot)
{
	cr_assert_eq(mmu_pt_map(&f->pt, va, pa, size, ps_mask, prot, &f->err), 0, "%s", f->err.msg);
	cr_assert_eq(emu_map_from_page_tables(f->emu, 0, 0, &f->err), 0, "%s", f->err.msg);
}

void fx_init(struct fx *f, bool with_mmu, const struct emu_config *cfg)
{
	uint64_t lo, hi;
	memset(f, 0, sizeof(*f));
	cr_assert_eq(mmu_phys_init(&f->phys, PHYS_SIZE, &f->err), 0, "%s", f->err.msg);
	mmu_brk_alloc_init(&f->alloc, &f->phys, 0, SZ_1M, 48 * SZ_1M, PHYS_SIZE);
	cr_assert_eq(mmu_pt_init(&f->pt, &f->phys, 4, 46, mmu_brk_allocator(&f->alloc), &f->err), 0,
	             "%s", f->err.msg);
	if (with_mmu) {
		struct mmu_config mc;
		mmu_config_default(&mc);
		cr_assert_eq(mmu_create(&f->mmu, &mc, &f->phys, &f->err), 0, "%s", f->err.msg);
		mmu_write_cr3(f->mmu, f->pt.root, 0, false);
	}
	cr_assert_eq(emu_create(&f->emu, f->mmu, &f->pt, &f->phys, cfg, &f->err), 0, "%s",
	             f->err.msg);
	cr_assert_eq(emu_elf_extent(fx_guest_path(), &lo, &hi, &f->err), 0, "%s", f->err.msg);
	cr_assert_eq(lo, IMAGE_VA);
	cr_assert_eq(mmu_pt_map(&f->pt, lo, IMAGE_PA, hi - lo, MMU_PS_BIT(MMU_PAGE_4K),
	                        PTE_P | PTE_RW, &f->err),
	             0, "%s", f->err.msg);
	cr_assert_eq(
	    mmu_pt_map(&f->pt, PAGE_OFFSET, 0, PHYS_SIZE, MMU_PS_ALL, MMU_PROT_KERNEL_RW, &f->err),
	    0, "%s", f->err.msg);
	cr_assert_eq(emu_map_from_page_tables(f->emu, 0, 0, &f->err), 0, "%s", f->err.msg);
	cr_assert_eq(emu_load_elf(f->emu, fx_guest_path(), &f->img, &f->err), 0, "%s", f->err.msg);
}

void fx_fini(struct fx *f)
{
	emu_destroy(f->emu);
	if (f->mmu)
		mmu_destroy(f->mmu);
	mmu_phys_fini(&f->phys);
}

uint64_t fx_sym(struct fx *f, const char *name)
{
	uint64_t va = 0;
	cr_assert_eq(emu_symbol(f->emu, name, &va, NULL), 0, "no symbol %s", name);
	return va;
}

int fx_call(struct fx *f, const char *fn, const uint64_t *args, unsigned n,
            const struct emu_budget *budget, struct emu_result *res)
{
	cr_assert_eq(emu_set_args(f->emu, args, n, &f->err), 0);
	return emu_run(f->emu, fx_sym(f, fn), STACK_TOP, fx_sym(f, "guest_halt"), budget, res,
	               &f->err);
}
