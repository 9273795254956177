/*
 * bench/bench_replay.c — trace replay against plain decompression.
 *
 * One .vtr of an L1-hit-heavy stream (a loop of 8 instructions, each fetch
 * followed by an 8-byte load sweeping a 16 KiB array: every access hits the
 * L1 TLBs and the L1D) is written once, then timed in ONE process, best of
 * three each:
 *
 *   zstd -dc    the zstd CLI decompressing the same file to /dev/null (a
 *               .vtr is a zstd stream; its content is the record columns)
 *   decode      trace_next_batch() into a flat array, nothing else
 *   replay      decode + trace_replay_batch(): every record through
 *               mmu_access() on the default (Skylake-like) MMU, pages mapped
 *               on first touch
 *
 * Targets (issue 5): replay >= 1/3 of zstd -dc's records/s, and >= 50 M
 * records/s.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "mmu/mmu.h"
#include "traces/trace.h"

#define BR_RECORDS (16u << 20)
#define BR_BATCH   4096
#define BR_REPEAT  3

static int br_write(const char *path, struct vmemsim_err *err)
{
	struct trace_writer *w;
	struct trace_writer_opts o = {.metadata = "{\"source\":\"bench_replay\"}",
	                              .flags = TRACE_F_FETCH_IS_INSN};
	struct trace_rec buf[BR_BATCH];
	uint64_t k = 0;
	int rc = trace_writer_open(&w, path, &o, err);

	for (uint64_t done = 0; !rc && done < BR_RECORDS; done += BR_BATCH) {
		for (unsigned i = 0; i < BR_BATCH; i += 2, k++) {
			uint64_t pc = 0x401000 + 4 * (k % 8);
			buf[i] = (struct trace_rec){pc, pc, 4, TRACE_FETCH};
			buf[i + 1] =
			    (struct trace_rec){0x601000 + 8 * (k % 2048), pc, 8, TRACE_LOAD};
		}
		rc = trace_writer_append(w, buf, BR_BATCH, err);
	}
	if (rc) {
		trace_writer_abort(w);
		return rc;
	}
	return trace_writer_close(w, err);
}

/* Wall time of `zstd -q -dc path > /dev/null`, or a negative value. */
static double br_zstd_cli(const char *path)
{
	double t0 = bench_now();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(127);
		execlp("zstd", "zstd", "-q", "-dc", path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return bench_now() - t0;
}

/* Decode (and replay when m is set) the whole file; returns seconds. */
static double br_pass(const char *path, bool do_replay, uint64_t *checksum, struct vmemsim_err *err)
{
	static struct trace_rec buf[BR_BATCH];
	struct trace_aspace_config ac = {.policy = TRACE_PAGES_4K, .phys_bytes = 4ull << 30};
	struct trace_machine tm = {0};
	struct mmu_config cfg;
	struct trace_reader *r;
	uint64_t done = 0, sum = 0;
	double t0;
	long n;

	mmu_config_default(&cfg);
	if (do_replay && trace_machine_user(&tm, &cfg, &ac, err))
		return -1;
	t0 = bench_now();
	if (trace_open(&r, path, TRACE_FMT_VTR, 0, err))
		n = -1;
	else {
		while ((n = trace_next_batch(r, buf, BR_BATCH, err)) > 0) {
			if (tm.m && trace_replay_batch(tm.m, tm.as, buf, (size_t)n,
			                               TRACE_F_FETCH_IS_INSN, done, err)) {
				n = -1;
				break;
			}
			sum += buf[n - 1].va;
			done += (uint64_t)n;
		}
		trace_close(r);
	}
	t0 = bench_now() - t0;
	if (tm.m) {
		struct mmu_stats s;
		mmu_stats_snapshot(tm.m, &s);
		sum += mmu_stats_total(&s, MMU_C_l1d_hits);
		trace_machine_fini(&tm);
	}
	*checksum = sum;
	return n < 0 || done != BR_RECORDS ? -1 : t0;
}

static uint64_t sum_sink;

static double br_best(double (*fn)(const char *, bool, uint64_t *, struct vmemsim_err *),
                      const char *path, bool do_replay, struct vmemsim_err *err)
{
	double best = 1e30;
	uint64_t sum;
	for (int i = 0; i < BR_REPEAT; i++) {
		double t = fn(path, do_replay, &sum, err);
		if (t < 0)
			return -1;
		sum_sink += sum;
		if (t < best)
			best = t;
	}
	return best;
}

int bench_replay(void)
{
	char dir[] = "/tmp/vmemsim-bench-replay-XXXXXX", path[128];
	struct vmemsim_err err = {0};
	double tz = 1e30, td, tr, mz, mr;
	int rc = 1;

	if (!mkdtemp(dir)) {
		perror("bench_replay: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/l1.vtr", dir);
	if (br_write(path, &err)) {
		fprintf(stderr, "bench_replay: %s\n", err.msg);
		goto out;
	}
	for (int i = 0; i < BR_REPEAT; i++) {
		double t = br_zstd_cli(path);
		if (t < 0) {
			fprintf(stderr, "bench_replay: zstd -dc failed (is zstd installed?)\n");
			goto out;
		}
		if (t < tz)
			tz = t;
	}
	td = br_best(br_pass, path, false, &err);
	tr = br_best(br_pass, path, true, &err);
	if (td < 0 || tr < 0) {
		fprintf(stderr, "bench_replay: %s\n", err.msg);
		goto out;
	}
	mz = BR_RECORDS / tz;
	mr = BR_RECORDS / tr;
	printf("replay: %u M records of an L1-hit-heavy stream, baseline zstd -dc of the file\n",
	       BR_RECORDS >> 20);
	bench_report("replay: zstd -dc > /dev/null", BR_RECORDS, tz, mz);
	bench_report("replay: decode only", BR_RECORDS, td, mz);
	bench_report("replay: decode + replay", BR_RECORDS, tr, mz);
	printf("replay: target ratio >= 0.333: %s; target >= 50 M records/s: %s\n",
	       mr >= mz / 3 ? "met" : "NOT met", mr >= 50e6 ? "met" : "NOT met");
	bench_sink(sum_sink);
	rc = 0;
out:
	unlink(path);
	rmdir(dir);
	return rc;
}
