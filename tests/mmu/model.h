/* tests/mmu/model.h — a model over hand-built page tables. */
#ifndef VMEMSIM_TEST_MMU_MODEL_H
#define VMEMSIM_TEST_MMU_MODEL_H

#include "helpers.h"

/* Hand-built tables: VA selects PML5[0] (5-level), PML4[0], PDPT[1], PD[2], PT[3]. */
#define T_PML5  0x5000ull
#define T_PML4  0x1000ull
#define T_PDPT  0x2000ull
#define T_PD    0x3000ull
#define T_PT    0x4000ull
#define T_VA    0x40403000ull
#define T_TBL   (PTE_P | PTE_RW | PTE_US)
#define T_PA_4K 0x100000ull
#define T_PA_2M 0x200000ull
#define T_PA_1G 0x40000000ull

extern struct mmu_phys tphys;
extern struct mmu *tm;

void model_phys_init(void);
void model_fini(void);
/* Create the model from cfg (NULL: default) and point CR3 at root. */
void model_start(const struct mmu_config *cfg, uint64_t root);
/* Write the hand-built tables for a leaf of size ps with leaf_flags; returns the root. */
uint64_t model_build(unsigned levels, enum mmu_page_size ps, uint64_t leaf_flags);
uint64_t model_expected_pa(enum mmu_page_size ps, uint64_t va);
uint64_t ctr_total(enum mmu_counter c);

#endif
