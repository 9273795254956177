/*
 * workloads/ref_buddy.c — the buddy workload's host reference: the same
 * allocator policy as guest/wl_buddy.c (LIFO free lists, expand() returning
 * upper halves, merging with the buddy at pfn ^ (1 << order)), but over page
 * indexes in host arrays instead of struct pages in guest memory.  Depends on
 * nothing but the arguments, so a guest whose page_to_pfn or struct page
 * writes go wrong diverges from it.
 */
#include <stdlib.h>

#include "wl_internal.h"
#include "wl_prng.h"

#define MAX_ORDER 10
#define NOT_BUDDY (-1)

struct bsim {
	uint64_t nr;
	int64_t *next, *prev; /* indexes; nr + order is the list head of order */
	int8_t *order;        /* buddy order of a free head page, NOT_BUDDY otherwise */
	uint64_t nr_free[MAX_ORDER + 1];
};

static void list_add(struct bsim *b, int64_t n, int64_t h)
{
	int64_t next = b->next[h];
	b->prev[next] = n;
	b->next[n] = next;
	b->prev[n] = h;
	b->next[h] = n;
}

static void list_del(struct bsim *b, int64_t e)
{
	b->next[b->prev[e]] = b->next[e];
	b->prev[b->next[e]] = b->prev[e];
}

static void add_free(struct bsim *b, int64_t idx, unsigned order)
{
	b->order[idx] = (int8_t)order;
	list_add(b, idx, (int64_t)b->nr + order);
	b->nr_free[order]++;
}

static void del_free(struct bsim *b, int64_t idx, unsigned order)
{
	list_del(b, idx);
	b->order[idx] = NOT_BUDDY;
	b->nr_free[order]--;
}

static int64_t rmqueue(struct bsim *b, unsigned order)
{
	for (unsigned o = order; o <= MAX_ORDER; o++) {
		int64_t h = (int64_t)b->nr + o;
		if (b->next[h] == h)
			continue;
		int64_t idx = b->next[h];
		del_free(b, idx, o);
		while (o > order) {
			o--;
			add_free(b, idx + (1ll << o), o);
		}
		return idx;
	}
	return -1;
}

/* idx is relative to a 1024-aligned start, so buddy arithmetic on indexes
 * equals the kernel's on pfns. */
static void free_one(struct bsim *b, int64_t idx, unsigned order)
{
	while (order < MAX_ORDER) {
		int64_t buddy = idx ^ (1ll << order);
		if (b->order[buddy] != (int8_t)order)
			break;
		del_free(b, buddy, order);
		idx &= buddy;
		order++;
	}
	add_free(b, idx, order);
}

int wl_ref_buddy(const struct wl_args *a, struct wl_expect *out, struct vmemsim_err *err);

int wl_ref_buddy(const struct wl_args *a, struct wl_expect *out, struct vmemsim_err *err)
{
	uint64_t start = a->v[0], nr = a->v[1], n = a->v[2], max_order = a->v[3];
	uint64_t s = a->seed ^ 1, cs = WL_CHECKSUM_INIT, allocs = 0, nr_alloc = 0;
	struct bsim b = {.nr = nr};
	uint64_t *table = malloc(nr * sizeof(*table));
	int rc = 0;

	b.next = malloc((nr + MAX_ORDER + 1) * sizeof(*b.next));
	b.prev = malloc((nr + MAX_ORDER + 1) * sizeof(*b.prev));
	b.order = malloc(nr);
	if (!table || !b.next || !b.prev || !b.order) {
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "reference: out of memory");
		goto out;
	}
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		b.next[nr + o] = b.prev[nr + o] = (int64_t)(nr + o);
	for (uint64_t i = 0; i < nr; i++)
		b.order[i] = NOT_BUDDY;
	for (uint64_t i = 0; i < nr; i += 1u << MAX_ORDER)
		add_free(&b, (int64_t)i, MAX_ORDER);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = wl_rand(&s);
		if (nr_alloc == 0 || ((r & 1) && nr_alloc < nr)) {
			unsigned order = (unsigned)wl_rand_below(&s, max_order + 1);
			int64_t idx = rmqueue(&b, order);
			if (idx < 0) {
				cs = wl_mix(cs, ~0ull);
				continue;
			}
			table[nr_alloc++] = (uint64_t)idx << 4 | order;
			cs = wl_mix(cs, (start + (uint64_t)idx) << 4 | order);
			allocs++;
		} else {
			uint64_t j = wl_rand_below(&s, nr_alloc);
			uint64_t e = table[j];
			table[j] = table[--nr_alloc];
			free_one(&b, (int64_t)(e >> 4), (unsigned)(e & 15));
		}
	}
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		cs = wl_mix(cs, b.nr_free[o]);
	*out = (struct wl_expect){cs, n, allocs};
out:
	free(table);
	free(b.next);
	free(b.prev);
	free(b.order);
	return rc;
}
