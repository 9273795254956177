/*
 * traces/trace_ops.h — inside the traces module: the byte source every reader
 * pulls from, and the table of operations a format implements.
 *
 * A reader is a struct trace_reader whose ops point at one format's
 * open/next_batch/close.  trace_next_batch() wraps next_batch to keep the
 * promise of trace.h: records before a bad spot are delivered first, then the
 * error sticks.  A format's next_batch may therefore return n > 0 and set
 * r->sticky_rc/r->sticky_err for the next call.
 */
#ifndef VMEMSIM_TRACE_OPS_H
#define VMEMSIM_TRACE_OPS_H

#include "trace.h"

/* Input bytes: a file descriptor or a borrowed memory buffer, with a small
 * look-ahead so the format can be sniffed before a reader takes over. */
struct trace_src {
	int fd; /* -1 for memory */
	bool own_fd;
	const uint8_t *mem;
	size_t mem_len, mem_pos;
	uint8_t peek[64]; /* bytes read ahead by trace_src_peek */
	size_t peek_len, peek_pos;
	uint64_t off;   /* bytes handed to the reader so far */
	char name[256]; /* for messages: the path, "<stdin>", "<memory>" */
};

/* Read up to len bytes; returns the count (short only at EOF; 0 at EOF) or
 * VMEMSIM_EIO. */
long trace_src_read(struct trace_src *s, void *buf, size_t len, struct vmemsim_err *err);
/* Look at up to len (<= 64) first bytes without consuming them. */
long trace_src_peek(struct trace_src *s, size_t len, const uint8_t **out, struct vmemsim_err *err);

struct trace_reader_ops {
	const char *name;
	int (*open)(struct trace_reader *r, struct vmemsim_err *err);
	long (*next_batch)(struct trace_reader *r, struct trace_rec *buf, size_t cap,
	                   struct vmemsim_err *err);
	void (*close)(struct trace_reader *r);
};

extern const struct trace_reader_ops trace_vtr_ops;
extern const struct trace_reader_ops trace_lackey_ops;
extern const struct trace_reader_ops trace_champsim_ops;

struct trace_reader {
	const struct trace_reader_ops *ops;
	void *priv; /* the format's state */
	struct trace_src src;
	struct trace_info info;
	unsigned flags;     /* TRACE_SKIP_BAD, ... */
	uint64_t delivered; /* records returned so far */
	int sticky_rc;      /* error to return once the good records are out */
	struct vmemsim_err sticky_err;
};

/* Records a format has produced so far (delivered, in the caller's current
 * batch, or pending): what an error message calls "read before it". */
static inline uint64_t trace_reader_produced(const struct trace_reader *r)
{
	uint64_t n = 0;
	for (int t = 0; t < TRACE_NR_TYPES; t++)
		n += r->info.by_type[t];
	return n;
}

/* Set the deferred error (first one wins). */
int trace_reader_defer(struct trace_reader *r, int rc, const struct vmemsim_err *e);

#endif /* VMEMSIM_TRACE_OPS_H */
