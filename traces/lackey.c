/*
 * traces/lackey.c — valgrind lackey --trace-mem=yes output.
 *
 * Lines (valgrind's lk_main.c prints them with "%08lx,%lu"):
 *   "I  addr,size"  an instruction fetch; it becomes the pc of the data
 *                   accesses that follow
 *   " L addr,size"  a load        " S addr,size"  a store
 *   " M addr,size"  a modify: a load, then a store, of the same bytes
 * Lines starting "==pid==", "--pid--" or "**pid**" are valgrind's own
 * messages and are skipped, as are empty lines.  Anything else is garbage: an
 * error naming the line number, or (TRACE_SKIP_BAD) counted in
 * info.bad_lines.
 *
 * Invariants:
 *  (1) buf[pos, len) holds input not yet parsed; lines never straddle the
 *      start of buf (a partial line is moved to the front before refilling).
 *  (2) pending holds the store half of an " M" line that did not fit.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_ops.h"

#define LACKEY_BUF (1u << 20) /* also the longest line accepted */

struct lackey_state {
	char *buf;
	size_t cap; /* LACKEY_BUF, or less for a small memory input */
	size_t pos, len;
	bool eof;
	uint64_t line; /* lines consumed */
	uint64_t pc;   /* address of the last "I" line */
	bool has_pending;
	struct trace_rec pending;
};

static int lackey_open(struct trace_reader *r, struct vmemsim_err *err)
{
	struct lackey_state *s = calloc(1, sizeof(*s));
	if (s) {
		/* a small memory input (the fuzz targets) needs no 1 MiB buffer */
		s->cap =
		    r->src.fd < 0 && r->src.mem_len < LACKEY_BUF ? r->src.mem_len + 1 : LACKEY_BUF;
		s->buf = malloc(s->cap);
	}
	r->priv = s;
	if (!s || !s->buf)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", r->src.name);
	r->info.flags = TRACE_F_FETCH_IS_INSN;
	return 0;
}

static int refill(struct trace_reader *r, struct lackey_state *s, struct vmemsim_err *err)
{
	long got;

	memmove(s->buf, s->buf + s->pos, s->len - s->pos);
	s->len -= s->pos;
	s->pos = 0;
	got = trace_src_read(&r->src, s->buf + s->len, s->cap - s->len, err);
	if (got < 0)
		return (int)got;
	if (got == 0)
		s->eof = true;
	s->len += (size_t)got;
	return 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse "addr,size" exactly up to end; false on anything else. */
static bool parse_access(const char *p, const char *end, uint64_t *addr, uint32_t *size)
{
	uint64_t a = 0, sz = 0;
	int digits = 0, d;

	while (p < end && (d = hexval((unsigned char)*p)) >= 0) {
		if (++digits > 16)
			return false;
		a = a << 4 | (uint64_t)d;
		p++;
	}
	if (!digits || p == end || *p++ != ',' || p == end)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		sz = sz * 10 + (uint64_t)(*p - '0');
		if (sz > TRACE_MAX_SIZE)
			return false;
	}
	if (sz == 0)
		return false;
	*addr = a;
	*size = (uint32_t)sz;
	return true;
}

static bool is_valgrind_msg(const char *p, const char *end)
{
	const char *q;
	char c = *p;

	if (end - p < 3 || (c != '=' && c != '-' && c != '*') || p[1] != c)
		return false;
	for (q = p + 2; q < end && *q >= '0' && *q <= '9'; q++)
		;
	return q > p + 2 && end - q >= 2 && q[0] == c && q[1] == c;
}

static int garbage(struct trace_reader *r, struct lackey_state *s, const char *p, const char *end,
                   struct vmemsim_err *err)
{
	int shown = end - p > 40 ? 40 : (int)(end - p);

	if (r->flags & TRACE_SKIP_BAD) {
		r->info.bad_lines++;
		return 0;
	}
	for (int i = 0; i < shown; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			shown = i;
	return vmemsim_errf(
	    err, VMEMSIM_ECORRUPT,
	    "%s:%llu: not a lackey line: '%.*s%s' (%llu records were read before it)", r->src.name,
	    (unsigned long long)s->line, shown, p, end - p > shown ? "..." : "",
	    (unsigned long long)trace_reader_produced(r));
}

/* One line [p, end) into out[0..1]; returns records produced or an error. */
static int parse_line(struct trace_reader *r, struct lackey_state *s, const char *p,
                      const char *end, struct trace_rec *out, struct vmemsim_err *err)
{
	uint64_t addr;
	uint32_t size;

	if (p == end)
		return 0;
	if (end - p > 3 && p[0] == 'I' && p[1] == ' ' && p[2] == ' ' &&
	    parse_access(p + 3, end, &addr, &size)) {
		s->pc = addr;
		out[0] =
		    (struct trace_rec){.va = addr, .pc = addr, .size = size, .type = TRACE_FETCH};
		return 1;
	}
	if (end - p > 3 && p[0] == ' ' && p[2] == ' ' && parse_access(p + 3, end, &addr, &size)) {
		struct trace_rec rec = {.va = addr, .pc = s->pc, .size = size};
		switch (p[1]) {
		case 'L':
			rec.type = TRACE_LOAD;
			out[0] = rec;
			return 1;
		case 'S':
			rec.type = TRACE_STORE;
			out[0] = rec;
			return 1;
		case 'M':
			rec.type = TRACE_LOAD;
			out[0] = rec;
			rec.type = TRACE_STORE;
			out[1] = rec;
			return 2;
		}
	}
	if (is_valgrind_msg(p, end))
		return 0;
	return garbage(r, s, p, end, err);
}

static long lackey_next_batch(struct trace_reader *r, struct trace_rec *buf, size_t cap,
                              struct vmemsim_err *err)
{
	struct lackey_state *s = r->priv;
	struct trace_rec two[2];
	size_t n = 0;
	int rc;

	if (s->has_pending) {
		buf[n++] = s->pending;
		s->has_pending = false;
	}
	while (n < cap) {
		char *p = s->buf + s->pos, *nl = memchr(p, '\n', s->len - s->pos), *end;
		if (!nl && !s->eof) {
			if (s->pos == 0 && s->len == s->cap) {
				rc = vmemsim_errf(err, VMEMSIM_ECORRUPT,
				                  "%s:%llu: line longer than %u bytes", r->src.name,
				                  (unsigned long long)s->line + 1, LACKEY_BUF);
				goto fail;
			}
			if ((rc = refill(r, s, err)))
				goto fail;
			continue;
		}
		if (!nl && s->pos == s->len)
			break;
		end = nl ? nl : s->buf + s->len;
		s->line++;
		s->pos = (size_t)(end - s->buf) + (nl ? 1 : 0);
		rc = parse_line(r, s, p, end, two, err);
		if (rc < 0)
			goto fail;
		for (int k = 0; k < rc; k++) {
			r->info.by_type[two[k].type]++;
			if (n < cap)
				buf[n++] = two[k];
			else {
				s->pending = two[k];
				s->has_pending = true;
			}
		}
	}
	return (long)n;
fail:
	if (n == 0)
		return rc;
	trace_reader_defer(r, rc, err);
	return (long)n;
}

static void lackey_close(struct trace_reader *r)
{
	struct lackey_state *s = r->priv;
	if (!s)
		return;
	free(s->buf);
	free(s);
	r->priv = NULL;
}

const struct trace_reader_ops trace_lackey_ops = {
    .name = "lackey",
    .open = lackey_open,
    .next_batch = lackey_next_batch,
    .close = lackey_close,
};
