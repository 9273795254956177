/*
 * tests/mmu/ref_rig.c — the differential tests' rig (ref_stream.h): two
 * page-table trees with every page size, holes, read-only pages, reserved
 * bits and a table outside guest memory, built once and copied, so the
 * optimised and the reference model each walk (and set A/D bits in) their
 * own identical guest memory.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ref_stream.h"

#define PHYS_SIZE (32 * SZ_1M)

/* ---- page tables ------------------------------------------------------------ */

static void map(struct mmu_pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned mask,
                uint64_t prot)
{
	struct vmemsim_err err = {0};

	cr_assert_eq(mmu_pt_map(pt, va, pa, size, mask, prot, &err), 0, "%s", err.msg);
}

static void poke_leaf(struct mmu_pt *pt, uint64_t va, uint64_t set_bits)
{
	struct mmu_leaf l;

	cr_assert_eq(mmu_pt_lookup(pt, va, &l), 0);
	mmu_phys_write64(pt->phys, l.pte_pa, l.pte | set_bits);
}

/* The PA of the level-`level` entry that selects va (the tables must exist). */
static uint64_t entry_at(const struct mmu_pt *pt, uint64_t va, unsigned level)
{
	uint64_t table = pt->root;
	unsigned l;

	for (l = pt->levels; l > level; l--)
		table = mmu_phys_read64(pt->phys, table + 8 * ((va >> (12 + 9 * (l - 1))) & 511)) &
		        PTE_ADDR_MASK;
	return table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
}

static void build_tree(struct rig *g, struct mmu_pt *pt, unsigned levels, uint64_t z4k_pa)
{
	const unsigned k4 = MMU_PS_BIT(MMU_PAGE_4K), m2 = MMU_PS_BIT(MMU_PAGE_2M);
	struct vmemsim_err err = {0};
	unsigned i;

	cr_assert_eq(mmu_pt_init(pt, &g->pa, levels, 46, g->al, &err), 0, "%s", err.msg);
	map(pt, Z4K, z4k_pa, SZ_1G, k4, MMU_PROT_KERNEL_RW);
	map(pt, Z2M, 4 * SZ_1G, 4 * SZ_1G, k4 | m2, MMU_PROT_KERNEL_RW);
	map(pt, Z1G, 16 * SZ_1G, 8 * SZ_1G, MMU_PS_ALL, MMU_PROT_KERNEL_RW);
	/* 4K head, 2M up to 1G, one 1G page, 2M and 4K tails; read-only text. */
	map(pt, ZMIX + 5 * SZ_4K, 32 * SZ_1G + 5 * SZ_4K, 2 * SZ_1G + 3 * SZ_1M + 2 * SZ_4K,
	    MMU_PS_ALL, MMU_PROT_KERNEL_RX);
	map(pt, ZTEXT, 16 * SZ_1M, 2 * SZ_1M, k4, MMU_PROT_KERNEL_RX | PTE_G);
	map(pt, ZTEXT + 2 * SZ_1M, 18 * SZ_1M, 14 * SZ_1M, m2, MMU_PROT_KERNEL_RX | PTE_G);
	map(pt, ZUDATA, 48 * SZ_1G, 4 * SZ_1M, k4, MMU_PROT_USER_RW);
	map(pt, ZUDATA + 4 * SZ_1M, 48 * SZ_1G + 4 * SZ_1M, 60 * SZ_1M, m2, MMU_PROT_USER_RW);
	map(pt, ZUTEXT, 49 * SZ_1G, 8 * SZ_1M, k4, PTE_P | PTE_US);
	map(pt, ZTOP, 50 * SZ_1G, 2 * SZ_4K, k4, MMU_PROT_USER_RW);
	for (i = 0; i < 24; i++) { /* holes, read-only pages, reserved bits */
		uint64_t off = ((i * 7919ull + 13) % 262144) * SZ_4K;
		if (i % 3 == 0)
			cr_assert_eq(mmu_pt_unmap(pt, Z4K + off, SZ_4K, &err), 0, "%s", err.msg);
		else if (i % 3 == 1)
			cr_assert_eq(mmu_pt_map_page(pt, Z4K + off, z4k_pa + off, MMU_PAGE_4K,
			                             MMU_PROT_KERNEL_RO, &err),
			             0, "%s", err.msg);
		else
			poke_leaf(pt, Z4K + off, 1ull << 50); /* above MAXPHYADDR 46 */
	}
	cr_assert_eq(mmu_pt_unmap(pt, Z2M + 10 * SZ_2M, SZ_2M, &err), 0, "%s", err.msg);
	cr_assert_eq(mmu_pt_map_page(pt, Z2M + 20 * SZ_2M, 4 * SZ_1G + 20 * SZ_2M, MMU_PAGE_2M,
	                             MMU_PROT_KERNEL_RO, &err),
	             0, "%s", err.msg);
	poke_leaf(pt, Z2M + 30 * SZ_2M, 1ull << 13); /* bits 20:13 of a 2M leaf */
	poke_leaf(pt, Z1G + 3 * SZ_1G, 1ull << 20);  /* bits 29:13 of a 1G leaf */
	/* A PDE whose page table lies outside guest memory. */
	mmu_phys_write64(&g->pa, entry_at(pt, Z4K + 100 * SZ_2M, MMU_LEVEL_PD),
	                 0x3f00000000ull | PTE_P | PTE_RW);
}

