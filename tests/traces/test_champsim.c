/*
 * tests/traces/test_champsim.c — the ChampSim reader on hand-built input_instr
 * records, raw and xz-compressed with liblzma here in the test.
 */
#include <criterion/criterion.h>
#include <lzma.h>

#include "helpers.h"

/* ChampSim's input_instr, written out field by field (64 bytes). */
struct input_instr {
	uint64_t ip;
	uint8_t is_branch, branch_taken;
	uint8_t destination_registers[2];
	uint8_t source_registers[4];
	uint64_t destination_memory[2];
	uint64_t source_memory[4];
};
_Static_assert(sizeof(struct input_instr) == 64, "ChampSim input_instr is 64 bytes");

static const struct input_instr instrs[3] = {
    {.ip = 0x401000, .source_memory = {0x7ffd0000, 0, 0x601040, 0}},
    {.ip = 0x401004, .is_branch = 1, .branch_taken = 1},
    {.ip = 0x401008, .destination_memory = {0, 0x602000}, .source_memory = {0x603000}},
};

/* The records they must become, by hand: fetch, loads, stores; size 8. */
static const struct trace_rec want[] = {
    {0x401000, 0x401000, 8, TRACE_FETCH}, {0x7ffd0000, 0x401000, 8, TRACE_LOAD},
    {0x601040, 0x401000, 8, TRACE_LOAD},  {0x401004, 0x401004, 8, TRACE_FETCH},
    {0x401008, 0x401008, 8, TRACE_FETCH}, {0x603000, 0x401008, 8, TRACE_LOAD},
    {0x602000, 0x401008, 8, TRACE_STORE},
};

static uint8_t *xz(const void *in, size_t len, size_t *out_len)
{
	size_t cap = len + 1024, pos = 0;
	uint8_t *out = malloc(cap);
	cr_assert_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, len, out, &pos, cap),
	             LZMA_OK);
	*out_len = pos;
	return out;
}

static long read_all_mem(const void *data, size_t len, struct trace_rec **got, size_t *n,
                         struct vmemsim_err *err)
{
	struct trace_reader *r;
	long rc = trace_open_mem(&r, data, len, TRACE_FMT_AUTO, 0, err);
	if (rc)
		return rc;
	cr_assert_eq(trace_reader_info(r)->format, TRACE_FMT_CHAMPSIM);
	rc = th_read_all(r, 2, got, n, err);
	trace_close(r);
	return rc;
}

static void assert_prefix(const struct trace_rec *got, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(got[i].va, want[i].va, "record %zu", i);
		cr_assert_eq(got[i].pc, want[i].pc, "record %zu", i);
		cr_assert_eq(got[i].size, want[i].size, "record %zu", i);
		cr_assert_eq(got[i].type, want[i].type, "record %zu", i);
	}
}

