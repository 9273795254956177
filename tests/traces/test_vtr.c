/*
 * tests/traces/test_vtr.c — the .vtr writer and reader: exact round trips,
 * block boundaries, the byte layout of docs/trace-format.md, and damaged
 * files (truncated, corrupt, unknown version).
 */
#include <criterion/criterion.h>
#include <unistd.h>

#include "helpers.h"
#include "traces/vtr_format.h"
#include <zstd.h>

static char dir[64];
static char path[128];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/t.vtr", dir);
}

static void teardown(void)
{
	th_rmdir(dir);
}

TestSuite(vtr, .init = setup, .fini = teardown);

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct trace_rec *random_records(size_t n)
{
	struct trace_rec *v = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].type = (uint32_t)(rnd() % TRACE_NR_TYPES);
		v[i].va = rnd();
		v[i].pc = rnd() % 3 ? v[i > 0 ? i - 1 : 0].pc + rnd() % 16 : rnd();
		v[i].size = 1 + (uint32_t)(rnd() % TRACE_MAX_SIZE);
	}
	return v;
}

static void write_trace(const struct trace_rec *v, size_t n, uint32_t block, const char *meta)
{
	struct trace_writer *w;
	struct vmemsim_err err = {0};
	struct trace_writer_opts o = {.metadata = meta, .block_records = block, .flags = 0};

	cr_assert_eq(trace_writer_open(&w, path, &o, &err), 0, "%s", err.msg);
	/* append in uneven slices so slices straddle block boundaries */
	for (size_t i = 0; i < n;) {
		size_t k = 1 + rnd() % 300;
		if (k > n - i)
			k = n - i;
		cr_assert_eq(trace_writer_append(w, v + i, k, &err), 0, "%s", err.msg);
		i += k;
	}
	cr_assert_eq(trace_writer_count(w), n);
	cr_assert_eq(trace_writer_close(w, &err), 0, "%s", err.msg);
}

static void assert_same(const struct trace_rec *a, const struct trace_rec *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(a[i].type, b[i].type, "record %zu type", i);
		cr_assert_eq(a[i].va, b[i].va, "record %zu va", i);
		cr_assert_eq(a[i].pc, b[i].pc, "record %zu pc", i);
		cr_assert_eq(a[i].size, b[i].size, "record %zu size", i);
	}
}

