/* tests/sparse/test_directmap.c — the direct map built top-down
 * (memory_map_top_down, split_mem_range, adjust_range_page_size_mask), page
 * sizes hand-computed for awkward layouts; page-table page sources. */
#include <criterion/criterion.h>

#include "helpers.h"

struct leaf_count {
	uint64_t n[3];
	uint64_t bytes;
};

static int count(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct leaf_count *c = ctx;
	(void)va;
	c->n[leaf->ps]++;
	c->bytes += mmu_page_bytes(leaf->ps);
	return 0;
}

static struct sparse_machine *build(const struct sparse_layout *l, const struct sparse_params *p)
{
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};
	cr_assert_eq(sparse_machine_create(&m, l, SPARSE_MODEL_VMEMMAP_2M, p, &err), 0, "%s",
	             err.msg);
	return m;
}

static struct leaf_count dm(struct sparse_machine *m, uint64_t end)
{
	struct leaf_count c = {{0}, 0};
	mmu_pt_for_each_leaf(sparse_machine_pt(m), SPARSE_PAGE_OFFSET, SPARSE_PAGE_OFFSET + end,
	                     count, &c);
	return c;
}

/* RAM [0, 3G) + [4G, 5G): every piece's 1G window is RAM, so everything is
 * promoted to 1G leaves: [0,1G) [1G,2G) [2G,3G) [4G,5G). */
Test(sparse_directmap, small_vm_with_pci_hole_is_four_1g_pages)
{
	struct sparse_layout l;
	sparse_layout_init(&l);
	add_range(&l, 0, 3 * GiB, 0, SPARSE_RANGE_RAM);
	add_range(&l, 4 * GiB, 5 * GiB, 0, SPARSE_RANGE_RAM);
	struct sparse_machine *m = build(&l, NULL);
	struct leaf_count c = dm(m, 5 * GiB);
	cr_assert_eq(c.n[MMU_PAGE_1G], 4);
	cr_assert_eq(c.n[MMU_PAGE_2M], 0);
	cr_assert_eq(c.n[MMU_PAGE_4K], 0);
	const struct sparse_stats *st = sparse_machine_stats(m);
	cr_assert_eq(st->pt_pages[SPARSE_PT_DIRECT_MAP][MMU_LEVEL_PDPT], 1);
	cr_assert_eq(st->pt_pages[SPARSE_PT_DIRECT_MAP][MMU_LEVEL_PD], 0);
	sparse_machine_destroy(m);
}

/* RAM [0, 0x9f000) + [1M, 0x40503000):
 *   ISA [0, 0x9f000): 159 x 4K ([0, 2M) is not all RAM)
 *   real_end = 0x40400000; step 2M: [0x40200000, 0x40400000) 1 x 2M
 *   step 512M: [1G, 0x40200000) 1 x 2M (mapped 4M < 512M: step stays),
 *              [512M, 1G): 256 x 2M ([0,1G) is not all RAM)
 *   step 128G: [1M, 512M): 256 x 4K + 255 x 2M
 *   [real_end, end): 259 x 4K
 * = 674 x 4K, 513 x 2M in 4 rounds; tables: 1 PDPT, 2 PD, 2 PT, all from BRK. */
Test(sparse_directmap, awkward_ends_get_hand_computed_page_sizes)
{
	struct sparse_layout l;
	sparse_layout_init(&l);
	add_range(&l, 0, 0x9f000, 0, SPARSE_RANGE_RAM);
	add_range(&l, 1 * MiB, 0x40503000, 0, SPARSE_RANGE_RAM);
	l.scratch_size = 0;
	struct sparse_machine *m = build(&l, NULL);
	struct leaf_count c = dm(m, 0x40503000);
	const struct sparse_stats *st = sparse_machine_stats(m);
	cr_assert_eq(c.n[MMU_PAGE_4K], 674);
	cr_assert_eq(c.n[MMU_PAGE_2M], 513);
	cr_assert_eq(c.n[MMU_PAGE_1G], 0);
	cr_assert_eq(st->dm_steps, 4, "%llu steps", (unsigned long long)st->dm_steps);
	cr_assert_eq(st->pt_pages[SPARSE_PT_DIRECT_MAP][MMU_LEVEL_PDPT], 1);
	cr_assert_eq(st->pt_pages[SPARSE_PT_DIRECT_MAP][MMU_LEVEL_PD], 2);
	cr_assert_eq(st->pt_pages[SPARSE_PT_DIRECT_MAP][MMU_LEVEL_PT], 2);
	cr_assert_eq(st->pt_from_brk, 5);
	sparse_machine_destroy(m);
}

