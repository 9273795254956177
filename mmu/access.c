/*
 * mmu/access.c — the hot path: mmu_access() translates and performs one
 * access, L1 TLB -> STLB -> (PWC) walk, then the data caches.
 *
 * The common case — an L1 TLB hit with sufficient rights on an access that
 * stays inside one page — is straight-line code over flat arrays.  Misses,
 * rights the cached entry cannot prove (a store through a clean entry, a
 * permission fault), page-crossing accesses and non-canonical VAs go out of
 * line.  On a fault the counters of the work done so far stay counted.
 */
#include "mmu_internal.h"

#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x)   __builtin_expect(!!(x), 1)

/* With one region (the common case) every VA is in region 0: no search. */
MMU_HOT unsigned region_of(const struct mmu *m, uint64_t va)
{
	return m->nr_regions > 1 ? mmu_region_of(m, va) : 0;
}
MMU_HOT uint8_t page_region(const struct mmu *m, uint64_t va, uint64_t bytes)
{
	return m->nr_regions > 1 ? mmu_region_of_page(m, va, bytes) : 0;
}

static unsigned ent_region(const struct mmu *m, const struct tlb_ent *e, uint64_t va)
{
	return e->region == REGION_MIXED ? mmu_region_of(m, va) : e->region;
}

/* Walk and fill the STLB and the L1 TLB; *region is va's region. */
MMU_HOT int walk_fill(struct mmu *m, uint64_t va, enum mmu_access_type type, uint64_t pc,
                      unsigned r, struct hs_entry *hs, struct tlb_ent *res, unsigned *region,
                      struct mmu_fault *fault)
{
	struct tlb_level *l1 = type == MMU_FETCH ? &m->itlb : &m->dtlb;
	struct walk_out w;
	int rc;

	mmu_forget_last(m);
	rc = mmu_walk(m, va, type, r, hs, pc, &w, fault);
	if (rc < 0)
		return rc;
	res->pa = w.pa;
	res->perm = w.perm;
	res->ps = (uint8_t)w.ps;
	res->leaf_ps = (uint8_t)w.ps;
	res->global = w.global;
	res->region = page_region(m, va & ~(mmu_page_bytes(w.ps) - 1), mmu_page_bytes(w.ps));
	tlb_fill(&m->stlb, va, m->pcid, w.global, res);
	tlb_fill(l1, va, m->pcid, w.global, res);
	*region = r;
	return 0;
}

/* A cached entry whose rights do not allow the access: a store through a
 * clean entry (a dirty assist) or a permission fault.  Drop va's entries
 * and walk again, as hardware does before raising #PF. */
static __attribute__((noinline)) int rewalk(struct mmu *m, uint64_t va, enum mmu_access_type type,
                                            uint64_t pc, unsigned perm, struct tlb_ent *res,
                                            unsigned *region, struct mmu_fault *fault)
{
	unsigned r = mmu_region_of(m, va);

	if (type == MMU_STORE && !(perm & PERM_D) && mmu_perm_ok(m, perm | PERM_D, type))
		m->ctr[r][MMU_C_dirty_assists]++;
	mmu_forget_last(m);
	tlb_invlpg(type == MMU_FETCH ? &m->itlb : &m->dtlb, va, m->pcid);
	tlb_invlpg(&m->stlb, va, m->pcid);
	return walk_fill(m, va, type, pc, r, mmu_hs_get(m, pc), res, region, fault);
}

/* An L1 TLB miss: the STLB, then a walk.  Inline: every caller is already
 * off mmu_access's repeat-hit path, and the call cost 25 instructions. */
MMU_HOT int translate_miss(struct mmu *m, uint64_t va, enum mmu_access_type type, uint64_t pc,
                           struct tlb_ent *res, unsigned *region, struct mmu_fault *fault)
{
	struct tlb_level *l1 = type == MMU_FETCH ? &m->itlb : &m->dtlb;
	struct tlb_ent *e;
	struct hs_entry *hs;
	unsigned r;

