/*
 * mmu/mmu_internal.h — shared inside mmu/ only: page-table geometry helpers,
 * the set-associative array type, TLB/PWC/cache structures and struct mmu.
 * Tests may include it to drive one structure directly; nothing outside
 * mmu/ and tests/mmu/ may.
 */
#ifndef VMEMSIM_MMU_INTERNAL_H
#define VMEMSIM_MMU_INTERNAL_H

#include "mmu.h"

/* ---- Page-table geometry ---------------------------------------------- */

/* Bit position of the VA field that indexes a table of this level. */
static inline unsigned pt_level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}
static inline unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> pt_level_shift(level)) & 511;
}
/* Linear-address width: 48 bits with 4-level paging, 57 with 5-level. */
static inline unsigned pt_va_bits(unsigned levels)
{
	return levels == 5 ? 57 : 48;
}
static inline uint64_t pt_va_sext(uint64_t va, unsigned levels)
{
	unsigned sh = 64 - pt_va_bits(levels);
	return (uint64_t)((int64_t)(va << sh) >> sh);
}
static inline bool pt_va_canonical(uint64_t va, unsigned levels)
{
	return pt_va_sext(va, levels) == va;
}
/* An entry at this level is a leaf: a PTE, or PS set in a PDE / PDPTE. */
static inline bool pt_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}
/* The page size of a leaf at this level. */
static inline enum mmu_page_size pt_level_ps(unsigned level)
{
	return (enum mmu_page_size)(level - 1);
}
/* Address bits of a leaf of size ps (bit 12 of a large leaf is PAT). */
static inline uint64_t pt_leaf_addr(uint64_t e, enum mmu_page_size ps)
{
	return e & PTE_ADDR_MASK & ~(mmu_page_bytes(ps) - 1);
}
static inline bool pt_table_in_phys(const struct mmu_phys *phys, uint64_t table)
{
	return table < phys->size && phys->size - table >= 4096;
}

#endif /* VMEMSIM_MMU_INTERNAL_H */
