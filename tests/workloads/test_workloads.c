/*
 * tests/workloads/test_workloads.c — the guest workloads against their host
 * references, under every memory model; repeatability; the registry; the
 * struct pages memmap_init_zone_device leaves behind.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "../../workloads/wl_prng.h"
#include "test_layouts.h"

/* ---- PRNG and mix: published SplitMix64 outputs for seed 0 --------------- */

Test(wl_prng, splitmix64_matches_published_sequence)
{
	uint64_t s = 0;
	cr_expect_eq(wl_rand(&s), 0xe220a8397b1dcdafull);
	cr_expect_eq(wl_rand(&s), 0x6e789e6aa1b965f4ull);
	cr_expect_eq(wl_rand(&s), 0x06c45d188009454full);
}

Test(wl_prng, rand_below_stays_in_range_and_covers_it)
{
	uint64_t s = 42, seen = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t v = wl_rand_below(&s, 7);
		cr_assert_lt(v, 7);
		seen |= 1ull << v;
	}
	cr_expect_eq(seen, 0x7f);
}

Test(wl_prng, mix_is_order_sensitive)
{
	uint64_t a = wl_mix(wl_mix(WL_CHECKSUM_INIT, 1), 2);
	uint64_t b = wl_mix(wl_mix(WL_CHECKSUM_INIT, 2), 1);
	cr_expect_neq(a, b);
}

/* ---- Registry and arguments -------------------------------------------------- */

Test(wl_registry, unknown_workload_lists_valid_names)
{
	const struct wl_desc *wl = NULL;
	struct vmemsim_err err = {0};
	cr_assert_eq(wl_lookup("pfn-scna", &wl, &err), VMEMSIM_ENOENT);
	cr_expect_null(wl);
	cr_expect(strstr(err.msg, "unknown workload 'pfn-scna'") != NULL, "%s", err.msg);
	for (unsigned i = 0; i < wl_count(); i++)
		cr_expect(strstr(err.msg, wl_get(i)->name) != NULL, "%s lacks %s", err.msg,
		          wl_get(i)->name);
}

Test(wl_registry, every_workload_has_an_op_name_and_unique_id)
{
	unsigned seen = 0;
	for (unsigned i = 0; i < wl_count(); i++) {
		const struct wl_desc *wl = wl_get(i);
		cr_expect(wl->op_name && *wl->op_name);
		cr_expect_eq(seen & (1u << wl->id), 0, "duplicate id %d", wl->id);
		seen |= 1u << wl->id;
	}
	cr_expect_null(wl_get(wl_count()));
}

Test(wl_args, set_parses_suffixes_and_rejects_bad_values_unchanged)
{
	const struct wl_desc *wl;
	struct wl_args a;
	struct vmemsim_err err = {0};

	cr_assert_eq(wl_lookup("pfn-scan", &wl, NULL), 0);
	wl_args_init(&a, wl);
	cr_expect_eq(wl_args_get(&a, wl, "nr_pfns"), 1048576);
	cr_assert_eq(wl_args_set(&a, wl, "nr_pfns=4k", &err), 0, "%s", err.msg);
	cr_expect_eq(wl_args_get(&a, wl, "nr_pfns"), 4096);
	cr_assert_eq(wl_args_set(&a, wl, "seed=0x10", &err), 0);
	cr_expect_eq(a.seed, 16);

	struct wl_args before = a;
	cr_expect_eq(wl_args_set(&a, wl, "nr_pfn=5", &err), VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "valid: seed, start_pfn, nr_pfns") != NULL, "%s", err.msg);
	cr_expect_eq(wl_args_set(&a, wl, "nr_pfns=0", &err), VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "out of range") != NULL, "%s", err.msg);
	cr_expect_eq(wl_args_set(&a, wl, "nr_pfns=12q", &err), VMEMSIM_EINVAL);
	cr_expect_eq(wl_args_set(&a, wl, "nr_pfns", &err), VMEMSIM_EINVAL);
	cr_expect_eq(wl_args_set(&a, wl, "nr_pfns=-1", &err), VMEMSIM_EINVAL);
	cr_expect_eq(memcmp(&a, &before, sizeof(a)), 0);
}

