/*
 * traces/footprint.c — how much address space a trace touches: distinct 4K
 * pages, 2M and 1G regions, for instructions and for data.  The numbers a
 * replay's page policy works with (a THP replay maps at most one 2M page per
 * 2M region touched).
 *
 * Distinct page numbers are kept in open-addressing hash sets (linear
 * probing, grown at 1/2 load).  Invariant: a set's used count equals the
 * number of non-empty slots; the empty slot is UINT64_MAX, which no page
 * number equals (page numbers are va >> 12 or more).
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

struct pageset {
	uint64_t *slot;
	size_t cap, used; /* cap: a power of two */
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int set_grow(struct pageset *s)
{
	size_t ncap = s->cap ? 2 * s->cap : 1024;
	uint64_t *n = malloc(ncap * sizeof(*n));

	if (!n)
		return VMEMSIM_ENOMEM;
	memset(n, 0xff, ncap * sizeof(*n));
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t v = s->slot[i];
		size_t j;
		if (v == UINT64_MAX)
			continue;
		for (j = mix(v) & (ncap - 1); n[j] != UINT64_MAX; j = (j + 1) & (ncap - 1))
			;
		n[j] = v;
	}
	free(s->slot);
	s->slot = n;
	s->cap = ncap;
	return 0;
}

static int set_add(struct pageset *s, uint64_t v)
{
	size_t j;

	if (2 * (s->used + 1) > s->cap && set_grow(s))
		return VMEMSIM_ENOMEM;
	for (j = mix(v) & (s->cap - 1); s->slot[j] != UINT64_MAX; j = (j + 1) & (s->cap - 1))
		if (s->slot[j] == v)
			return 0;
	s->slot[j] = v;
	s->used++;
	return 0;
}

/* sets[kind][ps]: kind 0 = code (fetches), 1 = data (loads and stores). */
static int add_range(struct pageset sets[2][3], int kind, uint64_t va, uint32_t size)
{
	uint64_t last = va + size - 1;

	if (last < va) /* wraps past the top of the address space */
		last = UINT64_MAX;
	for (int ps = 0; ps < 3; ps++) {
		unsigned shift = 12 + 9 * (unsigned)ps;
		for (uint64_t p = va >> shift; p <= last >> shift; p++)
			if (set_add(&sets[kind][ps], p))
				return VMEMSIM_ENOMEM;
	}
	return 0;
}

int trace_footprint(struct trace_reader *r, struct trace_footprint *out, struct vmemsim_err *err)
{
	enum { BATCH = 4096 };
	struct pageset sets[2][3];
	struct trace_rec *buf = malloc(BATCH * sizeof(*buf));
	long n = 0;
	int rc = 0;

	memset(sets, 0, sizeof(sets));
	memset(out, 0, sizeof(*out));
	if (!buf)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "out of memory");
	while (!rc && (n = trace_next_batch(r, buf, BATCH, err)) > 0)
		for (long i = 0; !rc && i < n; i++)
			if (buf[i].type != TRACE_RETIRE)
				rc = add_range(sets, buf[i].type != TRACE_FETCH, buf[i].va,
				               buf[i].size);
	if (rc)
		rc = vmemsim_errf(err, rc, "out of memory counting distinct pages");
	else if (n < 0)
		rc = (int)n;
	for (int k = 0; k < 2; k++)
		for (int ps = 0; ps < 3; ps++) {
			(k ? out->data : out->code)[ps] = sets[k][ps].used;
			free(sets[k][ps].slot);
		}
	free(buf);
	return rc;
}
