/*
 * workloads/guest/wl_buddy.c — a buddy allocator on struct pages.
 *
 * The page allocator's core as mm/page_alloc.c has it, reduced to one zone
 * and one migratetype: free_area[order] lists threaded through page->lru,
 * PageBuddy in page_type with the order in page->private, __rmqueue_smallest
 * with expand() handing the upper halves back, and __free_one_page merging
 * with the buddy at pfn ^ (1 << order) while it is free and of equal order.
 * Pages always go on the head of a list (the kernel sometimes adds to the
 * tail; the host reference follows this file, not the kernel, on that).
 *
 * args: 0 start_pfn (MAX_PAGE_ORDER aligned), 1 nr_pages (a multiple of
 * 1024), 2 iterations, 3 max_order (orders 0..max_order are allocated).
 */
#include "guest.h"

#define PGTY_BUDDY 0xf0u /* page_type's top byte for a free buddy page (6.12) */

static struct {
	struct list_head free_list;
	uint64_t nr_free;
} free_area[MAX_PAGE_ORDER + 1];

static uint64_t nr_allocated;

static inline void list_init(struct list_head *h)
{
	h->next = h->prev = h;
}

static inline void list_add(struct list_head *n, struct list_head *h)
{
	struct list_head *next = h->next;
	next->prev = n;
	n->next = next;
	n->prev = h;
	h->next = n;
}

static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
}

static inline int PageBuddy(const struct page *page)
{
	return ((uint32_t)page->_mapcount >> 24) == PGTY_BUDDY;
}

static inline void set_buddy_order(struct page *page, unsigned order)
{
	page->_mapcount = (int32_t)(PGTY_BUDDY << 24);
	page->private_ = order;
}

static inline void clear_buddy(struct page *page)
{
	page->_mapcount = -1;
	page->private_ = 0;
}

static void add_to_free_list(struct page *page, unsigned order)
{
	set_buddy_order(page, order);
	list_add(&page->lru, &free_area[order].free_list);
	free_area[order].nr_free++;
}

static void del_from_free_list(struct page *page, unsigned order)
{
	list_del(&page->lru);
	clear_buddy(page);
	free_area[order].nr_free--;
}

static struct page *rmqueue(unsigned order)
{
	for (unsigned o = order; o <= MAX_PAGE_ORDER; o++) {
		struct list_head *h = &free_area[o].free_list;
		if (h->next == h)
			continue;
		struct page *page = (struct page *)((char *)h->next - offsetof(struct page, lru));
		del_from_free_list(page, o);
		while (o > order) { /* expand() */
			o--;
			add_to_free_list(page + (1ul << o), o);
		}
		return page;
	}
	return NULL;
}

static void free_one_page(struct page *page, unsigned order)
{
	unsigned long pfn = page_to_pfn(page);

	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1ul << order);
		struct page *buddy = page + (buddy_pfn - pfn);
		if (!PageBuddy(buddy) || buddy->private_ != order)
			break;
		del_from_free_list(buddy, order);
		unsigned long combined_pfn = buddy_pfn & pfn;
		page = page + (combined_pfn - pfn);
		pfn = combined_pfn;
		order++;
	}
	add_to_free_list(page, order);
}

static int buddy_setup(unsigned long start, uint64_t nr)
{
	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++) {
		list_init(&free_area[o].free_list);
		free_area[o].nr_free = 0;
	}
	for (uint64_t i = 0; i < nr; i++)
		clear_buddy(pfn_to_page(start + i));
	for (uint64_t i = 0; i < nr; i += 1ul << MAX_PAGE_ORDER)
		add_to_free_list(pfn_to_page(start + i), MAX_PAGE_ORDER);
	nr_allocated = 0;
	return 0;
}

int wl_buddy(int phase)
{
	unsigned long start = wl_params.arg[0];
	uint64_t nr = wl_params.arg[1], n = wl_params.arg[2], max_order = wl_params.arg[3];
	uint64_t *table = wl_scratch(nr * sizeof(*table));
	uint64_t s = wl_params.seed ^ 1, cs = WL_CHECKSUM_INIT, allocs = 0, failed = 0;

	if (start & ((1ul << MAX_PAGE_ORDER) - 1))
		return wl_fail(WL_ERR_ARG, 0, start);
	if (nr == 0 || nr & ((1ul << MAX_PAGE_ORDER) - 1))
		return wl_fail(WL_ERR_ARG, 1, nr);
	if (max_order > MAX_PAGE_ORDER)
		return wl_fail(WL_ERR_ARG, 3, max_order);
	if (!table)
		return WL_ERR_SCRATCH;
	if (phase == WL_PHASE_SETUP)
		return buddy_setup(start, nr);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = wl_rand(&s);
		if (nr_allocated == 0 || ((r & 1) && nr_allocated < nr)) {
			unsigned order = (unsigned)wl_rand_below(&s, max_order + 1);
			struct page *page = rmqueue(order);
			if (!page) {
				failed++;
				cs = wl_mix(cs, ~0ull);
				continue;
			}
			table[nr_allocated++] = (uint64_t)page | order;
			cs = wl_mix(cs, page_to_pfn(page) << 4 | order);
			allocs++;
		} else {
			uint64_t j = wl_rand_below(&s, nr_allocated);
			uint64_t e = table[j];
			table[j] = table[--nr_allocated];
			free_one_page((struct page *)(e & ~63ull), (unsigned)(e & 63));
		}
	}
	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++)
		cs = wl_mix(cs, free_area[o].nr_free);
	wl_result.checksum = cs;
	wl_result.ops = n;
	wl_result.count = allocs;
	wl_result.aux[0] = failed;
	return 0;
}
