/*
 * tests/cli/test_presets.c — CPU presets load, are cited, and bad geometries
 * are refused with the file named.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cli/cpu_config.h"

static const char *const presets[] = {"skylake", "golden-cove", "zen4"};

static int load_with(const char *preset, const char *set, struct mmu_config *cfg,
                     struct vmemsim_err *err)
{
	char *sets[1] = {(char *)set};
	return cli_cpu_load(preset, sets, set ? 1 : 0, cfg, NULL, err);
}

Test(presets, every_preset_loads_and_passes_the_geometry_check)
{
	for (unsigned i = 0; i < 3; i++) {
		struct mmu_config cfg;
		struct vmemsim_err err = {0};
		cr_assert_eq(load_with(presets[i], NULL, &cfg, &err), 0, "%s: %s", presets[i],
		             err.msg);
		cr_assert_str_eq(cfg.name, presets[i]);
	}
}

/* Spot values straight from reference/tlb-presets.md. */
Test(presets, values_match_the_reference_tables)
{
	struct mmu_config z, s, g;
	struct vmemsim_err err = {0};
	cr_assert_eq(load_with("zen4", NULL, &z, &err), 0, "%s", err.msg);
	cr_assert_eq(z.dtlb.nr_arrays, 1);
	cr_assert_eq(z.dtlb.arrays[0].entries, 72);
	cr_assert_eq(z.dtlb.arrays[0].ways, 72);
	cr_assert_eq(z.dtlb.arrays[0].ps_mask, MMU_PS_ALL);
	cr_assert_eq(z.stlb.arrays[0].entries, 3072);
	cr_assert_eq(z.stlb.arrays[0].ways, 8);
	cr_assert_eq(z.stlb.arrays[1].entries, 64);
	cr_assert_eq(z.l2.size, 1u << 20);
	cr_assert_eq(z.dram_latency, 375);

	cr_assert_eq(load_with("skylake", NULL, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.stlb.arrays[0].entries, 1536);
	cr_assert_eq(s.stlb.arrays[0].ways, 12);
	cr_assert_eq(s.dtlb.arrays[0].entries, 64);
	cr_assert_eq(s.dtlb.arrays[0].ways, 4);
	cr_assert_eq(s.l1d.latency, 4);
	cr_assert_eq(s.l2.latency, 12);

	cr_assert_eq(load_with("golden-cove", NULL, &g, &err), 0, "%s", err.msg);
	cr_assert_eq(g.dtlb.arrays[0].entries, 96);
	cr_assert_eq(g.dtlb.arrays[0].ways, 6);
	cr_assert_eq(g.stlb_latency, 7);
	cr_assert_eq(g.l1d.size, 48u << 10);
	cr_assert_eq(g.l2.size, 1280u << 10);
}

Test(presets, every_section_carries_a_citation)
{
	static const char *const keys[] = {
	    "tlb.l1i",           "tlb.l1d",      "tlb.stlb.arrays",
	    "tlb.stlb.latency",  "pwc",          "cache.l1d",
	    "cache.l2",          "cache.llc",    "cache.dram_latency",
	    "paging.maxphyaddr", "core.base_cpi"};
	for (unsigned i = 0; i < 3; i++) {
		char path[256];
		json_error_t jerr;
		json_t *root, *src;
		snprintf(path, sizeof(path), "configs/cpu/%s.json", presets[i]);
		root = json_load_file(path, 0, &jerr);
		cr_assert_not_null(root, "%s: %s", path, jerr.text);
		src = json_object_get(root, "sources");
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			cr_assert_not_null(json_object_get(src, keys[k]), "%s: no source for %s",
			                   path, keys[k]);
		json_decref(root);
	}
}

Test(presets, entries_not_divisible_by_ways_is_refused)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	cr_assert_eq(load_with("skylake", "tlb.stlb.arrays[0].entries=1000", &cfg, &err),
	             VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "skylake.json") != NULL, "got: %s", err.msg);
	cr_assert(strstr(err.msg, "divisible") != NULL, "got: %s", err.msg);
}

Test(presets, zero_sizes_are_refused)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	cr_assert_eq(load_with("zen4", "tlb.l1d.arrays[0].ways=0", &cfg, &err), VMEMSIM_EINVAL,
	             "ways=0 accepted");
	cr_assert_eq(load_with("zen4", "cache.l1d.ways=0", &cfg, &err), VMEMSIM_EINVAL,
	             "cache ways=0 accepted");
}

