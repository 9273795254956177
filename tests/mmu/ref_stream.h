/*
 * tests/mmu/ref_stream.h — the harness of the differential tests
 * (test_reference.c): a rig that runs the optimised model (mmu/) and the
 * reference model (ref_model.h) over copies of the same page tables
 * (ref_rig.c), and randomized operation streams that both run, compared
 * step by step (ref_stream.c).
 *
 * Zones: the VA ranges the trees map (ref_rig.c's build_tree) and the
 * streams draw from; a profile weights them and sets the rates of every
 * kind of operation.  Everything asserts with Criterion, so these functions
 * run inside a Criterion test only.
 */
#ifndef VMEMSIM_TEST_MMU_REF_STREAM_H
#define VMEMSIM_TEST_MMU_REF_STREAM_H

#include "helpers.h"
#include "ref_model.h"

#define NOPS 200000 /* operations per stream unless REF_OPS says otherwise */

/* Zones (VA, PA, bytes) — see build_tree. */
#define Z4K    0xffff888000000000ull
#define Z2M    0xffffea0000000000ull
#define Z1G    0xffffc00000000000ull
#define ZMIX   0xffff900000000000ull
#define ZTEXT  0xffffffff80000000ull
#define ZUDATA 0x00007f0000000000ull
#define ZUTEXT 0x0000000000400000ull
#define ZWILD  0xffff800000000000ull /* mostly unmapped kernel space */
#define ZNONC  0x0100000000000000ull /* not canonical with 4 or 5 levels */
#define ZLOW5  0x0000900000000000ull /* canonical with 5 levels only */
#define ZTOP   0x00007fffffffe000ull /* + 8K: the top of the lower half */
#define RSPLIT (Z2M + SZ_1G + SZ_1M) /* a region boundary inside a 2M page */
#define R1G    (ZMIX + 1536 * SZ_1M) /* a 12K region inside a 1G page */

enum {
	Z_4K,
	Z_2M,
	Z_1G,
	Z_MIX,
	Z_TEXT,
	Z_UDATA,
	Z_UTEXT,
	Z_WILD,
	Z_NONC,
	Z_LOW5,
	Z_EDGE2M, /* the 2M page a region boundary cuts */
	Z_EDGE1G, /* a 3-page region inside the 1G page of ZMIX */
	Z_TOP,    /* the last two pages below the canonical hole */
	NZONES
};

/* What a stream is made of; rates are per 1024 unless noted. */
struct profile {
	unsigned w[NZONES]; /* zone weights */
	unsigned hot;       /* an access from the zone's 64-page hot set */
	unsigned repeat;    /* start a run of 1..64 accesses to the same line/page */
	unsigned store, fetch, cross_page, cross_line, big;
	unsigned invlpg, cr3, flush, cpl, translate, retire, pte, bad; /* per 65536 */
	unsigned batch; /* a run of accesses goes as one batch */
};

struct rig {
	struct mmu_phys pa, pb; /* guest memory of the optimised / reference model */
	struct test_alloc ta;
	struct mmu_pt_allocator al;
	struct mmu_pt ta_pt, tb_pt; /* two trees: PCIDs 0/2 use A, 1/3 use B */
	uint64_t tables_end;
	struct mmu *m;
	struct ref_mmu *r;
	const struct mmu_pt *cur; /* the tree CR3 points at */
	uint64_t parked[2];       /* PA of a leaf made not-present in A's / B's memory (0: none) */
};

/* ---- the rig (ref_rig.c) ------------------------------------------------------ */

/* Both models over copies of the same two trees (CR3 = tree A, PCID 0) and
 * the same five regions. */
void rig_init(struct rig *g, const struct mmu_config *cfg);
/* A small rig: two VA-adjacent 4K pages at PAGE_OFFSET, default config, no
 * regions, only tree A. */
void rig_pair_init(struct rig *g);
void rig_fini(struct rig *g);

/* ---- streams (ref_stream.c) --------------------------------------------------- */

/* Run p's stream from seed (REF_SEEDS=k: k streams from seed on; REF_OPS=n:
 * n operations each) through both models on a rig of cfg; fail the test
 * naming the first step, operation and counter that differ.  Statistics are
 * reset half-way; *end gets the reference's counters of the second half. */
void stream_check(const struct mmu_config *cfg, const struct profile *p, uint64_t seed,
                  struct mmu_stats *end);

/* Counted over every stream so far: bad records (size or type) that both
 * models rejected, and page-table leaves the streams edited. */
extern size_t stream_n_einval, stream_n_edits;

#endif
