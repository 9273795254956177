/*
 * traces/vtr_reader.c — reading .vtr (docs/trace-format.md).
 *
 * The reader streams: header frame, then block frames in order, then the
 * trailer.  A block is verified (header fields, checksum over its header and
 * compressed bytes, exact decompressed size) before any of its records is
 * handed out, so a corrupt block delivers nothing and everything before it
 * stays delivered.  The trailer's totals must equal what was read.
 *
 * Invariants:
 *  (1) pos <= n; records [pos, n) of the current block are still to be
 *      delivered, decoded from the columns in raw.
 *  (2) last_va[]/last_pc hold the state after record pos-1 of the block.
 *  (3) blocks counts the blocks verified and loaded; records their records,
 *      which is the first-record index the next block must carry.
 */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "trace_ops.h"
#include "vtr_format.h"

struct vtr_state {
	uint32_t block_cap; /* records per full block, from the header */
	uint32_t n, pos;    /* records in the current block, next to decode */
	const uint8_t *type_col, *size_col, *va_col, *pc_col;
	uint64_t last_va[TRACE_NR_TYPES], last_pc;
	uint8_t *raw, *comp;
	size_t comp_cap;
	ZSTD_DCtx *dctx;
	uint64_t blocks, records; /* blocks read, records in them */
	uint64_t by_type[TRACE_NR_TYPES];
	bool done; /* trailer verified */
	char *metadata;
};

static int corrupt(struct trace_reader *r, uint64_t off, struct vmemsim_err *err, const char *what)
{
	return vmemsim_errf(
	    err, VMEMSIM_ECORRUPT,
	    "%s: corrupt at byte offset %llu: %s (%llu records were read before it)", r->src.name,
	    (unsigned long long)off, what, (unsigned long long)r->delivered);
}

static int truncated(struct trace_reader *r, uint64_t off, struct vmemsim_err *err,
                     const char *what)
{
	return vmemsim_errf(
	    err, VMEMSIM_ECORRUPT,
	    "%s: truncated at byte offset %llu: %s (%llu records were read before it)", r->src.name,
	    (unsigned long long)off, what, (unsigned long long)r->delivered);
}

/* Read exactly len bytes or report truncation. */
static int read_exact(struct trace_reader *r, void *buf, size_t len, const char *what,
                      struct vmemsim_err *err)
{
	uint64_t start = r->src.off;
	long got = trace_src_read(&r->src, buf, len, err);
	if (got < 0)
		return (int)got;
	if ((size_t)got < len) {
		char m[160];
		snprintf(m, sizeof(m), "%s needs %zu bytes, only %ld present", what, len, got);
		return truncated(r, start + (uint64_t)got, err, m);
	}
	return 0;
}

static int header_parse(struct trace_reader *r, struct vtr_state *s, struct vmemsim_err *err)
{
	uint8_t fixed[VTR_HDR_FIXED], sum[4];
	uint32_t version, frame, mlen;
	uint64_t h;
	int rc;

	long got = trace_src_read(&r->src, fixed, 24, err);
	if (got < 0)
		return (int)got;
	/* magic first: a foreign file is "not a .vtr", whatever its length */
	if (got < 16 || vtr_get32(fixed) != VTR_FRAME_HEADER || memcmp(fixed + 8, VTR_MAGIC, 8))
		return corrupt(r, 0, err, "not a .vtr file (bad magic)");
	if (got < 24)
		return truncated(r, (uint64_t)got, err, "the header needs 24 bytes");
	version = vtr_get32(fixed + 16);
	if (version != TRACE_VTR_VERSION)
		return vmemsim_errf(err, VMEMSIM_EVERSION,
		                    "%s: .vtr version %u is not supported (this vmemsim reads "
		                    "version %u)",
		                    r->src.name, version, TRACE_VTR_VERSION);
	rc = read_exact(r, fixed + 24, VTR_HDR_FIXED - 24, "the header", err);
	if (rc)
		return rc;
	frame = vtr_get32(fixed + 4);
	mlen = vtr_get32(fixed + 76);
	if (mlen > VTR_HDR_MAX_METADATA || frame != VTR_HDR_FIXED - 8 + mlen + 4)
		return corrupt(r, 4, err, "header frame size and metadata length disagree");
	s->metadata = malloc((size_t)mlen + 1);
	if (!s->metadata)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", r->src.name);
	rc = read_exact(r, s->metadata, mlen, "the header metadata", err);
	if (!rc)
		rc = read_exact(r, sum, 4, "the header checksum", err);
	if (rc)
		return rc;
	s->metadata[mlen] = 0;
	h = vtr_hash_update(VTR_HASH_SEED, fixed + 8, VTR_HDR_FIXED - 8);
	h = vtr_hash_update(h, (const uint8_t *)s->metadata, mlen);
	if (vtr_hash_final(h) != vtr_get32(sum))
		return corrupt(r, VTR_HDR_FIXED + mlen, err, "header checksum mismatch");
	s->block_cap = vtr_get32(fixed + 72);
	if (!s->block_cap || s->block_cap > VTR_MAX_BLOCK_RECORDS)
		return corrupt(r, 72, err, "records per block out of range");
	r->info.version = version;
	r->info.flags = vtr_get32(fixed + 20);
	r->info.nr_records = vtr_get64(fixed + 24);
	for (int t = 0; t < TRACE_NR_TYPES; t++)
		r->info.by_type[t] = vtr_get64(fixed + 32 + 8 * t);
	r->info.nr_blocks = vtr_get64(fixed + 64);
	r->info.metadata = s->metadata;
	return 0;
}

