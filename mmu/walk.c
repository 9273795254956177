/*
 * mmu/walk.c — the page walker: paging-structure-cache probe, one PTE read
 * per remaining level through the data caches, reserved-bit and permission
 * checks with architectural #PF error codes (SDM Vol. 3A §4.5-4.7), and the
 * A/D write-back.
 *
 * Case analysis of a walk:
 *   1. PWC probe (if any PWC exists; pwc_latency charged once): the deepest
 *      level l whose cache holds the entry selecting va's level-l slot wins;
 *      the walk resumes at level l-1 with that entry's table and the rights
 *      combined down to it.
 *   2. Each remaining level: read the entry through L1D/L2/LLC (latency
 *      into cycles_walk), then
 *        - P clear            -> #PF, error code without PF_P;
 *        - a reserved bit set -> #PF with PF_RSVD|PF_P;
 *        - a leaf (PTE, or PS in a PDE/PDPTE) ends the loop.
 *   3. The combined rights are checked against the access (mmu_perm_fault).
 *   4. Only a walk that translates sets A on every entry it read (and D on
 *      the leaf of a store) in guest memory and fills the PWCs with the
 *      non-leaf entries it read; a faulting walk changes no memory.
 */
#include "mmu_internal.h"

uint32_t mmu_fault_bits(const struct mmu *m, enum mmu_access_type type)
{
	uint32_t ec = 0;

	if (type == MMU_STORE)
		ec |= PF_W;
	if (m->cpl == 3)
		ec |= PF_U;
	if (type == MMU_FETCH && (m->cfg.efer_nxe || m->cfg.cr4_smep))
		ec |= PF_I;
	return ec;
}

/* SDM §4.6 for 4- and 5-level paging.  SMAP applies to every supervisor
 * data access (EFLAGS.AC is modelled as clear). */
uint32_t mmu_perm_fault(const struct mmu *m, unsigned perm, enum mmu_access_type type)
{
	bool user = perm & PERM_U, w = perm & PERM_W, x = perm & PERM_X, bad;

	if (m->cpl == 3)
		bad = !user || (type == MMU_STORE && !w) || (type == MMU_FETCH && !x);
	else if (type == MMU_FETCH)
		bad = (m->cfg.cr4_smep && user) || !x;
	else
		bad = (m->cfg.cr4_smap && user) || (type == MMU_STORE && m->cfg.cr0_wp && !w);
	return bad ? PF_P | mmu_fault_bits(m, type) : 0;
}

/* The TLB-hit fast path: allowed iff (perm & (need | forbid)) == need.
 * Stores also need PERM_D, so a clean entry takes the slow path. */
void mmu_compute_masks(const struct mmu *m, uint8_t need[3], uint8_t forbid[3])
{
	const struct mmu_config *c = &m->cfg;

	if (m->cpl == 3) {
		need[MMU_LOAD] = PERM_U;
		need[MMU_STORE] = PERM_U | PERM_W | PERM_D;
		need[MMU_FETCH] = PERM_U | PERM_X;
		forbid[MMU_LOAD] = forbid[MMU_STORE] = forbid[MMU_FETCH] = 0;
		return;
	}
	need[MMU_LOAD] = 0;
	need[MMU_STORE] = (uint8_t)((c->cr0_wp ? PERM_W : 0) | PERM_D);
	need[MMU_FETCH] = PERM_X;
	forbid[MMU_LOAD] = forbid[MMU_STORE] = c->cr4_smap ? PERM_U : 0;
	forbid[MMU_FETCH] = c->cr4_smep ? PERM_U : 0;
}

void mmu_recompute_masks(struct mmu *m)
{
	mmu_compute_masks(m, m->need, m->forbid);
}

static uint64_t rsvd_bits(const struct mmu *m, unsigned level, uint64_t e)
{
	uint64_t r = m->rsvd_hi | (m->cfg.efer_nxe ? 0 : PTE_NX);

	if (level >= 4)
		r |= PTE_PS;
	else if (level == 3 && (e & PTE_PS))
		r |= 0x3fffe000ull; /* bits 29:13 of a 1G leaf */
	else if (level == 2 && (e & PTE_PS))
		r |= 0x1fe000ull; /* bits 20:13 of a 2M leaf */
	return e & r;
}

