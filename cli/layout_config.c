/*
 * cli/layout_config.c — read a layout preset into struct sparse_layout and
 * struct sparse_params (schema in layout_config.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "layout_config.h"

static const char *const type_names[] = {"ram", "reserved", "pmem", NULL};
static const char *const hotplug_names[] = {"subsection", "section", NULL};

static int read_range(const struct cfg *c, const json_t *obj, const char *path,
                      struct sparse_range *r, struct vmemsim_err *err)
{
	static const char *const keys[] = {"type",  "start",          "end", "size", "node",
	                                   "pages", "altmap_reserve", NULL};
	uint64_t size = 0, nid = 0;
	int type = 0, rc;

	if (!json_is_object(obj))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, path, "expected an object");
	if ((rc = cfg_check_keys(c, obj, path, keys, err)))
		return rc;
	memset(r, 0, sizeof(*r));
	r->pages = true;
	r->altmap_reserve = 2;
	if ((rc = cfg_get_enum(c, obj, path, "type", true, type_names, &type, err)) ||
	    (rc = cfg_get_size(c, obj, path, "start", true, 0, UINT64_MAX, &r->start, err)) ||
	    (rc =
	         cfg_get_u64(c, obj, path, "node", false, 0, SPARSE_MAX_NUMNODES - 1, &nid, err)) ||
	    (rc = cfg_get_bool(c, obj, path, "pages", false, &r->pages, err)) ||
	    (rc = cfg_get_u64(c, obj, path, "altmap_reserve", false, 0, 1u << 20,
	                      &r->altmap_reserve, err)))
		return rc;
	r->kind = (enum sparse_range_kind)type;
	r->nid = (unsigned)nid;
	if (json_object_get(obj, "end") && json_object_get(obj, "size"))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, path, "give either 'end' or 'size'");
	if (json_object_get(obj, "size")) {
		if ((rc = cfg_get_size(c, obj, path, "size", true, 1, UINT64_MAX, &size, err)))
			return rc;
		if (r->start + size < r->start)
			return cfg_errorf(c, err, VMEMSIM_EINVAL, path, "start + size overflows");
		r->end = r->start + size;
		return 0;
	}
	return cfg_get_size(c, obj, path, "end", true, 0, UINT64_MAX, &r->end, err);
}

static int read_hugetlb(const struct cfg *c, const json_t *root, struct sparse_layout *l,
                        struct vmemsim_err *err)
{
	static const char *const keys[] = {"start", "size", "order", NULL};
	json_t *h;
	uint64_t order = l->hugetlb_order;
	int rc;

	if ((rc = cfg_get_object(c, root, "", "hugetlb", false, &h, err)) || !h)
		return rc;
	if ((rc = cfg_check_keys(c, h, "hugetlb", keys, err)) ||
	    (rc = cfg_get_size(c, h, "hugetlb", "start", true, 0, UINT64_MAX, &l->hugetlb_start,
	                       err)) ||
	    (rc = cfg_get_size(c, h, "hugetlb", "size", true, 0, UINT64_MAX, &l->hugetlb_size,
	                       err)) ||
	    (rc = cfg_get_u64(c, h, "hugetlb", "order", false, 9, 18, &order, err)))
		return rc;
	l->hugetlb_order = (unsigned)order;
	return 0;
}

static int read_kernel(const struct cfg *c, const json_t *root, struct sparse_params *p,
                       struct vmemsim_err *err)
{
	static const char *const keys[] = {"dm_step_shift", "gbpages",        "brk_pages",
	                                   "hotplug",       "pgtable_levels", NULL};
	json_t *k;
	int mode = (int)p->hotplug_mode, rc;
	uint32_t shift = p->dm_step_shift, brk = p->brk_pages, levels = p->pgtable_levels;

	if ((rc = cfg_get_object(c, root, "", "kernel", false, &k, err)) || !k)
		return rc;
	if ((rc = cfg_check_keys(c, k, "kernel", keys, err)) ||
	    (rc = cfg_get_u32(c, k, "kernel", "dm_step_shift", false, 1, 20, &shift, err)) ||
	    (rc = cfg_get_bool(c, k, "kernel", "gbpages", false, &p->dm_gbpages, err)) ||
	    (rc = cfg_get_u32(c, k, "kernel", "brk_pages", false, 0, 64, &brk, err)) ||
	    (rc = cfg_get_u32(c, k, "kernel", "pgtable_levels", false, 4, 5, &levels, err)) ||
	    (rc = cfg_get_enum(c, k, "kernel", "hotplug", false, hotplug_names, &mode, err)))
		return rc;
	p->dm_step_shift = shift;
	p->brk_pages = brk;
	p->pgtable_levels = levels;
	p->hotplug_mode = (enum sparse_hotplug_mode)mode;
	return 0;
}

/* sparse_layout_check names "ranges[i]: ..." / "hugetlb: ..."; turn the
 * leading key path into file:line:column. */
static int semantic_error(const struct cfg *c, int rc, struct vmemsim_err *err)
{
	char path[64], msg[sizeof(err->msg)];
	const char *colon = strstr(err->msg, ": ");
	size_t n = colon ? (size_t)(colon - err->msg) : 0;

	if (!colon || n >= sizeof(path) || strchr(err->msg, ' ') < colon)
		return rc;
	memcpy(path, err->msg, n);
	path[n] = 0;
	snprintf(msg, sizeof(msg), "%s", colon + 2);
	return cfg_errorf(c, err, rc, path, "%s", msg);
}

