/*
 * cli/cmd_layout.c — `vmemsim layout`: build a memory model over a layout
 * preset in guest memory and report it, dmesg-style (or as one JSON object).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "cpu_config.h"
#include "layout_config.h"

#define MAX_SETS 64

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim layout [--layout NAME|FILE] [--model MODEL] [--json]\n"
	        "                      [--set layout.KEY=VALUE ...]\n"
	        "\n"
	        "Lay out a Linux memory model in guest memory (sections, memmap, vmemmap,\n"
	        "direct map and boot page tables, hot-added device memory) and report it.\n"
	        "\n"
	        "  --layout NAME   configs/layouts/NAME.json or a path (default small-vm):\n"
	        "                  small-vm, two-node-64g, sparse-1t, pmem-misaligned\n"
	        "  --model MODEL   flatmem, sparse-static, sparse-extreme, vmemmap-4k,\n"
	        "                  vmemmap-2m (default), vmemmap-altmap, vmemmap-hvo\n"
	        "  --set K=V       override a layout key (the \"layout.\" prefix is optional),\n"
	        "                  e.g. kernel.hotplug=section, kernel.dm_step_shift=5,\n"
	        "                  ranges[1].end=2G, hugetlb.size=128M\n"
	        "  --json          one JSON object instead of the report\n"
	        "  --verify        re-check the model's invariants and that every valid pfn's\n"
	        "                  pfn_to_page/page_to_pfn round-trip and walk to its memmap\n"
	        "  --quiet         no progress messages\n"
	        "  --help          this text\n");
}

static void size_str(char *buf, size_t n, uint64_t b)
{
	if (b >= (1ull << 30) && !(b & ((1ull << 30) - 1)))
		snprintf(buf, n, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b >= (1ull << 20))
		snprintf(buf, n, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 1024)
		snprintf(buf, n, "%.1f KiB", (double)b / 1024);
	else
		snprintf(buf, n, "%llu B", (unsigned long long)b);
}

static const char *kind_str(enum sparse_range_kind k)
{
	return k == SPARSE_RANGE_RAM ? "usable" : k == SPARSE_RANGE_RESERVED ? "reserved" : "pmem";
}

static const char *level_names[] = {"", "pt", "pd", "pdpt", "pml4", "pml5"};
static const char *purpose_names[] = {"direct map", "vmemmap", "kernel", "hotplug direct map"};

static void print_ranges(const struct sparse_machine *m)
{
	const struct sparse_layout *l = sparse_machine_layout(m);
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);

	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		printf("BIOS-e820: [mem 0x%016llx-0x%016llx] %-8s node %u\n",
		       (unsigned long long)r->start, (unsigned long long)r->end - 1,
		       kind_str(r->kind), r->nid);
	}
	for (uint64_t i = 0; i < bp->nr_dev_ranges; i++) {
		const struct sparse_boot_dev_range *d = &bp->dev_ranges[i];
		printf("pmem%llu: pfns [%#llx, %#llx) kaddr %#llx, %s", (unsigned long long)i,
		       (unsigned long long)d->start_pfn, (unsigned long long)d->end_pfn,
		       (unsigned long long)d->kaddr,
		       !(d->flags & SPARSE_DEV_HAS_MEMMAP) ? "page-less (memremap)"
		       : (d->flags & SPARSE_DEV_ALTMAP)    ? "ZONE_DEVICE, memmap in the device"
		                                           : "ZONE_DEVICE, memmap in RAM");
		if (d->flags & SPARSE_DEV_ALTMAP)
			printf(" (altmap reserve %llu free %llu alloc %llu align %llu)",
			       (unsigned long long)d->altmap_reserve,
			       (unsigned long long)d->altmap_free,
			       (unsigned long long)d->altmap_alloc,
			       (unsigned long long)d->altmap_align);
		printf("\n");
	}
}

/* "Initmem setup node N": RAM per node and the node's pfn span. */
static void print_nodes(const struct sparse_layout *l)
{
	for (unsigned nid = 0; nid < SPARSE_MAX_NUMNODES; nid++) {
		uint64_t ram = 0, lo = UINT64_MAX, hi = 0;
		unsigned n = 0;
		char a[32];
		for (unsigned i = 0; i < l->nr_ranges; i++) {
			const struct sparse_range *r = &l->ranges[i];
			if (r->nid != nid || r->kind == SPARSE_RANGE_DEVICE)
				continue;
			ram += r->kind == SPARSE_RANGE_RAM ? r->end - r->start : 0;
			lo = r->start < lo ? r->start : lo;
			hi = r->end > hi ? r->end : hi;
			n++;
		}
		if (!n)
			continue;
		size_str(a, sizeof(a), ram);
		printf("Initmem setup node %u [mem 0x%016llx-0x%016llx]: %s RAM in %u ranges\n",
		       nid, (unsigned long long)lo, (unsigned long long)hi - 1, a, n);
	}
}

