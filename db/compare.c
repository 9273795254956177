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
#include "compare_internal.h"

static const char *const run_cols[5] = {"kind", "workload", "memory_model", "cpu", "layout"};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ---- (1) and (2): runs and their fields ---------------------------------- */

static int load_run(void *ctx, unsigned ncols, const char *const *names, const struct db_value *v)
{
	struct cmp *c = ctx;
	struct crun *r;
	if (!v)
		return 0;
	if (!cmp_grow((void **)&c->runs, c->nr_runs, sizeof(*c->runs)))
		return cmp_oom(c);
	r = &c->runs[c->nr_runs++];
	memset(r, 0, sizeof(*r));
	r->id = v[0].i;
	for (unsigned i = 0; i < 5; i++)
		r->col[i] = dup_or_null(v[i + 1].type == DB_NULL ? NULL : v[i + 1].s);
	r->config = strdup(v[6].s ? v[6].s : "{}");
	return r->config ? 0 : cmp_oom(c);
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
	if (!cmp_grow((void **)&c->fields, c->nr_fields, sizeof(char *)) ||
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
		return cmp_oom(c);
	while (r->nvals <= (unsigned)f) {
		if (!cmp_grow((void **)&r->vals, r->nvals, sizeof(char *)))
			return cmp_oom(c);
		r->vals[r->nvals++] = NULL;
	}
	free(r->vals[f]);
	r->vals[f] = strdup(value ? value : "null");
	return r->vals[f] ? 0 : cmp_oom(c);
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
	if (rc == VMEMSIM_EINVAL) /* a config edited by hand into bad JSON */
		return vmemsim_errf(c->err, rc,
		                    "%s: run %lld: the stored config is not valid JSON; exclude "
		                    "the run with --where \"id <> %lld\"",
		                    c->db->path, (long long)r->id, (long long)r->id);
	for (unsigned i = 0; !rc && i < 5; i++)
		if (r->col[i] && !has_field(c, r, run_cols[i]))
			rc = set_value(c, r, run_cols[i], r->col[i]);
	return rc;
}

/* ---- (3) and (4): varying fields and groups ------------------------------ */

static int find_varying(struct cmp *c)
{
	c->vary = calloc(c->nr_fields ? c->nr_fields : 1, sizeof(*c->vary));
	if (!c->vary)
		return cmp_oom(c);
	for (unsigned f = 0; f < c->nr_fields; f++)
		for (unsigned i = 1; i < c->nr_runs; i++)
			if (!cmp_str_eq(cmp_val(&c->runs[0], f), cmp_val(&c->runs[i], f))) {
				c->vary[c->nr_vary++] = f;
				break;
			}
	return 0;
}

/* label[i] = index of the first run with run i's value of field f: two
 * fields with equal labels split the runs identically. */
static int label_runs(struct cmp *c, unsigned f, unsigned *label)
{
	struct cmp_map map = {0};
	int rc = cmp_map_init(&map, c->nr_runs);

	for (unsigned i = 0; !rc && i < c->nr_runs; i++) {
		char *key = cmp_key(&c->runs[i], &f, 1, -1);
		if (!key)
			rc = VMEMSIM_ENOMEM;
		else
			label[i] = cmp_map_put(&map, key, i);
	}
	cmp_map_free(&map);
	return rc ? cmp_oom(c) : 0;
}

/* Which of two equivalent fields names the group better: a run column
 * (memory_model, cpu, ...), then a "name" leaf, then the shorter path. */
static int field_rank(const char *f)
{
	const char *dot = strrchr(f, '.');
	for (unsigned i = 0; i < 5; i++)
		if (!strcmp(f, run_cols[i]))
			return 0;
	return dot && !strcmp(dot + 1, "name") ? 1 : 2;
}

static bool better_field(const char *a, const char *b)
{
	int ra = field_rank(a), rb = field_rank(b);
	return ra != rb ? ra < rb : strlen(a) < strlen(b);
}

/* Comparing two CPU presets makes dozens of fields differ together (every
 * geometry, the description, the sources): show one per distinct split of
 * the runs and keep the others as hidden, for --baseline and the count. */
static int hide_redundant(struct cmp *c)
{
	unsigned n = c->nr_runs, kept = 0;
	unsigned *label = calloc((size_t)c->nr_vary * n + 1, sizeof(*label));
	unsigned *hidden = calloc(c->nr_vary + 1, sizeof(*hidden));
	unsigned *rep = calloc(c->nr_vary + 1, sizeof(*rep));

	if (!label || !hidden || !rep) {
		free(label), free(hidden), free(rep);
		return cmp_oom(c);
	}
	for (unsigned k = 0; k < c->nr_vary; k++) {
		unsigned *lk = label + (size_t)k * n, j;
		if (label_runs(c, c->vary[k], lk)) {
			free(label), free(hidden), free(rep);
			return VMEMSIM_ENOMEM;
		}
		for (j = 0; j < kept; j++)
			if (!memcmp(label + (size_t)j * n, lk, n * sizeof(*lk)))
				break;
		if (j == kept) { /* a new split: keep it */
			if (j != k)
				memcpy(label + (size_t)j * n, lk, n * sizeof(*lk));
			c->vary[kept++] = c->vary[k];
			continue;
		}
		/* same split as kept field j: the better name stands for both */
		unsigned field = c->vary[k];
		if (better_field(c->fields[field], c->fields[c->vary[j]])) {
			unsigned t = c->vary[j];
			c->vary[j] = field;
			field = t;
		}
		hidden[c->nr_hidden] = field;
		rep[c->nr_hidden++] = j;
	}
	c->nr_vary = kept;
	c->hidden = hidden;
	c->hidden_rep = rep;
	free(label);
	return 0;
}

static int make_groups(struct cmp *c)
{
	struct db_compare *o = c->out;
	unsigned *rep = calloc(c->nr_runs, sizeof(*rep)); /* a run of each group */
	struct cmp_map map = {0};
	if (!rep || cmp_map_init(&map, c->nr_runs)) {
		free(rep);
		cmp_map_free(&map);
		return cmp_oom(c);
	}
	for (unsigned i = 0; i < c->nr_runs; i++) {
		char *key = cmp_key(&c->runs[i], c->vary, c->nr_vary, -1);
		unsigned g;
		if (!key) {
			free(rep);
			cmp_map_free(&map);
			return cmp_oom(c);
		}
		g = cmp_map_put(&map, key, o->nr_groups);
		if (g == o->nr_groups)
			rep[o->nr_groups++] = i;
		c->runs[i].group = (int)g;
	}
	cmp_map_free(&map);
	o->groups = calloc(o->nr_groups, sizeof(*o->groups));
	if (!o->groups) {
		free(rep);
		return cmp_oom(c);
	}
	for (unsigned g = 0; g < o->nr_groups; g++) {
		struct db_compare_group *gr = &o->groups[g];
		gr->first_run = c->runs[rep[g]].id; /* runs are in id order */
		gr->baseline = -1;
		gr->values = calloc(c->nr_vary ? c->nr_vary : 1, sizeof(char *));
		if (!gr->values) {
			free(rep);
			return cmp_oom(c);
		}
		for (unsigned k = 0; k < c->nr_vary; k++) {
			const char *v = cmp_val(&c->runs[rep[g]], c->vary[k]);
			if (v && !(gr->values[k] = strdup(v))) {
				free(rep);
				return cmp_oom(c);
			}
		}
	}
	for (unsigned i = 0; i < c->nr_runs; i++)
		o->groups[c->runs[i].group].nr_runs++;
	free(rep);
	return 0;
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
		return cmp_oom(c);
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
		return cmp_oom(c);
	for (unsigned k = 0; k < c->nr_vary; k++) {
		if (!(o->fields[k] = strdup(c->fields[c->vary[k]])))
			return cmp_oom(c);
		o->nr_fields++;
	}
	o->nr_runs = c->nr_runs;
	o->nr_hidden_fields = c->nr_hidden;
	return 0;
}

static int build(struct cmp *c)
{
	int rc = load_runs(c);

	for (unsigned i = 0; !rc && i < c->nr_runs; i++)
		rc = flatten_run(c, &c->runs[i]);
	if (!rc)
		rc = find_varying(c);
	if (!rc && !c->o->all_fields)
		rc = hide_redundant(c);
	if (!rc)
		rc = export_fields(c);
	if (!rc)
		rc = make_groups(c);
	if (!rc)
		rc = cmp_metrics(c);
	if (!rc)
		rc = cmp_baseline(c);
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
	free(c->hidden);
	free(c->hidden_rep);
	free(c->sum);
	free(c->m2);
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
		return cmp_oom(&c);
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
		free(o->groups[g].stdev);
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