Test(wl_args, scale_multiplies_only_unset_scalable_defaults)
{
	const struct wl_desc *wl;
	struct wl_args a;

	cr_assert_eq(wl_lookup("random-touch", &wl, NULL), 0);
	wl_args_init(&a, wl);
	wl_args_scale(&a, wl, 2.5);
	cr_expect_eq(wl_args_get(&a, wl, "iterations"), 1250000);
	cr_expect_eq(wl_args_get(&a, wl, "write"), 0);
	wl_args_init(&a, wl);
	cr_assert_eq(wl_args_set(&a, wl, "iterations=10", NULL), 0);
	wl_args_scale(&a, wl, 100);
	cr_expect_eq(wl_args_get(&a, wl, "iterations"), 10);
}

/* ---- Every workload x every model: guest == host reference ----------------- */

struct combo {
	unsigned wl;
	enum sparse_model model;
};

ParameterizedTestParameters(wl_checksum, guest_equals_host_reference)
{
	static struct combo c[64];
	unsigned n = 0;
	for (unsigned w = 0; w < wl_count(); w++)
		for (int m = 0; m < SPARSE_NR_MODELS; m++)
			c[n++] = (struct combo){w, (enum sparse_model)m};
	return cr_make_param_array(struct combo, c, n);
}

/* Small sizes: every "scales" parameter to 3000, the chase to 64 nodes. */
static void small_args(struct wl_run_config *cfg)
{
	const struct wl_desc *wl = cfg->wl;
	wl_args_init(&cfg->args, wl);
	for (unsigned i = 0; i < wl->nr_params; i++)
		if (wl->params[i].scales)
			cfg->args.v[i] = 3000;
	if (wl->id == WL_CHASE)
		cr_assert_eq(wl_args_set(&cfg->args, wl, "nodes=64", NULL), 0);
	if (wl->id == WL_BUDDY)
		cr_assert_eq(wl_args_set(&cfg->args, wl, "nr_pages=8192", NULL), 0);
	if (wl->id == WL_PAGE_TO_PFN)
		cr_assert_eq(wl_args_set(&cfg->args, wl, "pages=512", NULL), 0);
	cfg->args.seed = 7;
}

ParameterizedTest(struct combo *c, wl_checksum, guest_equals_host_reference)
{
	static struct wl_run_result res;
	struct sparse_layout l;
	struct mmu_config cpu;
	struct vmemsim_err err;
	struct wl_run_config cfg = {
	    .wl = wl_get(c->wl), .model = c->model, .layout = &l, .cpu = &cpu};

	test_layout_tiny(&l);
	mmu_config_default(&cpu);
	small_args(&cfg);
	int rc = test_run(&cfg, &res, &err);
	if (cfg.wl->id == WL_ZONE_DEVICE && !sparse_model_is_vmemmap(c->model)) {
		/* ZONE_DEVICE exists only with SPARSEMEM_VMEMMAP: a clear error. */
		cr_expect_eq(rc, VMEMSIM_EINVAL);
		cr_expect(strstr(err.msg, "has no memmap under model") != NULL, "%s", err.msg);
		return;
	}
	cr_assert_eq(rc, 0, "%s on %s: %s", cfg.wl->name, sparse_model_name(c->model), err.msg);
	cr_expect_eq(res.guest.checksum, res.expect.checksum);
	cr_expect_gt(res.guest.ops, 0);
	cr_expect_gt(mmu_stats_total(&res.stats, MMU_C_instructions), res.guest.ops);
	cr_expect_gt(res.cycles, 0.0);
}

/* ---- A wrong guest is an error, never a result ------------------------------ */

/* Flip one bit of the flags of the first RAM pfn's struct page after the
 * reference has read it: the guest's pfn-scan folds that word in. */