static void print_report(const struct sparse_machine *m, const struct sparse_params *p, double secs)
{
	const struct sparse_stats *st = sparse_machine_stats(m);
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
	enum sparse_model model = sparse_machine_model(m);
	char a[32], b[32], c[32];
	struct sparse_region regs[SPARSE_MAX_REGIONS];
	unsigned nregs = sparse_machine_regions(m, regs);

	printf("vmemsim layout: %s, memory model %s, %u-level paging\n",
	       sparse_machine_layout(m)->name, sparse_model_name(model), p->pgtable_levels);
	print_ranges(m);
	print_nodes(sparse_machine_layout(m));
	size_str(a, sizeof(a), st->ram_bytes);
	size_str(b, sizeof(b), st->device_bytes);
	size_str(c, sizeof(c), (uint64_t)bp->end_pfn << 12);
	printf("Memory: %s RAM, %s device, physical span %s (max_pfn %#llx)\n", a, b, c,
	       (unsigned long long)bp->max_pfn);
	if (model == SPARSE_MODEL_FLATMEM) {
		printf("FLATMEM: mem_map at %#llx covers pfns [%#llx, %#llx)\n",
		       (unsigned long long)bp->mem_map, (unsigned long long)bp->arch_pfn_offset,
		       (unsigned long long)(bp->arch_pfn_offset + bp->max_mapnr));
	} else {
		printf("SPARSEMEM: %llu sections present (%llu early, %llu online), "
		       "highest %llu; mem_section at %#llx (%s, %llu roots allocated)\n",
		       (unsigned long long)st->present_sections,
		       (unsigned long long)st->early_sections,
		       (unsigned long long)st->online_sections,
		       (unsigned long long)bp->highest_present_section_nr,
		       (unsigned long long)bp->mem_section,
		       model == SPARSE_MODEL_STATIC ? "static [NR_MEM_SECTIONS][1] in .bss"
		                                    : "EXTREME root pointers",
		       (unsigned long long)st->roots_allocated);
	}
	size_str(a, sizeof(a), st->bytes[SPARSE_USE_MEMMAP]);
	size_str(b, sizeof(b), st->bytes[SPARSE_USE_MEMMAP_ALTMAP]);
	size_str(c, sizeof(c), st->bytes[SPARSE_USE_USAGE]);
	printf("memmap: %s in RAM, %s in device memory (altmap); mem_section_usage %s", a, b, c);
	size_str(a, sizeof(a), st->bytes[SPARSE_USE_MEM_SECTION]);
	printf("; mem_section %s\n", a);
	if (sparse_model_is_vmemmap(model))
		printf("vmemmap at %#llx: %llu x 2M PMD, %llu x 4K PTE%s\n",
		       (unsigned long long)bp->vmemmap_base,
		       (unsigned long long)st->vmemmap_leaves[MMU_PAGE_2M],
		       (unsigned long long)st->vmemmap_leaves[MMU_PAGE_4K],
		       model == SPARSE_MODEL_VMEMMAP_HVO ? " (HVO)" : "");
	if (st->hvo_freed_pages)
		printf("HugeTLB: vmemmap optimization freed %llu pages\n",
		       (unsigned long long)st->hvo_freed_pages);
	printf("Direct map: %llu x 1G, %llu x 2M, %llu x 4K in %llu top-down rounds "
	       "(step << %u%s)\n",
	       (unsigned long long)st->dm_leaves[MMU_PAGE_1G],
	       (unsigned long long)st->dm_leaves[MMU_PAGE_2M],
	       (unsigned long long)st->dm_leaves[MMU_PAGE_4K], (unsigned long long)st->dm_steps,
	       p->dm_step_shift, p->dm_gbpages ? "" : ", nogbpages");
	printf("Page tables: %-20s", "");
	for (unsigned lv = p->pgtable_levels; lv >= 1; lv--)
		printf(" %6s", level_names[lv]);
	printf("\n");
	for (unsigned pu = 0; pu < SPARSE_NR_PT_PURPOSES; pu++) {
		printf("Page tables: %-20s", purpose_names[pu]);
		for (unsigned lv = p->pgtable_levels; lv >= 1; lv--)
			printf(" %6llu", (unsigned long long)st->pt_pages[pu][lv]);
		printf("\n");
	}
	printf("Page tables: from static %llu, BRK %llu, memblock %llu pages\n",
	       (unsigned long long)st->pt_from_static, (unsigned long long)st->pt_from_brk,
	       (unsigned long long)st->pt_from_memblock);
	size_str(a, sizeof(a), st->device_added_bytes);
	size_str(b, sizeof(b), st->padding_lost_bytes);
	printf("Hotplug (%s granularity): %s of device memory added, %s lost to padding\n",
	       p->hotplug_mode == SPARSE_HOTPLUG_SECTION ? "section" : "sub-section", a, b);
	for (unsigned i = 0; i < nregs; i++)
		printf("Region: %-14s [%#llx, %#llx)\n", regs[i].name,
		       (unsigned long long)regs[i].start, (unsigned long long)regs[i].end);
	size_str(a, sizeof(a), mmu_phys_resident(sparse_machine_phys((struct sparse_machine *)m)));
	printf("Host: %s resident, built in %.3f s\n", a, secs);
}