Test(presets, plru_needs_a_power_of_two_way_count)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	cr_assert_eq(load_with("golden-cove", "tlb.l1d.arrays[0].replacement=\"plru\"", &cfg, &err),
	             VMEMSIM_EINVAL, "PLRU with 6 ways accepted");
	cr_assert_eq(load_with("skylake", "tlb.l1d.arrays[0].replacement=plru", &cfg, &err), 0,
	             "%s", err.msg);
	cr_assert_eq(cfg.dtlb.arrays[0].repl, MMU_REPL_PLRU);
}

Test(presets, unknown_key_in_a_set_is_reported_with_suggestion)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	cr_assert_eq(load_with("skylake", "tlb.stlb.latencyy=3", &cfg, &err), VMEMSIM_EINVAL);
	cr_assert_str_eq(err.msg, "--set tlb.stlb.latencyy: unknown key (did you mean 'latency'?)");
}

Test(presets, unknown_preset_lists_the_available_ones)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	cr_assert_eq(load_with("pentium", NULL, &cfg, &err), VMEMSIM_ENOENT);
	cr_assert(strstr(err.msg, "zen4") && strstr(err.msg, "skylake"), "got: %s", err.msg);
}

Test(presets, canonical_json_reads_back_to_the_same_config)
{
	for (unsigned i = 0; i < 3; i++) {
		struct mmu_config a, b;
		struct vmemsim_err err = {0};
		json_t *j;
		char *text;
		struct cfg *c;
		cr_assert_eq(cli_cpu_load(presets[i], NULL, 0, &a, &j, &err), 0, "%s", err.msg);
		text = json_dumps(j, 0);
		cr_assert_eq(cfg_load_string(&c, "resolved", text, strlen(text), &err), 0, "%s",
		             err.msg);
		cr_assert_eq(cli_cpu_read(c, &b, &err), 0, "%s", err.msg);
		cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "%s: round trip differs", presets[i]);
		cfg_free(c);
		free(text);
		json_decref(j);
	}
}

Test(presets, sets_are_routed_by_section)
{
	char *sets[] = {"cpu.a=1", "layout.b=2", "cpu.c.d=3"}, *out[4];
	struct vmemsim_err err = {0};
	cr_assert_eq(cli_sets_for("cpu", "cpu,layout", sets, 3, out, 4, &err), 2);
	cr_assert_str_eq(out[0], "a=1");
	cr_assert_str_eq(out[1], "c.d=3");
	cr_assert_eq(cli_sets_for("cpu", "cpu", sets, 3, out, 4, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "--set layout.b=2") != NULL, "got: %s", err.msg);
}

/* A geometry error names the key path of the JSON document (tlb.l1d, not
 * the model's dtlb) and the line:column of the offending object, like every
 * other config error: skylake.json line 24 column 7 is the dtlb-4k array. */
Test(presets, geometry_errors_name_the_json_key_path_and_position)
{
	static const struct {
		const char *set, *want;
	} cases[] = {
	    {"tlb.l1d.arrays[0].ways=7",
	     "skylake.json:24:7: tlb.l1d.arrays[0]: 64 entries not divisible by 7 ways"},
	    {"tlb.l1i.arrays[1].entries=0", "skylake.json:21:7: tlb.l1i.arrays[1]: 0 entries"},
	    {"tlb.stlb.arrays[0].entries=1000",
	     "skylake.json:29:7: tlb.stlb.arrays[0]: 1000 entries not divisible by 12 ways"},
	    {"cache.l2.size=1000",
	     "skylake.json:42:5: cache.l2: size 1000 is not a multiple of 64"},
	    {"pwc.pde.ways=5", "skylake.json:38:5: pwc.pde: 32 entries not divisible by 5 ways"},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mmu_config cfg;
		struct vmemsim_err err = {0};
		const char *at;

		cr_assert_eq(load_with("skylake", cases[i].set, &cfg, &err), VMEMSIM_EINVAL, "%s",
		             cases[i].set);
		at = strstr(err.msg, "skylake.json:");
		cr_expect(at && !strcmp(at, cases[i].want), "--set %s: got '%s', want '...%s'",
		          cases[i].set, err.msg, cases[i].want);
	}
}

/* JSON integers (jansson's json_int_t) stop at 2^63 - 1, so that is the
 * largest seed a file or --set can give and the canonical JSON can store;
 * the range in the error says so. */
Test(presets, seed_range_is_what_json_can_hold)
{
	struct mmu_config cfg;
	struct vmemsim_err err = {0};

	cr_assert_eq(load_with("skylake", "seed=9223372036854775807", &cfg, &err), 0, "%s",
	             err.msg);
	cr_expect_eq(cfg.seed, 9223372036854775807ull);
	cr_assert_eq(load_with("skylake", "seed=-1", &cfg, &err), VMEMSIM_EINVAL);
	cr_expect_str_eq(err.msg, "--set seed: -1 is out of range [0, 9223372036854775807]");
}
