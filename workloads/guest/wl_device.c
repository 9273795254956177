/*
 * workloads/guest/wl_device.c — device memory: memmap_init_zone_device()
 * (seed 002) and the pfn -> kernel-address lookups for page-less pfns
 * (seed 004).
 */
#include "guest.h"

#define ZONE_DEVICE      4 /* DMA, DMA32, NORMAL, MOVABLE, DEVICE */
#define MIGRATE_MOVABLE  1
#define MIGRATETYPE_MASK 7ul

/* The device's struct dev_pagemap; every page's pgmap points here.  Not
 * static: the host reference looks its VA up by name. */
struct {
	uint64_t words[16];
} wl_pgmap;

/* FLATMEM keeps pageblock flags in the zone, not in mem_section usage. */
#define FLAT_PAGEBLOCKS (1ul << 17)
static uint64_t zone_pageblock_flags[FLAT_PAGEBLOCKS * 4 / 64];

static void set_pageblock_migratetype(struct page *page, unsigned long zone_start)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long bitidx;
	uint64_t *bitmap;

	if (IS_FLATMEM) {
		unsigned long idx = (pfn - zone_start) >> PAGEBLOCK_ORDER;
		if (idx >= FLAT_PAGEBLOCKS)
			return;
		bitmap = zone_pageblock_flags;
		bitidx = idx * 4;
	} else {
		const struct mem_section *ms = __pfn_to_section(pfn);
		if (!ms || !ms->usage)
			return;
		bitmap = (uint64_t *)ms->usage->pageblock_flags;
		bitidx = ((pfn & (PAGES_PER_SECTION - 1)) >> PAGEBLOCK_ORDER) * 4;
	}
	uint64_t *word = &bitmap[bitidx / 64];
	*word = (*word & ~(MIGRATETYPE_MASK << (bitidx % 64))) |
	        ((uint64_t)MIGRATE_MOVABLE << (bitidx % 64));
}

struct page_links {
	uint64_t zone, node, section_shift, section_mask;
};

/* __init_single_page() + __init_zone_device_page() (linux-sparse.md §7). */
static void init_zone_device_page(struct page *page, unsigned long pfn, const struct page_links *l,
                                  unsigned long zone_start)
{
	mm_zero_struct_page(page);
	page->flags =
	    l->zone | l->node | ((pfn >> PFN_SECTION_SHIFT) & l->section_mask) << l->section_shift;
	page->_refcount = 1;
	page->_mapcount = -1;
	page->lru.next = page->lru.prev = &page->lru;
	page->flags |= 1ul << SPARSE_PG_reserved;
	page->pgmap = &wl_pgmap;
	page->zone_device_data = NULL;
	if ((pfn & (PAGEBLOCK_NR_PAGES - 1)) == 0)
		set_pageblock_migratetype(page, zone_start);
}

/* arg0 passes, arg1 device range index, arg2 nr_pfns (0: to the end). */
int wl_zone_device(int phase)
{
	uint64_t passes = wl_params.arg[0], idx = wl_params.arg[1], limit = wl_params.arg[2];
	uint64_t cs = WL_CHECKSUM_INIT, done = 0;

	if (idx >= boot_params.nr_dev_ranges || idx >= SPARSE_BOOT_MAX_DEV_RANGES)
		return wl_fail(WL_ERR_NO_RANGE, idx, boot_params.nr_dev_ranges);
	const struct sparse_boot_dev_range *dev = &boot_params.dev_ranges[idx];
	if (!(dev->flags & SPARSE_DEV_HAS_MEMMAP))
		return wl_fail(WL_ERR_NO_RANGE, idx, dev->flags);
	if (phase == WL_PHASE_SETUP)
		return 0;

	unsigned long start = dev->first_data_pfn, end = dev->end_pfn;
	if (limit && limit < end - start)
		end = start + limit;
	struct page_links l = {
	    .zone = (uint64_t)ZONE_DEVICE << boot_params.zones_pgshift,
	    .node = dev->nid << boot_params.nodes_pgshift,
	    .section_shift = boot_params.sections_pgshift,
	    .section_mask =
	        boot_params.sections_width ? (1ul << boot_params.sections_width) - 1 : 0,
	};
	if (!boot_params.zones_width)
		l.zone = 0;
	if (!boot_params.nodes_width)
		l.node = 0;
	for (uint64_t p = 0; p < passes; p++) {
		for (unsigned long pfn = start; pfn < end; pfn++) {
			struct page *page = pfn_to_page(pfn);
			init_zone_device_page(page, pfn, &l, dev->start_pfn);
			cs = wl_mix(cs, (uint64_t)page);
			done++;
		}
	}
	wl_result.checksum = cs;
	wl_result.ops = done;
	wl_result.count = end - start;
	return 0;
}

/* ---- seed 004: kmap of page-less pfns -------------------------------------- */

static uint64_t kmap_list(unsigned long pfn)
{
	const struct sparse_pfn_range_node *n =
	    (const struct sparse_pfn_range_node *)boot_params.pfn_range_list;

	for (; n; n = (const struct sparse_pfn_range_node *)n->next)
		if (pfn >= n->start_pfn && pfn < n->end_pfn)
			return n->kaddr + ((pfn - n->start_pfn) << PAGE_SHIFT);
	return 0;
}

static uint64_t kmap_table(unsigned long pfn)
{
	unsigned long nr = pfn >> PFN_SECTION_SHIFT;

	if (nr >= boot_params.pfn_section_entries)
		return 0;
	const struct sparse_pfn_range_node *n =
	    ((const struct sparse_pfn_range_node *const *)boot_params.pfn_section_table)[nr];
	while (n && n->end_pfn <= pfn)
		n = (const struct sparse_pfn_range_node *)n->next;
	if (n && pfn >= n->start_pfn)
		return n->kaddr + ((pfn - n->start_pfn) << PAGE_SHIFT);
	return 0;
}

/* arg0 iterations, arg1 touch (read the first word at the address). */
int wl_kmap(int phase, int table)
{
	uint64_t n = wl_params.arg[0], touch = wl_params.arg[1];
	uint64_t s = wl_params.seed ^ 1, cs = WL_CHECKSUM_INIT, found = 0;

	if (phase == WL_PHASE_SETUP)
		return 0;
	uint64_t total = wl_pick_init(WL_PICK_DEVICE);
	if (!total)
		return wl_fail(WL_ERR_NO_RANGE, 0, 0);
	for (uint64_t i = 0; i < n; i++) {
		unsigned long pfn = wl_pick_rank(wl_rand_below(&s, total));
		uint64_t kaddr = table ? kmap_table(pfn) : kmap_list(pfn);
		uint64_t v = 0;
		if (kaddr) {
			found++;
			if (touch)
				v = *(const volatile uint64_t *)kaddr;
		}
		cs = wl_mix(cs, kaddr ^ v);
	}
	wl_result.checksum = cs;
	wl_result.ops = n;
	wl_result.count = found;
	return 0;
}
