/*
 * db/compare_key.c — group keys for db_compare: a run's values of a list of
 * fields as one string, and a hash map from such strings to indexes, so that
 * grouping and baseline matching stay linear in the number of runs (a sweep
 * has thousands).
 *
 * Key encoding: for each field "<length>:<value>" or "-" when the field is
 * absent.  Length-prefixing makes the encoding injective: no value, however
 * odd its bytes, can make two different lists of values collide.
 */
#include <stdio.h>

#include "compare_internal.h"

char *cmp_key(const struct crun *r, const unsigned *fields, unsigned n, int skip)
{
	size_t len = 1;
	char *key, *p;

	for (unsigned k = 0; k < n; k++) {
		const char *v = cmp_val(r, fields[k]);
		len += (int)k == skip ? 0 : v ? strlen(v) + 24 : 1;
	}
	key = malloc(len);
	if (!key)
		return NULL;
	p = key;
	for (unsigned k = 0; k < n; k++) {
		const char *v = cmp_val(r, fields[k]);
		if ((int)k == skip)
			continue;
		if (v)
			p += sprintf(p, "%zu:%s", strlen(v), v);
		else
			*p++ = '-';
	}
	*p = '\0';
	return key;
}

/* FNV-1a: short keys, no adversary worth a keyed hash. */
static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int cmp_map_init(struct cmp_map *m, unsigned n)
{
	m->cap = 16;
	while (m->cap < 2 * n)
		m->cap *= 2;
	m->keys = calloc(m->cap, sizeof(*m->keys));
	m->vals = calloc(m->cap, sizeof(*m->vals));
	return m->keys && m->vals ? 0 : VMEMSIM_ENOMEM;
}

void cmp_map_free(struct cmp_map *m)
{
	for (unsigned i = 0; m->keys && i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
}

/* The slot of key: where it is, or the empty slot where it would go.  The
 * table is never more than half full (cmp_map_init sizes it for n keys). */
static unsigned slot(const struct cmp_map *m, const char *key)
{
	unsigned i = (unsigned)(hash(key) & (m->cap - 1));
	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

int cmp_map_get(const struct cmp_map *m, const char *key)
{
	unsigned i = slot(m, key);
	return m->keys[i] ? (int)m->vals[i] : -1;
}

unsigned cmp_map_put(struct cmp_map *m, char *key, unsigned val)
{
	unsigned i = slot(m, key);
	if (m->keys[i]) {
		free(key);
		return m->vals[i];
	}
	m->keys[i] = key;
	m->vals[i] = val;
	return val;
}
