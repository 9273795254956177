/*
 * workloads/guest/guest.h — what the guest workloads share: the parameter
 * and result blocks, pfn picking over the layout's ranges, the scratch area.
 */
#ifndef VMEMSIM_GUEST_H
#define VMEMSIM_GUEST_H

#include "../wl_abi.h"
#include "../wl_prng.h"
#include "mm.h"

extern struct wl_params wl_params;
extern struct wl_result wl_result;

/* Set status (and aux) for the host; returns status so callers can
 * `return wl_fail(...)`. */
int wl_fail(uint64_t status, uint64_t aux0, uint64_t aux1);

/* pfn sets to draw from, built once per phase by wl_pick_init():
 *   WL_PICK_RAM       every RAM pfn (reads; includes the hugetlb pool)
 *   WL_PICK_WRITABLE  RAM minus the hugetlb pool, whose tail struct pages are
 *                     read-only under vmemmap-hvo (so all models write the
 *                     same pages)
 *   WL_PICK_DEVICE    pfns of the device ranges (seed 004: page-less pfns) */
enum wl_pick_set { WL_PICK_RAM = 0, WL_PICK_WRITABLE = 1, WL_PICK_DEVICE = 2 };

/* Returns the number of pfns in the set (0: empty). */
uint64_t wl_pick_init(enum wl_pick_set set);
/* The pfn of rank r (0 <= r < count) in the set, in ascending pfn order. */
unsigned long wl_pick_rank(uint64_t r);

/* The workload's scratch area (boot_params.scratch_va); 0 and a
 * WL_ERR_SCRATCH status if it is smaller than bytes. */
void *wl_scratch(uint64_t bytes);

void *memset(void *s, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

/* One function per workload and phase; 0 or a wl_status (already recorded). */
int wl_pfn_scan(int phase);
int wl_random_touch(int phase);
int wl_page_to_pfn(int phase);
int wl_buddy(int phase);
int wl_zone_device(int phase);
int wl_kmap(int phase, int table);
int wl_chase(int phase);

#endif /* VMEMSIM_GUEST_H */
