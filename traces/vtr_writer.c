/*
 * traces/vtr_writer.c — writing .vtr (docs/trace-format.md).
 *
 * Records are encoded into the four columns of the current block as they are
 * appended (type, size, va delta against the previous record of the same
 * type, pc delta against the previous record); a full block is compressed as
 * one zstd frame behind a skippable block-header frame.  The header is written
 * first with unknown counts and rewritten in place by close, after the
 * trailer (totals and the block index) is out.
 *
 * Invariants:
 *  (1) raw holds exactly n encoded records, columns at 0, cap, 3*cap, 11*cap
 *      (cap = block_records); they are packed together before compressing.
 *  (2) last_va[] and last_pc restart at 0 at every block boundary, so each
 *      block decodes on its own.
 *  (3) nothing is written at the final path before close succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "trace_ops.h"
#include "vtr_format.h"

struct trace_writer {
	int fd;
	uint32_t cap; /* records per block */
	uint32_t n;   /* records in the current block */
	uint64_t last_va[TRACE_NR_TYPES];
	uint64_t last_pc;
	uint8_t *raw;    /* column buffers, VTR_RAW_PER_REC * cap */
	uint8_t *packed; /* the columns packed for compression */
	uint8_t *comp;   /* compressed frame buffer */
	size_t comp_cap;
	ZSTD_CCtx *cctx;
	int level;
	uint64_t off; /* bytes written so far */
	uint64_t nr_records, by_type[TRACE_NR_TYPES];
	uint64_t nr_blocks, index_cap;
	uint64_t *index; /* (offset, first record) pairs */
	uint8_t *header; /* the header frame, rewritten by close */
	size_t header_len;
	uint32_t flags;
	bool failed;
	char *path, *part;
};

static int write_all(struct trace_writer *w, const void *buf, size_t len, struct vmemsim_err *err)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t r = write(w->fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			w->failed = true;
			return vmemsim_errf(err, VMEMSIM_EIO,
			                    "%s: write failed at byte offset %llu: %s", w->part,
			                    (unsigned long long)w->off, strerror(errno));
		}
		p += r;
		len -= (size_t)r;
		w->off += (uint64_t)r;
	}
	return 0;
}

static void header_fill(struct trace_writer *w, bool final)
{
	uint8_t *h = w->header;
	size_t mlen = w->header_len - VTR_HDR_FIXED - 4;
	uint64_t unk = VTR_UNKNOWN;

	vtr_put64(h + 24, final ? w->nr_records : unk);
	for (int t = 0; t < TRACE_NR_TYPES; t++)
		vtr_put64(h + 32 + 8 * t, final ? w->by_type[t] : unk);
	vtr_put64(h + 64, final ? w->nr_blocks : unk);
	vtr_put32(h + VTR_HDR_FIXED + mlen,
	          vtr_hash_final(vtr_hash_update(VTR_HASH_SEED, h + 8, VTR_HDR_FIXED - 8 + mlen)));
}

static int header_build(struct trace_writer *w, const char *metadata, struct vmemsim_err *err)
{
	size_t mlen = metadata ? strlen(metadata) : 0;
	uint8_t *h;

	if (mlen > VTR_HDR_MAX_METADATA)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: metadata is %zu bytes (limit %u)",
		                    w->path, mlen, VTR_HDR_MAX_METADATA);
	w->header_len = VTR_HDR_FIXED + mlen + 4;
	h = calloc(1, w->header_len);
	if (!h)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", w->path);
	vtr_put32(h, VTR_FRAME_HEADER);
	vtr_put32(h + 4, (uint32_t)(w->header_len - 8));
	memcpy(h + 8, VTR_MAGIC, 8);
	vtr_put32(h + 16, TRACE_VTR_VERSION);
	vtr_put32(h + 20, w->flags);
	vtr_put32(h + 72, w->cap);
	vtr_put32(h + 76, (uint32_t)mlen);
	if (mlen)
		memcpy(h + VTR_HDR_FIXED, metadata, mlen);
	w->header = h;
	header_fill(w, false);
	return 0;
}

static void writer_free(struct trace_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	free(w->raw);
	free(w->packed);
	free(w->comp);
	free(w->index);
	free(w->header);
	free(w->path);
	free(w->part);
	free(w);
}

static int writer_alloc(struct trace_writer *w, const char *path, struct vmemsim_err *err)
{
	size_t raw = (size_t)VTR_RAW_PER_REC * w->cap;

	w->path = strdup(path);
	w->part = malloc(strlen(path) + 6);
	w->raw = malloc(raw);
	w->packed = malloc(raw);
	w->comp_cap = ZSTD_compressBound(raw);
	w->comp = malloc(w->comp_cap);
	w->cctx = ZSTD_createCCtx();
	if (!w->path || !w->part || !w->raw || !w->packed || !w->comp || !w->cctx)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", path);
	sprintf(w->part, "%s.part", path);
	return 0;
}