static json_t *report_json(const struct sparse_machine *m, const struct sparse_params *p,
                           json_t *resolved, double secs)
{
	const struct sparse_stats *st = sparse_machine_stats(m);
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
	json_t *o = json_object(), *mem = json_object(), *pt = json_object(), *lv;
	struct sparse_region regs[SPARSE_MAX_REGIONS];
	unsigned nregs = sparse_machine_regions(m, regs);
	json_t *jr = json_array();

	json_object_set_new(o, "layout", resolved);
	json_object_set_new(o, "model", json_string(sparse_model_name(sparse_machine_model(m))));
	json_object_set_new(o, "ram_bytes", json_integer((json_int_t)st->ram_bytes));
	json_object_set_new(o, "device_bytes", json_integer((json_int_t)st->device_bytes));
	json_object_set_new(o, "end_pfn", json_integer((json_int_t)bp->end_pfn));
	json_object_set_new(o, "present_sections", json_integer((json_int_t)st->present_sections));
	json_object_set_new(o, "early_sections", json_integer((json_int_t)st->early_sections));
	json_object_set_new(o, "roots_allocated", json_integer((json_int_t)st->roots_allocated));
	for (unsigned u = 0; u < SPARSE_NR_USES; u++)
		json_object_set_new(mem, sparse_use_name(u),
		                    json_integer((json_int_t)st->bytes[u]));
	json_object_set_new(o, "memory_bytes", mem);
	json_object_set_new(o, "direct_map_leaves",
	                    json_pack("{s:I,s:I,s:I}", "1g", (json_int_t)st->dm_leaves[2], "2m",
	                              (json_int_t)st->dm_leaves[1], "4k",
	                              (json_int_t)st->dm_leaves[0]));
	json_object_set_new(o, "vmemmap_leaves",
	                    json_pack("{s:I,s:I}", "2m", (json_int_t)st->vmemmap_leaves[1], "4k",
	                              (json_int_t)st->vmemmap_leaves[0]));
	json_object_set_new(o, "direct_map_rounds", json_integer((json_int_t)st->dm_steps));
	for (unsigned pu = 0; pu < SPARSE_NR_PT_PURPOSES; pu++) {
		lv = json_object();
		for (unsigned l = p->pgtable_levels; l >= 1; l--)
			json_object_set_new(lv, level_names[l],
			                    json_integer((json_int_t)st->pt_pages[pu][l]));
		json_object_set_new(pt, purpose_names[pu], lv);
	}
	json_object_set_new(o, "page_table_pages", pt);
	json_object_set_new(o, "page_tables_from",
	                    json_pack("{s:I,s:I,s:I}", "static", (json_int_t)st->pt_from_static,
	                              "brk", (json_int_t)st->pt_from_brk, "memblock",
	                              (json_int_t)st->pt_from_memblock));
	json_object_set_new(o, "hotplug", json_string(p->hotplug_mode ? "section" : "subsection"));
	json_object_set_new(o, "device_added_bytes",
	                    json_integer((json_int_t)st->device_added_bytes));
	json_object_set_new(o, "padding_lost_bytes",
	                    json_integer((json_int_t)st->padding_lost_bytes));
	json_object_set_new(o, "hvo_freed_pages", json_integer((json_int_t)st->hvo_freed_pages));
	for (unsigned i = 0; i < nregs; i++)
		json_array_append_new(jr, json_pack("{s:s,s:I,s:I}", "name", regs[i].name, "start",
		                                    (json_int_t)regs[i].start, "end",
		                                    (json_int_t)regs[i].end));
	json_object_set_new(o, "regions", jr);
	json_object_set_new(o, "host_resident_bytes",
	                    json_integer((json_int_t)mmu_phys_resident(
	                        sparse_machine_phys((struct sparse_machine *)m))));
	json_object_set_new(o, "build_seconds", json_real(secs));
	return o;
}

