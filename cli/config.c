/*
 * cli/config.c — JSON configs with line:column positions and --set overrides.
 *
 * jansson parses and validates the text; it keeps no positions for values,
 * so after a successful parse a small scanner walks the same (now known
 * valid) text and records, for each key path, the line and column where the
 * key starts.  Paths look like "tlb.l1d.arrays[0].entries".
 *
 * Invariants:
 *  1. pos[] holds one entry per key or array element of the text as loaded;
 *     keys created by cfg_set() are in set_paths[] instead.
 *  2. A failed cfg_set() leaves the document as it was.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CFG_MAX_TEXT (16u << 20)
#define CFG_MAX_PATH 512

struct cfg_pos {
	char *path;
	int line, col;
};

struct cfg {
	char *name;
	json_t *root;
	struct cfg_pos *pos;
	size_t npos, cappos;
	char **set_paths;
	size_t nset;
};

/* ---- the position scanner ---------------------------------------------- */

struct scan {
	struct cfg *c;
	const char *s, *end;
	int line, col;
	int failed;
};

static void sc_adv(struct scan *sc)
{
	if (sc->s >= sc->end)
		return;
	if (*sc->s == '\n') {
		sc->line++;
		sc->col = 1;
	} else if ((*sc->s & 0xc0) != 0x80) {
		sc->col++; /* count UTF-8 characters, as jansson does */
	}
	sc->s++;
}

static void sc_ws(struct scan *sc)
{
	while (sc->s < sc->end &&
	       (*sc->s == ' ' || *sc->s == '\t' || *sc->s == '\n' || *sc->s == '\r'))
		sc_adv(sc);
}

static void add_pos(struct cfg *c, const char *path, int line, int col)
{
	if (c->npos == c->cappos) {
		size_t cap = c->cappos ? c->cappos * 2 : 32;
		struct cfg_pos *p = realloc(c->pos, cap * sizeof(*p));
		if (!p)
			return; /* positions are a nicety; messages degrade to path only */
		c->pos = p;
		c->cappos = cap;
	}
	c->pos[c->npos].path = strdup(path);
	if (!c->pos[c->npos].path)
		return;
	c->pos[c->npos].line = line;
	c->pos[c->npos].col = col;
	c->npos++;
}

/* Copy a string token's raw contents (escapes kept) into buf; advance past it. */
static void sc_string(struct scan *sc, char *buf, size_t len)
{
	size_t n = 0;
	sc_adv(sc); /* opening quote */
	while (sc->s < sc->end && *sc->s != '"') {
		if (*sc->s == '\\') {
			if (buf && n + 1 < len)
				buf[n++] = *sc->s;
			sc_adv(sc);
		}
		if (buf && n + 1 < len && sc->s < sc->end)
			buf[n++] = *sc->s;
		sc_adv(sc);
	}
	sc_adv(sc); /* closing quote */
	if (buf)
		buf[n] = '\0';
}

static void sc_value(struct scan *sc, const char *path, int depth);

static void sc_object(struct scan *sc, const char *path, int depth)
{
	char key[256], child[CFG_MAX_PATH];
	sc_adv(sc); /* { */
	for (;;) {
		int line, col;
		sc_ws(sc);
		if (sc->s >= sc->end || *sc->s == '}')
			break;
		if (*sc->s != '"') {
			sc->failed = 1;
			return;
		}
		line = sc->line;
		col = sc->col;
		sc_string(sc, key, sizeof(key));
		cfg_path(child, sizeof(child), path, key, -1);
		add_pos(sc->c, child, line, col);
		sc_ws(sc);
		if (sc->s < sc->end && *sc->s == ':')
			sc_adv(sc);
		sc_value(sc, child, depth + 1);
		sc_ws(sc);
		if (sc->s < sc->end && *sc->s == ',')
			sc_adv(sc);
		if (sc->failed)
			return;
	}
	sc_adv(sc); /* } */
}