Test(vtr, random_records_round_trip_exactly)
{
	const size_t n = 50000;
	struct trace_rec *v = random_records(n), *got;
	struct trace_reader *r;
	struct vmemsim_err err = {0};
	uint64_t by_type[TRACE_NR_TYPES] = {0};
	size_t m;

	for (size_t i = 0; i < n; i++)
		by_type[v[i].type]++;
	write_trace(v, n, 1000, "{\"source\":\"test\"}");
	cr_assert_eq(access(path, F_OK), 0);
	cr_assert_neq(access("t.vtr.part", F_OK), 0);
	cr_assert_eq(trace_open(&r, path, TRACE_FMT_AUTO, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(trace_reader_info(r)->format, TRACE_FMT_VTR);
	cr_assert_eq(trace_reader_info(r)->nr_records, n);
	cr_assert_eq(trace_reader_info(r)->nr_blocks, 50);
	cr_assert_str_eq(trace_reader_info(r)->metadata, "{\"source\":\"test\"}");
	for (int t = 0; t < TRACE_NR_TYPES; t++)
		cr_assert_eq(trace_reader_info(r)->by_type[t], by_type[t]);
	cr_assert_eq(th_read_all(r, 777, &got, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m, n);
	assert_same(v, got, n);
	cr_assert_eq(trace_next_batch(r, got, 10, &err), 0, "the end stays the end");
	trace_close(r);
	free(v);
	free(got);
}

Test(vtr, block_boundaries_round_trip)
{
	const uint32_t B = 64;
	const size_t sizes[] = {0, 1, B - 1, B, B + 1, 2 * B, 5 * B + 3};
	struct trace_rec *v = random_records(5 * B + 3), *got;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct trace_reader *r;
		struct vmemsim_err err = {0};
		size_t m, n = sizes[k];

		write_trace(v, n, B, NULL);
		cr_assert_eq(trace_open(&r, path, TRACE_FMT_VTR, 0, &err), 0, "%s", err.msg);
		cr_assert_eq(trace_reader_info(r)->nr_blocks, (n + B - 1) / B, "n=%zu", n);
		cr_assert_eq(th_read_all(r, B, &got, &m, &err), 0, "n=%zu: %s", n, err.msg);
		cr_assert_eq(m, n);
		assert_same(v, got, n);
		free(got);
		trace_close(r);
	}
	free(v);
}

/* The layout in docs/trace-format.md, checked from the bytes. */
Test(vtr, file_layout_matches_the_specification)
{
	struct trace_rec v[3] = {{.va = 0x1000, .pc = 0x1000, .size = 4, .type = TRACE_FETCH},
	                         {.va = 0x7fff0000, .pc = 0x1000, .size = 8, .type = TRACE_LOAD},
	                         {.va = 0x1004, .pc = 0x1004, .size = 2, .type = TRACE_FETCH}};
	size_t len;
	uint8_t *f;
	uint64_t trl;

	write_trace(v, 3, 0, "{}");
	f = th_slurp(path, &len);
	cr_assert_eq(vtr_get32(f), 0x184D2A50u);
	cr_assert_eq(memcmp(f + 8, "VMSTRACE", 8), 0);
	cr_assert_eq(vtr_get32(f + 16), 1, "version");
	cr_assert_eq(vtr_get64(f + 24), 3, "record count");
	cr_assert_eq(vtr_get64(f + 32), 2, "fetches");
	cr_assert_eq(vtr_get64(f + 40), 1, "loads");
	cr_assert_eq(vtr_get64(f + 64), 1, "blocks");
	cr_assert_eq(vtr_get32(f + 72), TRACE_VTR_BLOCK_RECORDS);
	cr_assert_eq(vtr_get32(f + 76), 2, "metadata length");
	cr_assert_eq(memcmp(f + 80, "{}", 2), 0);
	/* block frame right after the header frame (8 + frame size) */
	cr_assert_eq(vtr_get32(f + 86), 0x184D2A51u);
	cr_assert_eq(vtr_get32(f + 86 + 12), 3, "records in the block");
	cr_assert_eq(vtr_get32(f + 86 + 20), 3 * 19, "raw size");
	/* the end: trailer offset and end magic */
	cr_assert_eq(memcmp(f + len - 8, "VTR-END!", 8), 0);
	trl = vtr_get64(f + len - 16);
	cr_assert_eq(vtr_get32(f + trl), 0x184D2A52u);
	cr_assert_eq(vtr_get64(f + trl + 16), 3);
	cr_assert_eq(vtr_get64(f + trl + 64), 86, "index: block 0 offset");
	free(f);
}

/* Every .vtr is a zstd stream whose content is the record columns. */
Test(vtr, zstd_cli_decompresses_to_the_record_columns)
{
	struct trace_rec *v = random_records(3000);
	char cmd[512], out[160];

	write_trace(v, 3000, 1024, "{\"a\":1}");
	snprintf(out, sizeof(out), "%s/raw", dir);
	snprintf(cmd, sizeof(cmd), "zstd -q -dc '%s' > '%s'", path, out);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(th_file_size(out), 3000 * 19);
	free(v);
}

static uint64_t block_offset(unsigned b)
{
	size_t len;
	uint8_t *f = th_slurp(path, &len);
	uint64_t trl = vtr_get64(f + len - 16), off = vtr_get64(f + trl + 64 + 16 * b);
	free(f);
	return off;
}

static void damage(uint64_t at, int truncate_here)
{
	size_t len;
	uint8_t *f = th_slurp(path, &len);
	if (truncate_here)
		len = at;
	else
		f[at] ^= 0x40;
	th_spit(path, f, len);
	free(f);
}

static void expect_failure(size_t want_records, int want_rc, const char *want_msg)
{
	struct trace_reader *r;
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t m;
	long rc;

	cr_assert_eq(trace_open(&r, path, TRACE_FMT_VTR, 0, &err), 0, "%s", err.msg);
	rc = th_read_all(r, 128, &got, &m, &err);
	cr_assert_eq(rc, want_rc, "rc %ld: %s", rc, err.msg);
	cr_assert_eq(m, want_records, "delivered %zu: %s", m, err.msg);
	cr_assert(strstr(err.msg, want_msg), "message '%s' lacks '%s'", err.msg, want_msg);
	free(got);
	trace_close(r);
}

Test(vtr, truncated_file_reports_offset_and_keeps_earlier_blocks)
{
	struct trace_rec *v = random_records(1000);
	char want[64];
	uint64_t cut;

	write_trace(v, 1000, 100, NULL);
	cut = block_offset(5) + 36 + 10; /* inside block 5's compressed bytes */
	damage(cut, 1);
	snprintf(want, sizeof(want), "truncated at byte offset %llu", (unsigned long long)cut);
	expect_failure(500, VMEMSIM_ECORRUPT, want);
	free(v);
}

Test(vtr, corrupt_block_reports_offset_and_keeps_earlier_blocks)
{
	struct trace_rec *v = random_records(1000);
	char want[64];
	uint64_t at;

	write_trace(v, 1000, 100, NULL);
	at = block_offset(3);
	damage(at + 36 + 5, 0);
	snprintf(want, sizeof(want), "corrupt at byte offset %llu", (unsigned long long)at);
	expect_failure(300, VMEMSIM_ECORRUPT, want);
	free(v);
}

Test(vtr, missing_trailer_is_reported_after_all_records)
{
	struct trace_rec *v = random_records(1000);
	size_t len;
	uint8_t *f;
	uint64_t trl;

	write_trace(v, 1000, 100, NULL);
	f = th_slurp(path, &len);
	trl = vtr_get64(f + len - 16);
	free(f);
	damage(trl, 1);
	expect_failure(1000, VMEMSIM_ECORRUPT, "the trailer is missing");
	free(v);
}

Test(vtr, unknown_version_is_refused)
{
	struct trace_rec v = {.va = 1, .pc = 1, .size = 1, .type = TRACE_LOAD};
	struct trace_reader *r;
	struct vmemsim_err err = {0};
	size_t len;
	uint8_t *f;

	write_trace(&v, 1, 0, NULL);
	f = th_slurp(path, &len);
	vtr_put32(f + 16, 2);
	th_spit(path, f, len);
	free(f);
	cr_assert_eq(trace_open(&r, path, TRACE_FMT_AUTO, 0, &err), VMEMSIM_EVERSION);
	cr_assert_null(r);
	cr_assert(strstr(err.msg, ".vtr version 2 is not supported"), "%s", err.msg);
}

Test(vtr, writer_refuses_bad_records_and_appends_nothing)
{
	struct trace_rec v[3] = {{.va = 1, .pc = 1, .size = 1, .type = TRACE_LOAD},
	                         {.va = 2, .pc = 1, .size = 0, .type = TRACE_LOAD},
	                         {.va = 3, .pc = 1, .size = 1, .type = 9}};
	struct trace_writer *w;
	struct vmemsim_err err = {0};

	cr_assert_eq(trace_writer_open(&w, path, NULL, &err), 0);
	cr_assert_eq(trace_writer_append(w, v, 2, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "record 1"), "%s", err.msg);
	cr_assert_eq(trace_writer_put(w, 9, 3, 1, 1, &err), VMEMSIM_EINVAL);
	cr_assert_eq(trace_writer_count(w), 0);
	cr_assert_eq(trace_writer_append(w, v, 1, &err), 0);
	cr_assert_eq(trace_writer_close(w, &err), 0);
}

Test(vtr, aborted_writer_leaves_no_file)
{
	struct trace_writer *w;
	struct vmemsim_err err = {0};
	char part[160];

	snprintf(part, sizeof(part), "%s.part", path);
	cr_assert_eq(trace_writer_open(&w, path, NULL, &err), 0);
	cr_assert_eq(access(part, F_OK), 0, "writes go to .part");
	cr_assert_eq(trace_writer_put(w, TRACE_LOAD, 1, 8, 2, &err), 0);
	trace_writer_abort(w);
	cr_assert_neq(access(part, F_OK), 0);
	cr_assert_neq(access(path, F_OK), 0);
}

Test(vtr, scan_info_reads_counts_from_the_header)
{
	struct trace_rec *v = random_records(2000);
	struct trace_info info;
	struct vmemsim_err err = {0};
	uint64_t stores = 0;
	char *meta;

	for (int i = 0; i < 2000; i++)
		stores += v[i].type == TRACE_STORE;
	write_trace(v, 2000, 300, "{\"cpu\":\"zen4\"}");
	cr_assert_eq(trace_scan_info(path, TRACE_FMT_AUTO, 0, &info, &meta, &err), 0, "%s",
	             err.msg);
	cr_assert_eq(info.nr_records, 2000);
	cr_assert_eq(info.by_type[TRACE_STORE], stores);
	cr_assert_eq(info.nr_blocks, 7);
	cr_assert_str_eq(meta, "{\"cpu\":\"zen4\"}");
	free(meta);
	free(v);
}

/* A block whose checksum is valid but which holds a record of type 7: the
 * records before it are delivered, then the error names the record. */
Test(vtr, invalid_record_inside_a_valid_block_is_reported_by_index)
{
	struct trace_rec *v = random_records(250);
	size_t len;
	uint8_t *f, raw[100 * 19], comp[4096];
	uint64_t b1, h;
	size_t clen;

	for (int i = 0; i < 250; i++)
		v[i].type = TRACE_LOAD;
	write_trace(v, 250, 100, NULL);
	f = th_slurp(path, &len);
	b1 = block_offset(1);
	/* decompress block 1, set record 142's type to 7, recompress, and fix
	 * the block frame's compressed size and checksum */
	clen = vtr_get32(f + b1 + 16);
	cr_assert_eq(ZSTD_decompress(raw, sizeof(raw), f + b1 + 36, clen), sizeof(raw));
	raw[42] = 7;
	clen = ZSTD_compress(comp, sizeof(comp), raw, sizeof(raw), 1);
	cr_assert(!ZSTD_isError(clen));
	{
		size_t tail = len - (b1 + 36 + vtr_get32(f + b1 + 16));
		uint8_t *g = malloc(b1 + 36 + clen + tail);
		memcpy(g, f, b1 + 36);
		memcpy(g + b1 + 36, comp, clen);
		memcpy(g + b1 + 36 + clen, f + len - tail, tail);
		vtr_put32(g + b1 + 16, (uint32_t)clen);
		h = vtr_hash_update(VTR_HASH_SEED, g + b1 + 8, 24);
		vtr_put32(g + b1 + 32, vtr_hash_final(vtr_hash_update(h, comp, clen)));
		th_spit(path, g, b1 + 36 + clen + tail);
		free(g);
	}
	free(f);
	expect_failure(142, VMEMSIM_ECORRUPT, "record 142 has type 7");
	free(v);
}

Test(vtr, data_after_the_trailer_is_corrupt)
{
	struct trace_rec *v = random_records(300);
	size_t len;
	uint8_t *f;
	char want[64];

	write_trace(v, 300, 100, NULL);
	f = th_slurp(path, &len);
	f = realloc(f, len + 5);
	memcpy(f + len, "extra", 5);
	th_spit(path, f, len + 5);
	free(f);
	snprintf(want, sizeof(want), "corrupt at byte offset %zu", len);
	expect_failure(300, VMEMSIM_ECORRUPT, want);
	free(v);
}

Test(vtr, empty_input_and_foreign_files_are_refused)
{
	struct trace_reader *r;
	struct vmemsim_err err = {0};
	static const char elf[16] = "\x7f"
	                            "ELF\x02\x01\x01";

	cr_assert_eq(trace_open_mem(&r, "", 0, TRACE_FMT_AUTO, 0, &err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "empty input"), "%s", err.msg);
	cr_assert_eq(trace_open_mem(&r, elf, sizeof(elf), TRACE_FMT_VTR, 0, &err),
	             VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "not a .vtr file"), "%s", err.msg);
}