/* Every valid pfn: pfn_to_page, page_to_pfn back, and the page-table walk
 * of the struct page VA lands on the memmap the builder recorded. */
static int verify(const struct sparse_machine *m, uint64_t *nvalid, struct vmemsim_err *err)
{
	uint64_t end = sparse_machine_boot_params(m)->end_pfn;
	int rc = sparse_machine_check(m, err);

	*nvalid = 0;
	for (uint64_t pfn = 0; rc == 0 && pfn < end; pfn++) {
		uint64_t va, back, pa, want;
		if (!sparse_pfn_valid(m, pfn))
			continue;
		(*nvalid)++;
		if (sparse_pfn_to_page(m, pfn, &va) || sparse_page_to_pfn(m, va, &back) ||
		    back != pfn || sparse_memmap_pa(m, pfn, &want) || sparse_va_to_pa(m, va, &pa) ||
		    pa != want)
			rc =
			    vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                 "verify: pfn %#llx does not round-trip through its struct "
			                 "page",
			                 (unsigned long long)pfn);
	}
	return rc;
}

int cmd_layout(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"layout", required_argument, NULL, 'l'}, {"model", required_argument, NULL, 'm'},
	    {"set", required_argument, NULL, 's'},    {"json", no_argument, NULL, 'J'},
	    {"verify", no_argument, NULL, 'V'},       {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	const char *layout = "small-vm";
	char *sets[MAX_SETS], *lsets[MAX_SETS];
	unsigned nsets = 0;
	int nl, opt, rc;
	bool json = false, check = false;
	enum sparse_model model = SPARSE_MODEL_VMEMMAP_2M;
	struct sparse_layout l;
	struct sparse_params p;
	struct sparse_machine *m = NULL;
	struct vmemsim_err err = {0};
	json_t *resolved = NULL;
	struct timespec t0, t1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': layout = optarg; break;
		case 'm':
			if (sparse_model_parse(optarg, &model, &err))
				return cli_usage_error("layout", "--model: %s", err.msg);
			break;
		case 's':
			if (nsets == MAX_SETS)
				return cli_usage_error("layout", "too many --set options");
			sets[nsets++] = optarg;
			break;
		case 'J': json = true; break;
		case 'V': check = true; break;
		case 'q': cli_quiet = true; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_usage_error("layout", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("layout", "unexpected argument '%s'", argv[optind]);
	/* keys may be given with or without the "layout." prefix */
	for (unsigned i = 0; i < nsets; i++)
		lsets[i] = strncmp(sets[i], "layout.", 7) ? sets[i] : sets[i] + 7;
	nl = (int)nsets;
	if ((rc = cli_layout_load(layout, lsets, (unsigned)nl, &l, &p, &resolved, &err)))
		return cli_fail(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sparse_machine_create(&m, &l, model, &p, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		json_decref(resolved);
		return cli_fail(&err);
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	uint64_t nvalid = 0;
	if (check && (rc = verify(m, &nvalid, &err))) {
		json_decref(resolved);
		sparse_machine_destroy(m);
		return cli_fail(&err);
	}
	if (json) {
		json_t *o = report_json(m, &p, resolved, secs);
		if (check)
			json_object_set_new(o, "verified_valid_pfns",
			                    json_integer((json_int_t)nvalid));
		char *s = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		print_report(m, &p, secs);
		if (check)
			printf(
			    "Verify: invariants hold; %llu valid pfns round-trip and walk to their "
			    "memmap\n",
			    (unsigned long long)nvalid);
		json_decref(resolved);
	}
	sparse_machine_destroy(m);
	return CLI_EXIT_OK;
}