static int corrupt_first_page(void *ctx, struct sparse_machine *m)
{
	uint64_t va, pa;
	(void)ctx;
	if (sparse_pfn_to_page(m, 0x100, &va) || sparse_va_to_pa(m, va, &pa))
		return VMEMSIM_EFAULT;
	uint64_t *flags = mmu_phys_ptr(sparse_machine_phys(m), pa);
	*flags ^= 1ull << 20;
	return 0;
}

Test(wl_checksum, corrupted_struct_page_fails_the_run_with_echecksum)
{
	static struct wl_run_result res;
	struct sparse_layout l;
	struct mmu_config cpu;
	struct vmemsim_err err;
	struct wl_run_config cfg = {.model = SPARSE_MODEL_VMEMMAP_2M,
	                            .layout = &l,
	                            .cpu = &cpu,
	                            .before_guest = corrupt_first_page};

	test_layout_small(&l);
	mmu_config_default(&cpu);
	cr_assert_eq(wl_lookup("pfn-scan", &cfg.wl, NULL), 0);
	wl_args_init(&cfg.args, cfg.wl);
	cr_assert_eq(wl_args_set(&cfg.args, cfg.wl, "nr_pfns=1024", NULL), 0);
	cr_assert_eq(test_run(&cfg, &res, &err), VMEMSIM_ECHECKSUM, "%s", err.msg);
	cr_expect(strstr(err.msg, "pfn-scan on vmemmap-2m: guest checksum") != NULL, "%s", err.msg);
	cr_expect_neq(res.guest.checksum, res.expect.checksum);
	cr_expect_eq(res.guest.ops, res.expect.ops); /* same pfns, different contents */
}

/* ---- Determinism -------------------------------------------------------------- */

Test(wl_run, same_run_twice_gives_identical_counters)
{
	static struct wl_run_result a, b;
	struct sparse_layout l;
	struct mmu_config cpu;
	struct vmemsim_err err;
	const char *names[] = {"random-touch", "buddy"};

	test_layout_small(&l);
	mmu_config_default(&cpu);
	for (unsigned i = 0; i < 2; i++) {
		struct wl_run_config cfg = {
		    .model = SPARSE_MODEL_EXTREME, .layout = &l, .cpu = &cpu};
		cr_assert_eq(wl_lookup(names[i], &cfg.wl, NULL), 0);
		small_args(&cfg);
		cr_assert_eq(test_run(&cfg, &a, &err), 0, "%s", err.msg);
		cr_assert_eq(test_run(&cfg, &b, &err), 0, "%s", err.msg);
		cr_expect_eq(memcmp(&a.stats, &b.stats, sizeof(a.stats)), 0, "%s", names[i]);
		cr_expect_eq(a.measure.instructions, b.measure.instructions);
		cr_expect_eq(a.cycles, b.cycles);
	}
}

/* ---- memmap_init_zone_device leaves the kernel's struct pages ------------ */

#define ZD_PFNS 3000

static int page_words(struct sparse_machine *m, uint64_t pfn, uint64_t **w)
{
	uint64_t va, pa;
	int rc = sparse_pfn_to_page(m, pfn, &va);
	if (!rc)
		rc = sparse_va_to_pa(m, va, &pa);
	if (!rc)
		*w = mmu_phys_ptr(sparse_machine_phys(m), pa);
	return rc;
}

static uint64_t *pageblock_word(struct sparse_machine *m, uint64_t pfn)
{
	struct sparse_mem_section ms;
	uint64_t pa;
	if (sparse_read_section(m, pfn >> 15, &ms) || !ms.usage ||
	    sparse_va_to_pa(
	        m, ms.usage + offsetof(struct sparse_mem_section_usage, pageblock_flags), &pa))
		return NULL;
	return (uint64_t *)mmu_phys_ptr(sparse_machine_phys(m), pa) + ((pfn & 32767) >> 9) * 4 / 64;
}

