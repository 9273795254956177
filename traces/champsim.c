/*
 * traces/champsim.c — ChampSim traces: a sequence of 64-byte input_instr
 * records (ChampSim inc/trace_instruction.h; reference/sims.md [C4]), raw or
 * xz-compressed (decoded with liblzma as it is read).
 *
 *   offset  size  field
 *        0     8  ip
 *        8     1  is_branch
 *        9     1  branch_taken
 *       10     2  destination_registers[2]
 *       12     4  source_registers[4]
 *       16    16  destination_memory[2]   (stores; 0 = unused)
 *       32    32  source_memory[4]        (loads; 0 = unused)
 *
 * Each instruction becomes a fetch at ip, then its loads, then its stores;
 * sizes are not in the format and are taken as 8 bytes (CHAMPSIM_SIZE).
 * is_branch and branch_taken must be 0 or 1: anything else is not a ChampSim
 * trace, reported with its byte offset.  Offsets in messages are in the
 * decompressed stream; for xz input the compressed offset is named too.
 *
 * Invariants:
 *  (1) out[opos, olen) are records of the current instruction not yet
 *      delivered (at most 7).
 *  (2) ibuf[ipos, ilen) is decompressed input not yet consumed.
 */
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "trace_ops.h"
#include "vtr_format.h"

#define CHAMPSIM_REC  64u
#define CHAMPSIM_SIZE 8u
#define CHAMPSIM_IBUF (64u * 4096u)
#define CHAMPSIM_ZBUF (64u * 1024u)
/* xz -9 needs 65 MiB to decode; refuse streams that ask for absurd amounts. */
#define CHAMPSIM_XZ_MEMLIMIT (1ull << 30)

struct champsim_state {
	bool xz;
	lzma_stream lz;
	bool lz_end;
	uint8_t *zbuf; /* compressed input */
	uint8_t *ibuf; /* decompressed input */
	size_t ipos, ilen;
	uint64_t dec_off; /* decompressed bytes consumed */
	struct trace_rec out[7];
	unsigned opos, olen;
	bool eof;
	int fill_rc; /* input error met while whole records remain */
	struct vmemsim_err fill_err;
};

static int champsim_open(struct trace_reader *r, struct vmemsim_err *err)
{
	static const uint8_t xz_magic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
	struct champsim_state *s = calloc(1, sizeof(*s));
	const uint8_t *p;
	long n;

	r->priv = s;
	if (!s || !(s->ibuf = malloc(CHAMPSIM_IBUF)))
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", r->src.name);
	r->info.flags = TRACE_F_FETCH_IS_INSN;
	n = trace_src_peek(&r->src, 6, &p, err);
	if (n < 0)
		return (int)n;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s: gzip-compressed ChampSim traces are not supported; "
		                    "recompress with xz (gunzip -c FILE | xz > FILE.xz)",
		                    r->src.name);
	if (n == 6 && !memcmp(p, xz_magic, 6)) {
		lzma_stream init = LZMA_STREAM_INIT;
		s->xz = true;
		s->lz = init;
		if (!(s->zbuf = malloc(CHAMPSIM_ZBUF)))
			return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", r->src.name);
		if (lzma_stream_decoder(&s->lz, CHAMPSIM_XZ_MEMLIMIT, LZMA_CONCATENATED) !=
		    LZMA_OK) {
			s->xz = false;
			return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: cannot start the xz decoder",
			                    r->src.name);
		}
	}
	return 0;
}

static int xz_fill(struct trace_reader *r, struct champsim_state *s, struct vmemsim_err *err)
{
	lzma_action action = LZMA_RUN;
	lzma_ret ret;
	long got;

	s->lz.next_out = s->ibuf + s->ilen;
	s->lz.avail_out = CHAMPSIM_IBUF - s->ilen;
	while (s->lz.avail_out && !s->lz_end) {
		if (s->lz.avail_in == 0 && action == LZMA_RUN) {
			got = trace_src_read(&r->src, s->zbuf, CHAMPSIM_ZBUF, err);
			if (got < 0)
				return (int)got;
			s->lz.next_in = s->zbuf;
			s->lz.avail_in = (size_t)got;
			if (got == 0)
				action = LZMA_FINISH;
		}
		ret = lzma_code(&s->lz, action);
		if (ret == LZMA_STREAM_END) {
			s->lz_end = true;
		} else if (ret != LZMA_OK) {
			const char *why = ret == LZMA_BUF_ERROR      ? "the xz stream is truncated"
			                  : ret == LZMA_FORMAT_ERROR ? "not an xz stream"
			                  : ret == LZMA_MEM_ERROR    ? "out of memory"
			                  : ret == LZMA_MEMLIMIT_ERROR
			                      ? "the xz stream needs more than 1 GiB to decode"
			                      : "the xz data is corrupt";
			s->ilen = CHAMPSIM_IBUF - s->lz.avail_out;
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: %s at compressed byte offset %llu (decompressed "
			                    "byte offset %llu; %llu records were read before it)",
			                    r->src.name, why, (unsigned long long)(s->lz.total_in),
			                    (unsigned long long)s->lz.total_out,
			                    (unsigned long long)trace_reader_produced(r));
		}
	}
	s->ilen = CHAMPSIM_IBUF - s->lz.avail_out;
	return 0;
}

