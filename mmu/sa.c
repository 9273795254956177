/*
 * mmu/sa.c — the set-associative array shared by TLBs, paging-structure
 * caches and data caches (the policy is described in sa.h).
 *
 * Invariants (sa_check):
 *  (1) a valid tag t sits in set sa_set(index(t)) — the caller's index
 *      function; sa_check verifies only what the array itself knows (2)-(5).
 *  (2) no tag appears twice in one set.
 *  (3) LRU: with up to 16 ways the order word of a set is a permutation of
 *      0..ways-1 whose first nibble is set_mru; above 16 ways the stamps of
 *      a set are distinct, <= clock, and set_mru's is the largest.
 *  (4) PLRU: only bits 1..ways-1 of a set's tree word are used.
 *  (5) mru < sets * ways and set_mru[s] < ways.
 *  (6) a way's signature is 0 when its tag is SA_INVALID, else sa_sig(tag).
 */
#include <stdlib.h>
#include <string.h>

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

static void plru_touch(struct sa *sa, uint32_t set, uint32_t way);

/* The initial policy state ranks way 0 most recent (set_mru starts at 0). */
static void sa_reset_policy(struct sa *sa)
{
	uint32_t s, w;

	sa->clock = sa->ways;
	for (s = 0; s < sa->sets; s++) {
		*sa_set_mru(sa, s) = 0;
		if (sa->nibble) {
			uint64_t o = 0;
			for (w = 0; w < sa->ways; w++)
				o |= (uint64_t)w << (4 * w);
			*sa_order(sa, s) = o;
		}
		if (sa->stamp)
			for (w = 0; w < sa->ways; w++)
				sa->stamp[s * sa->ways + w] = sa->ways - w;
		if (sa->plru) {
			sa->plru[s] = 0;
			plru_touch(sa, s, 0);
		}
	}
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
	sa->nibble = repl == MMU_REPL_LRU && ways <= SA_NIBBLE_LRU_MAX;
	sa->order_mask = ways >= 16 ? ~0ull : (1ull << (4 * ways)) - 1;
	sa->first_mask = ways >= 16 ? 0xffffu : (1u << ways) - 1;
	sa->sig_keep = ~0ull;
	/* Host-cache-line aligned, so a set of 8k ways spans exactly k lines. */
	sa->tag = aligned_alloc(64, (sizeof(*sa->tag) * entries + 63) & ~(size_t)63);
	sa->sig_stride = (ways + 15) & ~15u;
	sa->hdr_stride = (sa->sig_stride + 16 + 31) & ~31u; /* whole 32-byte blocks */
	sa->hdr = aligned_alloc(32, (size_t)sa->sets * sa->hdr_stride);
	if (repl == MMU_REPL_LRU && !sa->nibble)
		sa->stamp = calloc(entries, sizeof(*sa->stamp));
	if (repl == MMU_REPL_PLRU)
		sa->plru = calloc(sa->sets, sizeof(*sa->plru));
	if (!sa->tag || !sa->hdr || (repl == MMU_REPL_LRU && !sa->nibble && !sa->stamp) ||
	    (repl == MMU_REPL_PLRU && !sa->plru)) {
		sa_fini(sa);
		return VMEMSIM_ENOMEM;
	}
	for (i = 0; i < entries; i++)
		sa->tag[i] = SA_INVALID;
	memset(sa->hdr, 0, (size_t)sa->sets * sa->hdr_stride);
	sa_reset_policy(sa);
	return 0;
}

void sa_fini(struct sa *sa)
{
	free(sa->tag);
	free(sa->hdr);
	free(sa->stamp);
	free(sa->plru);
	*sa = (struct sa){0};
}

void sa_invalidate_all(struct sa *sa)
{
	uint32_t i, n = sa->sets * sa->ways;

	uint32_t s;

	for (i = 0; i < n; i++)
		sa->tag[i] = SA_INVALID;
	for (s = 0; s < sa->sets; s++)
		memset(sa_sig_row(sa, s), 0, sa->sig_stride);
}

