/*
 * workloads/wl_internal.h — host-side helpers shared by the registry, the
 * references and the run driver.  Not part of the public interface.
 */
#ifndef VMEMSIM_WL_INTERNAL_H
#define VMEMSIM_WL_INTERNAL_H

#include "workloads.h"

/* The host twin of the guest's pfn sets (guest/lib.c wl_pick_init): pieces
 * of pfns in ascending order, with the same rank -> pfn mapping. */
enum wl_host_set { WL_SET_RAM = 0, WL_SET_WRITABLE = 1, WL_SET_DEVICE = 2 };

#define WL_MAX_HOST_PIECES (2 * SPARSE_BOOT_MAX_RANGES + SPARSE_BOOT_MAX_DEV_RANGES)

struct wl_pieces {
	unsigned n;
	uint64_t total;
	struct {
		uint64_t start, end, before;
	} p[WL_MAX_HOST_PIECES];
};

void wl_pieces_init(struct wl_pieces *ps, const struct sparse_boot_params *bp,
                    enum wl_host_set set);
uint64_t wl_pieces_rank(const struct wl_pieces *ps, uint64_t r);

/* Index of a parameter by name, or -1. */
int wl_param_index(const struct wl_desc *wl, const char *name);

#endif /* VMEMSIM_WL_INTERNAL_H */
