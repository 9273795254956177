/*
 * tests/emu/test_regions.c — Unicorn's regions are generated from the page
 * tables: they must agree with the walker everywhere, cover every leaf,
 * coalesce contiguous runs, and make aliases share bytes.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "fixture.h"

#define VMEMMAP 0xffffea0000000000ull

static uint64_t marker(uint64_t pa)
{
	return pa * 0x9e3779b97f4a7c15ull ^ 0x5a5a5a5a5a5a5a5aull;
}

/* A varied address space on top of the fixture: 16 scattered 4K pages, a
 * 2M page, 8 read-only aliases of one frame (HVO-style), a read-only
 * executable page, and a hole. */
static void build_varied(struct fx *f)
{
	for (unsigned i = 0; i < 16; i++) /* PAs in reverse order: no coalescing */
		fx_map(f, VMEMMAP + i * SZ_4K, DATA_PA + (15 - i) * SZ_4K, SZ_4K,
		       MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
	fx_map(f, VMEMMAP + 2 * SZ_2M, DATA_PA + 2 * SZ_2M, SZ_2M, MMU_PS_ALL, MMU_PROT_KERNEL_RW);
	for (unsigned i = 0; i < 8; i++)
		fx_map(f, VMEMMAP + 8 * SZ_2M + i * SZ_4K, DATA_PA + 6 * SZ_2M, SZ_4K,
		       MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RO);
	fx_map(f, VMEMMAP + 16 * SZ_2M, DATA_PA + 7 * SZ_2M, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K),
	       MMU_PROT_KERNEL_RX);
}

static const uc_mem_region *find_uc_region(const uc_mem_region *r, uint32_t n, uint64_t va)
{
	for (uint32_t i = 0; i < n; i++)
		if (r[i].begin <= va && va <= r[i].end)
			return &r[i];
	return NULL;
}

static uint32_t leaf_perms(uint64_t pte)
{
	return UC_PROT_READ | (pte & PTE_RW ? UC_PROT_WRITE : 0) |
	       (pte & PTE_NX ? 0 : UC_PROT_EXEC);
}

static bool is_window(struct fx *f, uint64_t va)
{
	struct emu_region r[64];
	size_t n = emu_regions(f->emu, r, 64);
	for (size_t i = 0; i < n && i < 64; i++)
		if (r[i].va <= va && va - r[i].va < r[i].size)
			return r[i].mmio;
	return false;
}

Test(emu_regions, every_unicorn_page_reads_the_frame_the_walker_gives)
{
	struct fx f;
	fx_init(&f, false, NULL);
	build_varied(&f);
	uc_mem_region *r;
	uint32_t n;
	cr_assert_eq(uc_mem_regions(f.emu->uc, &r, &n), UC_ERR_OK);
	uint64_t pages = 0;
	for (uint32_t i = 0; i < n; i++) {
		for (uint64_t va = r[i].begin; va < r[i].end; va += SZ_4K) {
			struct mmu_leaf leaf;
			cr_assert_eq(mmu_pt_lookup(&f.pt, va, &leaf), 0,
			             "unicorn maps va 0x%llx, the walker does not",
			             (unsigned long long)va);
			/* RAM regions carry the leaf's permissions; windows
			 * enforce them per page (tested below) */
			if (!is_window(&f, r[i].begin))
				cr_assert_eq(leaf_perms(leaf.pte), r[i].perms, "perms at va 0x%llx",
				             (unsigned long long)va);
			/* a fresh marker through the physical backing must be
			 * what Unicorn reads at the virtual address (the old
			 * value is put back: the frame may hold page tables) */
			uint64_t m = marker(leaf.pa) + pages, got = 0;
			uint64_t old = mmu_phys_read64(&f.phys, leaf.pa);
			mmu_phys_write64(&f.phys, leaf.pa, m);
			cr_assert_eq(uc_mem_read(f.emu->uc, va, &got, 8), UC_ERR_OK);
			mmu_phys_write64(&f.phys, leaf.pa, old);
			cr_assert_eq(got, m, "va 0x%llx reads 0x%llx, frame pa 0x%llx holds 0x%llx",
			             (unsigned long long)va, (unsigned long long)got,
			             (unsigned long long)leaf.pa, (unsigned long long)m);
			pages++;
		}
	}
	/* 7 image pages + 64 MiB direct map + 16 + 512 + 8 + 1 */
	cr_assert_eq(pages, 7 + PHYS_SIZE / SZ_4K + 16 + 512 + 8 + 1);
	uc_free(r);
	fx_fini(&f);
}

