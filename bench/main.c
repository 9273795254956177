/*
 * bench/main.c — `vmemsim-bench [--seconds S] [NAME...]`: run the named
 * benches (all by default) from benches.def.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

/* Weak: a bench whose source file is not in this build is "not built". */
#define BENCH(name, fn, desc) int fn(void) __attribute__((weak));
#include "benches.def"
#undef BENCH

static const struct {
	const char *name, *desc;
	int (*fn)(void);
} benches[] = {
#define BENCH(name, fn, desc) {#name, desc, fn},
#include "benches.def"
#undef BENCH
};
#define NR_BENCHES (sizeof(benches) / sizeof(benches[0]))

static volatile uint64_t sink;
static double target_seconds = 0.5;

double bench_seconds(void)
{
	return target_seconds;
}

void bench_sink(uint64_t v)
{
	sink += v;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_report(const char *name, double ops, double seconds, double baseline_rate)
{
	double rate = bench_rate(ops, seconds);

	printf("%s: %.1f M/s, ratio vs baseline: %.3f\n", name, rate / 1e6,
	       baseline_rate > 0 ? rate / baseline_rate : 0.0);
	fflush(stdout);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vmemsim-bench [--seconds S] [NAME...]\n\nbenches:\n");
	for (i = 0; i < NR_BENCHES; i++)
		fprintf(f, "  %-20s %s\n", benches[i].name, benches[i].desc);
}

int main(int argc, char **argv)
{
	int i, first = 1, rc = 0, ran = 0;
	size_t b;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--help") || !strcmp(argv[first], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[first], "--seconds") && first + 1 < argc) {
			target_seconds = atof(argv[++first]);
			continue;
		}
		usage(stderr);
		return 2;
	}
	for (b = 0; b < NR_BENCHES; b++) {
		int want = first >= argc;
		for (i = first; i < argc; i++)
			want |= !strcmp(argv[i], benches[b].name);
		if (!want)
			continue;
		ran++;
		if (!benches[b].fn) {
			printf("%s: not built\n", benches[b].name);
			continue;
		}
		if (benches[b].fn() != 0) {
			fprintf(stderr, "vmemsim-bench: %s failed\n", benches[b].name);
			rc = 1;
		}
	}
	if (!ran) {
		usage(stderr);
		return 2;
	}
	return rc;
}