/* Wipe what sparse's own hot-add initialised, so only the guest can restore it. */
static int wipe_device_pages(void *ctx, struct sparse_machine *m)
{
	const struct sparse_boot_dev_range *d = &sparse_machine_boot_params(m)->dev_ranges[0];
	uint64_t *w;
	(void)ctx;
	for (uint64_t pfn = d->first_data_pfn; pfn < d->first_data_pfn + ZD_PFNS; pfn++) {
		if (page_words(m, pfn, &w))
			return VMEMSIM_EFAULT;
		memset(w, 0, 64);
		if (!(pfn & 511) && (w = pageblock_word(m, pfn)))
			*w = 0;
	}
	return 0;
}

static int check_device_pages(void *ctx, struct sparse_machine *m)
{
	const struct sparse_boot_params *bp = sparse_machine_boot_params(m);
	const struct sparse_boot_dev_range *d = &bp->dev_ranges[0];
	unsigned *nr_pageblocks = ctx;
	uint64_t *w;

	for (uint64_t pfn = d->first_data_pfn; pfn < d->first_data_pfn + ZD_PFNS; pfn++) {
		cr_assert_eq(page_words(m, pfn, &w), 0);
		uint64_t zone = (w[0] >> bp->zones_pgshift) & ((1ull << bp->zones_width) - 1);
		cr_assert_eq(zone, SPARSE_ZONE_DEVICE, "pfn %#lx flags %#lx", pfn, w[0]);
		cr_assert(w[0] & (1ull << SPARSE_PG_reserved), "pfn %#lx not Reserved", pfn);
		cr_assert_eq((int32_t)w[6], -1, "_mapcount of pfn %#lx", pfn); /* offset 48 */
		cr_assert_eq((int32_t)(w[6] >> 32), 1, "_refcount of pfn %#lx",
		             pfn); /* offset 52 */
		cr_assert_geq(w[1], SPARSE_KERNEL_IMAGE_VA, "pgmap of pfn %#lx", pfn);
		cr_assert_eq(w[2], 0, "zone_device_data of pfn %#lx", pfn);
		if (!(pfn & 511)) {
			uint64_t *pb = pageblock_word(m, pfn);
			cr_assert_not_null(pb);
			cr_assert_eq((*pb >> ((((pfn & 32767) >> 9) * 4) % 64)) & 7, 1,
			             "pageblock of pfn %#lx not MIGRATE_MOVABLE", pfn);
			(*nr_pageblocks)++;
		}
	}
	return 0;
}

Test(wl_zone_device, guest_initialises_struct_pages_like_the_kernel)
{
	static struct wl_run_result res;
	struct sparse_layout l;
	struct mmu_config cpu;
	struct vmemsim_err err;
	unsigned nr_pageblocks = 0;
	struct wl_run_config cfg = {.model = SPARSE_MODEL_VMEMMAP_2M,
	                            .layout = &l,
	                            .cpu = &cpu,
	                            .before_guest = wipe_device_pages,
	                            .after_guest = check_device_pages,
	                            .hook_ctx = &nr_pageblocks};

	test_layout_small(&l);
	mmu_config_default(&cpu);
	cr_assert_eq(wl_lookup("zone-device", &cfg.wl, NULL), 0);
	wl_args_init(&cfg.args, cfg.wl);
	cr_assert_eq(wl_args_set(&cfg.args, cfg.wl, "nr_pfns=3000", NULL), 0);
	cr_assert_eq(test_run(&cfg, &res, &err), 0, "%s", err.msg);
	cr_expect_geq(nr_pageblocks, ZD_PFNS / 512);
	cr_expect_eq(res.guest.ops, ZD_PFNS);
	/* Eight 8-byte stores of mm_zero_struct_page plus the field stores. */
	cr_expect_geq(mmu_stats_total(&res.stats, MMU_C_stores), 8 * ZD_PFNS);
}

