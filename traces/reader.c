/*
 * traces/reader.c — opening a trace: the byte source, format sniffing, the
 * dispatch through the ops table, and the deferred-error rule of trace.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_ops.h"
#include "vtr_format.h"

/* ---- the byte source ---------------------------------------------------- */

static long src_raw_read(struct trace_src *s, uint8_t *buf, size_t len, struct vmemsim_err *err)
{
	size_t got = 0;

	if (s->fd < 0) {
		size_t left = s->mem_len - s->mem_pos;
		got = len < left ? len : left;
		if (got)
			memcpy(buf, s->mem + s->mem_pos, got);
		s->mem_pos += got;
		return (long)got;
	}
	while (got < len) {
		ssize_t r = read(s->fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmemsim_errf(err, VMEMSIM_EIO,
			                    "%s: read failed at byte offset %llu: %s", s->name,
			                    (unsigned long long)(s->off + got), strerror(errno));
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long)got;
}

long trace_src_read(struct trace_src *s, void *buf, size_t len, struct vmemsim_err *err)
{
	uint8_t *p = buf;
	size_t got = 0;
	long r;

	if (s->peek_pos < s->peek_len) {
		size_t k = s->peek_len - s->peek_pos;
		if (k > len)
			k = len;
		memcpy(p, s->peek + s->peek_pos, k);
		s->peek_pos += k;
		got = k;
	}
	if (got < len) {
		r = src_raw_read(s, p + got, len - got, err);
		if (r < 0)
			return r;
		got += (size_t)r;
	}
	s->off += got;
	return (long)got;
}

long trace_src_peek(struct trace_src *s, size_t len, const uint8_t **out, struct vmemsim_err *err)
{
	if (len > sizeof(s->peek))
		len = sizeof(s->peek);
	if (s->peek_len - s->peek_pos < len && s->peek_pos == 0) {
		long r = src_raw_read(s, s->peek + s->peek_len, len - s->peek_len, err);
		if (r < 0)
			return r;
		s->peek_len += (size_t)r;
	}
	*out = s->peek + s->peek_pos;
	return (long)(s->peek_len - s->peek_pos < len ? s->peek_len - s->peek_pos : len);
}

/* ---- names -------------------------------------------------------------- */

const char *trace_format_name(enum trace_format f)
{
	switch (f) {
	case TRACE_FMT_AUTO: return "auto";
	case TRACE_FMT_VTR: return "vtr";
	case TRACE_FMT_LACKEY: return "lackey";
	case TRACE_FMT_CHAMPSIM: return "champsim";
	}
	return "?";
}

int trace_format_parse(const char *s, enum trace_format *out, struct vmemsim_err *err)
{
	static const enum trace_format all[] = {TRACE_FMT_AUTO, TRACE_FMT_VTR, TRACE_FMT_LACKEY,
	                                        TRACE_FMT_CHAMPSIM};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(s, trace_format_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	return vmemsim_errf(err, VMEMSIM_EINVAL,
	                    "unknown trace format '%s' (expected auto, vtr, lackey or champsim)",
	                    s);
}

const char *trace_type_name(enum trace_type t)
{
	switch (t) {
	case TRACE_FETCH: return "fetch";
	case TRACE_LOAD: return "load";
	case TRACE_STORE: return "store";
	case TRACE_RETIRE: return "retire";
	case TRACE_NR_TYPES: break;
	}
	return "?";
}

/* ---- sniffing ----------------------------------------------------------- */

static bool looks_like_lackey(const uint8_t *p, long n)
{
	if (n >= 3 && p[0] == 'I' && p[1] == ' ' && p[2] == ' ')
		return true;
	if (n >= 3 && p[0] == ' ' && strchr("LSM", p[1]) && p[2] == ' ')
		return true;
	if (n >= 3 && ((p[0] == '=' && p[1] == '=') || (p[0] == '-' && p[1] == '-')) &&
	    p[2] >= '0' && p[2] <= '9')
		return true;
	return false;
}

static enum trace_format sniff(const uint8_t *p, long n)
{
	static const uint8_t xz_magic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
	if (n >= 16 && vtr_get32(p) == VTR_FRAME_HEADER && !memcmp(p + 8, VTR_MAGIC, 8))
		return TRACE_FMT_VTR;
	if (n >= 6 && !memcmp(p, xz_magic, 6))
		return TRACE_FMT_CHAMPSIM;
	if (looks_like_lackey(p, n))
		return TRACE_FMT_LACKEY;
	return TRACE_FMT_CHAMPSIM;
}

/* ---- open / next / close ------------------------------------------------ */

static int reader_start(struct trace_reader *r, enum trace_format fmt, struct vmemsim_err *err)
{
	const uint8_t *p;
	long n;
	int rc;

	if (fmt == TRACE_FMT_AUTO) {
		n = trace_src_peek(&r->src, 16, &p, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: empty input: not a trace in any known format",
			                    r->src.name);
		fmt = sniff(p, n);
	}
	switch (fmt) {
	case TRACE_FMT_VTR: r->ops = &trace_vtr_ops; break;
	case TRACE_FMT_LACKEY: r->ops = &trace_lackey_ops; break;
	default:
		r->ops = &trace_champsim_ops;
		fmt = TRACE_FMT_CHAMPSIM;
		break;
	}
	r->info.format = fmt;
	r->info.nr_records = VTR_UNKNOWN;
	r->info.metadata = "";
	rc = r->ops->open(r, err);
	return rc;
}

static struct trace_reader *reader_alloc(unsigned flags)
{
	struct trace_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->flags = flags;
	r->src.fd = -1;
	return r;
}

static void reader_free(struct trace_reader *r)
{
	if (r->ops && r->ops->close)
		r->ops->close(r);
	if (r->src.own_fd && r->src.fd >= 0)
		close(r->src.fd);
	free(r);
}

int trace_open_fd(struct trace_reader **out, int fd, bool own_fd, const char *name,
                  enum trace_format fmt, unsigned flags, struct vmemsim_err *err)
{
	struct trace_reader *r = reader_alloc(flags);
	struct stat st;
	int rc;

	*out = NULL;
	if (!r) {
		if (own_fd)
			close(fd);
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", name);
	}
	r->src.fd = fd;
	r->src.own_fd = own_fd;
	snprintf(r->src.name, sizeof(r->src.name), "%s", name);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		r->info.file_bytes = (uint64_t)st.st_size;
	rc = reader_start(r, fmt, err);
	if (rc) {
		reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int trace_open(struct trace_reader **out, const char *path, enum trace_format fmt, unsigned flags,
               struct vmemsim_err *err)
{
	int fd;

	if (!strcmp(path, "-"))
		return trace_open_fd(out, STDIN_FILENO, false, "<stdin>", fmt, flags, err);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*out = NULL;
		return vmemsim_errf(err, errno == ENOENT ? VMEMSIM_ENOENT : VMEMSIM_EIO,
		                    "%s: cannot open: %s", path, strerror(errno));
	}
	return trace_open_fd(out, fd, true, path, fmt, flags, err);
}

int trace_open_mem(struct trace_reader **out, const void *data, size_t len, enum trace_format fmt,
                   unsigned flags, struct vmemsim_err *err)
{
	struct trace_reader *r = reader_alloc(flags);
	int rc;

	*out = NULL;
	if (!r)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "<memory>: out of memory");
	r->src.mem = data;
	r->src.mem_len = len;
	r->info.file_bytes = len;
	snprintf(r->src.name, sizeof(r->src.name), "<memory>");
	rc = reader_start(r, fmt, err);
	if (rc) {
		reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int trace_reader_defer(struct trace_reader *r, int rc, const struct vmemsim_err *e)
{
	if (!r->sticky_rc) {
		r->sticky_rc = rc;
		if (e)
			r->sticky_err = *e;
		else
			vmemsim_errf(&r->sticky_err, rc, "%s: %s", r->src.name,
			             vmemsim_rc_name(rc));
		r->sticky_err.code = rc;
	}
	return rc;
}

long trace_next_batch(struct trace_reader *r, struct trace_rec *buf, size_t cap,
                      struct vmemsim_err *err)
{
	struct vmemsim_err e = {0};
	long n;

	if (!r->sticky_rc && cap) {
		n = r->ops->next_batch(r, buf, cap, &e);
		if (n > 0) {
			r->delivered += (uint64_t)n;
			return n;
		}
		if (n < 0)
			trace_reader_defer(r, (int)n, &e);
		else if (!r->sticky_rc)
			return 0;
	}
	if (!r->sticky_rc)
		return 0;
	if (err)
		*err = r->sticky_err;
	return r->sticky_rc;
}

const struct trace_info *trace_reader_info(const struct trace_reader *r)
{
	return &r->info;
}

uint64_t trace_reader_delivered(const struct trace_reader *r)
{
	return r->delivered;
}

uint64_t trace_reader_offset(const struct trace_reader *r)
{
	return r->src.off;
}

void trace_close(struct trace_reader *r)
{
	if (r)
		reader_free(r);
}

/* ---- whole-file summary ------------------------------------------------- */

static bool header_counts_known(const struct trace_info *i)
{
	if (i->nr_records == VTR_UNKNOWN)
		return false;
	for (int t = 0; t < TRACE_NR_TYPES; t++)
		if (i->by_type[t] == VTR_UNKNOWN)
			return false;
	return true;
}

int trace_scan_info(const char *path, enum trace_format fmt, unsigned flags, struct trace_info *out,
                    char **metadata_out, struct vmemsim_err *err)
{
	enum { BATCH = 4096 };
	struct trace_reader *r;
	struct trace_rec *buf = NULL;
	long n;
	int rc;

	if (metadata_out)
		*metadata_out = NULL;
	rc = trace_open(&r, path, fmt, flags, err);
	if (rc)
		return rc;
	if (!(r->info.format == TRACE_FMT_VTR && header_counts_known(&r->info))) {
		buf = malloc(BATCH * sizeof(*buf));
		if (!buf) {
			rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", path);
			goto out;
		}
		while ((n = trace_next_batch(r, buf, BATCH, err)) > 0)
			;
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		r->info.nr_records = r->delivered;
	}
	*out = r->info;
	out->metadata = NULL;
	if (metadata_out) {
		*metadata_out = strdup(r->info.metadata ? r->info.metadata : "");
		if (!*metadata_out)
			rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", path);
	}
out:
	free(buf);
	trace_close(r);
	return rc;
}
