/*
 * tests/traces/test_lackey.c — the valgrind lackey reader, on a real valgrind
 * run of a small program and on hand-written lines.
 */
#include <criterion/criterion.h>
#include <unistd.h>

#include "helpers.h"

static char dir[64];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
}

static void teardown(void)
{
	th_rmdir(dir);
}

TestSuite(lackey, .init = setup, .fini = teardown);

static long read_mem(const char *text, unsigned flags, struct trace_rec **out, size_t *n,
                     struct vmemsim_err *err, struct trace_reader **keep)
{
	struct trace_reader *r;
	long rc = trace_open_mem(&r, text, strlen(text), TRACE_FMT_LACKEY, flags, err);
	cr_assert_eq(rc, 0, "%s", err->msg);
	rc = th_read_all(r, 3, out, n, err);
	if (keep)
		*keep = r;
	else
		trace_close(r);
	return rc;
}

Test(lackey, lines_become_records_with_the_fetch_as_pc)
{
	const char *text = "==123== Lackey, an example Valgrind tool\n"
	                   "I  0400d7d4,3\n"
	                   " S 7ff000398,8\n"
	                   "I  0400d7d7,5\n"
	                   " L 0061f000,4\n"
	                   " M 0061f008,2\n"
	                   "--123-- a valgrind warning\n"
	                   "\n"
	                   "I  ffffffff81000000,15";
	const struct trace_rec want[] = {
	    {0x400d7d4, 0x400d7d4, 3, TRACE_FETCH},
	    {0x7ff000398, 0x400d7d4, 8, TRACE_STORE},
	    {0x400d7d7, 0x400d7d7, 5, TRACE_FETCH},
	    {0x61f000, 0x400d7d7, 4, TRACE_LOAD},
	    {0x61f008, 0x400d7d7, 2, TRACE_LOAD},
	    {0x61f008, 0x400d7d7, 2, TRACE_STORE},
	    {0xffffffff81000000ull, 0xffffffff81000000ull, 15, TRACE_FETCH}};
	struct trace_rec *got;
	struct trace_reader *r;
	struct vmemsim_err err = {0};
	size_t n;

	cr_assert_eq(read_mem(text, 0, &got, &n, &err, &r), 0, "%s", err.msg);
	cr_assert_eq(n, 7);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(got[i].va, want[i].va, "record %zu", i);
		cr_assert_eq(got[i].pc, want[i].pc, "record %zu", i);
		cr_assert_eq(got[i].size, want[i].size, "record %zu", i);
		cr_assert_eq(got[i].type, want[i].type, "record %zu", i);
	}
	cr_assert_eq(trace_reader_info(r)->by_type[TRACE_FETCH], 3);
	cr_assert_eq(trace_reader_info(r)->by_type[TRACE_LOAD], 2);
	cr_assert_eq(trace_reader_info(r)->by_type[TRACE_STORE], 2);
	cr_assert(trace_reader_info(r)->flags & TRACE_F_FETCH_IS_INSN);
	trace_close(r);
	free(got);
}

Test(lackey, garbage_line_reports_line_number)
{
	const char *text = "I  0400d7d4,3\n L 1000,4\nhello world\n S 2000,4\n";
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t n;

	cr_assert_eq(read_mem(text, 0, &got, &n, &err, NULL), VMEMSIM_ECORRUPT);
	cr_assert_eq(n, 2, "records before the bad line stay delivered");
	cr_assert(strstr(err.msg, "<memory>:3: not a lackey line: 'hello world'"), "%s", err.msg);
	free(got);
}

Test(lackey, malformed_access_lines_are_garbage)
{
	const char *bad[] = {" L 1000\n",  " L 1000,0\n",     " X 1000,4\n",
	                     "I 1000,4\n", " L 10g0,4\n",     " L 1000,4x\n",
	                     " L ,4\n",    " L 1000,99999\n", " L 11112222333344445,4\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct trace_rec *got;
		struct vmemsim_err err = {0};
		size_t n;
		cr_assert_eq(read_mem(bad[i], 0, &got, &n, &err, NULL), VMEMSIM_ECORRUPT, "'%s'",
		             bad[i]);
		cr_assert(strstr(err.msg, ":1:"), "%s", err.msg);
		free(got);
	}
}