Test(wl_zone_device, two_passes_do_twice_the_work)
{
	static struct wl_run_result one, two;
	struct sparse_layout l;
	struct mmu_config cpu;
	struct vmemsim_err err;
	struct wl_run_config cfg = {
	    .model = SPARSE_MODEL_VMEMMAP_ALTMAP, .layout = &l, .cpu = &cpu};

	test_layout_small(&l);
	mmu_config_default(&cpu);
	cr_assert_eq(wl_lookup("zone-device", &cfg.wl, NULL), 0);
	wl_args_init(&cfg.args, cfg.wl);
	cr_assert_eq(wl_args_set(&cfg.args, cfg.wl, "nr_pfns=2000", NULL), 0);
	cr_assert_eq(test_run(&cfg, &one, &err), 0, "%s", err.msg);
	cr_assert_eq(wl_args_set(&cfg.args, cfg.wl, "passes=2", NULL), 0);
	cr_assert_eq(test_run(&cfg, &two, &err), 0, "%s", err.msg);
	cr_expect_eq(two.guest.ops, 2 * one.guest.ops);
	uint64_t s1 = mmu_stats_total(&one.stats, MMU_C_stores);
	uint64_t s2 = mmu_stats_total(&two.stats, MMU_C_stores);
	/* The second pass adds one pass's stores (at least the eight of each
	 * mm_zero_struct_page); only the run's fixed stores are not doubled. */
	cr_expect_geq(s2 - s1, 8 * 2000, "stores: one pass %lu, two passes %lu", s1, s2);
	cr_expect_leq(2 * s1 - s2, 64, "stores: one pass %lu, two passes %lu", s1, s2);
}

/* ---- Bad parameters are errors before the guest runs ---------------------- */

static int run_named(const char *name, enum sparse_model model, const char *const *sets,
                     struct wl_run_result *res, struct vmemsim_err *err)
{
	struct sparse_layout l;
	struct mmu_config cpu;
	struct wl_run_config cfg = {.model = model, .layout = &l, .cpu = &cpu};

	test_layout_small(&l);
	mmu_config_default(&cpu);
	cr_assert_eq(wl_lookup(name, &cfg.wl, NULL), 0);
	wl_args_init(&cfg.args, cfg.wl);
	for (; *sets; sets++)
		cr_assert_eq(wl_args_set(&cfg.args, cfg.wl, *sets, NULL), 0, "%s", *sets);
	return test_run(&cfg, res, err);
}

Test(wl_resolve, buddy_zone_must_be_max_order_aligned_writable_ram)
{
	static struct wl_run_result res;
	struct vmemsim_err err;
	const char *misaligned[] = {"start_pfn=0x200", "nr_pages=1024", NULL};
	const char *in_pool[] = {"start_pfn=0x10000", "nr_pages=1024", NULL}; /* 256 MiB */
	const char *in_hole[] = {"start_pfn=0x20000", "nr_pages=1024", NULL}; /* 512 MiB */

	cr_expect_eq(run_named("buddy", SPARSE_MODEL_VMEMMAP_2M, misaligned, &res, &err),
	             VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "start_pfn=0x200 is not 1024-page aligned") != NULL, "%s",
	          err.msg);
	cr_expect_not(res.configured);
	cr_expect_eq(run_named("buddy", SPARSE_MODEL_VMEMMAP_2M, in_pool, &res, &err),
	             VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "not all RAM outside the hugetlb pool") != NULL, "%s", err.msg);
	cr_expect_eq(run_named("buddy", SPARSE_MODEL_VMEMMAP_2M, in_hole, &res, &err),
	             VMEMSIM_EINVAL);
}

Test(wl_resolve, auto_buddy_zone_is_the_largest_aligned_writable_run)
{
	static struct wl_run_result res;
	struct vmemsim_err err;
	const char *none[] = {"iterations=100", NULL};

	/* Writable RAM: [0, 256M) (64k pfns), [320M, 384M) (16k), [1G, 1152M) (32k). */
	cr_assert_eq(run_named("buddy", SPARSE_MODEL_VMEMMAP_2M, none, &res, &err), 0, "%s",
	             err.msg);
	cr_expect_eq(res.args.v[0], 0);
	cr_expect_eq(res.args.v[1], 65536);
}

Test(wl_resolve, chase_larger_than_writable_ram_is_refused)
{
	static struct wl_run_result res;
	struct vmemsim_err err;
	const char *big[] = {"nodes=4096", NULL}; /* 256k pfns, the layout has 112k */

	cr_expect_eq(run_named("chase", SPARSE_MODEL_VMEMMAP_4K, big, &res, &err), VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "nodes=4096 stride=64 spans 262144 pfns, the layout has 114688 "
	                          "writable RAM pfns") != NULL,
	          "%s", err.msg);
}