static void sc_array(struct scan *sc, const char *path, int depth)
{
	char child[CFG_MAX_PATH];
	int i = 0;
	sc_adv(sc); /* [ */
	for (;;) {
		sc_ws(sc);
		if (sc->s >= sc->end || *sc->s == ']')
			break;
		cfg_path(child, sizeof(child), path, NULL, i++);
		add_pos(sc->c, child, sc->line, sc->col);
		sc_value(sc, child, depth + 1);
		sc_ws(sc);
		if (sc->s < sc->end && *sc->s == ',')
			sc_adv(sc);
		if (sc->failed)
			return;
	}
	sc_adv(sc); /* ] */
}

static void sc_value(struct scan *sc, const char *path, int depth)
{
	sc_ws(sc);
	if (sc->s >= sc->end || depth > 256) {
		sc->failed = 1;
		return;
	}
	switch (*sc->s) {
	case '{': sc_object(sc, path, depth); break;
	case '[': sc_array(sc, path, depth); break;
	case '"': sc_string(sc, NULL, 0); break;
	default:
		while (sc->s < sc->end && !strchr(",]} \t\r\n", *sc->s))
			sc_adv(sc);
	}
}

/* ---- loading --------------------------------------------------------- */

void cfg_path(char *out, size_t len, const char *parent, const char *key, int index)
{
	if (index >= 0)
		snprintf(out, len, "%s[%d]", parent ? parent : "", index);
	else if (parent && *parent)
		snprintf(out, len, "%s.%s", parent, key);
	else
		snprintf(out, len, "%s", key);
}

int cfg_load_string(struct cfg **out, const char *name, const char *text, size_t len,
                    struct vmemsim_err *err)
{
	json_error_t jerr;
	struct cfg *c;
	struct scan sc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(name))) {
		free(c);
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", name);
	}
	c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!c->root) {
		cfg_free(c);
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s:%d:%d: %s", name, jerr.line,
		                    jerr.column, jerr.text);
	}
	if (!json_is_object(c->root)) {
		cfg_free(c);
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s:1:1: the top level must be an object",
		                    name);
	}
	memset(&sc, 0, sizeof(sc));
	sc.c = c;
	sc.s = text;
	sc.end = text + len;
	sc.line = 1;
	sc.col = 1;
	sc_value(&sc, "", 0);
	*out = c;
	return 0;
}

int cfg_load_file(struct cfg **out, const char *path, struct vmemsim_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	*out = NULL;
	if (!f)
		return vmemsim_errf(err, VMEMSIM_EIO, "%s: cannot open: %s", path, strerror(errno));
	buf = malloc(CFG_MAX_TEXT + 1);
	if (!buf) {
		fclose(f);
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", path);
	}
	n = fread(buf, 1, CFG_MAX_TEXT + 1, f);
	if (ferror(f)) {
		rc = vmemsim_errf(err, VMEMSIM_EIO, "%s: read error: %s", path, strerror(errno));
	} else if (n > CFG_MAX_TEXT) {
		rc = vmemsim_errf(err, VMEMSIM_EINVAL, "%s: larger than %u bytes", path,
		                  CFG_MAX_TEXT);
	} else {
		rc = cfg_load_string(out, path, buf, n, err);
	}
	fclose(f);
	free(buf);
	return rc;
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->npos; i++)
		free(c->pos[i].path);
	for (size_t i = 0; i < c->nset; i++)
		free(c->set_paths[i]);
	free(c->pos);
	free(c->set_paths);
	json_decref(c->root);
	free(c->name);
	free(c);
}

json_t *cfg_root(const struct cfg *c)
{
	return c->root;
}

const char *cfg_name(const struct cfg *c)
{
	return c->name;
}

/* ---- --set -------------------------------------------------------------- */

