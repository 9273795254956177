/*
 * tests/emu/fixture.h — a small guest machine for the emu tests: 64 MiB of
 * guest-physical memory, 4-level page tables from a BRK-style allocator,
 * the test guest image (guest/guest.S + guest.c) mapped at
 * 0xffffffff81000000 and a 2 MiB-page direct map of all of physical memory.
 *
 * Physical layout (hand-chosen, used by the tests' expectations):
 *   [0, 1 MiB)         page-table pages (BRK buffer)
 *   [16 MiB, +image)   the guest image
 *   [20 MiB, 40 MiB)   data the tests map where they like
 *   [40 MiB)           stack top (grows down into [36 MiB, 40 MiB))
 *   [48 MiB, 64 MiB)   more page-table pages (top-down)
 */
#ifndef VMEMSIM_TEST_EMU_FIXTURE_H
#define VMEMSIM_TEST_EMU_FIXTURE_H

#include "emu/emu_internal.h"

#define SZ_4K       (1ull << 12)
#define SZ_1M       (1ull << 20)
#define SZ_2M       (1ull << 21)
#define SZ_1G       (1ull << 30)
#define PHYS_SIZE   (64 * SZ_1M)
#define PAGE_OFFSET 0xffff888000000000ull
#define IMAGE_VA    0xffffffff81000000ull
#define IMAGE_PA    (16 * SZ_1M)
#define DATA_PA     (20 * SZ_1M)
#define STACK_TOP   (PAGE_OFFSET + 40 * SZ_1M)
#define UNMAPPED_VA 0xffffc90000001000ull /* vmalloc space: nothing there */

struct fx {
	struct mmu_phys phys;
	struct mmu_brk_alloc alloc;
	struct mmu_pt pt;
	struct mmu *mmu; /* NULL unless fx_init(.., with_mmu = true) */
	struct emu *emu;
	struct emu_image img;
	struct vmemsim_err err;
};

/* Build the machine.  image_prot: leaf protection of the image mapping.
 * Returns 0 or asserts (Criterion) on any failure. */
void fx_init(struct fx *f, bool with_mmu, const struct emu_config *cfg);
void fx_fini(struct fx *f);

/* Map [va, va+size) -> pa (4 KiB pages unless ps_mask says otherwise) and
 * resync Unicorn. */
void fx_map(struct fx *f, uint64_t va, uint64_t pa, uint64_t size, unsigned ps_mask, uint64_t prot);

/* VA of a guest symbol (asserts it exists). */
uint64_t fx_sym(struct fx *f, const char *name);

/* Call a guest function with up to 6 arguments; it returns to guest_halt. */
int fx_call(struct fx *f, const char *fn, const uint64_t *args, unsigned n,
            const struct emu_budget *budget, struct emu_result *res);

/* The guest ELF built by tests/emu/CMakeLists.txt. */
const char *fx_guest_path(void);

#endif
