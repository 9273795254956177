/*
 * cli/reach.h — the TLB-reach probe: a random pointer chase that touches one
 * cache line per page over N pages, fed straight into the MMU model.
 *
 * The pages are mapped at consecutive virtual pages from REACH_VA_BASE, so a
 * set-associative TLB sees them spread evenly over its sets and the knee sits
 * exactly at the array's capacity.  The chase order is one random cycle
 * (Sattolo's algorithm) through all N pages, with a random line offset in
 * each page; two full cycles warm the structures up and are subtracted
 * (snapshot difference) before whole cycles are measured.
 *
 * When N pages of the chosen size would need more than REACH_MAX_PHYS bytes
 * of guest-physical memory (or more than fits below 2^MAXPHYADDR with the
 * page tables), pages share physical frames round-robin: the TLBs
 * see only virtual pages, and the random line offsets keep the data-cache
 * footprint one line per page.
 */
#ifndef VMEMSIM_CLI_REACH_H
#define VMEMSIM_CLI_REACH_H

#include "../mmu/mmu.h"

#define REACH_VA_BASE  0x100000000000ull /* 16 TiB: 1 GiB aligned, below 128 TiB */
#define REACH_MAX_PHYS (64ull << 30)

struct reach_params {
	enum mmu_page_size ps;
	uint64_t pages;        /* N */
	uint64_t min_accesses; /* measured accesses, rounded up to whole cycles */
	uint64_t seed;
};

struct reach_point {
	uint64_t pages, accesses;
	double l1d_miss_rate;  /* L1 DTLB misses / accesses */
	double stlb_miss_rate; /* STLB misses / STLB lookups (= L1 DTLB misses); 0 if none */
	double walks_per_access;
	double cycles_per_access;
	struct mmu_stats stats; /* the measured phase only */
};

#define REACH_MAX_PAGES (1u << 24)

/* What reach_run refuses before any work: pages outside [2, REACH_MAX_PAGES],
 * or more pages of the size than fit between REACH_VA_BASE and 128 TiB.
 * 0 or VMEMSIM_EINVAL; the message has no subject ("200000 pages of 1g do
 * not fit below 128 TiB"), so a caller can name the option. */
int reach_check(const struct reach_params *p, struct vmemsim_err *err);

/* Run one point; the message of a failure starts with "reach: ". */
int reach_run(const struct mmu_config *cfg, const struct reach_params *p, struct reach_point *out,
              struct vmemsim_err *err);

#endif
