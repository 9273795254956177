/*
 * workloads/registry.c — the workloads, their parameters and defaults, and
 * the resolution of WL_AUTO defaults against a machine's layout.
 *
 * Default sizes are chosen so that `vmemsim compare-models` (four pfn
 * workloads on seven models) finishes in well under a minute on a 2-core
 * machine; `--scale` multiplies the parameters marked `scales`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_internal.h"

#define P(n, d, lo, hi, sc, h)                                                                     \
	{                                                                                          \
		.name = n, .def = d, .min = lo, .max = hi, .scales = sc, .help = h                 \
	}
#define MAXPFN (1ull << 40)

static const struct wl_desc registry[] = {
    {"pfn-scan",
     WL_PFN_SCAN,
     "linear pfn scan with pfn_valid, reading each valid page's flags (compaction-style)",
     "pfn_to_page",
     true,
     2,
     {P("start_pfn", 0, 0, MAXPFN, false, "first pfn scanned"),
      P("nr_pfns", 1048576, 1, MAXPFN, true,
        "pfns scanned (capped at the end of the physical span)")}},
    {"random-touch",
     WL_RANDOM_TOUCH,
     "random RAM pfn -> pfn_to_page -> read page->flags",
     "pfn_to_page",
     true,
     4,
     {P("iterations", 500000, 1, 1ull << 40, true, "lookups"),
      P("write", 0, 0, 1, false, "also increment _refcount (pages outside the hugetlb pool)"),
      P("touch", 1, 0, 1, false, "read page->flags (0: compute the address only)"),
      P("pool", 0, 0, 1, false,
        "writes may hit the hugetlb pool too (read-only tails under vmemmap-hvo: a fault)")}},
    {"page-to-pfn",
     WL_PAGE_TO_PFN,
     "page_to_pfn on random struct pages (pointers prepared in setup)",
     "page_to_pfn",
     true,
     2,
     {P("iterations", 500000, 1, 1ull << 40, true, "page_to_pfn calls"),
      P("pages", 16384, 1, 1ull << 24, false, "distinct struct pages drawn from")}},
    {"buddy",
     WL_BUDDY,
     "buddy allocator alloc/free with merging on struct pages (page_alloc.c core)",
     "alloc/free",
     true,
     4,
     {P("start_pfn", WL_AUTO, 0, MAXPFN, false,
        "first pfn of the zone (1024-aligned; auto: largest RAM range outside the hugetlb pool)"),
      P("nr_pages", 65536, 1024, 1ull << 26, false, "zone size in pages (multiple of 1024)"),
      P("iterations", 200000, 1, 1ull << 40, true, "alloc or free operations"),
      P("max_order", 3, 0, 10, false, "allocations are of order 0..max_order")}},
    {"zone-device",
     WL_ZONE_DEVICE,
     "memmap_init_zone_device over a device range (seed 002)",
     "struct page init",
     false,
     3,
     {P("passes", 1, 1, 16, false,
        "times the whole range is initialised (2: the double init of seed 002)"),
      P("dev", 0, 0, SPARSE_BOOT_MAX_DEV_RANGES - 1, false, "index of the device range"),
      P("nr_pfns", 262144, 0, MAXPFN, true, "pfns initialised per pass (0: the whole range)")}},
    {"kmap-list",
     WL_KMAP_LIST,
     "pfn -> kernel address of page-less device pfns by walking the range list (seed 004)",
     "lookup",
     false,
     2,
     {P("iterations", 100000, 1, 1ull << 40, true, "lookups"),
      P("touch", 1, 0, 1, false, "read the first word at the address found")}},
    {"kmap-table",
     WL_KMAP_TABLE,
     "pfn -> kernel address of page-less device pfns through the section table (seed 004)",
     "lookup",
     false,
     2,
     {P("iterations", 100000, 1, 1ull << 40, true, "lookups"),
      P("touch", 1, 0, 1, false, "read the first word at the address found")}},
    {"chase",
     WL_CHASE,
     "TLB-reach pointer chase through page->lru.next of spread-out struct pages",
     "hop",
     false,
     3,
     {P("nodes", 4096, 2, 1ull << 24, false, "struct pages in the cycle"),
      P("stride", 64, 1, 1ull << 20, false,
        "pfns between nodes (64 = one node per 4 KiB of memmap)"),
      P("hops", 200000, 1, 1ull << 40, true, "pointers followed")}},
};

#define NR_WORKLOADS (sizeof(registry) / sizeof(registry[0]))

unsigned wl_count(void)
{
	return NR_WORKLOADS;
}

const struct wl_desc *wl_get(unsigned i)
{
	return i < NR_WORKLOADS ? &registry[i] : NULL;
}

int wl_lookup(const char *name, const struct wl_desc **out, struct vmemsim_err *err)
{
	char names[512] = "";
	size_t len = 0;

	for (unsigned i = 0; i < NR_WORKLOADS; i++) {
		if (strcmp(registry[i].name, name) == 0) {
			*out = &registry[i];
			return 0;
		}
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
		                        registry[i].name);
		if (len >= sizeof(names))
			len = sizeof(names) - 1;
	}
	return vmemsim_errf(err, VMEMSIM_ENOENT, "unknown workload '%s' (valid: %s)", name, names);
}

int wl_param_index(const struct wl_desc *wl, const char *name)
{
	for (unsigned i = 0; i < wl->nr_params; i++)
		if (strcmp(wl->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

void wl_args_init(struct wl_args *a, const struct wl_desc *wl)
{
	memset(a, 0, sizeof(*a));
	for (unsigned i = 0; i < wl->nr_params; i++)
		a->v[i] = wl->params[i].def;
	a->seed = 1;
}

/* "123", "0x7b", "4k", "2M", "1G", "1T": binary suffixes, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned shift = 0;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static void param_names(const struct wl_desc *wl, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "seed");
	for (unsigned i = 0; i < wl->nr_params && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, ", %s", wl->params[i].name);
}

int wl_args_set(struct wl_args *a, const struct wl_desc *wl, const char *assignment,
                struct vmemsim_err *err)
{
	const char *eq = strchr(assignment, '=');
	char name[64], names[256];
	uint64_t v;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(name))
		return vmemsim_errf(err, VMEMSIM_EINVAL, "--param '%s': expected name=value",
		                    assignment);
	memcpy(name, assignment, (size_t)(eq - assignment));
	name[eq - assignment] = '\0';
	if (parse_u64(eq + 1, &v))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "--param %s: '%s' is not a number (123, 0x7b, 4k, 2M, 1G)",
		                    name, eq + 1);
	if (strcmp(name, "seed") == 0) {
		a->seed = v;
		return 0;
	}
	int i = wl_param_index(wl, name);
	if (i < 0) {
		param_names(wl, names, sizeof(names));
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "--param %s: workload %s has no such parameter (valid: %s)",
		                    name, wl->name, names);
	}
	const struct wl_param_desc *p = &wl->params[i];
	if (v < p->min || v > p->max)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "--param %s=%llu: out of range [%llu, %llu] for %s", name,
		                    (unsigned long long)v, (unsigned long long)p->min,
		                    (unsigned long long)p->max, wl->name);
	a->v[i] = v;
	a->set[i] = true;
	return 0;
}

void wl_args_scale(struct wl_args *a, const struct wl_desc *wl, double scale)
{
	for (unsigned i = 0; i < wl->nr_params; i++) {
		const struct wl_param_desc *p = &wl->params[i];
		if (a->set[i] || !p->scales || p->def == WL_AUTO || p->def == 0)
			continue;
		double v = (double)p->def * scale;
		if (v < (double)p->min)
			v = (double)p->min;
		if (v > (double)p->max)
			v = (double)p->max;
		a->v[i] = (uint64_t)v;
	}
}

uint64_t wl_args_get(const struct wl_args *a, const struct wl_desc *wl, const char *name)
{
	int i = wl_param_index(wl, name);
	return i < 0 ? 0 : a->v[i];
}

/* ---- pfn sets (the guest's twin) ------------------------------------------ */

