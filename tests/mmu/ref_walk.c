/*
 * tests/mmu/ref_walk.c — the reference model's access path: rights and
 * faults (docs/model.md's table), the page walk over the guest's tables
 * (PWCs probed from the PDE cache up, entries read through the data caches,
 * A/D bits written back), and translation and access through L1 TLB, STLB
 * and walk.  The policy choices are listed in ref_model.h.
 */
#include <string.h>

#include "ref_internal.h"

/* ---- rights and faults (docs/model.md's table) ------------------------------- */

static uint32_t fault_bits(const struct ref_mmu *r, enum mmu_access_type type)
{
	return (type == MMU_STORE ? PF_W : 0) | (r->cpl == 3 ? PF_U : 0) |
	       (type == MMU_FETCH && (r->cfg.efer_nxe || r->cfg.cr4_smep) ? PF_I : 0);
}

static uint32_t rights_fault(const struct ref_mmu *r, unsigned rights, enum mmu_access_type type)
{
	bool u = rights & R_U, w = rights & R_W, x = rights & R_X, bad;

	if (r->cpl == 3)
		bad = !u || (type == MMU_STORE && !w) || (type == MMU_FETCH && !x);
	else if (type == MMU_FETCH)
		bad = !x || (r->cfg.cr4_smep && u);
	else
		bad = (r->cfg.cr4_smap && u) || (type == MMU_STORE && r->cfg.cr0_wp && !w);
	return bad ? PF_P | fault_bits(r, type) : 0;
}

static uint64_t bits(unsigned lo, unsigned hi) /* bits lo..hi inclusive */
{
	return ((hi == 63 ? 0 : 1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
}

static bool reserved(const struct ref_mmu *r, unsigned level, uint64_t e)
{
	uint64_t rsvd = bits(r->cfg.maxphyaddr, 51) | (r->cfg.efer_nxe ? 0 : PTE_NX);

	if (level >= 4)
		rsvd |= PTE_PS;
	if (level == 3 && (e & PTE_PS))
		rsvd |= bits(13, 29);
	if (level == 2 && (e & PTE_PS))
		rsvd |= bits(13, 20);
	return (e & rsvd) != 0;
}

static bool is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}

static bool table_in_phys(const struct ref_mmu *r, uint64_t table)
{
	return table < r->phys->size && r->phys->size - table >= 4096;
}

static uint64_t entry_pa(uint64_t table, uint64_t va, unsigned level)
{
	return table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
}

/* Count the fault and report the entries from the root to the failing one,
 * read with no side effects. */
static int raise_fault(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                       uint64_t pc, uint32_t ec, struct mmu_fault *f)
{
	uint64_t table = r->root;
	unsigned level;

	r->ctr[reg][MMU_C_faults]++;
	if (!f)
		return VMEMSIM_EFAULT;
	memset(f, 0, sizeof(*f));
	f->va = va;
	f->pc = pc;
	f->error_code = ec;
	f->type = type;
	for (level = r->cfg.levels; !(ec & MMU_FAULT_NONCANONICAL) && level >= 1; level--) {
		uint64_t pte_pa = entry_pa(table, va, level), e;
		if (!table_in_phys(r, table))
			break;
		e = mmu_phys_read64(r->phys, pte_pa);
		f->steps[f->nr_steps].level = (enum mmu_level)level;
		f->steps[f->nr_steps].pte_pa = pte_pa;
		f->steps[f->nr_steps++].pte = e;
		if (!(e & PTE_P) || reserved(r, level, e) || is_leaf(e, level))
			break;
		table = e & PTE_ADDR_MASK;
	}
	return VMEMSIM_EFAULT;
}

/* ---- the walk ------------------------------------------------------------------ */

struct step {
	uint64_t pte_pa, e;
	unsigned rights; /* combined down to this entry */
};

/* The deepest PWC hit: the level to read first, its table and rights. */
static unsigned pwc_probe(struct ref_mmu *r, uint64_t va, uint64_t *ctr, uint64_t *table,
                          unsigned *rights)
{
	unsigned l, k;

	for (l = MMU_LEVEL_PD; l <= r->cfg.levels; l++) {
		struct arr *a = &r->pwc[l];
		uint64_t key = (va & VA57) >> (12 + 9 * (l - 1));
		struct way *set;
		if (!r->pwc_present[l])
			continue;
		set = ref_arr_set(a, key);
		for (k = 0; k < a->ways; k++) {
			if (set[k].valid && set[k].key == key && set[k].pcid == r->pcid) {
				ref_arr_touch(a, &set[k]);
				ctr[MMU_C_pwc_hits_pml5e + (5 - l)]++;
				*table = set[k].val;
				*rights = set[k].rights;
				return l - 1;
			}
		}
	}
	ctr[MMU_C_pwc_misses]++;
	return r->cfg.levels;
}

/* A/D bits into guest memory and PWC fills for the non-leaf entries read. */
static void walk_commit(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, struct step *s,
                        unsigned n, unsigned top)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned level = top - i;
		uint64_t e = s[i].e | PTE_A | (i == n - 1 && type == MMU_STORE ? PTE_D : 0);
		if (e != s[i].e)
			mmu_phys_write64(r->phys, s[i].pte_pa, e);
		s[i].e = e;
		if (i < n - 1 && r->pwc_present[level]) {
			uint64_t key = (va & VA57) >> (12 + 9 * (level - 1));
			struct way *w = ref_arr_fill(&r->pwc[level], key, key);
			w->pcid = r->pcid;
			w->val = e & PTE_ADDR_MASK;
			w->rights = (uint8_t)s[i].rights;
		}
	}
}