Test(wl_resolve, page_array_larger_than_scratch_is_refused)
{
	static struct wl_run_result res;
	struct vmemsim_err err;
	const char *big[] = {"pages=16M", NULL}; /* 128 MiB of pointers, scratch is 16 MiB */

	cr_expect_eq(run_named("page-to-pfn", SPARSE_MODEL_EXTREME, big, &res, &err),
	             VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "needs 134217728 bytes of scratch") != NULL, "%s", err.msg);
}

Test(wl_resolve, writes_under_hvo_stay_outside_the_read_only_pool)
{
	static struct wl_run_result res;
	struct vmemsim_err err;
	const char *w[] = {"write=1", "iterations=20000", NULL};

	/* 20000 random writable pfns; were one in the pool, its tail struct page
	 * is read-only under HVO and the store would fault. */
	cr_expect_eq(run_named("random-touch", SPARSE_MODEL_VMEMMAP_HVO, w, &res, &err), 0, "%s",
	             err.msg);
	cr_expect_eq(mmu_stats_total(&res.stats, MMU_C_faults), 0);
}

Test(wl_run, cpu_paging_levels_must_match_the_layout_tables)
{
	static struct wl_run_result res;
	struct sparse_layout l;
	struct mmu_config cpu;
	struct vmemsim_err err;
	struct wl_run_config cfg = {.model = SPARSE_MODEL_VMEMMAP_2M, .layout = &l, .cpu = &cpu};

	test_layout_tiny(&l);
	mmu_config_default(&cpu);
	cpu.levels = 5;
	cr_assert_eq(wl_lookup("pfn-scan", &cfg.wl, NULL), 0);
	wl_args_init(&cfg.args, cfg.wl);
	cr_expect_eq(test_run(&cfg, &res, &err), VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "walks 5-level page tables but the layout builds 4-level") !=
	              NULL,
	          "%s", err.msg);
}

Test(wl_resolve, write_without_touch_is_refused)
{
	static struct wl_run_result res;
	struct vmemsim_err err;
	const char *w[] = {"write=1", "touch=0", NULL};

	cr_expect_eq(run_named("random-touch", SPARSE_MODEL_VMEMMAP_2M, w, &res, &err),
	             VMEMSIM_EINVAL);
	cr_expect(strstr(err.msg, "write=1 needs touch=1") != NULL, "%s", err.msg);
}

static uint64_t region_loads(const struct wl_run_result *res, const char *name)
{
	for (unsigned r = 0; r < res->stats.nr_regions; r++)
		if (!strcmp(res->region_names[r], name))
			return res->stats.v[r][MMU_C_loads];
	return 0;
}

Test(wl_checksum, lookup_only_random_touch_matches_under_every_model)
{
	static struct wl_run_result res;
	struct vmemsim_err err;
	const char *t[] = {"touch=0", "iterations=2000", NULL};

	for (int m = 0; m < SPARSE_NR_MODELS; m++) {
		cr_assert_eq(run_named("random-touch", (enum sparse_model)m, t, &res, &err), 0,
		             "%s: %s", sparse_model_name((enum sparse_model)m), err.msg);
		/* vmemmap computes the address without touching memory: no load
		 * in the vmemmap region; classic sparse reads its mem_section. */
		uint64_t vmemmap_loads = region_loads(&res, "vmemmap");
		if (sparse_model_is_vmemmap((enum sparse_model)m))
			cr_expect_eq(vmemmap_loads, 0, "%s",
			             sparse_model_name((enum sparse_model)m));
		if (sparse_model_is_classic((enum sparse_model)m))
			cr_expect_geq(mmu_stats_total(&res.stats, MMU_C_loads) -
			                  region_loads(&res, "stack") -
			                  region_loads(&res, "kernel image"),
			              2000, "%s", sparse_model_name((enum sparse_model)m));
	}
}