/* Make at least one whole record available in ibuf, if the input has one. */
static int fill(struct trace_reader *r, struct champsim_state *s, struct vmemsim_err *err)
{
	long got;

	memmove(s->ibuf, s->ibuf + s->ipos, s->ilen - s->ipos);
	s->ilen -= s->ipos;
	s->ipos = 0;
	if (s->xz) {
		size_t before = s->ilen;
		int rc = xz_fill(r, s, err);
		if (rc)
			return rc;
		s->eof = s->ilen == before && s->lz_end;
		return 0;
	}
	got = trace_src_read(&r->src, s->ibuf + s->ilen, CHAMPSIM_IBUF - s->ilen, err);
	if (got < 0)
		return (int)got;
	s->eof = got == 0;
	s->ilen += (size_t)got;
	return 0;
}

static int expand(struct trace_reader *r, struct champsim_state *s, const uint8_t *p,
                  struct vmemsim_err *err)
{
	uint64_t ip = vtr_get64(p);
	unsigned k = 0;

	if (p[8] > 1 || p[9] > 1)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                    "%s: byte offset %llu%s: is_branch %u / branch_taken %u is not "
		                    "0 or 1: not a ChampSim input_instr record (%llu records were "
		                    "read before it)",
		                    r->src.name, (unsigned long long)s->dec_off,
		                    s->xz ? " (decompressed)" : "", p[8], p[9],
		                    (unsigned long long)trace_reader_produced(r));
	s->out[k++] =
	    (struct trace_rec){.va = ip, .pc = ip, .size = CHAMPSIM_SIZE, .type = TRACE_FETCH};
	for (int i = 0; i < 4; i++) {
		uint64_t a = vtr_get64(p + 32 + 8 * i);
		if (a)
			s->out[k++] = (struct trace_rec){
			    .va = a, .pc = ip, .size = CHAMPSIM_SIZE, .type = TRACE_LOAD};
	}
	for (int i = 0; i < 2; i++) {
		uint64_t a = vtr_get64(p + 16 + 8 * i);
		if (a)
			s->out[k++] = (struct trace_rec){
			    .va = a, .pc = ip, .size = CHAMPSIM_SIZE, .type = TRACE_STORE};
	}
	for (unsigned i = 0; i < k; i++)
		r->info.by_type[s->out[i].type]++;
	s->opos = 0;
	s->olen = k;
	return 0;
}

static int next_instr(struct trace_reader *r, struct champsim_state *s, struct vmemsim_err *err)
{
	int rc;

	if (s->ilen - s->ipos < CHAMPSIM_REC && !s->eof) {
		rc = fill(r, s, &s->fill_err);
		if (rc) {
			/* deliver the whole records decoded before the error first */
			s->fill_rc = rc;
			s->eof = true;
		}
	}
	if (s->ilen - s->ipos < CHAMPSIM_REC) {
		if (s->fill_rc) {
			if (err)
				*err = s->fill_err;
			return s->fill_rc;
		}
		if (s->ilen == s->ipos)
			return 0;
		return vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                    "%s: truncated at byte offset %llu%s: the last input_instr "
		                    "record has %zu of 64 bytes (%llu records were read before it)",
		                    r->src.name, (unsigned long long)s->dec_off,
		                    s->xz ? " (decompressed)" : "", s->ilen - s->ipos,
		                    (unsigned long long)trace_reader_produced(r));
	}
	rc = expand(r, s, s->ibuf + s->ipos, err);
	if (rc)
		return rc;
	s->ipos += CHAMPSIM_REC;
	s->dec_off += CHAMPSIM_REC;
	return 1;
}

static long champsim_next_batch(struct trace_reader *r, struct trace_rec *buf, size_t cap,
                                struct vmemsim_err *err)
{
	struct champsim_state *s = r->priv;
	size_t n = 0;
	int rc;

	while (n < cap) {
		if (s->opos == s->olen) {
			rc = next_instr(r, s, err);
			if (rc < 0) {
				if (n == 0)
					return rc;
				trace_reader_defer(r, rc, err);
				break;
			}
			if (rc == 0)
				break;
		}
		while (s->opos < s->olen && n < cap)
			buf[n++] = s->out[s->opos++];
	}
	return (long)n;
}

static void champsim_close(struct trace_reader *r)
{
	struct champsim_state *s = r->priv;
	if (!s)
		return;
	if (s->xz)
		lzma_end(&s->lz);
	free(s->zbuf);
	free(s->ibuf);
	free(s);
	r->priv = NULL;
}

const struct trace_reader_ops trace_champsim_ops = {
    .name = "champsim",
    .open = champsim_open,
    .next_batch = champsim_next_batch,
    .close = champsim_close,
};