Test(champsim_reader, xz_records_expand_to_fetch_loads_stores)
{
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t zlen, n;
	uint8_t *z = xz(instrs, sizeof(instrs), &zlen);

	cr_assert_eq(read_all_mem(z, zlen, &got, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 7);
	assert_prefix(got, n);
	free(got);
	free(z);
}

Test(champsim_reader, xz_file_on_disk_reads_the_same)
{
	char dir[64], path[128];
	struct trace_reader *r;
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t zlen, n;
	uint8_t *z = xz(instrs, sizeof(instrs), &zlen);

	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/t.champsim.xz", dir);
	th_spit(path, z, zlen);
	cr_assert_eq(trace_open(&r, path, TRACE_FMT_CHAMPSIM, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(th_read_all(r, 4096, &got, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 7);
	assert_prefix(got, n);
	cr_assert_eq(trace_reader_info(r)->by_type[TRACE_LOAD], 3);
	trace_close(r);
	th_rmdir(dir);
	free(got);
	free(z);
}

Test(champsim_reader, raw_records_read_without_compression)
{
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t n;

	cr_assert_eq(read_all_mem(instrs, sizeof(instrs), &got, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 7);
	assert_prefix(got, n);
	free(got);
}

Test(champsim_reader, partial_record_reports_its_byte_offset)
{
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t n;

	cr_assert_eq(read_all_mem(instrs, 2 * 64 + 20, &got, &n, &err), VMEMSIM_ECORRUPT);
	cr_assert_eq(n, 4, "the two whole instructions stay delivered");
	assert_prefix(got, n);
	cr_assert(strstr(err.msg, "truncated at byte offset 128"), "%s", err.msg);
	cr_assert(strstr(err.msg, "20 of 64 bytes"), "%s", err.msg);
	free(got);
}

Test(champsim_reader, truncated_xz_reports_compressed_offset)
{
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t zlen, n;
	uint8_t *z = xz(instrs, sizeof(instrs), &zlen);
	char want_msg[64];

	cr_assert_eq(read_all_mem(z, zlen - 30, &got, &n, &err), VMEMSIM_ECORRUPT);
	assert_prefix(got, n);
	snprintf(want_msg, sizeof(want_msg), "compressed byte offset %zu", zlen - 30);
	cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
	cr_assert(strstr(err.msg, want_msg), "%s", err.msg);
	free(got);
	free(z);
}

Test(champsim_reader, corrupt_xz_is_an_error_not_a_crash)
{
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t zlen, n;
	uint8_t *z = xz(instrs, sizeof(instrs), &zlen);

	/* xz checks integrity at the end of a block, so records decoded from the
	 * damaged block before that check may differ: only the error is certain. */
	z[zlen / 2] ^= 0xff;
	cr_assert_eq(read_all_mem(z, zlen, &got, &n, &err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "compressed byte offset"), "%s", err.msg);
	cr_assert_leq(n, 7);
	free(got);
	free(z);
}

Test(champsim_reader, branch_flags_other_than_0_1_are_rejected)
{
	struct input_instr bad[3];
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t n;

	memcpy(bad, instrs, sizeof(bad));
	bad[1].is_branch = 7;
	cr_assert_eq(read_all_mem(bad, sizeof(bad), &got, &n, &err), VMEMSIM_ECORRUPT);
	cr_assert_eq(n, 3);
	cr_assert(strstr(err.msg, "byte offset 64"), "%s", err.msg);
	free(got);
}

Test(champsim_reader, gzip_input_gets_a_clear_message)
{
	const uint8_t gz[16] = {0x1f, 0x8b, 8, 0};
	struct trace_reader *r;
	struct vmemsim_err err = {0};

	cr_assert_eq(trace_open_mem(&r, gz, sizeof(gz), TRACE_FMT_AUTO, 0, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "gzip"), "%s", err.msg);
}

/* 20000 instructions (1.25 MiB decompressed) cross the reader's input buffer
 * several times; the records come out in order. */
Test(champsim_reader, long_xz_stream_reads_every_instruction)
{
	const size_t count = 20000;
	struct input_instr *v = calloc(count, sizeof(*v));
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t zlen, n, k = 0;
	uint8_t *z;

	for (size_t i = 0; i < count; i++) {
		v[i].ip = 0x400000 + 4 * i;
		if (i % 2)
			v[i].source_memory[i % 4] = 0x10000000 + 64 * i;
		if (i % 5 == 0)
			v[i].destination_memory[0] = 0x20000000 + 8 * i;
	}
	z = xz(v, count * sizeof(*v), &zlen);
	cr_assert_eq(read_all_mem(z, zlen, &got, &n, &err), 0, "%s", err.msg);
	for (size_t i = 0; i < count; i++) {
		cr_assert_eq(got[k].type, TRACE_FETCH);
		cr_assert_eq(got[k++].va, 0x400000 + 4 * i);
		if (i % 2) {
			cr_assert_eq(got[k].type, TRACE_LOAD);
			cr_assert_eq(got[k++].va, 0x10000000 + 64 * i);
		}
		if (i % 5 == 0) {
			cr_assert_eq(got[k].type, TRACE_STORE);
			cr_assert_eq(got[k++].va, 0x20000000 + 8 * i);
		}
	}
	cr_assert_eq(n, k);
	free(got);
	free(z);
	free(v);
}
