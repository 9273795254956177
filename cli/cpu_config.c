/*
 * cli/cpu_config.c — read a CPU preset into struct mmu_config.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cpu_config.h"

static const char *const repl_names[] = {"lru", "plru", "random", NULL};
static const char *const ps_names[] = {"4k", "2m", "1g", NULL};

static int read_array(const struct cfg *c, const json_t *obj, const char *path,
                      struct mmu_array_config *a, bool tlb, struct vmemsim_err *err)
{
	static const char *const tlb_keys[] = {"name",       "entries",     "ways",
	                                       "page_sizes", "replacement", NULL};
	static const char *const pwc_keys[] = {"entries", "ways", "replacement", NULL};
	char child[256];
	json_t *ways, *sizes;
	int repl = MMU_REPL_LRU, rc;

	if (!json_is_object(obj))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, path, "expected an object");
	if ((rc = cfg_check_keys(c, obj, path, tlb ? tlb_keys : pwc_keys, err)))
		return rc;
	memset(a, 0, sizeof(*a));
	if (tlb &&
	    (rc = cfg_get_string(c, obj, path, "name", false, a->name, sizeof(a->name), err)))
		return rc;
	if ((rc = cfg_get_u32(c, obj, path, "entries", true, 0, 1u << 24, &a->entries, err)))
		return rc;
	ways = json_object_get(obj, "ways");
	cfg_path(child, sizeof(child), path, "ways", -1);
	if (ways && json_is_string(ways) && !strcmp(json_string_value(ways), "full")) {
		a->ways = a->entries;
	} else if ((rc = cfg_get_u32(c, obj, path, "ways", true, 0, 1u << 24, &a->ways, err))) {
		return rc;
	}
	if ((rc = cfg_get_enum(c, obj, path, "replacement", false, repl_names, &repl, err)))
		return rc;
	a->repl = (enum mmu_repl)repl;
	if (!tlb)
		return 0;
	if ((rc = cfg_get_array(c, obj, path, "page_sizes", true, &sizes, err)))
		return rc;
	cfg_path(child, sizeof(child), path, "page_sizes", -1);
	if (!json_array_size(sizes))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child,
		                  "must list at least one page size");
	for (size_t i = 0; i < json_array_size(sizes); i++) {
		json_t *s = json_array_get(sizes, i);
		char el[256];
		int k;
		cfg_path(el, sizeof(el), child, NULL, (int)i);
		if (!json_is_string(s))
			return cfg_errorf(c, err, VMEMSIM_EINVAL, el,
			                  "expected \"4k\", \"2m\" or \"1g\"");
		for (k = 0; ps_names[k] && strcmp(ps_names[k], json_string_value(s)); k++)
			;
		if (!ps_names[k])
			return cfg_errorf(c, err, VMEMSIM_EINVAL, el,
			                  "'%s' is not a page size (4k, 2m, 1g)",
			                  json_string_value(s));
		a->ps_mask |= MMU_PS_BIT(k);
	}
	return 0;
}

static int read_tlb_level(const struct cfg *c, const json_t *tlb, const char *key,
                          struct mmu_tlb_level_config *lvl, uint32_t *latency,
                          struct vmemsim_err *err)
{
	static const char *const keys_l1[] = {"arrays", NULL};
	static const char *const keys_l2[] = {"arrays", "latency", NULL};
	char path[128], apath[160];
	json_t *obj, *arrays;
	int rc;

	cfg_path(path, sizeof(path), "tlb", key, -1);
	if ((rc = cfg_get_object(c, tlb, "tlb", key, true, &obj, err)))
		return rc;
	if ((rc = cfg_check_keys(c, obj, path, latency ? keys_l2 : keys_l1, err)))
		return rc;
	if (latency && (rc = cfg_get_u32(c, obj, path, "latency", true, 0, 1000, latency, err)))
		return rc;
	if ((rc = cfg_get_array(c, obj, path, "arrays", true, &arrays, err)))
		return rc;
	cfg_path(apath, sizeof(apath), path, "arrays", -1);
	if (json_array_size(arrays) > MMU_MAX_ARRAYS)
		return cfg_errorf(c, err, VMEMSIM_EINVAL, apath, "at most %d arrays per level",
		                  MMU_MAX_ARRAYS);
	memset(lvl, 0, sizeof(*lvl));
	for (size_t i = 0; i < json_array_size(arrays); i++) {
		char el[192];
		cfg_path(el, sizeof(el), apath, NULL, (int)i);
		if ((rc = read_array(c, json_array_get(arrays, i), el, &lvl->arrays[i], true, err)))
			return rc;
		if (!lvl->arrays[i].name[0])
			snprintf(lvl->arrays[i].name, sizeof(lvl->arrays[i].name), "%s[%zu]", key,
			         i);
	}
	lvl->nr_arrays = (unsigned)json_array_size(arrays);
	return 0;
}

static int read_cache(const struct cfg *c, const json_t *cache, const char *key,
                      struct mmu_cache_config *cc, struct vmemsim_err *err)
{
	static const char *const keys[] = {"size", "ways", "latency", "replacement", NULL};
	char path[64];
	json_t *obj;
	uint64_t size = 0;
	int repl = MMU_REPL_LRU, rc;

	cfg_path(path, sizeof(path), "cache", key, -1);
	if ((rc = cfg_get_object(c, cache, "cache", key, true, &obj, err)))
		return rc;
	if ((rc = cfg_check_keys(c, obj, path, keys, err)))
		return rc;
	if ((rc = cfg_get_size(c, obj, path, "size", true, 0, 1ull << 31, &size, err)))
		return rc;
	cc->size = (uint32_t)size;
	if ((rc = cfg_get_u32(c, obj, path, "ways", true, 0, 1024, &cc->ways, err)) ||
	    (rc = cfg_get_u32(c, obj, path, "latency", true, 0, 10000, &cc->latency, err)) ||
	    (rc = cfg_get_enum(c, obj, path, "replacement", false, repl_names, &repl, err)))
		return rc;
	cc->repl = (enum mmu_repl)repl;
	return 0;
}

static int read_sources(const struct cfg *c, const json_t *root, struct vmemsim_err *err)
{
	json_t *src = json_object_get(root, "sources");
	const char *key;
	json_t *v;
	if (!src)
		return 0;
	if (!json_is_object(src))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, "sources",
		                  "expected an object mapping a key path to its citation");
	json_object_foreach(src, key, v)
	{
		if (!json_is_string(v)) {
			char p[256];
			cfg_path(p, sizeof(p), "sources", key, -1);
			return cfg_errorf(c, err, VMEMSIM_EINVAL, p, "a citation must be a string");
		}
	}
	return 0;
}

/* Geometry errors come from the model's own check, whose message begins
 * with the key path ("tlb.l1d.arrays[0]: 64 entries not divisible by 7
 * ways"): give them the file and the line:column of that key. */
