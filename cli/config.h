/*
 * cli/config.h — JSON configuration files with positions.
 *
 * A struct cfg is one JSON document (parsed by jansson) plus an index of where
 * every key and array element sits in the text, so that a semantic error
 * ("entries not divisible by ways", "unknown key") can name the file,
 * line:column and the key's path, the way a compiler would:
 *
 *   configs/cpu/zen4.json:14:9: tlb.l1d.arrays[0].entires: unknown key
 *   (did you mean 'entries'?)
 *
 * Overrides given on the command line (`--set a.b[0].c=value`) are applied to
 * the document before it is read; errors about such a key name the --set
 * instead of a position.  The value of a --set is parsed as JSON when it is
 * valid JSON (numbers, true/false, null, quoted strings, arrays, objects) and
 * taken as a plain string otherwise, so `--set name=foo` works.
 *
 * Reading is schema-driven: cfg_check_keys() rejects keys that are not in a
 * list, and the typed getters check types and ranges.  All functions return 0
 * or a negative VMEMSIM_E* code with the message in *err; the document is
 * unchanged by a failed cfg_set().
 */
#ifndef VMEMSIM_CLI_CONFIG_H
#define VMEMSIM_CLI_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/vmemsim.h"

struct cfg;

/* ---- Loading ---------------------------------------------------------- */

int cfg_load_file(struct cfg **out, const char *path, struct vmemsim_err *err);
/* name is used in messages in place of a file name. */
int cfg_load_string(struct cfg **out, const char *name, const char *text, size_t len,
                    struct vmemsim_err *err);
void cfg_free(struct cfg *c);

json_t *cfg_root(const struct cfg *c); /* borrowed */
const char *cfg_name(const struct cfg *c);

/* ---- Overrides ---------------------------------------------------------- */

/* Apply "a.b[2].c=value".  Intermediate objects are created as needed; an
 * array index must exist.  Unknown keys are caught later by cfg_check_keys. */
int cfg_set(struct cfg *c, const char *assignment, struct vmemsim_err *err);

/* ---- Reading ------------------------------------------------------------- */

/* Format "<file>:<line>:<col>: <path>: <message>" into err (or
 * "--set <path>: ..." for overridden keys) and return code. */
int cfg_errorf(const struct cfg *c, struct vmemsim_err *err, int code, const char *path,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* obj must be an object whose keys are all in allowed (NULL-terminated).
 * An unknown key is an error suggesting the closest allowed key. */
int cfg_check_keys(const struct cfg *c, const json_t *obj, const char *path,
                   const char *const *allowed, struct vmemsim_err *err);

/* Typed getters: key in obj at path.  A missing key leaves *out unchanged and
 * is an error only when required. */
int cfg_get_u64(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                bool required, uint64_t min, uint64_t max, uint64_t *out, struct vmemsim_err *err);
int cfg_get_u32(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                bool required, uint32_t min, uint32_t max, uint32_t *out, struct vmemsim_err *err);
int cfg_get_double(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                   bool required, double min, double max, double *out, struct vmemsim_err *err);
int cfg_get_bool(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                 bool required, bool *out, struct vmemsim_err *err);
int cfg_get_string(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                   bool required, char *out, size_t len, struct vmemsim_err *err);
/* One of names[] (NULL-terminated); *out is the index. */
int cfg_get_enum(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                 bool required, const char *const *names, int *out, struct vmemsim_err *err);
/* A child object or array (type checked); *out NULL when absent and optional. */
int cfg_get_object(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                   bool required, json_t **out, struct vmemsim_err *err);
int cfg_get_array(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                  bool required, json_t **out, struct vmemsim_err *err);

/* Sizes may be numbers or strings with binary suffixes ("32K", "1.25M" is not
 * allowed: integers only, "1280K"). */
int cfg_get_size(const struct cfg *c, const json_t *obj, const char *path, const char *key,
                 bool required, uint64_t min, uint64_t max, uint64_t *out, struct vmemsim_err *err);

/* Join path components: "a.b" + "c" -> "a.b.c"; index >= 0 appends "[i]". */
void cfg_path(char *out, size_t len, const char *parent, const char *key, int index);

/* Edit distance used for suggestions (exposed for tests). */
unsigned cfg_edit_distance(const char *a, const char *b);

#endif /* VMEMSIM_CLI_CONFIG_H */