static int walk(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                uint64_t pc, struct xl *out, struct mmu_fault *fault)
{
	uint64_t *ctr = r->ctr[reg], table = r->root, cycles = 0, lat;
	unsigned rights = R_W | R_U | R_X, top = r->cfg.levels, level, n = 0, lvl;
	struct mmu_hotspot *hs = ref_hs_get(r, pc);
	struct step s[5];
	uint32_t ec;

	ctr[MMU_C_walks]++;
	if (r->has_pwc) {
		ctr[MMU_C_cycles_pwc] += r->cfg.pwc_latency;
		cycles += r->cfg.pwc_latency;
		top = pwc_probe(r, va, ctr, &table, &rights);
	}
	for (level = top;; level--) {
		uint64_t pte_pa = entry_pa(table, va, level), e;
		if (!table_in_phys(r, table)) {
			ec = MMU_FAULT_BADPHYS | PF_P | fault_bits(r, type);
			goto fault;
		}
		lvl = ref_cache_access(r, pte_pa, &lat);
		ctr[ref_cache_ctr(r, lvl, MMU_C_pte_l1d_hits, MMU_C_pte_dram)]++;
		ctr[MMU_C_pte_reads_l5 + (5 - level)]++;
		ctr[MMU_C_cycles_walk] += lat;
		cycles += lat;
		e = mmu_phys_read64(r->phys, pte_pa);
		if (!(e & PTE_P)) {
			ec = fault_bits(r, type);
			goto fault;
		}
		if (reserved(r, level, e)) {
			ec = PF_RSVD | PF_P | fault_bits(r, type);
			goto fault;
		}
		rights &= ((e & PTE_RW) ? R_W : 0) | ((e & PTE_US) ? R_U : 0) |
		          (r->cfg.efer_nxe && (e & PTE_NX) ? 0 : R_X);
		s[n++] = (struct step){pte_pa, e, rights};
		if (is_leaf(e, level))
			break;
		table = e & PTE_ADDR_MASK;
	}
	ec = rights_fault(r, rights, type);
	if (ec)
		goto fault;
	walk_commit(r, va, type, s, n, top);
	out->ps = (uint8_t)(level - 1);
	out->leaf_ps = out->ps;
	out->pa = s[n - 1].e & PTE_ADDR_MASK & ~(mmu_page_bytes((enum mmu_page_size)out->ps) - 1);
	out->rights = (uint8_t)rights;
	out->dirty = (s[n - 1].e & PTE_D) != 0;
	out->global = (s[n - 1].e & PTE_G) != 0;
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
	return raise_fault(r, va, type, reg, pc, ec, fault);
}

/* ---- translation and access ---------------------------------------------------- */

static bool allowed(const struct ref_mmu *r, const struct xl *x, enum mmu_access_type type)
{
	return !rights_fault(r, x->rights, type) && (type != MMU_STORE || x->dirty);
}

static struct xl way_xl(const struct way *w)
{
	return (struct xl){.pa = w->val,
	                   .ps = w->ps,
	                   .rights = w->rights,
	                   .dirty = w->dirty,
	                   .global = w->global,
	                   .leaf_ps = w->leaf_ps};
}

static int walk_fill(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                     uint64_t pc, struct xl *x, struct mmu_fault *fault)
{
	int rc = walk(r, va, type, reg, pc, x, fault);

	if (rc < 0)
		return rc;
	ref_tlb_fill(&r->stlb, va, r->pcid, x);
	ref_tlb_fill(type == MMU_FETCH ? &r->itlb : &r->dtlb, va, r->pcid, x);
	return 0;
}

/* A cached translation that does not allow the access: drop the page's
 * entries and walk again (a store through a clean entry is a dirty assist). */
static int rewalk(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, unsigned reg,
                  uint64_t pc, struct xl *x, struct mmu_fault *fault)
{
	if (type == MMU_STORE && !x->dirty && !rights_fault(r, x->rights, type))
		r->ctr[reg][MMU_C_dirty_assists]++;
	ref_tlb_drop_page(type == MMU_FETCH ? &r->itlb : &r->dtlb, va, r->pcid);
	ref_tlb_drop_page(&r->stlb, va, r->pcid);
	return walk_fill(r, va, type, reg, pc, x, fault);
}