/* Split "a.b[2].c" into components; returns count or -1. */
static int split_path(char *p, char **comp, int *idx, int max)
{
	int n = 0;
	while (*p) {
		if (n == max)
			return -1;
		if (*p == '[') {
			char *end;
			long v = strtol(p + 1, &end, 10);
			if (end == p + 1 || *end != ']' || v < 0 || v > INT_MAX)
				return -1;
			comp[n] = NULL;
			idx[n++] = (int)v;
			p = end + 1;
			if (*p == '.')
				p++;
			continue;
		}
		comp[n] = p;
		idx[n++] = -1;
		while (*p && *p != '.' && *p != '[')
			p++;
		if (comp[n - 1] == p)
			return -1; /* empty component */
		if (*p == '.') {
			*p++ = '\0';
			if (!*p)
				return -1;
		} else if (*p == '[') {
			/* terminate the key without losing the bracket */
			memmove(p + 1, p, strlen(p) + 1);
			*p++ = '\0';
		}
	}
	return n;
}

int cfg_set(struct cfg *c, const char *assignment, struct vmemsim_err *err)
{
	char buf[CFG_MAX_PATH * 2], *eq, *comp[64];
	int idx[64], n;
	json_t *value, *copy, *cur;
	json_error_t jerr;

	if (strlen(assignment) >= CFG_MAX_PATH)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "--set %.40s...: too long", assignment);
	snprintf(buf, sizeof(buf), "%s", assignment);
	eq = strchr(buf, '=');
	if (!eq || eq == buf)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "--set %s: expected KEY.PATH=VALUE (e.g. tlb.stlb.latency=9)",
		                    assignment);
	*eq = '\0';
	value = json_string(buf); /* jansson refuses keys that are not UTF-8 */
	if (!value)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "--set: the key is not valid UTF-8");
	json_decref(value);
	value = json_loads(eq + 1, JSON_DECODE_ANY, &jerr);
	/* A number jansson cannot hold is still a number, not a plain string. */
	if (!value && strstr(jerr.text, "too big"))
		return vmemsim_errf(err, VMEMSIM_EINVAL, "--set %s: %s is too big an integer", buf,
		                    eq + 1);
	if (!value)
		value = json_string(eq + 1);
	if (!value)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "--set %s: value is not valid UTF-8",
		                    assignment);
	{
		char pathcopy[CFG_MAX_PATH];
		memcpy(pathcopy, buf, strlen(buf) + 1); /* < CFG_MAX_PATH: checked above */
		n = split_path(buf, comp, idx, 64);
		if (n <= 0) {
			json_decref(value);
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "--set %s: malformed key path '%s'", assignment,
			                    pathcopy);
		}
		/* Work on a copy so that a failure changes nothing (invariant 2). */
		copy = json_deep_copy(c->root);
		if (!copy) {
			json_decref(value);
			return vmemsim_errf(err, VMEMSIM_ENOMEM, "--set %s: out of memory",
			                    assignment);
		}
		cur = copy;
		for (int i = 0; i < n - 1; i++) {
			json_t *next;
			if (idx[i] >= 0) {
				next =
				    json_is_array(cur) ? json_array_get(cur, (size_t)idx[i]) : NULL;
			} else {
				if (!json_is_object(cur))
					next = NULL;
				else if (!(next = json_object_get(cur, comp[i])) &&
				         (i + 1 >= n || idx[i + 1] < 0)) {
					next = json_object();
					if (json_object_set_new(cur, comp[i], next))
						next = NULL; /* jansson freed it */
				}
			}
			if (!next || (!json_is_object(next) && !json_is_array(next))) {
				json_decref(copy);
				json_decref(value);
				return vmemsim_errf(
				    err, VMEMSIM_EINVAL,
				    "--set %s: '%s' does not lead to an object or an "
				    "existing array element",
				    assignment, pathcopy);
			}
			cur = next;
		}
		if (idx[n - 1] >= 0) {
			if (!json_is_array(cur) || (size_t)idx[n - 1] >= json_array_size(cur)) {
				json_decref(copy);
				json_decref(value);
				return vmemsim_errf(err, VMEMSIM_EINVAL,
				                    "--set %s: no array element %d at '%s'",
				                    assignment, idx[n - 1], pathcopy);
			}
			if (json_array_set_new(cur, (size_t)idx[n - 1], value)) {
				json_decref(copy); /* jansson freed value */
				return vmemsim_errf(err, VMEMSIM_ENOMEM, "--set %s: out of memory",
				                    assignment);
			}
		} else {
			if (!json_is_object(cur)) {
				json_decref(copy);
				json_decref(value);
				return vmemsim_errf(err, VMEMSIM_EINVAL,
				                    "--set %s: parent of '%s' is not an object",
				                    assignment, pathcopy);
			}
			if (json_object_set_new(cur, comp[n - 1], value)) {
				json_decref(copy); /* jansson freed value */
				return vmemsim_errf(err, VMEMSIM_EINVAL,
				                    "--set %s: cannot set '%s'", assignment,
				                    pathcopy);
			}
		}
		json_decref(c->root);
		c->root = copy;
		char **sp = realloc(c->set_paths, (c->nset + 1) * sizeof(*sp));
		if (sp) {
			c->set_paths = sp;
			if ((sp[c->nset] = strdup(pathcopy)))
				c->nset++;
		}
	}
	return 0;
}