	r = region_of(m, va);
	m->ctr[r][type == MMU_FETCH ? MMU_C_itlb_misses : MMU_C_dtlb_misses]++;
	hs = mmu_hs_get(m, pc);
	if (hs) {
		if (type == MMU_FETCH)
			hs->itlb_misses++;
		else
			hs->dtlb_misses++;
	}
	e = tlb_lookup(&m->stlb, va, m->pcid);
	if (!e) {
		m->ctr[r][MMU_C_stlb_misses]++;
		/* The walk counts in the entry found above; a PC without one
		 * counts a second drop, as a second lookup would. */
		if (!hs)
			m->hs_dropped++;
		return walk_fill(m, va, type, pc, r, hs, res, region, fault);
	}
	m->ctr[r][MMU_C_stlb_hits_4k + e->ps]++;
	m->ctr[r][MMU_C_cycles_stlb] += m->cfg.stlb_latency;
	if (!mmu_perm_ok(m, e->perm, type))
		return rewalk(m, va, type, pc, e->perm, res, region, fault);
	*res = *e;
	mmu_forget_last(m);
	tlb_fill(l1, va, m->pcid, e->global, res);
	*region = r;
	return 0;
}

/* Which part of an access access_page performs: the whole access, or the
 * first or second page of one that crosses a page (access_split counts
 * that access once in page_splits and line_splits). */
enum access_part { PART_WHOLE, PART_FIRST, PART_SECOND };

/* The data caches for [pa, pa + size), all inside one page. */
MMU_HOT void data_access(struct mmu *m, uint64_t *ctr, uint64_t pa, uint32_t size,
                         enum access_part part)
{
	uint64_t line = pa >> 6, last = (pa + size - 1) >> 6;

	if (unlikely(last != line) && part == PART_WHOLE)
		ctr[MMU_C_line_splits]++;
	for (;; line++) {
		unsigned lvl;
		uint32_t lat = cache_access(m, line << 6, &lvl);

		ctr[m->data_ctr[lvl]]++;
		ctr[MMU_C_cycles_mem] += lat - m->l1d_latency;
		if (line == last)
			break;
	}
}

/* Translate va (TLB hit, or the slow paths); *ep points at the entry used. */
MMU_HOT int translate_page(struct mmu *m, uint64_t va, enum mmu_access_type type, uint64_t pc,
                           struct tlb_ent **ep, struct tlb_ent *tmp, unsigned *r,
                           struct mmu_fault *fault)
{
	struct mmu_last *last = &m->last[type != MMU_FETCH];
	struct tlb_ent *e;
	int rc;

	if ((va & last->mask) == last->base) {
		e = last->e;
	} else {
		e = tlb_lookup(type == MMU_FETCH ? &m->itlb : &m->dtlb, va, m->pcid);
		if (e) {
			if (type == MMU_FETCH) {
				if (m->fast.ipage != ~0ull)
					mmu_fast_disarm_fetch(m);
			} else if (m->fast.dline != ~0ull) {
				mmu_fast_disarm_data(m);
			}
			last->mask = ~(mmu_page_bytes((enum mmu_page_size)e->ps) - 1);
			last->base = va & last->mask;
			last->e = e;
		}
	}
	if (likely(e)) {
		*r = ent_region(m, e, va);
		m->ctr[*r][(type == MMU_FETCH ? MMU_C_itlb_hits_4k : MMU_C_dtlb_hits_4k) + e->ps]++;
		if (unlikely(!mmu_perm_ok(m, e->perm, type))) {
			rc = rewalk(m, va, type, pc, e->perm, tmp, r, fault);
			if (rc < 0)
				return rc;
			e = tmp;
		}
	} else {
		rc = translate_miss(m, va, type, pc, tmp, r, fault);
		if (rc < 0)
			return rc;
		e = tmp;
	}
	*ep = e;
	return 0;
}

