/*
 * db/compare_internal.h — the state db_compare builds step by step, shared by
 * db/compare.c (runs, fields, groups) and db/compare_ratio.c (metrics,
 * baselines, ratios).  Not part of the public interface.
 */
#ifndef VMEMSIM_DB_COMPARE_INTERNAL_H
#define VMEMSIM_DB_COMPARE_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

struct crun {
	int64_t id;
	char *col[5]; /* kind, workload, memory_model, cpu, layout */
	char *config;
	char **vals; /* [nvals], indexed like cmp.fields; NULL = absent */
	unsigned nvals;
	int group;
};

struct cmp {
	struct db *db;
	const struct db_compare_opts *o;
	struct vmemsim_err *err;
	struct crun *runs; /* in id order */
	unsigned nr_runs;
	char **fields; /* every field seen */
	unsigned nr_fields;
	unsigned *vary; /* field indexes of the shown varying fields */
	unsigned nr_vary;
	/* Varying fields that split the runs exactly as a shown one does
	 * (cpu.description next to cpu.name): field index and the index in
	 * vary[] of the field that stands for them. */
	unsigned *hidden, *hidden_rep;
	unsigned nr_hidden;
	struct db_compare *out;
	double *sum; /* [nr_groups], the metric being summed */
	unsigned *cnt;
};

static inline int cmp_oom(struct cmp *c)
{
	return vmemsim_errf(c->err, VMEMSIM_ENOMEM, "%s: out of memory comparing runs",
	                    c->db->path);
}

static inline bool cmp_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Make room for element n (0-based) of *p. */
static inline bool cmp_grow(void **p, unsigned n, size_t size)
{
	void *q = realloc(*p, (n + 1) * size);
	if (!q)
		return false;
	*p = q;
	return true;
}

static inline const char *cmp_val(const struct crun *r, unsigned f)
{
	return f < r->nvals ? r->vals[f] : NULL;
}

/* Step 5 (compare_ratio.c): choose the metrics and average them per group. */
int cmp_metrics(struct cmp *c);
/* Step 6: each group's baseline, then the ratios. */
int cmp_baseline(struct cmp *c);

#endif /* VMEMSIM_DB_COMPARE_INTERNAL_H */
