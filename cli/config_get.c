/*
 * cli/config_get.c — typed, range-checked getters over a loaded config.
 * Each failure names the key's position through cfg_errorf().
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CFG_MAX_PATH 512

/* ---- typed getters ---------------------------------------------------------- */

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

static int get_value(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                     bool required, json_t **v, char *child, size_t len, struct vmemsim_err *err)
{
	cfg_path(child, len, path, key, -1);
	*v = json_object_get(obj, key);
	if (!*v && required)
		return cfg_errorf(c, err, VMEMSIM_EINVAL, path, "missing required key '%s'", key);
	return 0;
}

int cfg_get_u64(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                bool required, uint64_t min, uint64_t max, uint64_t *out, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH];
	json_t *v;
	json_int_t i;
	int rc = get_value(c, obj, path, key, required, &v, child, sizeof(child), err);
	if (rc || !v)
		return rc;
	if (!json_is_integer(v))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "expected an integer, found %s",
		                  type_name(v));
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child,
		                  "%lld is out of range [%llu, %llu]", (long long)i,
		                  (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

int cfg_get_u32(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                bool required, uint32_t min, uint32_t max, uint32_t *out, struct vmemsim_err *err)
{
	uint64_t v = *out;
	int rc = cfg_get_u64(c, obj, path, key, required, min, max, &v, err);
	if (!rc)
		*out = (uint32_t)v;
	return rc;
}

int cfg_get_size(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                 bool required, uint64_t min, uint64_t max, uint64_t *out, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH];
	json_t *v;
	const char *s;
	char *end;
	unsigned long long n;
	unsigned shift = 0;
	int rc = get_value(c, obj, path, key, required, &v, child, sizeof(child), err);

	if (rc || !v)
		return rc;
	if (json_is_integer(v))
		return cfg_get_u64(c, obj, path, key, required, min, max, out, err);
	if (!json_is_string(v))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child,
		                  "expected a size (integer or string like \"32K\"), found %s",
		                  type_name(v));
	s = json_string_value(v);
	errno = 0;
	n = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "'%s' is not a size", s);
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'B' || *end == 'b'))
		end++;
	if (*end || (shift && n > (~0ull >> shift)))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child,
		                  "'%s' is not a size (use an integer with K, M, G or T)", s);
	n <<= shift;
	if (n < min || n > max)
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "%s is out of range [%llu, %llu]",
		                  s, (unsigned long long)min, (unsigned long long)max);
	*out = n;
	return 0;
}

int cfg_get_double(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                   bool required, double min, double max, double *out, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH];
	json_t *v;
	double d;
	int rc = get_value(c, obj, path, key, required, &v, child, sizeof(child), err);
	if (rc || !v)
		return rc;
	if (!json_is_number(v))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "expected a number, found %s",
		                  type_name(v));
	d = json_number_value(v);
	if (!(d >= min && d <= max))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "%g is out of range [%g, %g]", d,
		                  min, max);
	*out = d;
	return 0;
}

int cfg_get_bool(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                 bool required, bool *out, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH];
	json_t *v;
	int rc = get_value(c, obj, path, key, required, &v, child, sizeof(child), err);
	if (rc || !v)
		return rc;
	if (!json_is_boolean(v))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "expected true or false, found %s",
		                  type_name(v));
	*out = json_is_true(v);
	return 0;
}

int cfg_get_string(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                   bool required, char *out, size_t len, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH];
	json_t *v;
	int rc = get_value(c, obj, path, key, required, &v, child, sizeof(child), err);
	if (rc || !v)
		return rc;
	if (!json_is_string(v))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "expected a string, found %s",
		                  type_name(v));
	if (strlen(json_string_value(v)) >= len)
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "longer than %zu characters",
		                  len - 1);
	snprintf(out, len, "%s", json_string_value(v));
	return 0;
}

int cfg_get_enum(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                 bool required, const char *const *names, int *out, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH], s[64], list[256] = "";
	int rc;

	s[0] = '\0';
	rc = cfg_get_string(c, obj, path, key, required, s, sizeof(s), err);
	if (rc || !s[0])
		return rc;
	for (int i = 0; names[i]; i++) {
		size_t l = strlen(list);
		if (!strcmp(names[i], s)) {
			*out = i;
			return 0;
		}
		snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", names[i]);
	}
	cfg_path(child, sizeof(child), path, key, -1);
	return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "'%s' is not one of: %s", s, list);
}

int cfg_get_object(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                   bool required, json_t **out, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH];
	json_t *v;
	int rc = get_value(c, obj, path, key, required, &v, child, sizeof(child), err);
	*out = NULL;
	if (rc || !v)
		return rc;
	if (!json_is_object(v))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "expected an object, found %s",
		                  type_name(v));
	*out = v;
	return 0;
}

int cfg_get_array(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                  bool required, json_t **out, struct vmemsim_err *err)
{
	char child[CFG_MAX_PATH];
	json_t *v;
	int rc = get_value(c, obj, path, key, required, &v, child, sizeof(child), err);
	*out = NULL;
	if (rc || !v)
		return rc;
	if (!json_is_array(v))
		return cfg_errorf(c, err, VMEMSIM_EINVAL, child, "expected an array, found %s",
		                  type_name(v));
	*out = v;
	return 0;
}