static int vtr_open(struct trace_reader *r, struct vmemsim_err *err)
{
	struct vtr_state *s = calloc(1, sizeof(*s));
	size_t raw;
	int rc;

	if (!s)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", r->src.name);
	r->priv = s;
	rc = header_parse(r, s, err);
	if (rc)
		return rc;
	raw = (size_t)VTR_RAW_PER_REC * s->block_cap;
	s->raw = malloc(raw);
	s->comp_cap = ZSTD_compressBound(raw);
	s->comp = malloc(s->comp_cap);
	s->dctx = ZSTD_createDCtx();
	if (!s->raw || !s->comp || !s->dctx)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", r->src.name);
	return 0;
}

static int block_load(struct trace_reader *r, struct vtr_state *s, const uint8_t *fh, uint64_t at,
                      struct vmemsim_err *err)
{
	uint8_t b[VTR_BLK_HDR];
	uint32_t n, clen, rawlen;
	uint64_t h;
	size_t got;
	int rc;

	memcpy(b, fh, 8);
	if (vtr_get32(b + 4) != VTR_BLK_HDR - 8)
		return corrupt(r, at + 4, err, "block header frame has the wrong size");
	rc = read_exact(r, b + 8, VTR_BLK_HDR - 8, "a block header", err);
	if (rc)
		return rc;
	n = vtr_get32(b + 12);
	clen = vtr_get32(b + 16);
	rawlen = vtr_get32(b + 20);
	if (vtr_get32(b + 8) != VTR_BLOCK_MAGIC)
		return corrupt(r, at + 8, err, "bad block magic");
	if (!n || n > s->block_cap || rawlen != n * VTR_RAW_PER_REC)
		return corrupt(r, at + 12, err, "block record count out of range");
	if (clen > s->comp_cap)
		return corrupt(r, at + 16, err, "block compressed size out of range");
	if (vtr_get64(b + 24) != s->records)
		return corrupt(r, at + 24, err, "block's first record index is out of sequence");
	rc = read_exact(r, s->comp, clen, "a block's compressed records", err);
	if (rc)
		return rc;
	h = vtr_hash_update(VTR_HASH_SEED, b + 8, 24);
	if (vtr_hash_final(vtr_hash_update(h, s->comp, clen)) != vtr_get32(b + 32))
		return corrupt(r, at, err, "block checksum mismatch");
	got = ZSTD_decompressDCtx(s->dctx, s->raw, rawlen, s->comp, clen);
	if (ZSTD_isError(got) || got != rawlen)
		return corrupt(r, at + VTR_BLK_HDR, err, "block does not decompress to its size");
	s->n = n;
	s->pos = 0;
	s->type_col = s->raw;
	s->size_col = s->raw + n;
	s->va_col = s->raw + 3 * (size_t)n;
	s->pc_col = s->raw + 11 * (size_t)n;
	memset(s->last_va, 0, sizeof(s->last_va));
	s->last_pc = 0;
	s->blocks++;
	s->records += n;
	return 0;
}