int cli_layout_read(const struct cfg *c, struct sparse_layout *out, struct sparse_params *params,
                    struct vmemsim_err *err)
{
	static const char *const keys[] = {"name",       "description", "sources",
	                                   "maxphyaddr", "ranges",      "hugetlb",
	                                   "scratch",    "kernel",      NULL};
	json_t *root = cfg_root(c), *ranges;
	struct sparse_layout l;
	struct sparse_params p;
	uint32_t maxphys = SPARSE_MAX_PHYSMEM_BITS;
	int rc;

	sparse_layout_init(&l);
	sparse_params_default(&p);
	if (!json_is_object(root))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, "", "expected a JSON object");
	if ((rc = cfg_check_keys(c, root, "", keys, err)) ||
	    (rc = cfg_get_string(c, root, "", "name", false, l.name, sizeof(l.name), err)) ||
	    (rc = cfg_get_u32(c, root, "", "maxphyaddr", false, 32, SPARSE_MAX_PHYSMEM_BITS_L5,
	                      &maxphys, err)) ||
	    (rc = cfg_get_size(c, root, "", "scratch", false, 0, 1ull << 40, &l.scratch_size,
	                       err)) ||
	    (rc = cfg_get_array(c, root, "", "ranges", true, &ranges, err)))
		return rc;
	l.maxphyaddr = maxphys;
	if (json_array_size(ranges) == 0 || json_array_size(ranges) > SPARSE_MAX_RANGES)
		return cfg_errorf(c, err, VMEMSIM_EINVAL, "ranges", "need 1 to %u ranges, got %zu",
		                  SPARSE_MAX_RANGES, json_array_size(ranges));
	for (size_t i = 0; i < json_array_size(ranges); i++) {
		char path[64];
		cfg_path(path, sizeof(path), "ranges", NULL, (int)i);
		if ((rc = read_range(c, json_array_get(ranges, i), path, &l.ranges[i], err)))
			return rc;
		l.nr_ranges++;
	}
	if ((rc = read_hugetlb(c, root, &l, err)) || (rc = read_kernel(c, root, &p, err)))
		return rc;
	if ((rc = sparse_layout_check(&l, err)))
		return semantic_error(c, rc, err);
	*out = l;
	if (params)
		*params = p;
	return 0;
}

int cli_layout_load(const char *name_or_path, char *const *sets, unsigned nsets,
                    struct sparse_layout *out, struct sparse_params *params, json_t **resolved,
                    struct vmemsim_err *err)
{
	char path[4096];
	struct cfg *c = NULL;
	struct sparse_params p;
	int rc;

	if ((rc = cli_resolve_preset("layouts", name_or_path, path, sizeof(path), err)))
		return rc;
	if ((rc = cfg_load_file(&c, path, err)))
		return rc;
	for (unsigned i = 0; i < nsets && !rc; i++)
		rc = cfg_set(c, sets[i], err);
	if (!rc)
		rc = cli_layout_read(c, out, &p, err);
	cfg_free(c);
	if (!rc && params)
		*params = p;
	if (!rc && resolved)
		*resolved = cli_layout_to_json(out, &p);
	return rc;
}

json_t *cli_layout_to_json(const struct sparse_layout *l, const struct sparse_params *p)
{
	json_t *o = json_object(), *arr = json_array(), *k = json_object();

	json_object_set_new(o, "name", json_string(l->name));
	json_object_set_new(o, "maxphyaddr", json_integer(l->maxphyaddr));
	for (unsigned i = 0; i < l->nr_ranges; i++) {
		const struct sparse_range *r = &l->ranges[i];
		json_t *j = json_object();
		json_object_set_new(j, "type", json_string(type_names[r->kind]));
		json_object_set_new(j, "start", json_integer((json_int_t)r->start));
		json_object_set_new(j, "end", json_integer((json_int_t)r->end));
		json_object_set_new(j, "node", json_integer(r->nid));
		if (r->kind == SPARSE_RANGE_DEVICE) {
			json_object_set_new(j, "pages", json_boolean(r->pages));
			json_object_set_new(j, "altmap_reserve",
			                    json_integer((json_int_t)r->altmap_reserve));
		}
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "ranges", arr);
	if (l->hugetlb_size) {
		json_t *h = json_object();
		json_object_set_new(h, "start", json_integer((json_int_t)l->hugetlb_start));
		json_object_set_new(h, "size", json_integer((json_int_t)l->hugetlb_size));
		json_object_set_new(h, "order", json_integer(l->hugetlb_order));
		json_object_set_new(o, "hugetlb", h);
	}
	json_object_set_new(o, "scratch", json_integer((json_int_t)l->scratch_size));
	json_object_set_new(k, "dm_step_shift", json_integer(p->dm_step_shift));
	json_object_set_new(k, "gbpages", json_boolean(p->dm_gbpages));
	json_object_set_new(k, "brk_pages", json_integer(p->brk_pages));
	json_object_set_new(k, "hotplug", json_string(hotplug_names[p->hotplug_mode]));
	json_object_set_new(k, "pgtable_levels", json_integer(p->pgtable_levels));
	json_object_set_new(o, "kernel", k);
	return o;
}