static int geometry_error(const struct cfg *c, int rc, const struct vmemsim_err *geo,
                          struct vmemsim_err *err)
{
	const char *colon = strstr(geo->msg, ": ");
	char path[128];

	if (!colon || (size_t)(colon - geo->msg) >= sizeof(path))
		return cfg_errorf(c, err, rc, NULL, "%s", geo->msg);
	memcpy(path, geo->msg, (size_t)(colon - geo->msg));
	path[colon - geo->msg] = '\0';
	return cfg_errorf(c, err, rc, path, "%s", colon + 2);
}

int cli_cpu_read(const struct cfg *c, struct mmu_config *out, struct vmemsim_err *err)
{
	struct vmemsim_err geo = {0};
	static const char *const top_keys[] = {"name",     "description", "sources", "paging",
	                                       "tlb",      "pwc",         "cache",   "core",
	                                       "features", "seed",        NULL};
	static const char *const paging_keys[] = {"levels", "maxphyaddr", NULL};
	static const char *const tlb_keys[] = {"l1i", "l1d", "stlb", NULL};
	static const char *const pwc_keys[] = {"latency", "pml5e", "pml4e", "pdpte", "pde", NULL};
	static const char *const pwc_names[] = {"pde", "pdpte", "pml4e", "pml5e"};
	static const char *const cache_keys[] = {"l1d", "l2", "llc", "dram_latency", NULL};
	static const char *const core_keys[] = {"base_cpi", NULL};
	static const char *const feat_keys[] = {"cr0_wp", "nxe", "smep", "smap", "pcide", NULL};
	const json_t *root = cfg_root(c);
	json_t *o;
	struct mmu_config cfg;
	int rc;

	memset(&cfg, 0, sizeof(cfg)); /* padding too: configs are compared bytewise */
	mmu_config_default(&cfg);
	if ((rc = cfg_check_keys(c, root, "", top_keys, err)) ||
	    (rc = read_sources(c, root, err)) ||
	    (rc = cfg_get_string(c, root, "", "name", false, cfg.name, sizeof(cfg.name), err)))
		return rc;
	if ((rc = cfg_get_u64(c, root, "", "seed", false, 0, INT64_MAX, &cfg.seed, err)))
		return rc;

	if ((rc = cfg_get_object(c, root, "", "paging", false, &o, err)))
		return rc;
	if (o &&
	    ((rc = cfg_check_keys(c, o, "paging", paging_keys, err)) ||
	     (rc = cfg_get_u32(c, o, "paging", "levels", false, 4, 5, &cfg.levels, err)) ||
	     (rc = cfg_get_u32(c, o, "paging", "maxphyaddr", false, 32, 52, &cfg.maxphyaddr, err))))
		return rc;

	if ((rc = cfg_get_object(c, root, "", "tlb", true, &o, err)) ||
	    (rc = cfg_check_keys(c, o, "tlb", tlb_keys, err)) ||
	    (rc = read_tlb_level(c, o, "l1i", &cfg.itlb, NULL, err)) ||
	    (rc = read_tlb_level(c, o, "l1d", &cfg.dtlb, NULL, err)) ||
	    (rc = read_tlb_level(c, o, "stlb", &cfg.stlb, &cfg.stlb_latency, err)))
		return rc;

	if ((rc = cfg_get_object(c, root, "", "pwc", false, &o, err)))
		return rc;
	if (o) {
		if ((rc = cfg_check_keys(c, o, "pwc", pwc_keys, err)) ||
		    (rc = cfg_get_u32(c, o, "pwc", "latency", false, 0, 1000, &cfg.pwc_latency,
		                      err)))
			return rc;
		for (int lvl = MMU_LEVEL_PD; lvl <= MMU_LEVEL_PML5; lvl++) {
			const char *name = pwc_names[lvl - MMU_LEVEL_PD];
			json_t *a = json_object_get(o, name);
			char p[64];
			cfg_path(p, sizeof(p), "pwc", name, -1);
			memset(&cfg.pwc[lvl], 0, sizeof(cfg.pwc[lvl]));
			if (a && (rc = read_array(c, a, p, &cfg.pwc[lvl], false, err)))
				return rc;
			snprintf(cfg.pwc[lvl].name, sizeof(cfg.pwc[lvl].name), "%s", name);
		}
	}

	if ((rc = cfg_get_object(c, root, "", "cache", true, &o, err)) ||
	    (rc = cfg_check_keys(c, o, "cache", cache_keys, err)) ||
	    (rc = read_cache(c, o, "l1d", &cfg.l1d, err)) ||
	    (rc = read_cache(c, o, "l2", &cfg.l2, err)) ||
	    (rc = read_cache(c, o, "llc", &cfg.llc, err)) ||
	    (rc = cfg_get_u32(c, o, "cache", "dram_latency", true, 1, 100000, &cfg.dram_latency,
	                      err)))
		return rc;

	if ((rc = cfg_get_object(c, root, "", "core", false, &o, err)))
		return rc;
	if (o && ((rc = cfg_check_keys(c, o, "core", core_keys, err)) ||
	          (rc = cfg_get_double(c, o, "core", "base_cpi", false, 0.0, 100.0, &cfg.base_cpi,
	                               err))))
		return rc;

	if ((rc = cfg_get_object(c, root, "", "features", false, &o, err)))
		return rc;
	if (o && ((rc = cfg_check_keys(c, o, "features", feat_keys, err)) ||
	          (rc = cfg_get_bool(c, o, "features", "cr0_wp", false, &cfg.cr0_wp, err)) ||
	          (rc = cfg_get_bool(c, o, "features", "nxe", false, &cfg.efer_nxe, err)) ||
	          (rc = cfg_get_bool(c, o, "features", "smep", false, &cfg.cr4_smep, err)) ||
	          (rc = cfg_get_bool(c, o, "features", "smap", false, &cfg.cr4_smap, err)) ||
	          (rc = cfg_get_bool(c, o, "features", "pcide", false, &cfg.cr4_pcide, err))))
		return rc;

	if ((rc = mmu_config_check(&cfg, &geo)))
		return geometry_error(c, rc, &geo, err);
	*out = cfg;
	return 0;
}