void mmu_compute_walk_masks(const struct mmu *m, uint64_t rsvd[6][2], uint64_t *nx_mask)
{
	unsigned l;

	/* An entry without PS has no PS bit to test: its row may drop it. */
	rsvd[0][0] = rsvd[0][1] = 0;
	for (l = 1; l <= 5; l++) {
		rsvd[l][0] = rsvd_bits(m, l, ~PTE_PS);
		rsvd[l][1] = rsvd_bits(m, l, ~0ull);
	}
	*nx_mask = m->cfg.efer_nxe ? PTE_NX : 0;
}

/* rsvd_bits() from the table: one load instead of the case analysis. */
MMU_HOT uint64_t rsvd_bits_fast(const struct mmu *m, unsigned level, uint64_t e)
{
	return e & m->rsvd[level][(e & PTE_PS) >> 7];
}

_Static_assert(PTE_RW >> 1 == PERM_W && PTE_US >> 1 == PERM_U, "RW and US map onto PERM_W/U");

MMU_HOT unsigned entry_perm(const struct mmu *m, uint64_t e)
{
	return PERM_D | (unsigned)((e >> 1) & (PERM_W | PERM_U)) | ((e & m->nx_mask) ? 0 : PERM_X);
}

static inline uint64_t pwc_key(uint64_t va, unsigned level, uint16_t pcid)
{
	return (((va & TLB_VA_MASK) >> pt_level_shift(level)) << 12) | pcid;
}

/* The entries from the root to the leaf or the failing entry, read with no
 * side effects, for the fault report. */
static void fault_fill(const struct mmu *m, uint64_t va, enum mmu_access_type type, uint64_t pc,
                       uint32_t ec, struct mmu_fault *f)
{
	uint64_t table = m->root;
	unsigned level;

	if (!f)
		return;
	*f = (struct mmu_fault){.va = va, .pc = pc, .error_code = ec, .type = type};
	if (ec & MMU_FAULT_NONCANONICAL)
		return; /* no table entry selects a non-canonical address */
	for (level = m->cfg.levels; level >= 1 && pt_table_in_phys(m->phys, table); level--) {
		uint64_t pte_pa = table + 8ull * pt_index(va, level);
		uint64_t e = mmu_phys_read64(m->phys, pte_pa);

		f->steps[f->nr_steps].level = (enum mmu_level)level;
		f->steps[f->nr_steps].pte_pa = pte_pa;
		f->steps[f->nr_steps].pte = e;
		f->nr_steps++;
		if (!(e & PTE_P) || rsvd_bits(m, level, e) || pt_is_leaf(e, level))
			break;
		table = e & PTE_ADDR_MASK;
	}
}

int mmu_raise(struct mmu *m, uint64_t va, enum mmu_access_type type, unsigned region, uint64_t pc,
              uint32_t ec, struct mmu_fault *fault)
{
	m->ctr[region][MMU_C_faults]++;
	fault_fill(m, va, type, pc, ec, fault);
	return VMEMSIM_EFAULT;
}

struct walk_step {
	uint64_t pte_pa, e;
	unsigned perm; /* combined down to this entry */
};

/* The key and set of each level's PWC probe, kept for the fills. */
struct walk_pwc_keys {
	uint64_t key[6];
	uint32_t set[6];
};

/* Step 1: returns the level to read first; sets *table and *perm, and
 * pk's entries of the levels probed (every level below the one returned + 1). */
static unsigned walk_pwc_probe(struct mmu *m, uint64_t va, uint64_t *ctr, uint64_t *table,
                               unsigned *perm, uint64_t *cycles, struct walk_pwc_keys *pk)
{
	unsigned l;

	ctr[MMU_C_cycles_pwc] += m->cfg.pwc_latency;
	*cycles += m->cfg.pwc_latency;
	for (l = MMU_LEVEL_PD; l <= m->cfg.levels; l++) {
		struct pwc *p = &m->pwc[l];
		uint64_t k;
		int idx;

		if (!p->present)
			continue;
		k = pwc_key(va, l, m->pcid);
		pk->key[l] = k;
		pk->set[l] = sa_set(&p->sa, k >> 12);
		idx = sa_lookup1(&p->sa, pk->set[l], k);
		if (idx >= 0) {
			ctr[MMU_C_pwc_hits_pml5e + (5 - l)]++;
			*table = p->val[idx] & PTE_ADDR_MASK;
			*perm = (unsigned)(p->val[idx] & 0xf);
			return l - 1;
		}
	}
	ctr[MMU_C_pwc_misses]++;
	return m->cfg.levels;
}

