/*
 * db/compare_ratio.c — db_compare steps 5 and 6: which metrics, their mean
 * per group (one query per metric), each group's baseline and the ratios.
 */
#include <math.h>

#include "compare_internal.h"

/* ---- (5): metrics -------------------------------------------------------- */

static bool in_names(const struct db_strings *nm, const char *s)
{
	for (unsigned i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], s))
			return true;
	return false;
}

/* Numeric columns of run_summary (empty on a version-1 database). */
static int summary_columns(struct cmp *c, struct db_strings *nm)
{
	static const char sql[] =
	    "SELECT name FROM pragma_table_info('run_summary') WHERE name NOT IN"
	    " ('run', 'kind', 'workload', 'memory_model', 'cpu', 'layout', 'status', 'started')";
	return db_query_strings(c->db, sql, nm, c->err);
}

static int metric_names(struct cmp *c, struct db_strings *nm)
{
	return db_query_strings(c->db, "SELECT DISTINCT name FROM metrics ORDER BY name", nm,
	                        c->err);
}

static int unknown_metric(struct cmp *c, const char *m, const struct db_strings *known)
{
	char list[600] = "";
	for (unsigned i = 0; i < known->n && strlen(list) < sizeof(list) - 80; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
		         known->v[i]);
	return vmemsim_errf(c->err, VMEMSIM_ENOENT, "%s: no metric '%s'; metrics stored: %s%s",
	                    c->db->path, m, list[0] ? list : "(none)",
	                    strlen(list) >= sizeof(list) - 80 ? ", ..." : "");
}

static int choose_metrics(struct cmp *c, const struct db_strings *stored,
                          const struct db_strings *summary)
{
	static const char *const defaults[] = {DB_COMPARE_DEFAULT_METRICS};
	const char *const *want = c->o->metrics ? c->o->metrics : defaults;
	unsigned n = c->o->metrics ? c->o->nr_metrics : sizeof(defaults) / sizeof(*defaults);
	struct db_compare *o = c->out;

	o->metrics = calloc(n ? n : 1, sizeof(char *));
	if (!o->metrics)
		return cmp_oom(c);
	for (unsigned i = 0; i < n; i++) {
		/* defaults must be stored metrics: summary columns exist even when
		 * every value in them is NULL */
		bool known =
		    in_names(stored, want[i]) || (c->o->metrics && in_names(summary, want[i]));
		if (!known && c->o->metrics)
			return unknown_metric(c, want[i], stored);
		if (known && !(o->metrics[o->nr_metrics++] = strdup(want[i])))
			return cmp_oom(c);
	}
	return 0;
}

