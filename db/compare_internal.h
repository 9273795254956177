/*
 * db/compare_internal.h — the state db_compare builds step by step, shared by
 * db/compare.c (runs, fields, groups) and db/compare_ratio.c (metrics,
 * baselines, ratios).  Not part of the public interface.
 */
#ifndef VMEMSIM_DB_COMPARE_INTERNAL_H
#define VMEMSIM_DB_COMPARE_INTERNAL_H

#include <stdint.h>
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
	double *sum; /* [nr_groups], running mean of the metric being summed */
	double *m2;  /* [nr_groups], Welford's sum of squared deviations */
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

/* ---- Keys (compare_key.c) ---- */

/* r's values of fields[0..n), leaving out index skip (-1: none), as one
 * malloc'ed string; equal keys <=> equal values.  NULL when out of memory. */
char *cmp_key(const struct crun *r, const unsigned *fields, unsigned n, int skip);

/* A string -> index map for at most the n keys given to cmp_map_init. */
struct cmp_map {
	char **keys;
	unsigned *vals;
	unsigned cap;
};
int cmp_map_init(struct cmp_map *m, unsigned n);
void cmp_map_free(struct cmp_map *m);
/* The index stored under key, or -1. */
int cmp_map_get(const struct cmp_map *m, const char *key);
/* Store key (the map takes it) -> val unless present; returns the index
 * stored under key (val, or the earlier one; key is then freed). */
unsigned cmp_map_put(struct cmp_map *m, char *key, unsigned val);

/* Step 5 (compare_ratio.c): choose the metrics and average them per group. */
int cmp_metrics(struct cmp *c);
/* Step 6: each group's baseline, then the ratios. */
int cmp_baseline(struct cmp *c);

#endif /* VMEMSIM_DB_COMPARE_INTERNAL_H */