/* ---- the rig -------------------------------------------------------------------- */

/* Tree A maps Z4K to PA 0, tree B to PA 1G; the models get copies of one
 * guest memory. */
void rig_init(struct rig *g, const struct mmu_config *cfg)
{
	struct vmemsim_err err = {0};

	memset(g, 0, sizeof(*g));
	cr_assert_eq(mmu_phys_init(&g->pa, PHYS_SIZE, &err), 0, "%s", err.msg);
	cr_assert_eq(mmu_phys_init(&g->pb, PHYS_SIZE, &err), 0, "%s", err.msg);
	g->al = test_alloc_init(&g->ta, &g->pa, SZ_1M, PHYS_SIZE);
	build_tree(g, &g->ta_pt, cfg->levels, 0);
	build_tree(g, &g->tb_pt, cfg->levels, SZ_1G);
	g->tables_end = g->ta.next;
	memcpy(g->pb.base, g->pa.base, g->tables_end);
	cr_assert_eq(mmu_create(&g->m, cfg, &g->pa, &err), 0, "%s", err.msg);
	cr_assert_eq(ref_create(&g->r, cfg, &g->pb), 0);
	/* Regions: one boundary inside a 2M page, a 12K one inside the 1G page. */
	static const uint64_t reg[][2] = {{Z4K, Z4K + SZ_1G},
	                                  {Z2M, RSPLIT},
	                                  {ZTEXT, ZTEXT + 16 * SZ_1M},
	                                  {ZUDATA, ZUDATA + 64 * SZ_1M},
	                                  {R1G, R1G + 3 * SZ_4K}};
	for (unsigned i = 0; i < 5; i++) {
		cr_assert_eq(mmu_add_region(g->m, "r", reg[i][0], reg[i][1], &err), (int)i + 1,
		             "%s", err.msg);
		cr_assert_eq(ref_add_region(g->r, reg[i][0], reg[i][1]), (int)i + 1);
	}
	mmu_write_cr3(g->m, g->ta_pt.root, 0, false);
	ref_write_cr3(g->r, g->ta_pt.root, 0, false);
	g->cur = &g->ta_pt;
}

void rig_fini(struct rig *g)
{
	mmu_destroy(g->m);
	ref_destroy(g->r);
	mmu_phys_fini(&g->pa);
	mmu_phys_fini(&g->pb);
}

/* ---- a small rig ---------------------------------------------------------------- */

void rig_pair_init(struct rig *g)
{
	struct mmu_config c;
	struct vmemsim_err err = {0};

	memset(g, 0, sizeof(*g));
	mmu_config_default(&c);
	cr_assert_eq(mmu_phys_init(&g->pa, 4 * SZ_1M, &err), 0, "%s", err.msg);
	cr_assert_eq(mmu_phys_init(&g->pb, 4 * SZ_1M, &err), 0, "%s", err.msg);
	g->al = test_alloc_init(&g->ta, &g->pa, SZ_1M, 4 * SZ_1M);
	cr_assert_eq(mmu_pt_init(&g->ta_pt, &g->pa, 4, 46, g->al, &err), 0, "%s", err.msg);
	map(&g->ta_pt, PAGE_OFFSET, 0, 2 * SZ_4K, MMU_PS_BIT(MMU_PAGE_4K), MMU_PROT_KERNEL_RW);
	memcpy(g->pb.base, g->pa.base, 4 * SZ_1M);
	cr_assert_eq(mmu_create(&g->m, &c, &g->pa, &err), 0, "%s", err.msg);
	cr_assert_eq(ref_create(&g->r, &c, &g->pb), 0);
	mmu_write_cr3(g->m, g->ta_pt.root, 0, false);
	ref_write_cr3(g->r, g->ta_pt.root, 0, false);
}