/* Without gbpages the same small VM is 2M pages only: 5 GiB - 1 GiB hole. */
Test(sparse_directmap, no_gbpages_gives_2m_pages)
{
	struct sparse_layout l;
	struct sparse_params p;
	sparse_layout_init(&l);
	add_range(&l, 0, 3 * GiB, 0, SPARSE_RANGE_RAM);
	add_range(&l, 4 * GiB, 5 * GiB, 0, SPARSE_RANGE_RAM);
	sparse_params_default(&p);
	p.dm_gbpages = false;
	struct sparse_machine *m = build(&l, &p);
	struct leaf_count c = dm(m, 5 * GiB);
	cr_assert_eq(c.n[MMU_PAGE_2M], 2048);
	cr_assert_eq(c.n[MMU_PAGE_1G] + c.n[MMU_PAGE_4K], 0);
	/* 4 PDs for [0,3G) + [4G,5G) would be 4; the 1 GiB hole needs none */
	cr_assert_eq(sparse_machine_stats(m)->pt_pages[SPARSE_PT_DIRECT_MAP][MMU_LEVEL_PD], 4);
	sparse_machine_destroy(m);
}

/* 4 GiB: step 2M -> 512M -> 128G takes 3 rounds (<< 8): [4G-2M, 4G),
 * [3.5G, 4G-2M), [1M, 3.5G); the 2012 kernel's << 5 goes 2M -> 64M -> 2G ->
 * 64G: [4G-2M, 4G), [4G-64M, 4G-2M), [2G, 4G-64M), [1M, 2G), 4 rounds. */
Test(sparse_directmap, step_shift_5_takes_one_more_round_than_8)
{
	struct sparse_layout l;
	struct sparse_params p;
	sparse_layout_init(&l);
	add_range(&l, 0, 0x9f000, 0, SPARSE_RANGE_RAM);
	add_range(&l, 1 * MiB, 4 * GiB, 0, SPARSE_RANGE_RAM);
	l.scratch_size = 0;
	sparse_params_default(&p);
	struct sparse_machine *m = build(&l, &p);
	cr_assert_eq(sparse_machine_stats(m)->dm_steps, 3, "%llu",
	             (unsigned long long)sparse_machine_stats(m)->dm_steps);
	sparse_machine_destroy(m);
	p.dm_step_shift = 5;
	m = build(&l, &p);
	cr_assert_eq(sparse_machine_stats(m)->dm_steps, 4);
	sparse_machine_destroy(m);
}

Test(sparse_directmap, every_ram_byte_maps_to_itself)
{
	struct sparse_layout l;
	tiny_layout(&l);
	struct sparse_machine *m = build(&l, NULL);
	for (unsigned i = 0; i < l.nr_ranges; i++) {
		if (l.ranges[i].kind == SPARSE_RANGE_DEVICE)
			continue;
		for (uint64_t pa = l.ranges[i].start; pa < l.ranges[i].end; pa += 61 * 4096) {
			uint64_t got;
			cr_assert_eq(sparse_va_to_pa(m, SPARSE_PAGE_OFFSET + pa, &got), 0);
			cr_assert_eq(got, pa);
		}
	}
	uint64_t got;
	cr_assert_neq(sparse_va_to_pa(m, SPARSE_PAGE_OFFSET + 230 * MiB, &got), 0,
	              "the hole between nodes is not mapped");
	sparse_machine_destroy(m);
}

/* Kernel leaves are __PAGE_KERNEL: A and D pre-set, global, NX; the image
 * is executable; HVO tails are __PAGE_KERNEL_RO (A, no D, no RW). */
Test(sparse_directmap, kernel_leaves_carry_page_kernel_bits)
{
	struct sparse_layout l;
	tiny_layout(&l);
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};
	struct mmu_leaf dm, vm, img, tail;
	cr_assert_eq(sparse_machine_create(&m, &l, SPARSE_MODEL_VMEMMAP_HVO, NULL, &err), 0, "%s",
	             err.msg);
	struct mmu_pt *pt = sparse_machine_pt(m);
	cr_assert_eq(mmu_pt_lookup(pt, SPARSE_PAGE_OFFSET + 100 * MiB, &dm), 0);
	cr_assert_eq(mmu_pt_lookup(pt, SPARSE_VMEMMAP_BASE + (300 * MiB >> 12) * 64, &vm), 0);
	cr_assert_eq(mmu_pt_lookup(pt, SPARSE_KERNEL_IMAGE_VA, &img), 0);
	cr_assert_eq(mmu_pt_lookup(pt, SPARSE_VMEMMAP_BASE + (64 * MiB >> 12) * 64 + 4096, &tail),
	             0);
	const uint64_t k = PTE_P | PTE_RW | PTE_A | PTE_D | PTE_G | PTE_NX;
	cr_assert_eq(dm.pte & k, k);
	cr_assert_eq(vm.pte & k, k);
	cr_assert_eq(img.pte & (k & ~PTE_NX), k & ~PTE_NX);
	cr_assert_eq(img.pte & PTE_NX, 0);
	cr_assert_eq(tail.pte & (PTE_RW | PTE_D), 0);
	cr_assert(tail.pte & PTE_A);
	sparse_machine_destroy(m);
}
