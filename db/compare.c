/*
 * db/compare.c — group runs by the config fields in which they differ and
 * express each metric as a ratio to a baseline group (db.h, db_compare).
 *
 * Steps: (1) load the selected finished runs in id order; (2) flatten each
 * run's config into (path, text) leaves with SQLite's json_tree, and add the
 * run columns the config does not name; (3) keep the fields whose value is
 * not the same in every run; (4) runs with equal values in all of them form
 * a group; (5) one query per metric sums values into the groups; (6) pick the
 * baseline of each group.  All SQL goes through db_query, so it is read-only.
 */
#include <math.h>
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
	struct crun *runs;
	unsigned nr_runs;
	char **fields; /* every field seen */
	unsigned nr_fields;
	unsigned *vary; /* indexes of the varying fields */
	unsigned nr_vary;
	struct db_compare *out;
	unsigned metric; /* the metric being summed */
	double *sum;     /* [nr_groups] */
	unsigned *cnt;
};

static const char *const run_cols[5] = {"kind", "workload", "memory_model", "cpu", "layout"};

static int oom(struct cmp *c)
{
	return vmemsim_errf(c->err, VMEMSIM_ENOMEM, "%s: out of memory comparing runs",
	                    c->db->path);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool grow(void **p, unsigned n, size_t size)
{
	void *q = realloc(*p, (n + 1) * size);
	if (!q)
		return false;
	*p = q;
	return true;
}

/* ---- (1) and (2): runs and their fields ---------------------------------- */

static int load_run(void *ctx, unsigned ncols, const char *const *names, const struct db_value *v)
{
	struct cmp *c = ctx;
	struct crun *r;
	if (!v)
		return 0;
	if (!grow((void **)&c->runs, c->nr_runs, sizeof(*c->runs)))
		return oom(c);
	r = &c->runs[c->nr_runs++];
	memset(r, 0, sizeof(*r));
	r->id = v[0].i;
	for (unsigned i = 0; i < 5; i++)
		r->col[i] = dup_or_null(v[i + 1].type == DB_NULL ? NULL : v[i + 1].s);
	r->config = strdup(v[6].s ? v[6].s : "{}");
	return r->config ? 0 : oom(c);
}

static bool ignored(const struct cmp *c, const char *field)
{
	for (unsigned i = 0; i < c->o->nr_ignore; i++) {
		size_t n = strlen(c->o->ignore[i]);
		if (!strncmp(field, c->o->ignore[i], n) &&
		    (field[n] == '\0' || field[n] == '.' || field[n] == '['))
			return true;
	}
	return false;
}

static int field_index(struct cmp *c, const char *name)
{
	for (unsigned i = 0; i < c->nr_fields; i++)
		if (!strcmp(c->fields[i], name))
			return (int)i;
	if (!grow((void **)&c->fields, c->nr_fields, sizeof(char *)) ||
	    !(c->fields[c->nr_fields] = strdup(name)))
		return -1;
	return (int)c->nr_fields++;
}

static int set_value(struct cmp *c, struct crun *r, const char *field, const char *value)
{
	int f;
	if (ignored(c, field))
		return 0;
	f = field_index(c, field);
	if (f < 0)
		return oom(c);
	while (r->nvals <= (unsigned)f) {
		if (!grow((void **)&r->vals, r->nvals, sizeof(char *)))
			return oom(c);
		r->vals[r->nvals++] = NULL;
	}
	free(r->vals[f]);
	r->vals[f] = strdup(value ? value : "null");
	return r->vals[f] ? 0 : oom(c);
}

struct leaf_ctx {
	struct cmp *c;
	struct crun *r;
};

static int add_leaf(void *ctx, unsigned ncols, const char *const *names, const struct db_value *v)
{
	struct leaf_ctx *l = ctx;
	if (!v)
		return 0;
	return set_value(l->c, l->r, v[0].s ? v[0].s : "", v[1].s);
}

/* Does the run's config already have a field `name` (or below it)? */
static bool has_field(const struct cmp *c, const struct crun *r, const char *name)
{
	size_t n = strlen(name);
	for (unsigned f = 0; f < r->nvals; f++)
		if (r->vals[f] && !strncmp(c->fields[f], name, n) &&
		    (c->fields[f][n] == '\0' || c->fields[f][n] == '.' || c->fields[f][n] == '['))
			return true;
	return false;
}

static int flatten_run(struct cmp *c, struct crun *r)
{
	static const char sql[] =
	    /* fullkey is $.a.b, or $."a_b" for keys SQLite thinks need quotes */
	    "SELECT replace(substr(fullkey, 3), '\"', ''), CASE type WHEN 'true' THEN 'true'"
	    " WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' ELSE CAST(atom AS TEXT) END"
	    " FROM json_tree(?1) WHERE type NOT IN ('object', 'array')";
	struct leaf_ctx l = {c, r};
	const char *args[1] = {r->config};
	int rc = db_query_args(c->db, sql, args, 1, add_leaf, &l, c->err);
	for (unsigned i = 0; !rc && i < 5; i++)
		if (r->col[i] && !has_field(c, r, run_cols[i]))
			rc = set_value(c, r, run_cols[i], r->col[i]);
	return rc;
}

static const char *val(const struct crun *r, unsigned f)
{
	return f < r->nvals ? r->vals[f] : NULL;
}

/* ---- (3) and (4): varying fields and groups ------------------------------ */

static int find_varying(struct cmp *c)
{
	c->vary = calloc(c->nr_fields ? c->nr_fields : 1, sizeof(*c->vary));
	if (!c->vary)
		return oom(c);
	for (unsigned f = 0; f < c->nr_fields; f++)
		for (unsigned i = 1; i < c->nr_runs; i++)
			if (!str_eq(val(&c->runs[0], f), val(&c->runs[i], f))) {
				c->vary[c->nr_vary++] = f;
				break;
			}
	return 0;
}

static bool same_group(const struct cmp *c, const struct crun *a, const struct crun *b)
{
	for (unsigned k = 0; k < c->nr_vary; k++)
		if (!str_eq(val(a, c->vary[k]), val(b, c->vary[k])))
			return false;
	return true;
}

static int make_groups(struct cmp *c)
{
	struct db_compare *o = c->out;
	unsigned *rep = calloc(c->nr_runs, sizeof(*rep)); /* a run of each group */
	if (!rep)
		return oom(c);
	for (unsigned i = 0; i < c->nr_runs; i++) {
		unsigned g;
		for (g = 0; g < o->nr_groups; g++)
			if (same_group(c, &c->runs[rep[g]], &c->runs[i]))
				break;
		if (g == o->nr_groups)
			rep[o->nr_groups++] = i;
		c->runs[i].group = (int)g;
	}
	o->groups = calloc(o->nr_groups, sizeof(*o->groups));
	if (!o->groups) {
		free(rep);
		return oom(c);
	}
	for (unsigned g = 0; g < o->nr_groups; g++) {
		struct db_compare_group *gr = &o->groups[g];
		gr->first_run = c->runs[rep[g]].id; /* runs are in id order */
		gr->baseline = -1;
		gr->values = calloc(c->nr_vary ? c->nr_vary : 1, sizeof(char *));
		if (!gr->values) {
			free(rep);
			return oom(c);
		}
		for (unsigned k = 0; k < c->nr_vary; k++) {
			const char *v = val(&c->runs[rep[g]], c->vary[k]);
			if (v && !(gr->values[k] = strdup(v))) {
				free(rep);
				return oom(c);
			}
		}
	}
	for (unsigned i = 0; i < c->nr_runs; i++)
		o->groups[c->runs[i].group].nr_runs++;
	free(rep);
	return 0;
}

/* ---- (5): metrics -------------------------------------------------------- */

struct names {
	char **v;
	unsigned n;
};

static int collect_name(void *ctx, unsigned ncols, const char *const *names,
                        const struct db_value *v)
{
	struct names *nm = ctx;
	if (!v || v[0].type == DB_NULL)
		return 0;
	if (!grow((void **)&nm->v, nm->n, sizeof(char *)) || !(nm->v[nm->n] = strdup(v[0].s)))
		return VMEMSIM_ENOMEM;
	nm->n++;
	return 0;
}

static void names_free(struct names *nm)
{
	for (unsigned i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

static bool in_names(const struct names *nm, const char *s)
{
	for (unsigned i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], s))
			return true;
	return false;
}

/* Numeric columns of run_summary (empty on a version-1 database). */
static int summary_columns(struct cmp *c, struct names *nm)
{
	static const char sql[] =
	    "SELECT name FROM pragma_table_info('run_summary') WHERE name NOT IN"
	    " ('run', 'kind', 'workload', 'memory_model', 'cpu', 'layout', 'status', 'started')";
	int rc = db_query(c->db, sql, collect_name, nm, c->err);
	return rc == VMEMSIM_ENOMEM ? oom(c) : rc;
}

static int metric_names(struct cmp *c, struct names *nm)
{
	int rc = db_query(c->db, "SELECT DISTINCT name FROM metrics ORDER BY name", collect_name,
	                  nm, c->err);
	return rc == VMEMSIM_ENOMEM ? oom(c) : rc;
}

static int unknown_metric(struct cmp *c, const char *m, const struct names *known)
{
	char list[600] = "";
	for (unsigned i = 0; i < known->n && strlen(list) < sizeof(list) - 80; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
		         known->v[i]);
	return vmemsim_errf(c->err, VMEMSIM_ENOENT, "%s: no metric '%s'; metrics stored: %s%s",
	                    c->db->path, m, list[0] ? list : "(none)",
	                    strlen(list) >= sizeof(list) - 80 ? ", ..." : "");
}

static int choose_metrics(struct cmp *c, const struct names *stored, const struct names *summary)
{
	static const char *const defaults[] = {DB_COMPARE_DEFAULT_METRICS};
	const char *const *want = c->o->metrics ? c->o->metrics : defaults;
	unsigned n = c->o->metrics ? c->o->nr_metrics : sizeof(defaults) / sizeof(*defaults);
	struct db_compare *o = c->out;

	o->metrics = calloc(n ? n : 1, sizeof(char *));
	if (!o->metrics)
		return oom(c);
	for (unsigned i = 0; i < n; i++) {
		/* defaults must be stored metrics: summary columns exist even when
		 * every value in them is NULL */
		bool known =
		    in_names(stored, want[i]) || (c->o->metrics && in_names(summary, want[i]));
		if (!known && c->o->metrics)
			return unknown_metric(c, want[i], stored);
		if (known && !(o->metrics[o->nr_metrics++] = strdup(want[i])))
			return oom(c);
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
		c->sum[c->runs[i].group] += v[1].d;
		c->cnt[c->runs[i].group]++;
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

static int compute_means(struct cmp *c, const struct names *stored)
{
	struct db_compare *o = c->out;
	int rc = 0;

	c->sum = calloc(o->nr_groups, sizeof(*c->sum));
	c->cnt = calloc(o->nr_groups, sizeof(*c->cnt));
	if (!c->sum || !c->cnt)
		return oom(c);
	for (unsigned g = 0; g < o->nr_groups; g++) {
		o->groups[g].mean = calloc(o->nr_metrics ? o->nr_metrics : 1, sizeof(double));
		o->groups[g].ratio = calloc(o->nr_metrics ? o->nr_metrics : 1, sizeof(double));
		if (!o->groups[g].mean || !o->groups[g].ratio)
			return oom(c);
	}
	for (unsigned m = 0; !rc && m < o->nr_metrics; m++) {
		memset(c->sum, 0, o->nr_groups * sizeof(*c->sum));
		memset(c->cnt, 0, o->nr_groups * sizeof(*c->cnt));
		rc = sum_metric(c, o->metrics[m], !in_names(stored, o->metrics[m]));
		for (unsigned g = 0; !rc && g < o->nr_groups; g++)
			o->groups[g].mean[m] = c->cnt[g] ? c->sum[g] / c->cnt[g] : NAN;
	}
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
	return k >= 0 && str_eq(g->values[k], value);
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

static int bad_baseline_value(const struct cmp *c, int k, const char *key, const char *value)
{
	char list[512] = "";
	const struct db_compare *o = c->out;
	for (unsigned g = 0; g < o->nr_groups && strlen(list) + 2 < sizeof(list); g++) {
		const char *v = o->groups[g].values[k];
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", g ? ", " : "",
		         v ? v : "(absent)");
	}
	return vmemsim_errf(c->err, VMEMSIM_ENOENT, "%s: no selected run has %s=%s; values: %s",
	                    c->db->path, key, value, list);
}

/* Group b is g's baseline: b has key=value and agrees with g elsewhere. */
static bool is_baseline_for(const struct cmp *c, const struct db_compare_group *b,
                            const struct db_compare_group *g, int k, const char *value)
{
	if (!group_has(b, k, value))
		return false;
	for (unsigned j = 0; j < c->nr_vary; j++)
		if ((int)j != k && !str_eq(b->values[j], g->values[j]))
			return false;
	return true;
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
	if (!key) {
		for (unsigned g = 0; g < o->nr_groups; g++)
			o->groups[g].baseline = 0;
		snprintf(o->baseline, sizeof(o->baseline), "first group (run %lld)",
		         (long long)o->groups[0].first_run);
		return 0;
	}
	k = vary_index(c, key);
	if (k < 0)
		return bad_baseline_field(c, key);
	for (unsigned g = 0; g < o->nr_groups; g++)
		for (unsigned b = 0; b < o->nr_groups; b++) {
			any |= group_has(&o->groups[b], k, value);
			if (o->groups[g].baseline < 0 &&
			    is_baseline_for(c, &o->groups[b], &o->groups[g], k, value))
				o->groups[g].baseline = (int)b;
		}
	if (!any)
		return bad_baseline_value(c, k, key, value);
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

/* ---- entry points ---------------------------------------------------------- */

static int load_runs(struct cmp *c)
{
	static const char head[] = "SELECT id, kind, workload, memory_model, cpu, layout, config"
	                           " FROM runs WHERE status = 'done' AND (";
	const char *where = c->o->where && *c->o->where ? c->o->where : "1";
	size_t len = sizeof(head) + strlen(where) + 32;
	char *sql = malloc(len);
	int rc;

	if (!sql)
		return oom(c);
	/* the newline ends a trailing -- comment in the user's condition */
	snprintf(sql, len, "%s%s\n) ORDER BY id", head, where);
	rc = db_query(c->db, sql, load_run, c, c->err);
	free(sql);
	if (!rc && !c->nr_runs)
		rc = vmemsim_errf(c->err, VMEMSIM_ENOENT, "%s: no finished run matches%s%s",
		                  c->db->path, c->o->where ? " --where " : "",
		                  c->o->where ? c->o->where : "");
	return rc;
}

/* Hand the varying field names to the result. */
static int export_fields(struct cmp *c)
{
	struct db_compare *o = c->out;
	o->fields = calloc(c->nr_vary ? c->nr_vary : 1, sizeof(char *));
	if (!o->fields)
		return oom(c);
	for (unsigned k = 0; k < c->nr_vary; k++) {
		if (!(o->fields[k] = strdup(c->fields[c->vary[k]])))
			return oom(c);
		o->nr_fields++;
	}
	o->nr_runs = c->nr_runs;
	return 0;
}

static int build(struct cmp *c)
{
	struct names stored = {0}, summary = {0};
	int rc = load_runs(c);

	for (unsigned i = 0; !rc && i < c->nr_runs; i++)
		rc = flatten_run(c, &c->runs[i]);
	if (!rc)
		rc = find_varying(c);
	if (!rc)
		rc = export_fields(c);
	if (!rc)
		rc = make_groups(c);
	if (!rc)
		rc = metric_names(c, &stored);
	if (!rc)
		rc = summary_columns(c, &summary);
	if (!rc)
		rc = choose_metrics(c, &stored, &summary);
	if (!rc)
		rc = compute_means(c, &stored);
	if (!rc)
		rc = pick_baseline(c);
	if (!rc)
		compute_ratios(c->out);
	names_free(&stored);
	names_free(&summary);
	return rc;
}

static void cmp_free(struct cmp *c)
{
	for (unsigned i = 0; i < c->nr_runs; i++) {
		for (unsigned j = 0; j < 5; j++)
			free(c->runs[i].col[j]);
		free(c->runs[i].config);
		for (unsigned f = 0; f < c->runs[i].nvals; f++)
			free(c->runs[i].vals[f]);
		free(c->runs[i].vals);
	}
	free(c->runs);
	for (unsigned f = 0; f < c->nr_fields; f++)
		free(c->fields[f]);
	free(c->fields);
	free(c->vary);
	free(c->sum);
	free(c->cnt);
}

int db_compare(struct db *db, const struct db_compare_opts *opts, struct db_compare **out,
               struct vmemsim_err *err)
{
	static const struct db_compare_opts none;
	struct cmp c = {.db = db, .o = opts ? opts : &none, .err = err};
	int rc;

	*out = NULL;
	if (db->version < 1)
		return vmemsim_errf(err, VMEMSIM_ENOENT, "%s: no runs (empty database)", db->path);
	c.out = calloc(1, sizeof(*c.out));
	if (!c.out)
		return oom(&c);
	rc = build(&c);
	if (rc)
		db_compare_free(c.out);
	else
		*out = c.out;
	cmp_free(&c);
	return rc;
}

void db_compare_free(struct db_compare *o)
{
	if (!o)
		return;
	for (unsigned g = 0; g < o->nr_groups && o->groups; g++) {
		for (unsigned k = 0; k < o->nr_fields; k++)
			free(o->groups[g].values[k]);
		free(o->groups[g].values);
		free(o->groups[g].mean);
		free(o->groups[g].ratio);
	}
	free(o->groups);
	for (unsigned k = 0; k < o->nr_fields; k++)
		free(o->fields[k]);
	free(o->fields);
	for (unsigned m = 0; m < o->nr_metrics; m++)
		free(o->metrics[m]);
	free(o->metrics);
	free(o);
}