int cli_cpu_load(const char *name_or_path, char *const *sets, unsigned nsets,
                 struct mmu_config *out, json_t **resolved, struct vmemsim_err *err)
{
	char path[4096];
	struct cfg *c = NULL;
	int rc;

	if ((rc = cli_resolve_preset("cpu", name_or_path, path, sizeof(path), err)))
		return rc;
	if ((rc = cfg_load_file(&c, path, err)))
		return rc;
	for (unsigned i = 0; i < nsets && !rc; i++)
		rc = cfg_set(c, sets[i], err);
	if (!rc)
		rc = cli_cpu_read(c, out, err);
	cfg_free(c);
	if (!rc && resolved)
		*resolved = cli_cpu_to_json(out);
	return rc;
}

static json_t *array_json(const struct mmu_array_config *a, bool tlb)
{
	json_t *o = json_object();
	if (tlb)
		json_object_set_new(o, "name", json_string(a->name));
	json_object_set_new(o, "entries", json_integer(a->entries));
	json_object_set_new(o, "ways", json_integer(a->ways));
	if (tlb) {
		json_t *ps = json_array();
		for (int k = 0; k < MMU_NR_PAGE_SIZES; k++)
			if (a->ps_mask & MMU_PS_BIT(k))
				json_array_append_new(ps, json_string(ps_names[k]));
		json_object_set_new(o, "page_sizes", ps);
	}
	json_object_set_new(o, "replacement", json_string(repl_names[a->repl]));
	return o;
}