static int run_index(const struct cmp *c, int64_t id)
{
	unsigned lo = 0, hi = c->nr_runs;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (c->runs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nr_runs && c->runs[lo].id == id ? (int)lo : -1;
}

static int add_value(void *ctx, unsigned ncols, const char *const *names, const struct db_value *v)
{
	struct cmp *c = ctx;
	int i;
	if (!v || (v[1].type != DB_INT && v[1].type != DB_REAL))
		return 0;
	i = run_index(c, v[0].i);
	if (i >= 0) {
		/* Welford: mean and spread in one pass, without the cancellation
		 * of a sum of squares of values around 1e9 cycles */
		unsigned g = (unsigned)c->runs[i].group;
		double d = v[1].d - c->sum[g];
		c->cnt[g]++;
		c->sum[g] += d / c->cnt[g];
		c->m2[g] += d * (v[1].d - c->sum[g]);
	}
	return 0;
}

static int sum_metric(struct cmp *c, const char *m, bool from_summary)
{
	char sql[160];
	const char *args[1] = {m};
	if (!from_summary)
		return db_query_args(c->db, "SELECT run, value FROM metrics WHERE name = ?1", args,
		                     1, add_value, c, c->err);
	/* m is one of run_summary's own column names (checked by the caller) */
	snprintf(sql, sizeof(sql), "SELECT run, \"%s\" FROM run_summary", m);
	return db_query(c->db, sql, add_value, c, c->err);
}

static int compute_means(struct cmp *c, const struct db_strings *stored)
{
	struct db_compare *o = c->out;
	int rc = 0;

	c->sum = calloc(o->nr_groups, sizeof(*c->sum));
	c->m2 = calloc(o->nr_groups, sizeof(*c->m2));
	c->cnt = calloc(o->nr_groups, sizeof(*c->cnt));
	if (!c->sum || !c->m2 || !c->cnt)
		return cmp_oom(c);
	for (unsigned g = 0; g < o->nr_groups; g++) {
		o->groups[g].mean = calloc(o->nr_metrics ? o->nr_metrics : 1, sizeof(double));
		o->groups[g].ratio = calloc(o->nr_metrics ? o->nr_metrics : 1, sizeof(double));
		o->groups[g].stdev = calloc(o->nr_metrics ? o->nr_metrics : 1, sizeof(double));
		if (!o->groups[g].mean || !o->groups[g].ratio || !o->groups[g].stdev)
			return cmp_oom(c);
	}
	for (unsigned m = 0; !rc && m < o->nr_metrics; m++) {
		memset(c->sum, 0, o->nr_groups * sizeof(*c->sum));
		memset(c->m2, 0, o->nr_groups * sizeof(*c->m2));
		memset(c->cnt, 0, o->nr_groups * sizeof(*c->cnt));
		rc = sum_metric(c, o->metrics[m], !in_names(stored, o->metrics[m]));
		for (unsigned g = 0; !rc && g < o->nr_groups; g++) {
			o->groups[g].mean[m] = c->cnt[g] ? c->sum[g] : NAN;
			o->groups[g].stdev[m] =
			    c->cnt[g] > 1 ? sqrt(c->m2[g] / (c->cnt[g] - 1)) : NAN;
		}
	}
	return rc;
}

int cmp_metrics(struct cmp *c)
{
	struct db_strings stored = {0}, summary = {0};
	int rc = metric_names(c, &stored);
	if (!rc)
		rc = summary_columns(c, &summary);
	if (!rc)
		rc = choose_metrics(c, &stored, &summary);
	if (!rc)
		rc = compute_means(c, &stored);
	db_strings_free(&stored);
	db_strings_free(&summary);
	return rc;
}

/* ---- (6): baselines and ratios ------------------------------------------- */

static int vary_index(const struct cmp *c, const char *key)
{
	for (unsigned k = 0; k < c->nr_vary; k++)
		if (!strcmp(c->fields[c->vary[k]], key))
			return (int)k;
	return -1;
}

static bool group_has(const struct db_compare_group *g, int k, const char *value)
{
	return k >= 0 && cmp_str_eq(g->values[k], value);
}

static void join_varying(const struct cmp *c, char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned k = 0; k < c->nr_vary && strlen(buf) + 2 < len; k++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", k ? ", " : "",
		         c->fields[c->vary[k]]);
	if (!c->nr_vary)
		snprintf(buf, len, "(none: all selected runs have the same config)");
}

static int bad_baseline_field(const struct cmp *c, const char *key)
{
	char list[512];
	bool exists = false;
	join_varying(c, list, sizeof(list));
	for (unsigned f = 0; f < c->nr_fields; f++)
		exists |= !strcmp(c->fields[f], key);
	return vmemsim_errf(c->err, VMEMSIM_ENOENT, "%s: --baseline %s: %s; fields that differ: %s",
	                    c->db->path, key,
	                    exists ? "this field has the same value in every selected run"
	                           : "no such field in the selected runs",
	                    list);
}

/* No run has key=value: list the distinct values field f does have. */
static int bad_baseline_value(const struct cmp *c, unsigned f, const char *key, const char *value)
{
	char list[512] = "";
	for (unsigned i = 0; i < c->nr_runs && strlen(list) + 2 < sizeof(list); i++) {
		const char *v = cmp_val(&c->runs[i], f);
		unsigned j = 0;
		while (j < i && !cmp_str_eq(cmp_val(&c->runs[j], f), v))
			j++;
		if (j == i)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			         list[0] ? ", " : "", v ? v : "(absent)");
	}
	return vmemsim_errf(c->err, VMEMSIM_ENOENT, "%s: no selected run has %s=%s; values: %s",
	                    c->db->path, key, value, list);
}

static unsigned field_of(const struct cmp *c, const char *name)
{
	unsigned f = 0;
	while (f < c->nr_fields && strcmp(c->fields[f], name))
		f++;
	return f; /* callers only ask for fields that exist */
}

/* A group seen as a run, so that cmp_key can encode its values. */
static struct crun group_as_run(const struct db_compare_group *g, unsigned nr_vary)
{
	struct crun r = {.vals = g->values, .nvals = nr_vary};
	return r;
}

/* Group b is g's baseline when b has key=value and agrees with g in every
 * other field: index the candidates by their other fields, then look each
 * group up. */