Test(lackey, skip_bad_counts_garbage_lines)
{
	const char *text = "I  0400d7d4,3\ngarbage\n L 1000,4\n\x01\x02\n S 2000,4\n";
	struct trace_rec *got;
	struct trace_reader *r;
	struct vmemsim_err err = {0};
	size_t n;

	cr_assert_eq(read_mem(text, TRACE_SKIP_BAD, &got, &n, &err, &r), 0, "%s", err.msg);
	cr_assert_eq(n, 3);
	cr_assert_eq(trace_reader_info(r)->bad_lines, 2);
	trace_close(r);
	free(got);
}

/* Run `cmd`, return its first stdout line as a number. */
static uint64_t run_hex(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	unsigned long long v = 0;
	cr_assert_not_null(p);
	cr_assert_eq(fscanf(p, "%llx", &v), 1, "%s", cmd);
	pclose(p);
	return v;
}

static uint64_t count_lines(const char *file, const char *regex)
{
	char cmd[512];
	unsigned long long v = 0;
	FILE *p;
	snprintf(cmd, sizeof(cmd), "grep -c -E '%s' '%s'", regex, file);
	p = popen(cmd, "r");
	cr_assert_eq(fscanf(p, "%llu", &v), 1);
	pclose(p);
	return v;
}