/* Step 4: A/D write-back and PWC fills.  steps[i] is level top - i. */
static void walk_commit(struct mmu *m, enum mmu_access_type type, struct walk_step *s, unsigned n,
                        unsigned top, const struct walk_pwc_keys *pk)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned level = top - i;
		uint64_t e = s[i].e | PTE_A;

		if (i == n - 1 && type == MMU_STORE)
			e |= PTE_D;
		if (e != s[i].e) {
			mmu_phys_write64(m->phys, s[i].pte_pa, e);
			s[i].e = e;
		}
		/* Every level this walk read lies below the deepest PWC hit, so its
		 * cache was probed and missed: fill without looking again, with
		 * the probe's key and set. */
		if (i < n - 1 && m->pwc[level].present) {
			struct pwc *p = &m->pwc[level];
			p->val[sa_fill(&p->sa, pk->set[level], pk->key[level])] =
			    (e & PTE_ADDR_MASK) | s[i].perm;
		}
	}
}

int mmu_walk(struct mmu *m, uint64_t va, enum mmu_access_type type, unsigned region,
             struct hs_entry *hs, uint64_t pc, struct walk_out *out, struct mmu_fault *fault)
{
	uint64_t *ctr = m->ctr[region], table = m->root, cycles = 0;
	unsigned perm = PERM_W | PERM_U | PERM_X | PERM_D, top, level, n = 0, lvl;
	struct walk_step s[5];
	struct walk_pwc_keys pk;
	uint32_t ec;

	ctr[MMU_C_walks]++;
	top = m->has_pwc ? walk_pwc_probe(m, va, ctr, &table, &perm, &cycles, &pk) : m->cfg.levels;
	for (level = top;; level--) {
		uint64_t pte_pa = table + 8ull * pt_index(va, level), e;
		uint32_t lat;

		if (!pt_table_in_phys(m->phys, table)) {
			ec = MMU_FAULT_BADPHYS | PF_P | mmu_fault_bits(m, type);
			goto fault;
		}
		/* Start the host load of the entry while the cache model runs. */
		mmu_host_prefetch(mmu_phys_ptr(m->phys, pte_pa));
		lat = cache_access(m, pte_pa, &lvl);
		ctr[m->pte_ctr[lvl]]++;
		ctr[MMU_C_pte_reads_l5 + (5 - level)]++;
		ctr[MMU_C_cycles_walk] += lat;
		cycles += lat;
		e = mmu_phys_read64(m->phys, pte_pa);
		if (!(e & PTE_P)) {
			ec = mmu_fault_bits(m, type);
			goto fault;
		}
		if (rsvd_bits_fast(m, level, e)) {
			ec = PF_RSVD | PF_P | mmu_fault_bits(m, type);
			goto fault;
		}
		perm &= entry_perm(m, e);
		s[n++] = (struct walk_step){.pte_pa = pte_pa, .e = e, .perm = perm};
		if (pt_is_leaf(e, level))
			break;
		table = e & PTE_ADDR_MASK;
	}
	/* perm holds PERM_D, so the TLB-hit masks decide as mmu_perm_fault
	 * does (mmu.c invariant 3); only a refusal needs the error code. */
	if ((perm & (m->need[type] | m->forbid[type])) != m->need[type]) {
		ec = mmu_perm_fault(m, perm, type);
		if (ec)
			goto fault;
	}
	walk_commit(m, type, s, n, top, &pk);
	out->ps = pt_level_ps(level);
	out->pa = pt_leaf_addr(s[n - 1].e, out->ps);
	out->perm = (uint8_t)((perm & ~PERM_D) | ((s[n - 1].e & PTE_D) ? PERM_D : 0));
	out->global = (s[n - 1].e & PTE_G) != 0;
	out->cycles = cycles;
	ctr[MMU_C_walks_4k + out->ps]++;
	if (hs) {
		hs->walks++;
		hs->walk_cycles += cycles;
	}
	return 0;
fault:
	ctr[MMU_C_walks_faulted]++;
	if (hs) {
		hs->walks++;
		hs->walk_cycles += cycles;
	}
	return mmu_raise(m, va, type, region, pc, ec, fault);
}
