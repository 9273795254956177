/*
 * bench/bench.h — the benchmark harness.
 *
 * A bench is `int bench_<name>(void)` listed in benches.def; it returns 0 on
 * success.  It measures its own baseline and the thing under test in the
 * same run and prints one line per measurement, through bench_report():
 *     name: X M/s, ratio vs baseline: Y
 * Absolute rates on a shared machine are noise; the ratios are the result.
 * bench_seconds() is the target length of one timed loop (--seconds).
 */
#ifndef VMEMSIM_BENCH_H
#define VMEMSIM_BENCH_H

#include <stdint.h>

double bench_seconds(void);
/* Monotonic wall time in seconds. */
double bench_now(void);
/* This thread's CPU time in seconds: for in-process loops on a shared
 * machine, where wall time also counts the time other jobs ran. */
double bench_cpu_now(void);
/* Print "name: X M/s, ratio vs baseline: Y" (Y = rate / baseline_rate). */
void bench_report(const char *name, double ops, double seconds, double baseline_rate);
static inline double bench_rate(double ops, double seconds)
{
	return seconds > 0 ? ops / seconds : 0;
}
/* Keep a value alive so the compiler cannot drop the loop computing it. */
void bench_sink(uint64_t v);

#define BENCH(name, fn, desc) int fn(void);
#include "benches.def"
#undef BENCH

#endif