MMU_HOT uint64_t ent_pa(const struct tlb_ent *e, uint64_t va)
{
	return e->pa | (va & (mmu_page_bytes((enum mmu_page_size)e->ps) - 1));
}

/* One access inside one page; the fetches/loads/stores counter counts it
 * unless it is the second part of a split one. */
MMU_HOT int access_page(struct mmu *m, uint64_t va, uint32_t size, enum mmu_access_type type,
                        uint64_t pc, struct mmu_fault *fault, enum access_part part)
{
	struct tlb_ent *e, tmp;
	uint64_t *ctr;
	unsigned r;
	int rc = translate_page(m, va, type, pc, &e, &tmp, &r, fault);

	if (unlikely(rc < 0))
		return rc;
	ctr = m->ctr[r];
	ctr[MMU_C_fetches + type] += part != PART_SECOND;
	if (type != MMU_FETCH)
		data_access(m, ctr, ent_pa(e, va), size, part);
	return 0;
}

static __attribute__((noinline)) int access_split(struct mmu *m, uint64_t va, uint32_t size,
                                                  enum mmu_access_type type, uint64_t pc,
                                                  struct mmu_fault *fault)
{
	uint32_t first = 4096 - (uint32_t)(va & 4095);
	unsigned r;
	int rc;

	if (size == 0 || size > 4096 || (unsigned)type > MMU_STORE)
		return VMEMSIM_EINVAL;
	if (!pt_va_canonical(va, m->cfg.levels))
		return mmu_raise(m, va, type, 0, pc,
		                 MMU_FAULT_NONCANONICAL | mmu_fault_bits(m, type), fault);
	rc = access_page(m, va, first, type, pc, fault, PART_FIRST);
	if (rc < 0)
		return rc;
	r = mmu_region_of(m, va);
	m->ctr[r][MMU_C_page_splits]++;
	m->ctr[r][MMU_C_line_splits] += type != MMU_FETCH; /* a page end is a line end */
	if (!pt_va_canonical(va + first, m->cfg.levels))
		return mmu_raise(m, va + first, type, 0, pc,
		                 MMU_FAULT_NONCANONICAL | mmu_fault_bits(m, type), fault);
	return access_page(m, va + first, size - first, type, pc, fault, PART_SECOND);
}

/* An access inside one page (size and type already checked) that is not a
 * repeat hit: any TLB or cache level, or a fault. */
MMU_HOT int access_one(struct mmu *m, uint64_t va, uint32_t size, enum mmu_access_type type,
                       uint64_t pc, struct mmu_fault *fault)
{
	if (unlikely((uint64_t)((int64_t)(va << m->va_shift) >> m->va_shift) != va))
		return mmu_raise(m, va, type, 0, pc,
		                 MMU_FAULT_NONCANONICAL | mmu_fault_bits(m, type), fault);
	return access_page(m, va, size, type, pc, fault, PART_WHOLE);
}

/* access_one compiled once per kind: a data access cannot be a fetch, so
 * the ITLB/DTLB choices fold away and the copy is smaller and faster. */
static __attribute__((noinline)) int access_one_data(struct mmu *m, uint64_t va, uint32_t size,
                                                     enum mmu_access_type type, uint64_t pc,
                                                     struct mmu_fault *fault)
{
	if (type == MMU_FETCH)
		__builtin_unreachable();
	return access_one(m, va, size, type, pc, fault);
}

static __attribute__((noinline)) int access_one_fetch(struct mmu *m, uint64_t va, uint32_t size,
                                                      uint64_t pc, struct mmu_fault *fault)
{
	return access_one(m, va, size, MMU_FETCH, pc, fault);
}

/* A repeat TLB hit whose data is not in the last line: what access_one
 * would do after finding last->e (which the caller checked: same page,
 * rights, one region), without translating again. */
