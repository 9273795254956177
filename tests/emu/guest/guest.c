/*
 * tests/emu/guest/guest.c — freestanding C guest functions, compiled with
 * the workloads' flags (-mcmodel=kernel, no red zone, no libc).
 */
#include <stdint.h>

uint64_t guest_table[512] __attribute__((aligned(4096)));
uint64_t guest_result;

/* Sum every element of a[0..n) and store it in guest_result. */
uint64_t array_sum(const uint64_t *a, uint64_t n);
uint64_t array_sum(const uint64_t *a, uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += a[i];
	guest_result = s;
	return s;
}

/* Touch one word in each of n pages starting at p (stride 4096), with a
 * write: the TLB-reach shape the determinism test uses. */
uint64_t page_walk(volatile uint64_t *p, uint64_t n);
uint64_t page_walk(volatile uint64_t *p, uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++) {
		s += p[i * 512];
		p[i * 512] = s;
	}
	return s;
}
