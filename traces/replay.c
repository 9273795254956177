/*
 * traces/replay.c — replaying records through the MMU model.
 *
 * The hot loop hands each record to mmu_access() as is; only a fault (the
 * first touch of a page), a size above one page, or a retire record leaves
 * it.  A not-present fault maps the page (trace_aspace_touch) and the access
 * is retried, which re-counts the lookups that led to the fault exactly as a
 * CPU re-executes a faulting instruction after the kernel's fault handler.
 */
#include <assert.h>

#include "../mmu/mmu.h"
#include "trace.h"

static_assert((int)TRACE_FETCH == (int)MMU_FETCH && (int)TRACE_LOAD == (int)MMU_LOAD &&
                  (int)TRACE_STORE == (int)MMU_STORE,
              "trace record types pass straight to mmu_access");

#define REPLAY_MAX_CHUNK 4096u /* mmu_access takes 1..4096 bytes */
#define REPLAY_MAX_RETRY 4     /* a page-crossing access faults at most twice */

static int fault_error(const struct mmu_fault *f, const struct trace_rec *r, uint64_t idx,
                       struct vmemsim_err *err)
{
	return vmemsim_errf(err, VMEMSIM_EFAULT,
	                    "record %llu (%s of %u bytes at va %#llx, pc %#llx): page fault at va "
	                    "%#llx, error code %#x%s",
	                    (unsigned long long)idx, trace_type_name((enum trace_type)r->type),
	                    r->size, (unsigned long long)r->va, (unsigned long long)r->pc,
	                    (unsigned long long)f->va, f->error_code,
	                    (f->error_code & PF_P) ? " (protection)" : " (not present)");
}

/* Map the page behind a not-present fault. */
static int fault_in(struct trace_aspace *as, const struct mmu_fault *f, const struct trace_rec *r,
                    uint64_t va, uint32_t size, uint64_t idx, struct vmemsim_err *err)
{
	int rc;

	/* Without an address space (a kernel trace on a built machine) and for
	 * anything but not-present, a fault is the answer, not a first touch. */
	if (!as || (f->error_code & (PF_P | PF_RSVD | MMU_FAULT_NONCANONICAL | MMU_FAULT_BADPHYS)))
		return fault_error(f, r, idx, err);
	rc = trace_aspace_touch(as, f->va, err);
	/* If the model reports the access's VA rather than the faulting
	 * page's, the second page of a crossing access is the one to map. */
	if (rc == VMEMSIM_EEXIST)
		rc = trace_aspace_touch(as, va + size - 1, err);
	if (rc == VMEMSIM_EEXIST)
		return fault_error(f, r, idx, err);
	return rc;
}

/* One access of at most a page whose first attempt returned rc with *f. */
static int access_retry(struct mmu *m, struct trace_aspace *as, const struct trace_rec *r,
                        uint64_t va, uint32_t size, uint64_t idx, int rc, struct mmu_fault *f,
                        struct vmemsim_err *err)
{
	for (int tries = 0; rc == VMEMSIM_EFAULT; tries++) {
		if (tries == REPLAY_MAX_RETRY)
			return fault_error(f, r, idx, err);
		rc = fault_in(as, f, r, va, size, idx, err);
		if (rc)
			return rc;
		rc = mmu_access(m, va, size, (enum mmu_access_type)r->type, r->pc, f);
	}
	if (rc)
		return vmemsim_errf(err, rc, "record %llu (va %#llx, pc %#llx): mmu_access: %s",
		                    (unsigned long long)idx, (unsigned long long)r->va,
		                    (unsigned long long)r->pc, vmemsim_rc_name(rc));
	return 0;
}

/* An access larger than mmu_access takes, in page-sized chunks. */
static int replay_large(struct mmu *m, struct trace_aspace *as, const struct trace_rec *r,
                        uint64_t idx, struct vmemsim_err *err)
{
	struct mmu_fault f;
	uint64_t va = r->va;
	uint32_t left = r->size;
	int rc = 0;

	while (left && !rc) {
		uint32_t chunk = left < REPLAY_MAX_CHUNK ? left : REPLAY_MAX_CHUNK;
		rc = mmu_access(m, va, chunk, (enum mmu_access_type)r->type, r->pc, &f);
		rc = access_retry(m, as, r, va, chunk, idx, rc, &f, err);
		va += chunk;
		left -= chunk;
	}
	return rc;
}

int trace_replay_batch(struct mmu *m, struct trace_aspace *as, const struct trace_rec *recs,
                       size_t n, uint32_t flags, uint64_t base, struct vmemsim_err *err)
{
	const bool fetch_is_insn = flags & TRACE_F_FETCH_IS_INSN;
	/* Retired instructions are charged to the region of their pc, and
	 * regions are page-aligned: a run of fetches within one 4 KiB page is
	 * retired with one call, exactly. */
	uint64_t ret_pc = 0, ret_n = 0;
	struct mmu_fault f;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const struct trace_rec *r = &recs[i];
		if (__builtin_expect(r->type == TRACE_RETIRE, 0)) {
			mmu_retire(m, r->pc, r->va);
			continue;
		}
		if (fetch_is_insn && r->type == TRACE_FETCH) {
			if ((r->pc ^ ret_pc) >> 12) {
				if (ret_n)
					mmu_retire(m, ret_pc, ret_n);
				ret_pc = r->pc;
				ret_n = 0;
			}
			ret_n++;
		}
		if (__builtin_expect(r->size > REPLAY_MAX_CHUNK, 0)) {
			rc = replay_large(m, as, r, base + i, err);
		} else {
			rc =
			    mmu_access(m, r->va, r->size, (enum mmu_access_type)r->type, r->pc, &f);
			if (__builtin_expect(rc == 0, 1))
				continue;
			rc = access_retry(m, as, r, r->va, r->size, base + i, rc, &f, err);
		}
		if (rc)
			break;
	}
	if (ret_n)
		mmu_retire(m, ret_pc, ret_n);
	return rc;
}