static __attribute__((noinline)) int access_data(struct mmu *m, uint64_t *ctr,
                                                 const struct tlb_ent *e, uint64_t va, uint64_t pa,
                                                 uint32_t size, enum mmu_access_type type)
{
	ctr[MMU_C_dtlb_hits_4k + e->ps]++;
	ctr[MMU_C_fetches + type]++;
	data_access(m, ctr, pa, size, PART_WHOLE);
	if ((pa >> 6) == m->last_line && ((pa + size - 1) >> 6) == m->last_line)
		mmu_fast_arm_data(m, va, e);
	return 0;
}

/*
 * The repeat hit, kept a small leaf function: the access stays in the page
 * of the entry the last lookup of its TLB found (so va is canonical) and,
 * for data, in the line the last cache access touched.  It counts exactly
 * what access_one would: an L1 TLB hit, the access, and a hit in the first
 * cache level at that level's latency.  A data access in that page but
 * another line skips the translation too (access_data).  Both arm mmu.h's
 * inline repeat hit (fast.c), which then takes the following accesses to
 * that line or page without calling in here.
 */
int mmu_access_full(struct mmu *m, uint64_t va, uint32_t size, enum mmu_access_type type,
                    uint64_t pc, struct mmu_fault *fault)
{
	const struct mmu_last *last;
	const struct tlb_ent *e;
	uint64_t *ctr, pa;

	if (unlikely((unsigned)type > MMU_STORE || size - 1 >= 4096 - (va & 4095)))
		return access_split(m, va, size, type, pc, fault); /* also: bad size or type */
	last = &m->last[type != MMU_FETCH];
	e = last->e;
	if (unlikely((va & last->mask) != last->base || !mmu_perm_ok(m, e->perm, type) ||
	             e->region == REGION_MIXED))
		return type == MMU_FETCH ? access_one_fetch(m, va, size, pc, fault)
		                         : access_one_data(m, va, size, type, pc, fault);
	ctr = m->ctr[e->region];
	if (type == MMU_FETCH) {
		ctr[MMU_C_itlb_hits_4k + e->ps]++;
		ctr[MMU_C_fetches]++;
		mmu_fast_arm_fetch(m, va, e);
		return 0;
	}
	pa = ent_pa(e, va);
	if (unlikely((pa >> 6) != m->last_line || ((pa + size - 1) >> 6) != m->last_line))
		return access_data(m, ctr, e, va, pa, size, type);
	ctr[MMU_C_dtlb_hits_4k + e->ps]++;
	ctr[MMU_C_fetches + type]++;
	ctr[MMU_C_l1d_hits + m->cache[0].kind]++;
	ctr[MMU_C_cycles_mem] += m->cache[0].latency - m->l1d_latency;
	mmu_fast_arm_data(m, va, e);
	return 0;
}

void mmu_retire(struct mmu *m, uint64_t pc, uint64_t instructions)
{
	if ((pc >> 12) != m->retire_page) {
		m->retire_page = pc >> 12;
		m->retire_region = mmu_region_of(m, pc);
	}
	m->ctr[m->retire_region][MMU_C_instructions] += instructions;
}

int mmu_translate(struct mmu *m, uint64_t va, enum mmu_access_type type, uint64_t pc, uint64_t *pa,
                  struct mmu_fault *fault)
{
	struct tlb_ent *e, tmp;
	unsigned r;
	int rc;

	if ((unsigned)type > MMU_STORE)
		return VMEMSIM_EINVAL;
	if (!pt_va_canonical(va, m->cfg.levels))
		return mmu_raise(m, va, type, 0, pc,
		                 MMU_FAULT_NONCANONICAL | mmu_fault_bits(m, type), fault);
	rc = translate_page(m, va, type, pc, &e, &tmp, &r, fault);
	if (rc < 0)
		return rc;
	*pa = ent_pa(e, va);
	return 0;
}