static json_t *level_json(const struct mmu_tlb_level_config *l, int latency)
{
	json_t *o = json_object(), *arr = json_array();
	for (unsigned i = 0; i < l->nr_arrays; i++)
		json_array_append_new(arr, array_json(&l->arrays[i], true));
	json_object_set_new(o, "arrays", arr);
	if (latency >= 0)
		json_object_set_new(o, "latency", json_integer(latency));
	return o;
}

static json_t *cache_json(const struct mmu_cache_config *cc)
{
	return json_pack("{s:I,s:I,s:I,s:s}", "size", (json_int_t)cc->size, "ways",
	                 (json_int_t)cc->ways, "latency", (json_int_t)cc->latency, "replacement",
	                 repl_names[cc->repl]);
}

json_t *cli_cpu_to_json(const struct mmu_config *cfg)
{
	static const char *const pwc_names[] = {"pde", "pdpte", "pml4e", "pml5e"};
	json_t *root = json_object(), *tlb = json_object(), *pwc = json_object(),
	       *cache = json_object();

	json_object_set_new(root, "name", json_string(cfg->name));
	json_object_set_new(root, "paging",
	                    json_pack("{s:I,s:I}", "levels", (json_int_t)cfg->levels, "maxphyaddr",
	                              (json_int_t)cfg->maxphyaddr));
	json_object_set_new(tlb, "l1i", level_json(&cfg->itlb, -1));
	json_object_set_new(tlb, "l1d", level_json(&cfg->dtlb, -1));
	json_object_set_new(tlb, "stlb", level_json(&cfg->stlb, (int)cfg->stlb_latency));
	json_object_set_new(root, "tlb", tlb);
	json_object_set_new(pwc, "latency", json_integer(cfg->pwc_latency));
	for (int lvl = MMU_LEVEL_PD; lvl <= MMU_LEVEL_PML5; lvl++)
		json_object_set_new(pwc, pwc_names[lvl - MMU_LEVEL_PD],
		                    array_json(&cfg->pwc[lvl], false));
	json_object_set_new(root, "pwc", pwc);
	json_object_set_new(cache, "l1d", cache_json(&cfg->l1d));
	json_object_set_new(cache, "l2", cache_json(&cfg->l2));
	json_object_set_new(cache, "llc", cache_json(&cfg->llc));
	json_object_set_new(cache, "dram_latency", json_integer(cfg->dram_latency));
	json_object_set_new(root, "cache", cache);
	json_object_set_new(root, "core", json_pack("{s:f}", "base_cpi", cfg->base_cpi));
	json_object_set_new(root, "features",
	                    json_pack("{s:b,s:b,s:b,s:b,s:b}", "cr0_wp", cfg->cr0_wp, "nxe",
	                              cfg->efer_nxe, "smep", cfg->cr4_smep, "smap", cfg->cr4_smap,
	                              "pcide", cfg->cr4_pcide));
	json_object_set_new(root, "seed", json_integer((json_int_t)cfg->seed));
	return root;
}

int cli_sets_for(const char *section, const char *known, char *const *sets, unsigned nsets,
                 char **out, unsigned max, struct vmemsim_err *err)
{
	unsigned n = 0;
	size_t sl = strlen(section);

	for (unsigned i = 0; i < nsets; i++) {
		const char *s = sets[i], *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : 0;
		bool ok = false;
		const char *k = known;

		/* the section must be one of `known` */
		while (dot && *k) {
			const char *comma = strchr(k, ',');
			size_t kl = comma ? (size_t)(comma - k) : strlen(k);
			if (kl == l && !strncmp(k, s, l))
				ok = true;
			k += kl + (comma ? 1 : 0);
		}
		if (!ok)
			return vmemsim_errf(err, VMEMSIM_EINVAL,
			                    "--set %s: the key must start with a config section "
			                    "(%s), e.g. --set cpu.tlb.stlb.latency=9",
			                    s, known);
		if (l == sl && !strncmp(s, section, sl)) {
			if (n == max)
				return vmemsim_errf(err, VMEMSIM_EINVAL, "too many --set options");
			out[n++] = (char *)dot + 1;
		}
	}
	return (int)n;
}