int trace_writer_open(struct trace_writer **out, const char *path,
                      const struct trace_writer_opts *opts, struct vmemsim_err *err)
{
	struct trace_writer *w = calloc(1, sizeof(*w));
	struct trace_writer_opts none = {0};
	int rc;

	*out = NULL;
	if (!w)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", path);
	w->fd = -1;
	if (!opts)
		opts = &none;
	w->cap = opts->block_records ? opts->block_records : TRACE_VTR_BLOCK_RECORDS;
	w->level = opts->zstd_level ? opts->zstd_level : 3;
	w->flags = opts->flags;
	if (w->cap > VTR_MAX_BLOCK_RECORDS) {
		rc = vmemsim_errf(err, VMEMSIM_EINVAL, "%s: %u records per block (limit %u)", path,
		                  w->cap, VTR_MAX_BLOCK_RECORDS);
		goto fail;
	}
	rc = writer_alloc(w, path, err);
	if (!rc)
		rc = header_build(w, opts->metadata, err);
	if (rc)
		goto fail;
	w->fd = open(w->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = vmemsim_errf(err, VMEMSIM_EIO, "%s: cannot create: %s", w->part,
		                  strerror(errno));
		goto fail;
	}
	rc = write_all(w, w->header, w->header_len, err);
	if (rc) {
		unlink(w->part);
		goto fail;
	}
	*out = w;
	return 0;
fail:
	writer_free(w);
	return rc;
}

static int index_add(struct trace_writer *w, uint64_t off, uint64_t first, struct vmemsim_err *err)
{
	if (w->nr_blocks == w->index_cap) {
		uint64_t ncap = w->index_cap ? 2 * w->index_cap : 64;
		uint64_t *p = realloc(w->index, ncap * 2 * sizeof(*p));
		if (!p)
			return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", w->path);
		w->index = p;
		w->index_cap = ncap;
	}
	w->index[2 * w->nr_blocks] = off;
	w->index[2 * w->nr_blocks + 1] = first;
	w->nr_blocks++;
	return 0;
}

/* Pack the columns of a partly filled block next to each other. */
static size_t block_pack(struct trace_writer *w)
{
	size_t n = w->n, c = w->cap;
	uint8_t *p = w->packed;

	memcpy(p, w->raw, n);
	memcpy(p + n, w->raw + c, 2 * n);
	memcpy(p + 3 * n, w->raw + 3 * c, 8 * n);
	memcpy(p + 11 * n, w->raw + 11 * c, 8 * n);
	return VTR_RAW_PER_REC * n;
}

static int block_flush(struct trace_writer *w, struct vmemsim_err *err)
{
	uint8_t hdr[VTR_BLK_HDR];
	size_t raw_len, clen;
	uint64_t h, first = w->nr_records - w->n;
	int rc;

	if (!w->n)
		return 0;
	raw_len = block_pack(w);
	clen = ZSTD_compressCCtx(w->cctx, w->comp, w->comp_cap, w->packed, raw_len, w->level);
	if (ZSTD_isError(clen)) {
		w->failed = true;
		return vmemsim_errf(err, VMEMSIM_EIO, "%s: zstd: %s", w->part,
		                    ZSTD_getErrorName(clen));
	}
	vtr_put32(hdr, VTR_FRAME_BLOCK);
	vtr_put32(hdr + 4, VTR_BLK_HDR - 8);
	vtr_put32(hdr + 8, VTR_BLOCK_MAGIC);
	vtr_put32(hdr + 12, w->n);
	vtr_put32(hdr + 16, (uint32_t)clen);
	vtr_put32(hdr + 20, (uint32_t)raw_len);
	vtr_put64(hdr + 24, first);
	h = vtr_hash_update(VTR_HASH_SEED, hdr + 8, 24);
	vtr_put32(hdr + 32, vtr_hash_final(vtr_hash_update(h, w->comp, clen)));
	rc = index_add(w, w->off, first, err);
	if (!rc)
		rc = write_all(w, hdr, sizeof(hdr), err);
	if (!rc)
		rc = write_all(w, w->comp, clen, err);
	w->n = 0;
	memset(w->last_va, 0, sizeof(w->last_va));
	w->last_pc = 0;
	return rc;
}

static inline void encode_one(struct trace_writer *w, const struct trace_rec *r)
{
	size_t i = w->n, c = w->cap;
	uint8_t *raw = w->raw;

	raw[i] = (uint8_t)r->type;
	vtr_put16(raw + c + 2 * i, (uint16_t)r->size);
	vtr_put64(raw + 3 * c + 8 * i, r->va - w->last_va[r->type]);
	vtr_put64(raw + 11 * c + 8 * i, r->pc - w->last_pc);
	w->last_va[r->type] = r->va;
	w->last_pc = r->pc;
	w->by_type[r->type]++;
	w->nr_records++;
	w->n++;
}