struct cover_ctx {
	struct fx *f;
	const uc_mem_region *r;
	uint32_t n;
	uint64_t leaves;
};

static int check_covered(void *ctx, uint64_t va, const struct mmu_leaf *leaf)
{
	struct cover_ctx *c = ctx;
	uint64_t bytes = mmu_page_bytes(leaf->ps);
	for (uint64_t p = va; p < va + bytes; p += SZ_4K) {
		const uc_mem_region *reg = find_uc_region(c->r, c->n, p);
		cr_assert_not_null(reg, "leaf page va 0x%llx not mapped in unicorn",
		                   (unsigned long long)p);
		if (!is_window(c->f, p))
			cr_assert_eq(reg->perms, leaf_perms(leaf->pte));
	}
	c->leaves++;
	return 0;
}

Test(emu_regions, every_leaf_of_the_page_tables_is_mapped)
{
	struct fx f;
	fx_init(&f, false, NULL);
	build_varied(&f);
	struct cover_ctx c = {.f = &f};
	uc_mem_region *r;
	cr_assert_eq(uc_mem_regions(f.emu->uc, &r, &c.n), UC_ERR_OK);
	c.r = r;
	mmu_pt_for_each_leaf(&f.pt, 0, UINT64_MAX, check_covered, &c);
	/* 7 image + 32 direct-map 2M + 16 + 1 + 8 + 1 */
	cr_assert_eq(c.leaves, 7 + 32 + 16 + 1 + 8 + 1);
	uc_free(r);
	fx_fini(&f);
}

Test(emu_regions, contiguous_runs_coalesce_and_scattered_pages_do_not)
{
	struct fx f;
	fx_init(&f, false, NULL);
	build_varied(&f);
	size_t n = emu_regions(f.emu, NULL, 0);
	struct emu_region *r = calloc(n, sizeof(*r));
	cr_assert_eq(emu_regions(f.emu, r, n), n);
	/* image (1) + direct map (1) + 16 scattered pages (more than 8 small
	 * adjacent runs: one window) + 2M (1) + 8 aliases (8 runs: RAM) + RX (1) */
	cr_assert_eq(n, 1 + 1 + 1 + 1 + 8 + 1);
	unsigned windows = 0;
	for (size_t i = 0; i < n; i++) {
		if (!r[i].mmio)
			continue;
		windows++;
		cr_assert_eq(r[i].va, VMEMMAP);
		cr_assert_eq(r[i].size, 16 * SZ_4K);
		cr_assert_eq(r[i].pa, DATA_PA + 15 * SZ_4K);
	}
	cr_assert_eq(windows, 1);
	for (size_t i = 1; i < n; i++)
		cr_assert_geq(r[i].va, r[i - 1].va + r[i - 1].size, "sorted, disjoint");
	const struct emu_region *dm = NULL;
	for (size_t i = 0; i < n; i++)
		if (r[i].va == PAGE_OFFSET)
			dm = &r[i];
	cr_assert_not_null(dm);
	cr_assert_eq(dm->size, PHYS_SIZE, "the 2M-page direct map is one region");
	cr_assert_eq(dm->pa, 0);
	cr_assert(dm->write && !dm->exec);
	free(r);
	fx_fini(&f);
}

