/*
 * workloads/guest/wl_pfn.c — the pfn workloads of seed 000: a linear scan
 * with pfn_valid, random pfn_to_page, page_to_pfn on random pages, and the
 * TLB-reach pointer chase through struct pages.
 *
 * Every workload draws from wl_params.seed in setup and from seed ^ 1 in the
 * measure phase, exactly as the host references (workloads/ref_*.c) do.
 */
#include "guest.h"

#define MEASURE_SEED(s) ((s) ^ 1)

static void wl_done(uint64_t cs, uint64_t ops, uint64_t count)
{
	wl_result.checksum = cs;
	wl_result.ops = ops;
	wl_result.count = count;
}

/* arg0 start_pfn, arg1 nr_pfns.  Like isolate_migratepages(): every pfn is
 * checked with pfn_valid, the valid ones are looked up and their flags read. */
int wl_pfn_scan(int phase)
{
	unsigned long pfn = wl_params.arg[0], end = pfn + wl_params.arg[1];
	uint64_t cs = WL_CHECKSUM_INIT, valid = 0;

	if (phase == WL_PHASE_SETUP)
		return 0;
	for (; pfn < end; pfn++) {
		if (!pfn_valid(pfn))
			continue;
		const struct page *page = pfn_to_page(pfn);
		cs = wl_mix(cs, (uint64_t)page ^ page->flags);
		valid++;
	}
	wl_done(cs, valid, valid);
	return 0;
}

/* arg0 iterations, arg1 write, arg2 touch, arg3 pool.  A random RAM pfn,
 * pfn_to_page, read flags (touch) and with write bump _refcount (writable
 * pages only, outside the HVO pool, unless pool=1).  touch=0 isolates the lookup: vmemmap's is then
 * pure arithmetic, classic sparse's still reads mem_section. */
int wl_random_touch(int phase)
{
	uint64_t n = wl_params.arg[0], write = wl_params.arg[1], touch = wl_params.arg[2];
	uint64_t pool = wl_params.arg[3];
	uint64_t s = MEASURE_SEED(wl_params.seed), cs = WL_CHECKSUM_INIT;

	if (phase == WL_PHASE_SETUP)
		return 0;
	if (write && !touch)
		return wl_fail(WL_ERR_ARG, 2, touch);
	uint64_t total = wl_pick_init(write && !pool ? WL_PICK_WRITABLE : WL_PICK_RAM);
	if (!total)
		return wl_fail(WL_ERR_NO_RANGE, 0, 0);
	for (uint64_t i = 0; i < n; i++) {
		unsigned long pfn = wl_pick_rank(wl_rand_below(&s, total));
		struct page *page = pfn_to_page(pfn);
		cs = wl_mix(cs, (uint64_t)page ^ (touch ? page->flags : 0));
		if (write)
			page->_refcount++;
	}
	wl_done(cs, n, n);
	return 0;
}

/* arg0 iterations, arg1 pages.  Setup fills an array of `pages` random
 * struct page pointers (scratch); measure calls page_to_pfn on random
 * entries of it. */
int wl_page_to_pfn(int phase)
{
	uint64_t n = wl_params.arg[0], npages = wl_params.arg[1];
	struct page **pages = wl_scratch(npages * sizeof(*pages));
	uint64_t cs = WL_CHECKSUM_INIT;

	if (!pages)
		return WL_ERR_SCRATCH;
	if (npages == 0)
		return wl_fail(WL_ERR_ARG, 1, npages);
	if (phase == WL_PHASE_SETUP) {
		uint64_t s = wl_params.seed;
		uint64_t total = wl_pick_init(WL_PICK_RAM);
		if (!total)
			return wl_fail(WL_ERR_NO_RANGE, 0, 0);
		for (uint64_t j = 0; j < npages; j++)
			pages[j] = pfn_to_page(wl_pick_rank(wl_rand_below(&s, total)));
		return 0;
	}
	uint64_t s = MEASURE_SEED(wl_params.seed);
	for (uint64_t i = 0; i < n; i++)
		cs = wl_mix(cs, page_to_pfn(pages[wl_rand_below(&s, npages)]));
	wl_done(cs, n, npages);
	return 0;
}

/* ---- TLB-reach pointer chase ---------------------------------------------- */

static struct page *chase_head;

/* Node j sits at writable pfn rank j*stride (+ j%64 when stride >= 64, so
 * consecutive nodes use different cache lines of their memmap pages). */
static unsigned long chase_pfn(uint64_t j, uint64_t stride)
{
	return wl_pick_rank(j * stride + (stride >= 64 ? j % 64 : 0));
}

/* arg0 nodes, arg1 stride (pfns between nodes), arg2 hops.  Setup shuffles
 * the nodes (Fisher-Yates in scratch) and links them into one cycle through
 * page->lru.next; measure follows hops links. */
int wl_chase(int phase)
{
	uint64_t nodes = wl_params.arg[0], stride = wl_params.arg[1], hops = wl_params.arg[2];

	if (nodes < 2)
		return wl_fail(WL_ERR_ARG, 0, nodes);
	if (stride == 0)
		return wl_fail(WL_ERR_ARG, 1, stride);
	if (phase == WL_PHASE_SETUP) {
		uint32_t *perm = wl_scratch(nodes * sizeof(*perm));
		uint64_t s = wl_params.seed;
		if (!perm)
			return WL_ERR_SCRATCH;
		if (wl_pick_init(WL_PICK_WRITABLE) < (nodes - 1) * stride + (stride >= 64 ? 64 : 1))
			return wl_fail(WL_ERR_ARG, 0, nodes);
		for (uint64_t j = 0; j < nodes; j++)
			perm[j] = (uint32_t)j;
		for (uint64_t j = nodes - 1; j > 0; j--) {
			uint64_t k = wl_rand_below(&s, j + 1);
			uint32_t t = perm[j];
			perm[j] = perm[k];
			perm[k] = t;
		}
		chase_head = pfn_to_page(chase_pfn(perm[0], stride));
		struct page *prev = chase_head;
		for (uint64_t j = 1; j <= nodes; j++) {
			struct page *next =
			    j < nodes ? pfn_to_page(chase_pfn(perm[j], stride)) : chase_head;
			prev->lru.next = (struct list_head *)next;
			prev = next;
		}
		return 0;
	}
	if (!chase_head)
		return wl_fail(WL_ERR_PHASE, 0, 0);
	const struct page *p = chase_head;
	uint64_t sum = 0;
	for (uint64_t h = 0; h < hops; h++) {
		p = (const struct page *)p->lru.next;
		sum += (uint64_t)p;
	}
	wl_done(wl_mix(wl_mix(WL_CHECKSUM_INIT, (uint64_t)p), sum), hops, nodes);
	return 0;
}