static int match_baselines(struct cmp *c, int k, const char *value)
{
	struct db_compare *o = c->out;
	unsigned *idx = calloc(c->nr_vary, sizeof(*idx));
	struct cmp_map map = {0};
	int rc = !idx || cmp_map_init(&map, o->nr_groups) ? VMEMSIM_ENOMEM : 0;

	for (unsigned j = 0; !rc && j < c->nr_vary; j++)
		idx[j] = j;
	for (unsigned b = 0; !rc && b < o->nr_groups; b++) {
		struct crun r = group_as_run(&o->groups[b], c->nr_vary);
		char *key;
		if (!group_has(&o->groups[b], k, value))
			continue;
		if (!(key = cmp_key(&r, idx, c->nr_vary, k)))
			rc = VMEMSIM_ENOMEM;
		else
			cmp_map_put(&map, key, b);
	}
	for (unsigned g = 0; !rc && g < o->nr_groups; g++) {
		struct crun r = group_as_run(&o->groups[g], c->nr_vary);
		char *key = cmp_key(&r, idx, c->nr_vary, k);
		if (!key)
			rc = VMEMSIM_ENOMEM;
		else
			o->groups[g].baseline = cmp_map_get(&map, key);
		free(key);
	}
	cmp_map_free(&map);
	free(idx);
	return rc;
}

/* A hidden field splits the runs as shown field k does: translate
 * key=value to k's value in a run that has key=value.  Returns k, -1 if key
 * is not hidden, -2 if no run has that value. */
static int hidden_to_shown(const struct cmp *c, const char **key, const char **value)
{
	for (unsigned h = 0; h < c->nr_hidden; h++) {
		unsigned f = c->hidden[h], k = c->hidden_rep[h];
		if (strcmp(c->fields[f], *key))
			continue;
		for (unsigned i = 0; i < c->nr_runs; i++)
			if (cmp_str_eq(cmp_val(&c->runs[i], f), *value)) {
				*key = c->fields[c->vary[k]];
				*value = cmp_val(&c->runs[i], c->vary[k]);
				return (int)k;
			}
		return -2;
	}
	return -1;
}

static int pick_baseline(struct cmp *c)
{
	struct db_compare *o = c->out;
	const char *key = c->o->baseline_key, *value = c->o->baseline_value;
	bool any = false;
	int k;

	if (!key) {
		int mm = vary_index(c, "memory_model");
		for (unsigned g = 0; g < o->nr_groups && !key; g++)
			if (group_has(&o->groups[g], mm, "vmemmap-2m"))
				key = "memory_model", value = "vmemmap-2m";
	}
	/* else the first field's value in the first group, so that each group
	 * is compared with its neighbour that differs only in that field */
	if (!key && c->nr_vary && o->groups[0].values[0])
		key = c->fields[c->vary[0]], value = o->groups[0].values[0];
	if (!key) {
		for (unsigned g = 0; g < o->nr_groups; g++)
			o->groups[g].baseline = 0;
		snprintf(o->baseline, sizeof(o->baseline), "first group (run %lld)",
		         (long long)o->groups[0].first_run);
		return 0;
	}
	k = vary_index(c, key);
	if (k < 0 && (k = hidden_to_shown(c, &key, &value)) == -2)
		return bad_baseline_value(c, field_of(c, key), key, value);
	if (k < 0)
		return bad_baseline_field(c, key);
	for (unsigned g = 0; g < o->nr_groups; g++)
		any |= group_has(&o->groups[g], k, value);
	if (any && match_baselines(c, k, value))
		return cmp_oom(c);
	if (!any)
		return bad_baseline_value(c, c->vary[k], key, value);
	snprintf(o->baseline, sizeof(o->baseline), "%s=%s", key, value);
	return 0;
}

static void compute_ratios(struct db_compare *o)
{
	for (unsigned g = 0; g < o->nr_groups; g++) {
		struct db_compare_group *gr = &o->groups[g];
		for (unsigned m = 0; m < o->nr_metrics; m++) {
			double x = gr->mean[m], b;
			gr->ratio[m] = NAN;
			if (gr->baseline < 0)
				continue;
			b = o->groups[gr->baseline].mean[m];
			if (b != 0 && isfinite(b) && isfinite(x))
				gr->ratio[m] = x / b;
			else if (b == 0 && x == 0)
				gr->ratio[m] = 1.0; /* 0 faults vs 0 faults: no change */
		}
	}
}

int cmp_baseline(struct cmp *c)
{
	int rc = pick_baseline(c);
	if (!rc)
		compute_ratios(c->out);
	return rc;
}