static int trailer_check(struct trace_reader *r, struct vtr_state *s, const uint8_t *fh,
                         uint64_t at, struct vmemsim_err *err)
{
	uint32_t len = vtr_get32(fh + 4);
	uint8_t *t;
	uint8_t extra;
	uint64_t nb;
	int rc = 0;

	if (len < VTR_TRL_FIXED - 8 + 4 + 16 || (len - (VTR_TRL_FIXED - 8 + 20)) % 16 ||
	    (len - (VTR_TRL_FIXED - 8 + 20)) / 16 != s->blocks)
		return corrupt(r, at + 4, err, "trailer size does not match the blocks read");
	t = malloc((size_t)len + 8);
	if (!t)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", r->src.name);
	memcpy(t, fh, 8);
	rc = read_exact(r, t + 8, len, "the trailer", err);
	nb = s->blocks;
	if (!rc &&
	    (memcmp(t + 8, VTR_TRAILER_MAGIC, 8) ||
	     vtr_hash_final(vtr_hash_update(VTR_HASH_SEED, t + 8, VTR_TRL_FIXED - 8 + 16 * nb)) !=
	         vtr_get32(t + VTR_TRL_FIXED + 16 * nb)))
		rc = corrupt(r, at, err, "trailer magic or checksum mismatch");
	if (!rc && (vtr_get64(t + 16) != s->records || vtr_get64(t + 56) != nb))
		rc = corrupt(r, at + 16, err, "trailer totals disagree with the blocks read");
	for (int i = 0; !rc && i < TRACE_NR_TYPES; i++)
		if (vtr_get64(t + 24 + 8 * i) != s->by_type[i])
			rc = corrupt(r, at + 24, err,
			             "trailer counts by type disagree with the records");
	if (!rc && trace_src_read(&r->src, &extra, 1, NULL) == 1)
		rc = corrupt(r, r->src.off - 1, err, "unexpected data after the trailer");
	free(t);
	if (!rc)
		s->done = true;
	return rc;
}

/* Read the next frame: a block (returns 1), the trailer (returns 0). */
static int next_frame(struct trace_reader *r, struct vtr_state *s, struct vmemsim_err *err)
{
	uint8_t fh[8];
	uint64_t at = r->src.off;
	long got = trace_src_read(&r->src, fh, 8, err);
	uint32_t magic;
	int rc;

	if (got < 0)
		return (int)got;
	if (got == 0)
		return truncated(r, at, err, "the trailer is missing");
	if (got < 8)
		return truncated(r, at + (uint64_t)got, err, "a frame header needs 8 bytes");
	magic = vtr_get32(fh);
	if (magic == VTR_FRAME_BLOCK) {
		rc = block_load(r, s, fh, at, err);
		return rc ? rc : 1;
	}
	if (magic == VTR_FRAME_TRAILER)
		return trailer_check(r, s, fh, at, err);
	return corrupt(r, at, err, "unknown frame magic");
}

/* The hot loop.  State is copied into locals so the stores to out[] (also
 * uint64_t) cannot alias it and force reloads. */
static long decode(struct trace_reader *r, struct vtr_state *s, struct trace_rec *out, size_t cap,
                   struct vmemsim_err *err)
{
	uint32_t i = s->pos, end = s->n - s->pos < cap ? s->n : s->pos + (uint32_t)cap;
	uint64_t pc = s->last_pc, lv[TRACE_NR_TYPES], bt[TRACE_NR_TYPES] = {0};
	const uint8_t *tc = s->type_col, *sc = s->size_col, *vc = s->va_col, *pcc = s->pc_col;
	struct trace_rec *o = out;

	memcpy(lv, s->last_va, sizeof(lv));
	for (; i < end; i++, o++) {
		uint32_t t = tc[i], size = vtr_get16(sc + 2 * (size_t)i);
		if (__builtin_expect(t >= TRACE_NR_TYPES || size == 0, 0))
			break;
		lv[t] += vtr_get64(vc + 8 * (size_t)i);
		pc += vtr_get64(pcc + 8 * (size_t)i);
		o->va = lv[t];
		o->pc = pc;
		o->size = size;
		o->type = t;
		bt[t]++;
	}
	memcpy(s->last_va, lv, sizeof(lv));
	s->last_pc = pc;
	for (int t = 0; t < TRACE_NR_TYPES; t++)
		s->by_type[t] += bt[t];
	s->pos = i;
	if (i < end) {
		char m[96];
		snprintf(m, sizeof(m), "record %llu has type %u size %u",
		         (unsigned long long)(s->records - s->n + i), tc[i],
		         vtr_get16(sc + 2 * (size_t)i));
		trace_reader_defer(r, corrupt(r, r->src.off, err, m), err);
	}
	return o - out;
}

static long vtr_next_batch(struct trace_reader *r, struct trace_rec *buf, size_t cap,
                           struct vmemsim_err *err)
{
	struct vtr_state *s = r->priv;
	int rc;

	while (s->pos == s->n) {
		if (s->done)
			return 0;
		rc = next_frame(r, s, err);
		if (rc < 0)
			return rc;
	}
	return decode(r, s, buf, cap, err);
}

static void vtr_close(struct trace_reader *r)
{
	struct vtr_state *s = r->priv;
	if (!s)
		return;
	ZSTD_freeDCtx(s->dctx);
	free(s->raw);
	free(s->comp);
	free(s->metadata);
	free(s);
	r->priv = NULL;
}

const struct trace_reader_ops trace_vtr_ops = {
    .name = "vtr",
    .open = vtr_open,
    .next_batch = vtr_next_batch,
    .close = vtr_close,
};