int trace_writer_append(struct trace_writer *w, const struct trace_rec *recs, size_t n,
                        struct vmemsim_err *err)
{
	int rc;

	if (w->failed)
		return vmemsim_errf(err, VMEMSIM_EIO, "%s: an earlier write failed", w->part);
	for (size_t i = 0; i < n; i++)
		if (recs[i].type >= TRACE_NR_TYPES || recs[i].size == 0 ||
		    recs[i].size > TRACE_MAX_SIZE)
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "%s: record %llu: type %u, size %u is not a valid "
			                    "record (types 0..3, sizes 1..%u)",
			                    w->path, (unsigned long long)(w->nr_records + i),
			                    recs[i].type, recs[i].size, TRACE_MAX_SIZE);
	for (size_t i = 0; i < n; i++) {
		encode_one(w, &recs[i]);
		if (w->n == w->cap && (rc = block_flush(w, err)))
			return rc;
	}
	return 0;
}

int trace_writer_put(struct trace_writer *w, enum trace_type type, uint64_t va, uint32_t size,
                     uint64_t pc, struct vmemsim_err *err)
{
	struct trace_rec r = {.va = va, .pc = pc, .size = size, .type = (uint32_t)type};
	return trace_writer_append(w, &r, 1, err);
}

uint64_t trace_writer_count(const struct trace_writer *w)
{
	return w->nr_records;
}

static int trailer_write(struct trace_writer *w, struct vmemsim_err *err)
{
	size_t len = VTR_TRL_FIXED + VTR_INDEX_ENTRY * w->nr_blocks + 4 + 16;
	uint8_t *t = calloc(1, len);
	uint64_t start = w->off;
	size_t body;
	int rc;

	if (!t)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", w->path);
	vtr_put32(t, VTR_FRAME_TRAILER);
	vtr_put32(t + 4, (uint32_t)(len - 8));
	memcpy(t + 8, VTR_TRAILER_MAGIC, 8);
	vtr_put64(t + 16, w->nr_records);
	for (int i = 0; i < TRACE_NR_TYPES; i++)
		vtr_put64(t + 24 + 8 * i, w->by_type[i]);
	vtr_put64(t + 56, w->nr_blocks);
	for (uint64_t b = 0; b < w->nr_blocks; b++) {
		vtr_put64(t + VTR_TRL_FIXED + 16 * b, w->index[2 * b]);
		vtr_put64(t + VTR_TRL_FIXED + 16 * b + 8, w->index[2 * b + 1]);
	}
	body = VTR_TRL_FIXED + VTR_INDEX_ENTRY * w->nr_blocks;
	vtr_put32(t + body, vtr_hash_final(vtr_hash_update(VTR_HASH_SEED, t + 8, body - 8)));
	vtr_put64(t + body + 4, start);
	memcpy(t + body + 12, VTR_END_MAGIC, 8);
	rc = write_all(w, t, len, err);
	free(t);
	return rc;
}

static int header_rewrite(struct trace_writer *w, struct vmemsim_err *err)
{
	header_fill(w, true);
	if (pwrite(w->fd, w->header, w->header_len, 0) != (ssize_t)w->header_len)
		return vmemsim_errf(err, VMEMSIM_EIO, "%s: rewriting the header failed: %s",
		                    w->part, strerror(errno));
	return 0;
}

int trace_writer_close(struct trace_writer *w, struct vmemsim_err *err)
{
	int rc;

	if (!w)
		return 0;
	rc = w->failed ? vmemsim_errf(err, VMEMSIM_EIO, "%s: an earlier write failed", w->part)
	               : block_flush(w, err);
	if (!rc)
		rc = trailer_write(w, err);
	if (!rc)
		rc = header_rewrite(w, err);
	if (!rc && fsync(w->fd) != 0)
		rc = vmemsim_errf(err, VMEMSIM_EIO, "%s: fsync: %s", w->part, strerror(errno));
	if (!rc && close(w->fd) != 0)
		rc = vmemsim_errf(err, VMEMSIM_EIO, "%s: close: %s", w->part, strerror(errno));
	w->fd = -1;
	if (!rc && rename(w->part, w->path) != 0)
		rc = vmemsim_errf(err, VMEMSIM_EIO, "%s: cannot rename to %s: %s", w->part, w->path,
		                  strerror(errno));
	if (rc)
		unlink(w->part);
	writer_free(w);
	return rc;
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	unlink(w->part);
	writer_free(w);
}