/* L1 TLB, STLB, walk.  OUT: *x, *reg (va's region). */
static int translate(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, uint64_t pc,
                     struct xl *x, unsigned *reg, struct mmu_fault *fault)
{
	bool fetch = type == MMU_FETCH;
	uint64_t *ctr = r->ctr[ *reg = ref_region_of(r, va)];
	struct tlb *l1 = fetch ? &r->itlb : &r->dtlb;
	struct way *w = ref_tlb_lookup(l1, va, r->pcid);
	struct mmu_hotspot *hs;

	if (w) {
		ctr[(fetch ? MMU_C_itlb_hits_4k : MMU_C_dtlb_hits_4k) + w->ps]++;
		*x = way_xl(w);
		return allowed(r, x, type) ? 0 : rewalk(r, va, type, *reg, pc, x, fault);
	}
	ctr[fetch ? MMU_C_itlb_misses : MMU_C_dtlb_misses]++;
	hs = ref_hs_get(r, pc);
	if (hs && fetch)
		hs->itlb_misses++;
	else if (hs)
		hs->dtlb_misses++;
	w = ref_tlb_lookup(&r->stlb, va, r->pcid);
	if (!w) {
		ctr[MMU_C_stlb_misses]++;
		return walk_fill(r, va, type, *reg, pc, x, fault);
	}
	ctr[MMU_C_stlb_hits_4k + w->ps]++;
	ctr[MMU_C_cycles_stlb] += r->cfg.stlb_latency;
	*x = way_xl(w);
	if (!allowed(r, x, type))
		return rewalk(r, va, type, *reg, pc, x, fault);
	ref_tlb_fill(l1, va, r->pcid, x);
	return 0;
}

static uint64_t xl_pa(const struct xl *x, uint64_t va)
{
	return x->pa | (va & (mmu_page_bytes((enum mmu_page_size)x->ps) - 1));
}

/* One page's part [va, va + size) of an access of `whole` bytes at `first`. */
static int access_part(struct ref_mmu *r, uint64_t va, uint32_t size, enum mmu_access_type type,
                       uint64_t pc, struct mmu_fault *fault, uint64_t first, uint32_t whole)
{
	uint64_t pa, line, lat, *ctr;
	struct xl x;
	unsigned reg, lvl;
	int rc = translate(r, va, type, pc, &x, &reg, fault);

	if (rc < 0)
		return rc;
	ctr = r->ctr[reg];
	if (va == first)
		ctr[MMU_C_fetches + type]++;
	if (type == MMU_FETCH)
		return 0;
	pa = xl_pa(&x, va);
	if (va == first && (va >> 6) != ((va + whole - 1) >> 6))
		ctr[MMU_C_line_splits]++;
	for (line = pa >> 6; line <= (pa + size - 1) >> 6; line++) {
		lvl = ref_cache_access(r, line << 6, &lat);
		ctr[ref_cache_ctr(r, lvl, MMU_C_l1d_hits, MMU_C_dram_accesses)]++;
		ctr[MMU_C_cycles_mem] += lat - r->l1d_latency;
	}
	return 0;
}

static bool canonical(const struct ref_mmu *r, uint64_t va)
{
	unsigned sh = r->cfg.levels == 5 ? 7 : 16;

	return (uint64_t)((int64_t)(va << sh) >> sh) == va;
}

int ref_access(struct ref_mmu *r, uint64_t va, uint32_t size, enum mmu_access_type type,
               uint64_t pc, struct mmu_fault *fault)
{
	uint32_t first = 4096 - (uint32_t)(va & 4095);
	int rc;

	if ((unsigned)type > MMU_STORE || size == 0 || size > 4096)
		return VMEMSIM_EINVAL;
	if (!canonical(r, va))
		return raise_fault(r, va, type, ref_region_of(r, va), pc,
		                   MMU_FAULT_NONCANONICAL | fault_bits(r, type), fault);
	if (size <= first)
		return access_part(r, va, size, type, pc, fault, va, size);
	rc = access_part(r, va, first, type, pc, fault, va, size);
	if (rc < 0)
		return rc;
	r->ctr[ref_region_of(r, va)][MMU_C_page_splits]++;
	if (!canonical(r, va + first))
		return raise_fault(r, va + first, type, ref_region_of(r, va + first), pc,
		                   MMU_FAULT_NONCANONICAL | fault_bits(r, type), fault);
	return access_part(r, va + first, size - first, type, pc, fault, va, size);
}

int ref_translate(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, uint64_t pc,
                  uint64_t *pa, struct mmu_fault *fault)
{
	struct xl x;
	unsigned reg;
	int rc;

	if ((unsigned)type > MMU_STORE)
		return VMEMSIM_EINVAL;
	if (!canonical(r, va))
		return raise_fault(r, va, type, ref_region_of(r, va), pc,
		                   MMU_FAULT_NONCANONICAL | fault_bits(r, type), fault);
	rc = translate(r, va, type, pc, &x, &reg, fault);
	if (rc < 0)
		return rc;
	*pa = xl_pa(&x, va);
	return 0;
}
