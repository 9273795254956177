/*
 * mmu/sa.c — the set-associative array shared by TLBs, paging-structure
 * caches and data caches (the policy is described in mmu_internal.h).
 *
 * Invariants (sa_check):
 *  (1) a valid tag t sits in set sa_set(index(t)) — the caller's index
 *      function; sa_check verifies only what the array itself knows (2)-(5).
 *  (2) no tag appears twice in one set.
 *  (3) LRU: the stamps of the valid ways of a set are distinct and <= clock.
 *  (4) PLRU: only bits 1..ways-1 of a set's tree word are used.
 *  (5) mru < sets * ways.
 */
#include <stdlib.h>

#include "mmu_internal.h"

uint64_t sa_xorshift(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

int sa_init(struct sa *sa, uint32_t entries, uint32_t ways, enum mmu_repl repl, uint64_t seed)
{
	uint32_t i;

	*sa = (struct sa){0};
	if (!entries || !ways || entries % ways)
		return VMEMSIM_EINVAL;
	sa->sets = entries / ways;
	sa->ways = ways;
	sa->repl = (uint8_t)repl;
	sa->pow2 = (sa->sets & (sa->sets - 1)) == 0;
	sa->set_mask = sa->sets - 1;
	sa->fm = ((__uint128_t)0 - 1) / sa->sets + 1;
	sa->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	sa->tag = malloc(sizeof(*sa->tag) * entries);
	if (repl == MMU_REPL_LRU)
		sa->stamp = calloc(entries, sizeof(*sa->stamp));
	if (repl == MMU_REPL_PLRU)
		sa->plru = calloc(sa->sets, sizeof(*sa->plru));
	if (!sa->tag || (repl == MMU_REPL_LRU && !sa->stamp) ||
	    (repl == MMU_REPL_PLRU && !sa->plru)) {
		sa_fini(sa);
		return VMEMSIM_ENOMEM;
	}
	for (i = 0; i < entries; i++)
		sa->tag[i] = SA_INVALID;
	return 0;
}

void sa_fini(struct sa *sa)
{
	free(sa->tag);
	free(sa->stamp);
	free(sa->plru);
	*sa = (struct sa){0};
}

void sa_invalidate_all(struct sa *sa)
{
	uint32_t i, n = sa->sets * sa->ways;

	for (i = 0; i < n; i++)
		sa->tag[i] = SA_INVALID;
}

/*
 * Tree-PLRU over ways = 2^k: node 1 is the root, node n has children 2n and
 * 2n+1, leaves n >= ways stand for way n - ways.  A node bit of 0 sends the
 * victim search left, 1 right; touching a way points every node on its path
 * away from it.
 */
static void plru_touch(struct sa *sa, uint32_t set, uint32_t way)
{
	uint64_t bits = sa->plru[set];
	uint32_t node = way + sa->ways;

	while (node > 1) {
		uint32_t parent = node >> 1;
		if (node & 1)
			bits &= ~(1ull << parent); /* touched the right child: victim left */
		else
			bits |= 1ull << parent;
		node = parent;
	}
	sa->plru[set] = bits;
}

uint32_t sa_plru_victim(const struct sa *sa, uint32_t set)
{
	uint64_t bits = sa->plru[set];
	uint32_t node = 1;

	while (node < sa->ways)
		node = 2 * node + (uint32_t)((bits >> node) & 1);
	return node - sa->ways;
}

void sa_touch(struct sa *sa, uint32_t idx)
{
	sa->mru = idx;
	if (sa->repl == MMU_REPL_LRU)
		sa->stamp[idx] = ++sa->clock;
	else if (sa->repl == MMU_REPL_PLRU)
		plru_touch(sa, idx / sa->ways, idx % sa->ways);
}

int sa_lookup_slow(struct sa *sa, uint32_t set, uint64_t k1, uint64_t k2)
{
	uint32_t base = set * sa->ways, w;

	for (w = 0; w < sa->ways; w++) {
		uint64_t t = sa->tag[base + w];
		if (t == k1 || t == k2) {
			sa_touch(sa, base + w);
			return (int)(base + w);
		}
	}
	return -1;
}

static uint32_t sa_victim(struct sa *sa, uint32_t set)
{
	uint32_t base = set * sa->ways, w, best = 0;

	for (w = 0; w < sa->ways; w++)
		if (sa->tag[base + w] == SA_INVALID)
			return w;
	switch (sa->repl) {
	case MMU_REPL_LRU:
		for (w = 1; w < sa->ways; w++)
			if (sa->stamp[base + w] < sa->stamp[base + best])
				best = w;
		return best;
	case MMU_REPL_PLRU: return sa_plru_victim(sa, set);
	default: return (uint32_t)(sa_xorshift(&sa->rng) % sa->ways);
	}
}

uint32_t sa_fill(struct sa *sa, uint32_t set, uint64_t key)
{
	uint32_t idx = set * sa->ways + sa_victim(sa, set);

	sa->tag[idx] = key;
	sa_touch(sa, idx);
	return idx;
}

int sa_check(const struct sa *sa, const char *name, struct vmemsim_err *err)
{
	uint32_t s, i, j, w = sa->ways;

	if (sa->mru >= sa->sets * w)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: mru %u out of range", name,
		                    sa->mru);
	for (s = 0; s < sa->sets; s++) {
		const uint64_t *t = &sa->tag[s * w];
		for (i = 0; i < w; i++) {
			if (t[i] == SA_INVALID)
				continue;
			if (sa->stamp && sa->stamp[s * w + i] > sa->clock)
				return vmemsim_errf(err, VMEMSIM_ECORRUPT,
				                    "%s: set %u way %u: LRU stamp from the future",
				                    name, s, i);
			for (j = i + 1; j < w; j++) {
				if (t[j] == t[i])
					return vmemsim_errf(
					    err, VMEMSIM_ECORRUPT,
					    "%s: set %u: tag %#llx in ways %u and %u", name, s,
					    (unsigned long long)t[i], i, j);
				if (sa->stamp && t[j] != SA_INVALID &&
				    sa->stamp[s * w + i] == sa->stamp[s * w + j])
					return vmemsim_errf(
					    err, VMEMSIM_ECORRUPT,
					    "%s: set %u: ways %u and %u share an LRU stamp", name,
					    s, i, j);
			}
		}
		if (sa->plru && (sa->plru[s] & ~((w >= 64 ? ~0ull : (1ull << w) - 1) & ~1ull)))
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: set %u: stray PLRU bits %#llx", name, s,
			                    (unsigned long long)sa->plru[s]);
	}
	return 0;
}