Test(lackey, real_valgrind_run_of_a_small_program, .timeout = 120)
{
	char prog[128], log[128], cmd[768];
	struct trace_reader *r;
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	uint64_t arr, fetch = 0, load = 0, store = 0;
	static uint8_t stored[1000], loaded[1000];
	size_t n;

	snprintf(prog, sizeof(prog), "%s/prog", dir);
	snprintf(log, sizeof(log), "%s/lackey.txt", dir);
	snprintf(cmd, sizeof(cmd),
	         "cc -O0 -fno-pie -no-pie -o '%s' tests/traces/fixtures/lackey_prog.c", prog);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "valgrind --tool=lackey --trace-mem=yes --log-file='%s' '%s'",
	         log, prog);
	arr = run_hex(cmd);
	cr_assert_neq(arr, 0);

	cr_assert_eq(trace_open(&r, log, TRACE_FMT_AUTO, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(trace_reader_info(r)->format, TRACE_FMT_LACKEY);
	cr_assert_eq(th_read_all(r, 4096, &got, &n, &err), 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		fetch += got[i].type == TRACE_FETCH;
		load += got[i].type == TRACE_LOAD;
		store += got[i].type == TRACE_STORE;
		if (got[i].va >= arr && got[i].va < arr + 4000 && got[i].size == 4 &&
		    (got[i].va - arr) % 4 == 0) {
			if (got[i].type == TRACE_STORE)
				stored[(got[i].va - arr) / 4]++;
			if (got[i].type == TRACE_LOAD)
				loaded[(got[i].va - arr) / 4]++;
		}
	}
	/* counts agree with grep over the same text */
	cr_assert_eq(fetch, count_lines(log, "^I  "));
	cr_assert_eq(load, count_lines(log, "^ [LM] "));
	cr_assert_eq(store, count_lines(log, "^ [SM] "));
	/* the program's own accesses: each int stored once and loaded once */
	for (int i = 0; i < 1000; i++) {
		cr_assert_eq(stored[i], 1, "a[%d] stored %u times", i, stored[i]);
		cr_assert_eq(loaded[i], 1, "a[%d] loaded %u times", i, loaded[i]);
	}
	trace_close(r);
	free(got);
}

/* 300000 lines (several MiB) cross the reader's 1 MiB buffer many times:
 * every line must come out whole, in order, whatever the batch size. */
Test(lackey, lines_across_buffer_refills_parse_exactly)
{
	const size_t lines = 300000;
	char *text = malloc(lines * 32 + 1), *p = text;
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t n;

	for (size_t i = 0; i < lines; i++) {
		if (i % 3 == 0)
			p += sprintf(p, "I  %08zx,%zu\n", 0x400000 + 4 * i, 1 + i % 15);
		else
			p += sprintf(p, " %c %zx,%zu\n", i % 3 == 1 ? 'L' : 'S',
			             0x7ff000000 + 8 * i, 1 + i % 64);
	}
	for (size_t batch = 1; batch <= 4096; batch *= 64) {
		struct trace_reader *r;
		cr_assert_eq(
		    trace_open_mem(&r, text, (size_t)(p - text), TRACE_FMT_LACKEY, 0, &err), 0);
		cr_assert_eq(th_read_all(r, batch, &got, &n, &err), 0, "%s", err.msg);
		cr_assert_eq(n, lines);
		for (size_t i = 0; i < lines; i++) {
			uint64_t pc = 0x400000 + 4 * (i - i % 3);
			if (i % 3 == 0) {
				cr_assert_eq(got[i].va, 0x400000 + 4 * i, "line %zu", i + 1);
				cr_assert_eq(got[i].type, TRACE_FETCH);
				cr_assert_eq(got[i].size, 1 + i % 15);
			} else {
				cr_assert_eq(got[i].va, 0x7ff000000 + 8 * i, "line %zu", i + 1);
				cr_assert_eq(got[i].type, i % 3 == 1 ? TRACE_LOAD : TRACE_STORE);
				cr_assert_eq(got[i].size, 1 + i % 64);
			}
			cr_assert_eq(got[i].pc, pc, "line %zu", i + 1);
		}
		free(got);
		trace_close(r);
	}
	free(text);
}

Test(lackey, m_line_split_across_batches_keeps_load_then_store)
{
	const char *text = "I  1000,4\n M 2000,8\n M 3000,8\n";
	struct trace_rec *got;
	struct vmemsim_err err = {0};
	size_t n;

	/* read_mem uses batches of 3: the second M's store waits for the next batch */
	cr_assert_eq(read_mem(text, 0, &got, &n, &err, NULL), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(got[3].type, TRACE_LOAD);
	cr_assert_eq(got[3].va, 0x3000);
	cr_assert_eq(got[4].type, TRACE_STORE);
	cr_assert_eq(got[4].va, 0x3000);
	cr_assert_eq(got[4].pc, 0x1000);
	free(got);
}

/* Distinct pages, counted by hand:
 *   code: 0x401000 and 0x401ffe+4 -> 4K pages 0x401, 0x402; 2M region 2; 1G region 0
 *   data: 0x601ffc+8 -> pages 0x601, 0x602 (2M region 3); 0x7ffc0010 -> page
 *         0x7ffc0 (2M region 0x3ffe, 1G region 1); 0x40000000 -> page 0x40000
 *         (2M region 0x200, 1G region 1) */
Test(lackey, footprint_counts_distinct_pages_by_size)
{
	const char *text = "I  00401000,4\n L 00601ffc,8\n S 7ffc0010,8\n"
	                   "I  00401ffe,4\n L 40000000,8\n L 00601000,1\n";
	struct trace_reader *r;
	struct trace_footprint fp;
	struct vmemsim_err err = {0};

	cr_assert_eq(trace_open_mem(&r, text, strlen(text), TRACE_FMT_LACKEY, 0, &err), 0);
	cr_assert_eq(trace_footprint(r, &fp, &err), 0, "%s", err.msg);
	cr_assert_eq(fp.code[0], 2);
	cr_assert_eq(fp.code[1], 1);
	cr_assert_eq(fp.code[2], 1);
	cr_assert_eq(fp.data[0], 4);
	cr_assert_eq(fp.data[1], 3);
	cr_assert_eq(fp.data[2], 2);
	trace_close(r);
}

Test(lackey, footprint_of_many_pages_grows_its_sets)
{
	const size_t pages = 100000;
	char *text = malloc(pages * 20 + 1), *p = text;
	struct trace_reader *r;
	struct trace_footprint fp;
	struct vmemsim_err err = {0};

	for (size_t i = 0; i < pages; i++)
		p += sprintf(p, " L %zx,8\n", 0x10000000 + 4096 * i);
	cr_assert_eq(trace_open_mem(&r, text, (size_t)(p - text), TRACE_FMT_LACKEY, 0, &err), 0);
	cr_assert_eq(trace_footprint(r, &fp, &err), 0, "%s", err.msg);
	cr_assert_eq(fp.data[0], pages);
	cr_assert_eq(fp.data[1], (pages + 511) / 512);
	trace_close(r);
	free(text);
}
