/*
 * mmu/prefetch.c — host-memory prefetch hints and the batched access.
 *
 * A walk over a large footprint waits on two dependent host cache misses:
 * the guest page-table entry and the cache model's set for the line it
 * then looks up.  Nothing inside one access can overlap them, so the hints
 * start them a few accesses early.  A hint reads guest page tables (the
 * upper levels are small and host-cache resident) and issues prefetches; it
 * writes nothing, counts nothing and takes no replacement decision, so a
 * run with hints gives exactly the counters of a run without.
 */
#include "mmu_internal.h"

/* Records between the two stages of the batch pipeline and the access. */
#define PF_DIST_PTE  12 /* stage 0: the leaf entry's host line and its model sets */
#define PF_DIST_DATA 6  /* stage 1: the leaf entry read, the data line's model sets */
/* The batch hints only while walks are frequent: checked per window of
 * records, which runs on across calls (m->pf), so a stream of L1 hits in
 * batches pays no window of hints per batch and small batches still decide. */
#define PF_WINDOW    256
#define PF_MIN_WALKS 16 /* walks per window below which hints cost more than they save */

void cache_prefetch_line(const struct mmu *m, uint64_t line)
{
	unsigned i;

	for (i = 0; i < m->nr_caches; i++) {
		const struct sa *sa = &m->cache[i].sa;
		uint32_t set = sa_set(sa, line);
		const uint64_t *t = sa->tag + (size_t)set * sa->ways;

		mmu_host_prefetch(sa_sig_row(sa, set));
		mmu_host_prefetch(t);
		mmu_host_prefetch(t + sa->ways - 1);
	}
}

/* The host address of va's leaf entry and the entry, read without side
 * effects; false when the walk would stop early (not present, a table
 * outside guest memory) — the hint then does nothing. */
static bool peek_leaf(const struct mmu *m, uint64_t va, uint64_t *pte_pa, unsigned *level,
                      bool read_leaf, uint64_t *leaf)
{
	uint64_t table = m->root, e;
	unsigned l;

	for (l = m->cfg.levels;; l--) {
		if (!pt_table_in_phys(m->phys, table))
			return false;
		*pte_pa = table + 8ull * pt_index(va, l);
		*level = l;
		if (l == 1 && !read_leaf)
			return true;
		e = mmu_phys_read64(m->phys, *pte_pa);
		if (!(e & PTE_P))
			return false;
		if (pt_is_leaf(e, l)) {
			if (!read_leaf)
				return true; /* a large page: its entry is read like any PTE */
			*leaf = e;
			return true;
		}
		table = e & PTE_ADDR_MASK;
	}
}

void mmu_prefetch(const struct mmu *m, uint64_t va, enum mmu_access_type type, bool data)
{
	uint64_t pte_pa, leaf = 0;
	unsigned level;

	if ((unsigned)type > MMU_STORE || !pt_va_canonical(va, m->cfg.levels) ||
	    !peek_leaf(m, va, &pte_pa, &level, data, &leaf))
		return;
	if (!data) {
		mmu_host_prefetch(mmu_phys_ptr(m->phys, pte_pa));
		cache_prefetch_line(m, pte_pa >> 6);
		return;
	}
	if (type != MMU_FETCH) {
		enum mmu_page_size ps = pt_level_ps(level);
		uint64_t pa = pt_leaf_addr(leaf, ps) | (va & (mmu_page_bytes(ps) - 1));
		cache_prefetch_line(m, pa >> 6);
	}
}

static uint64_t walks_total(const struct mmu *m)
{
	uint64_t w = 0;
	unsigned r;

	for (r = 0; r < m->nr_regions; r++)
		w += m->ctr[r][MMU_C_walks];
	return w;
}

/* recs[i..end) with hints for the records PF_DIST_* ahead (of n). */
static __attribute__((noinline)) int batch_hinted(struct mmu *m, const struct mmu_access_rec *recs,
                                                  size_t n, size_t end, size_t *ip,
                                                  struct mmu_fault *fault)
{
	size_t i;
	int rc = 0;

	for (i = *ip; i < end; i++) {
		const struct mmu_access_rec *r = &recs[i];

		if (i + PF_DIST_PTE < n)
			mmu_prefetch(m, recs[i + PF_DIST_PTE].va,
			             (enum mmu_access_type)recs[i + PF_DIST_PTE].type, false);
		if (i + PF_DIST_DATA < n)
			mmu_prefetch(m, recs[i + PF_DIST_DATA].va,
			             (enum mmu_access_type)recs[i + PF_DIST_DATA].type, true);
		rc = mmu_access(m, r->va, r->size, (enum mmu_access_type)r->type, r->pc, fault);
		if (rc < 0)
			break;
	}
	*ip = i;
	return rc;
}

/* recs[i..end) as plain calls: the loop of a stream that rarely walks. */
static int batch_plain(struct mmu *m, const struct mmu_access_rec *recs, size_t end, size_t *ip,
                       struct mmu_fault *fault)
{
	size_t i;
	int rc = 0;

	for (i = *ip; i < end; i++) {
		const struct mmu_access_rec *r = &recs[i];

		rc = mmu_access(m, r->va, r->size, (enum mmu_access_type)r->type, r->pc, fault);
		if (rc < 0)
			break;
	}
	*ip = i;
	return rc;
}

/* Window by window (they run on across calls), hinted or plain. */
int mmu_access_batch(struct mmu *m, const struct mmu_access_rec *recs, size_t n, size_t *done,
                     struct mmu_fault *fault)
{
	size_t i = 0;
	int rc = 0;

	while (i < n && rc >= 0) {
		size_t start = i, end = i + (PF_WINDOW - m->pf.seen);

		if (end > n)
			end = n;
		rc = m->pf.on ? batch_hinted(m, recs, n, end, &i, fault)
		              : batch_plain(m, recs, end, &i, fault);
		m->pf.seen += (uint32_t)(i - start);
		if (m->pf.seen >= PF_WINDOW) {
			uint64_t w = walks_total(m);
			/* w < walks: the counters were reset during the window */
			m->pf.on = w >= m->pf.walks && w - m->pf.walks >= PF_MIN_WALKS;
			m->pf.walks = w;
			m->pf.seen = 0;
		}
	}
	if (done)
		*done = i;
	return rc < 0 ? rc : 0;
}