void sa_invalidate(struct sa *sa, uint32_t idx)
{
	uint32_t set = idx / sa->ways;

	sa->tag[idx] = SA_INVALID;
	sa_sig_row(sa, set)[idx % sa->ways] = 0;
}

void sa_set_sig_key(struct sa *sa, unsigned shift, uint64_t clear)
{
	sa->sig_shift = (uint8_t)shift;
	sa->sig_clear = clear;
	/* A mask, not a shift, on the hot path: the multiplicative hash
	 * mixes the kept bits wherever they sit. */
	sa->sig_keep = ~((1ull << shift) - 1) & ~(clear << shift);
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

uint32_t sa_lru_victim(const struct sa *sa, uint32_t set)
{
	uint32_t base = set * sa->ways, w, best = 0;

	if (sa->nibble)
		return (uint32_t)(*sa_order(sa, set) >> (4 * (sa->ways - 1))) & 15;
	for (w = 1; w < sa->ways; w++)
		if (sa->stamp[base + w] < sa->stamp[base + best])
			best = w;
	return best;
}

void sa_touch_slow(struct sa *sa, uint32_t set, uint32_t way)
{
	if (sa->stamp)
		sa->stamp[set * sa->ways + way] = ++sa->clock;
	else if (sa->plru)
		plru_touch(sa, set, way);
}

int sa_lookup_slow(struct sa *sa, uint32_t set, uint64_t k1, uint64_t k2)
{
	uint32_t base = set * sa->ways, w;

	for (w = 0; w < sa->ways; w++) {
		uint64_t t = sa->tag[base + w];
		if (t == k1 || t == k2) {
			sa_touch(sa, set, w);
			return (int)(base + w);
		}
	}
	return -1;
}

uint32_t sa_victim_slow(struct sa *sa, uint32_t set)
{
	uint32_t w;

	for (w = 0; w < sa->ways; w += 16) {
		uint32_t m = sa_sig_match(sa, set, w, 0);
		if (m)
			return w + (uint32_t)__builtin_ctz(m);
	}
	switch (sa->repl) {
	case MMU_REPL_LRU: return sa_lru_victim(sa, set);
	case MMU_REPL_PLRU: return sa_plru_victim(sa, set);
	default: return (uint32_t)(sa_xorshift(&sa->rng) % sa->ways);
	}
}

int sa_check(const struct sa *sa, const char *name, struct vmemsim_err *err)
{
	uint32_t s, i, j, w = sa->ways;

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
		for (i = 0; i < w; i++) {
			uint8_t want = t[i] == SA_INVALID ? 0 : sa_sig(sa, t[i]);
			if (sa_sig_row(sa, s)[i] != want)
				return vmemsim_errf(
				    err, VMEMSIM_ECORRUPT,
				    "%s: set %u way %u: signature %#x, tag says %#x", name, s, i,
				    sa_sig_row(sa, s)[i], want);
		}
		if (*sa_set_mru(sa, s) >= w)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: set %u: set_mru out of range", name, s);
		if (sa->nibble) {
			uint64_t o = *sa_order(sa, s), seen = 0;
			for (i = 0; i < w; i++)
				seen |= 1ull << ((o >> (4 * i)) & 15);
			if (seen != (1ull << w) - 1 || (o & 15) != *sa_set_mru(sa, s) ||
			    (w < 16 && (o >> (4 * w))))
				return vmemsim_errf(
				    err, VMEMSIM_ECORRUPT,
				    "%s: set %u: LRU order %#llx is not a permutation "
				    "led by way %u",
				    name, s, (unsigned long long)o, *sa_set_mru(sa, s));
		}
		if (sa->stamp)
			for (i = 0; i < w; i++)
				if (sa->stamp[s * w + i] > sa->stamp[s * w + *sa_set_mru(sa, s)])
					return vmemsim_errf(err, VMEMSIM_ECORRUPT,
					                    "%s: set %u: way %u newer than set_mru",
					                    name, s, i);
		if (sa->plru && (sa->plru[s] & ~((w >= 64 ? ~0ull : (1ull << w) - 1) & ~1ull)))
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: set %u: stray PLRU bits %#llx", name, s,
			                    (unsigned long long)sa->plru[s]);
	}
	return 0;
}