/* ---- errors and positions ------------------------------------------------ */

static bool path_is_set(const struct cfg *c, const char *path)
{
	for (size_t i = 0; i < c->nset; i++) {
		size_t l = strlen(c->set_paths[i]);
		/* the set path itself or anything below it */
		if (!strncmp(path, c->set_paths[i], l) &&
		    (path[l] == '\0' || path[l] == '.' || path[l] == '['))
			return true;
	}
	return false;
}

static const struct cfg_pos *find_pos(const struct cfg *c, const char *path)
{
	for (size_t i = 0; i < c->npos; i++)
		if (!strcmp(c->pos[i].path, path))
			return &c->pos[i];
	return NULL;
}

int cfg_errorf(const struct cfg *c, struct vmemsim_err *err, int code, const char *path,
               const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	const struct cfg_pos *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!path || !*path)
		return vmemsim_errf(err, code, "%s: %s", c->name, msg);
	if (path_is_set(c, path))
		return vmemsim_errf(err, code, "--set %s: %s", path, msg);
	p = find_pos(c, path);
	if (p)
		return vmemsim_errf(err, code, "%s:%d:%d: %s: %s", c->name, p->line, p->col, path,
		                    msg);
	return vmemsim_errf(err, code, "%s: %s: %s", c->name, path, msg);
}

unsigned cfg_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[65];
	if (la > 64 || lb > 64)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

int cfg_check_keys(const struct cfg *c, const json_t *obj, const char *path,
                   const char *const *allowed, struct vmemsim_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		const char *best = NULL;
		unsigned bestd = ~0u;
		char child[CFG_MAX_PATH];
		bool ok = false;
		for (const char *const *a = allowed; *a; a++) {
			unsigned d;
			if (!strcmp(*a, key)) {
				ok = true;
				break;
			}
			d = cfg_edit_distance(*a, key);
			if (d < bestd) {
				bestd = d;
				best = *a;
			}
		}
		if (ok)
			continue;
		cfg_path(child, sizeof(child), path, key, -1);
		if (best && bestd <= 2 + strlen(key) / 4)
			return cfg_errorf(c, err, VMEMSIM_EINVAL, child,
			                  "unknown key (did you mean '%s'?)", best);
		{
			char list[512] = "";
			for (const char *const *a = allowed; *a; a++) {
				size_t l = strlen(list);
				snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", *a);
			}
			return cfg_errorf(c, err, VMEMSIM_EINVAL, child,
			                  "unknown key (valid keys: %s)", list);
		}
	}
	return 0;
}