static void add_piece(struct wl_pieces *ps, uint64_t start, uint64_t end)
{
	if (start >= end || ps->n == WL_MAX_HOST_PIECES)
		return;
	ps->p[ps->n].start = start;
	ps->p[ps->n].end = end;
	ps->p[ps->n].before = ps->total;
	ps->total += end - start;
	ps->n++;
}

void wl_pieces_init(struct wl_pieces *ps, const struct sparse_boot_params *bp, enum wl_host_set set)
{
	uint64_t hs = bp->hugetlb_start_pfn, he = bp->hugetlb_end_pfn;

	ps->n = 0;
	ps->total = 0;
	if (set == WL_SET_DEVICE) {
		for (uint64_t i = 0; i < bp->nr_dev_ranges && i < SPARSE_BOOT_MAX_DEV_RANGES; i++)
			add_piece(ps, bp->dev_ranges[i].start_pfn, bp->dev_ranges[i].end_pfn);
		return;
	}
	for (uint64_t i = 0; i < bp->nr_ranges && i < SPARSE_BOOT_MAX_RANGES; i++) {
		const struct sparse_boot_range *r = &bp->ranges[i];
		if (r->kind != SPARSE_RANGE_RAM)
			continue;
		if (set == WL_SET_RAM || he <= r->start_pfn || hs >= r->end_pfn) {
			add_piece(ps, r->start_pfn, r->end_pfn);
			continue;
		}
		add_piece(ps, r->start_pfn, hs);
		add_piece(ps, he, r->end_pfn);
	}
}

uint64_t wl_pieces_rank(const struct wl_pieces *ps, uint64_t r)
{
	unsigned i = 0;
	while (i + 1 < ps->n && ps->p[i + 1].before <= r)
		i++;
	return ps->p[i].start + (r - ps->p[i].before);
}
