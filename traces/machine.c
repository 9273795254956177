/*
 * traces/machine.c — the machine a replay runs on: an MMU over either a
 * demand-paged user address space (traces of user programs) or the kernel
 * layout and memory model the sparse module builds (kernel traces), with the
 * VA regions, CR3 and CPL set the way the trace was recorded.
 */
#include <string.h>

#include "trace.h"

#define USER_TOP    0x0000800000000000ull /* end of the lower canonical half */
#define KERNEL_BASE 0xffff800000000000ull /* start of the upper half */

void trace_machine_fini(struct trace_machine *tm)
{
	mmu_destroy(tm->m);
	trace_aspace_destroy(tm->as);
	sparse_machine_destroy(tm->sm);
	memset(tm, 0, sizeof(*tm));
}

int trace_machine_user(struct trace_machine *tm, const struct mmu_config *cfg,
                       const struct trace_aspace_config *ac, struct vmemsim_err *err)
{
	struct trace_aspace_config c = *ac;
	int rc;

	memset(tm, 0, sizeof(*tm));
	c.levels = cfg->levels;
	c.maxphyaddr = cfg->maxphyaddr;
	c.user = true;
	if ((rc = trace_aspace_create(&tm->as, &c, err)) ||
	    (rc = mmu_create(&tm->m, cfg, trace_aspace_phys(tm->as), err)))
		goto fail;
	if ((rc = mmu_add_region(tm->m, "user", 0, USER_TOP, err)) < 0 ||
	    (rc = mmu_add_region(tm->m, "kernel", KERNEL_BASE, 0xfffffffffffff000ull, err)) < 0)
		goto fail;
	mmu_write_cr3(tm->m, trace_aspace_root(tm->as), 0, false);
	mmu_set_cpl(tm->m, 3);
	return 0;
fail:
	trace_machine_fini(tm);
	return rc;
}

int trace_machine_kernel(struct trace_machine *tm, const struct mmu_config *cfg,
                         const struct sparse_layout *layout, enum sparse_model model,
                         const struct sparse_params *params, struct vmemsim_err *err)
{
	struct sparse_region reg[SPARSE_MAX_REGIONS];
	unsigned n;
	int rc;

	memset(tm, 0, sizeof(*tm));
	if ((rc = sparse_machine_create(&tm->sm, layout, model, params, err)) ||
	    (rc = mmu_create(&tm->m, cfg, sparse_machine_phys(tm->sm), err)))
		goto fail;
	n = sparse_machine_regions(tm->sm, reg);
	for (unsigned i = 0; i < n; i++)
		if ((rc = mmu_add_region(tm->m, reg[i].name, reg[i].start, reg[i].end, err)) < 0)
			goto fail;
	mmu_write_cr3(tm->m, sparse_machine_pt(tm->sm)->root, 0, false);
	mmu_set_cpl(tm->m, 0);
	return 0;
fail:
	trace_machine_fini(tm);
	return rc;
}

int trace_model_change_check(const char *recorded, enum sparse_model to, struct vmemsim_err *err)
{
	enum sparse_model from;

	if (!recorded)
		return 0;
	if (sparse_model_parse(recorded, &from, err))
		return vmemsim_errf(err, VMEMSIM_EINVAL, "trace metadata: %s", err->msg);
	/* Struct pages sit at vmemmap + pfn * 64 in every vmemmap model, so a
	 * trace moves between those; other models keep the memmap elsewhere and
	 * run other lookup code, so their traces do not. */
	if (from == to || (sparse_model_is_vmemmap(from) && sparse_model_is_vmemmap(to)))
		return 0;
	return vmemsim_errf(err, VMEMSIM_EINVAL,
	                    "the trace was recorded on %s; its struct-page addresses and code "
	                    "are that model's, so it cannot be replayed on %s (only between "
	                    "vmemmap models); record it under %s instead",
	                    recorded, sparse_model_name(to), sparse_model_name(to));
}
