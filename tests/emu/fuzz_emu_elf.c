/*
 * tests/emu/fuzz_emu_elf.c — libFuzzer target for the guest-image loader:
 * emu_load_elf_mem() on arbitrary bytes must return 0 or an error, never
 * crash, read out of bounds or leak.  The kernel-image window
 * [0xffffffff81000000, +2 MiB) is mapped so well-formed segments load.
 * Build: cmake -DCMAKE_C_COMPILER=clang -DVMEMSIM_FUZZ=ON (`make fuzz`);
 * run: ./build-fuzz/tests/emu/fuzz_emu_elf -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mmu_phys phys;
	static struct mmu_brk_alloc alloc;
	static struct mmu_pt pt;
	static int ready;
	struct vmemsim_err err;
	if (!ready) {
		if (mmu_phys_init(&phys, 8ull << 20, &err))
			return 0;
		mmu_brk_alloc_init(&alloc, &phys, 0, 1ull << 20, 1ull << 20, 2ull << 20);
		if (mmu_pt_init(&pt, &phys, 4, 46, mmu_brk_allocator(&alloc), &err) ||
		    mmu_pt_map(&pt, 0xffffffff81000000ull, 4ull << 20, 2ull << 20,
		               MMU_PS_BIT(MMU_PAGE_4K), PTE_P | PTE_RW, &err))
			return 0;
		ready = 1;
	}
	struct emu *e;
	if (emu_create(&e, NULL, &pt, &phys, NULL, &err))
		return 0;
	struct emu_image img;
	if (emu_load_elf_mem(e, data, size, "fuzz", &img, &err) == 0) {
		char buf[96];
		emu_symbolize(e, img.entry, buf, sizeof(buf), NULL);
		emu_disasm(e, img.entry, buf, sizeof(buf));
	}
	emu_destroy(e);
	return 0;
}