Test(emu_regions, a_write_through_one_alias_is_read_through_the_other)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t a = VMEMMAP, b = VMEMMAP + SZ_1G; /* both -> DATA_PA */
	fx_map(&f, a, DATA_PA, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
	fx_map(&f, b, DATA_PA, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
	struct emu_result res;
	uint64_t args[] = {a + 0x40, b + 0x40, 0xfeedface12345678ull};
	cr_assert_eq(fx_call(&f, "alias_copy", args, 3, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.rax, 0xfeedface12345678ull);
	/* and through the direct map, a third alias of the same frame */
	uint64_t v = 0;
	cr_assert_eq(emu_read(f.emu, PAGE_OFFSET + DATA_PA + 0x40, &v, 8, &f.err), 0);
	cr_assert_eq(v, 0xfeedface12345678ull);
	fx_fini(&f);
}

Test(emu_regions, remapping_after_unmap_splits_the_region)
{
	struct fx f;
	fx_init(&f, false, NULL);
	cr_assert_eq(mmu_pt_unmap(&f.pt, PAGE_OFFSET + DATA_PA, SZ_4K, &f.err), 0, "%s", f.err.msg);
	cr_assert_eq(emu_map_from_page_tables(f.emu, 0, 0, &f.err), 0, "%s", f.err.msg);
	uint8_t byte;
	cr_assert_neq(uc_mem_read(f.emu->uc, PAGE_OFFSET + DATA_PA, &byte, 1), UC_ERR_OK);
	cr_assert_eq(uc_mem_read(f.emu->uc, PAGE_OFFSET + DATA_PA - 1, &byte, 1), UC_ERR_OK);
	cr_assert_eq(uc_mem_read(f.emu->uc, PAGE_OFFSET + DATA_PA + SZ_4K, &byte, 1), UC_ERR_OK);
	fx_fini(&f);
}

Test(emu_regions, partial_range_remap_keeps_the_outside_parts)
{
	struct fx f;
	fx_init(&f, false, NULL);
	size_t before = emu_regions(f.emu, NULL, 0);
	/* resync only a slice inside the direct map: the region is cut in 3 */
	cr_assert_eq(
	    emu_map_from_page_tables(f.emu, PAGE_OFFSET + SZ_2M, PAGE_OFFSET + 2 * SZ_2M, &f.err),
	    0, "%s", f.err.msg);
	cr_assert_eq(emu_regions(f.emu, NULL, 0), before + 2);
	uint64_t v = 0x1122334455667788ull, got = 0;
	mmu_phys_write64(&f.phys, SZ_2M + 8, v);
	cr_assert_eq(uc_mem_read(f.emu->uc, PAGE_OFFSET + SZ_2M + 8, &got, 8), UC_ERR_OK);
	cr_assert_eq(got, v);
	mmu_phys_write64(&f.phys, 3 * SZ_2M, v + 1);
	cr_assert_eq(uc_mem_read(f.emu->uc, PAGE_OFFSET + 3 * SZ_2M, &got, 8), UC_ERR_OK);
	cr_assert_eq(got, v + 1);
	fx_fini(&f);
}

Test(emu_regions, a_leaf_beyond_physical_memory_is_an_error_naming_its_va)
{
	struct fx f;
	fx_init(&f, false, NULL);
	cr_assert_eq(mmu_pt_map(&f.pt, VMEMMAP, PHYS_SIZE, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, &f.err),
	             0, "%s", f.err.msg);
	cr_assert_eq(emu_map_from_page_tables(f.emu, VMEMMAP, VMEMMAP + SZ_1G, &f.err),
	             VMEMSIM_EINVAL);
	cr_assert(strstr(f.err.msg, "0xffffea0000000000"), "%s", f.err.msg);
	cr_assert_eq(emu_regions(f.emu, NULL, 0), 2, "the failed range stays unmapped");
	fx_fini(&f);
}

Test(emu_regions, host_copies_cross_leaves_and_fail_on_holes)
{
	struct fx f;
	fx_init(&f, false, NULL);
	fx_map(&f, VMEMMAP, DATA_PA + SZ_4K, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
	fx_map(&f, VMEMMAP + SZ_4K, DATA_PA, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
	uint8_t in[16], out[16];
	for (int i = 0; i < 16; i++)
		in[i] = (uint8_t)(i + 1);
	cr_assert_eq(emu_write(f.emu, VMEMMAP + SZ_4K - 8, in, 16, &f.err), 0);
	/* the first 8 bytes end frame DATA_PA+4K, the next 8 start frame DATA_PA */
	cr_assert_eq(f.phys.base[DATA_PA + 2 * SZ_4K - 8], 1);
	cr_assert_eq(f.phys.base[DATA_PA], 9);
	cr_assert_eq(emu_read(f.emu, VMEMMAP + SZ_4K - 8, out, 16, &f.err), 0);
	cr_assert_arr_eq(in, out, 16);
	cr_assert_eq(emu_read(f.emu, VMEMMAP + 2 * SZ_4K - 4, out, 8, &f.err), VMEMSIM_EFAULT);
	cr_assert(strstr(f.err.msg, "0xffffea0000002000"), "%s", f.err.msg);
	fx_fini(&f);
}

/* An HVO-style vmemmap: per 2 MiB hugetlb page, 8 pages of struct pages of
 * which the 7 tails map one shared read-only frame.  600 of them are 4800
 * scattered leaves: far more than Unicorn can hold as regions. */
#define HVO_PAGES 600
static void build_hvo(struct fx *f, uint64_t *tail_frame)
{
	*tail_frame = DATA_PA + 8 * SZ_1M;
	for (unsigned h = 0; h < HVO_PAGES; h++) {
		uint64_t va = VMEMMAP + h * 8 * SZ_4K;
		cr_assert_eq(mmu_pt_map(&f->pt, va, DATA_PA + h * SZ_4K, SZ_4K,
		                        MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW, &f->err),
		             0, "%s", f->err.msg);
		for (unsigned t = 1; t < 8; t++)
			cr_assert_eq(mmu_pt_map(&f->pt, va + t * SZ_4K, *tail_frame, SZ_4K,
			                        MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RO,
			                        &f->err),
			             0, "%s", f->err.msg);
	}
	cr_assert_eq(emu_map_from_page_tables(f->emu, 0, 0, &f->err), 0, "%s", f->err.msg);
}

Test(emu_regions, thousands_of_scattered_leaves_become_one_window_that_aliases)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t tail;
	build_hvo(&f, &tail);
	cr_assert_eq(emu_regions(f.emu, NULL, 0), 3, "image, direct map, one window");
	/* every tail of every hugetlb page reads the one shared frame */
	mmu_phys_write64(&f.phys, tail + 0x40, 0xabcdef);
	struct emu_result res;
	for (unsigned h = 0; h < HVO_PAGES; h += 97) {
		uint64_t p = VMEMMAP + h * 8 * SZ_4K + 5 * SZ_4K + 0x40;
		cr_assert_eq(fx_call(&f, "touch", &p, 1, NULL, &res), 0, "%s", f.err.msg);
		cr_assert_eq(res.rax, 0xabcdef);
	}
	/* a head page is writable and its own frame */
	uint64_t args[] = {VMEMMAP + 3 * 8 * SZ_4K + 8, 77};
	cr_assert_eq(fx_call(&f, "poke", args, 2, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(mmu_phys_read64(&f.phys, DATA_PA + 3 * SZ_4K + 8), 77);
	fx_fini(&f);
}

Test(emu_regions, a_store_to_a_read_only_page_of_a_window_is_refused)
{
	struct fx f;
	fx_init(&f, false, NULL);
	uint64_t tail;
	build_hvo(&f, &tail);
	struct emu_result res;
	uint64_t va = VMEMMAP + 2 * SZ_4K + 16, args[] = {va, 5};
	cr_assert_eq(fx_call(&f, "poke", args, 2, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_UNICORN);
	cr_assert_eq(res.fault.uc_err, UC_ERR_WRITE_PROT);
	cr_assert_eq(res.fault.va, va);
	cr_assert_eq(res.fault.pc, fx_sym(&f, "poke"));
	cr_assert_eq(mmu_phys_read64(&f.phys, tail + 16), 0, "the shared frame is untouched");
	fx_fini(&f);
}

Test(emu_regions, a_window_counts_exactly_like_ram_regions)
{
	/* the same accesses through a window (scattered frames) and through a
	 * RAM region (contiguous frames) present the same translations */
	static struct mmu_stats s[2];
	uint64_t sums[2];
	for (int w = 0; w < 2; w++) {
		struct fx f;
		fx_init(&f, true, NULL);
		uint64_t va = VMEMMAP;
		for (unsigned i = 0; i < 32; i++)
			fx_map(&f, va + i * SZ_4K, DATA_PA + (w ? 31 - i : i) * SZ_4K, SZ_4K,
			       MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
		cr_assert_eq(is_window(&f, va), w == 1);
		struct emu_result res;
		uint64_t args[] = {va, 32};
		cr_assert_eq(fx_call(&f, "page_walk", args, 2, NULL, &res), 0, "%s", f.err.msg);
		sums[w] = res.rax;
		mmu_stats_snapshot(f.mmu, &s[w]);
		fx_fini(&f);
	}
	cr_assert_eq(sums[0], sums[1]);
	/* the data-cache counters may differ: the frames are different lines */
	for (unsigned c = 0; c < MMU_NR_COUNTERS; c++)
		if (c != MMU_C_l1d_hits && c != MMU_C_l2_hits && c != MMU_C_llc_hits &&
		    c != MMU_C_dram_accesses && c != MMU_C_cycles_mem && c != MMU_C_pte_l1d_hits &&
		    c != MMU_C_pte_l2_hits && c != MMU_C_pte_llc_hits && c != MMU_C_pte_dram &&
		    c != MMU_C_cycles_walk)
			cr_assert_eq(mmu_stats_total(&s[0], c), mmu_stats_total(&s[1], c),
			             "counter %s", mmu_counter_name(c));
}

Test(emu_regions, too_many_regions_are_refused_with_a_message)
{
	struct fx f;
	fx_init(&f, false, NULL);
	/* 1100 isolated single pages (a hole after each): no stretch to window */
	for (unsigned i = 0; i < 1100; i++)
		cr_assert_eq(mmu_pt_map(&f.pt, VMEMMAP + i * 2 * SZ_4K, DATA_PA + i * SZ_4K, SZ_4K,
		                        MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW, &f.err),
		             0);
	cr_assert_eq(emu_map_from_page_tables(f.emu, VMEMMAP, VMEMMAP + SZ_1G, &f.err),
	             VMEMSIM_ENOMEM);
	cr_assert(strstr(f.err.msg, "too fragmented"), "%s", f.err.msg);
	cr_assert_eq(emu_regions(f.emu, NULL, 0), 2, "nothing half-mapped");
	fx_fini(&f);
}

Test(emu_regions, resyncing_a_page_inside_a_window_keeps_the_rest_of_it)
{
	struct fx f;
	fx_init(&f, true, NULL);
	uint64_t tail;
	build_hvo(&f, &tail);
	uint64_t hole = VMEMMAP + 10 * 8 * SZ_4K + 3 * SZ_4K;
	cr_assert_eq(mmu_pt_unmap(&f.pt, hole, SZ_4K, &f.err), 0, "%s", f.err.msg);
	mmu_invlpg(f.mmu, hole);
	cr_assert_eq(emu_map_from_page_tables(f.emu, hole, hole + SZ_4K, &f.err), 0, "%s",
	             f.err.msg);
	cr_assert_eq(emu_regions(f.emu, NULL, 0), 4, "the window is cut in two around the hole");
	mmu_phys_write64(&f.phys, tail + 8, 99);
	struct emu_result res;
	uint64_t p = hole - SZ_4K + 8;
	cr_assert_eq(fx_call(&f, "touch", &p, 1, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.rax, 99);
	p = hole + SZ_4K + 8;
	cr_assert_eq(fx_call(&f, "touch", &p, 1, NULL, &res), 0, "%s", f.err.msg);
	cr_assert_eq(res.rax, 99);
	p = hole + 8;
	cr_assert_eq(fx_call(&f, "touch", &p, 1, NULL, &res), VMEMSIM_EFAULT);
	cr_assert_eq(res.stop, EMU_STOP_FAULT);
	cr_assert_eq(res.fault.va, p);
	fx_fini(&f);
}

Test(emu_regions, emu_check_accepts_what_was_mapped_and_names_a_stale_page)
{
	struct fx f;
	fx_init(&f, false, NULL);
	build_varied(&f);
	cr_assert_eq(emu_check(f.emu, 0, 0, &f.err), 0, "%s", f.err.msg);
	uint64_t tail;
	build_hvo(&f, &tail);
	cr_assert_eq(emu_check(f.emu, 0, 0, &f.err), 0, "%s", f.err.msg);
	/* change a leaf behind the emulator's back: a scattered page moves */
	uint64_t va = VMEMMAP + 9 * 8 * SZ_4K;
	cr_assert_eq(mmu_pt_map(&f.pt, va, DATA_PA + 30 * SZ_1M, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, &f.err),
	             0);
	cr_assert_eq(emu_check(f.emu, 0, 0, &f.err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(f.err.msg, "0xffffea0000048000"), "%s", f.err.msg);
	/* and a new leaf nobody mapped in Unicorn */
	cr_assert_eq(emu_map_from_page_tables(f.emu, 0, 0, &f.err), 0, "%s", f.err.msg);
	cr_assert_eq(mmu_pt_map(&f.pt, UNMAPPED_VA, DATA_PA, SZ_4K, MMU_PS_BIT(MMU_PAGE_4K),
	                        MMU_PROT_KERNEL_RW, &f.err),
	             0);
	cr_assert_eq(emu_check(f.emu, 0, 0, &f.err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(f.err.msg, "0xffffc90000001000"), "%s", f.err.msg);
	fx_fini(&f);
}

Test(emu_regions, scattered_executable_pages_stay_ram_regions_and_run)
{
	struct fx f;
	fx_init(&f, false, NULL);
	/* 12 executable pages in reverse frame order, each holding a copy of
	 * guest_halt's hlt at its start */
	uint64_t va = 0xffffffffa0000000ull;
	for (unsigned i = 0; i < 12; i++) {
		f.phys.base[DATA_PA + (11 - i) * SZ_4K] = 0xf4;
		fx_map(&f, va + i * SZ_4K, DATA_PA + (11 - i) * SZ_4K, SZ_4K,
		       MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RX);
	}
	cr_assert_not(is_window(&f, va));
	cr_assert_eq(emu_regions(f.emu, NULL, 0), 2 + 12);
	struct emu_result res;
	cr_assert_eq(emu_run(f.emu, va + 7 * SZ_4K, STACK_TOP, 0, NULL, &res, &f.err), 0, "%s",
	             f.err.msg);
	cr_assert_eq(res.instructions, 1);
	fx_fini(&f);
}
