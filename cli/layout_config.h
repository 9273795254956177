/*
 * cli/layout_config.h — layout presets (configs/layouts/NAME.json) to
 * struct sparse_layout + struct sparse_params.
 *
 * Schema (docs/memory-model.md, "Layout files"):
 *   { "name": "small-vm", "description": "...", "maxphyaddr": 46,
 *     "ranges": [ { "type": "ram"|"reserved"|"pmem", "start": "4G",
 *                   "end": "5G" | "size": "1G", "node": 0,
 *                   "pages": true, "altmap_reserve": 2 }, ... ],
 *     "hugetlb": { "start": "1G", "size": "64M", "order": 9 },
 *     "scratch": "16M",
 *     "kernel": { "dm_step_shift": 8, "gbpages": true, "brk_pages": 6,
 *                 "hotplug": "subsection"|"section", "pgtable_levels": 4 } }
 * Sizes and addresses are numbers or strings with binary suffixes.  Errors
 * name file:line:column and the key path ("ranges[2].end"), including the
 * semantic ones (overlap, MAXPHYADDR, alignment) found by sparse_layout_check.
 */
#ifndef VMEMSIM_CLI_LAYOUT_CONFIG_H
#define VMEMSIM_CLI_LAYOUT_CONFIG_H

#include <jansson.h>

#include "../sparse/sparse.h"
#include "config.h"

/* Load preset NAME (or a path), apply overrides (without their "layout."
 * prefix), read and check.  resolved (may be NULL) receives the canonical
 * JSON of the result (caller decrefs). */
int cli_layout_load(const char *name_or_path, char *const *sets, unsigned nsets,
                    struct sparse_layout *out, struct sparse_params *params, json_t **resolved,
                    struct vmemsim_err *err);
/* Read an already loaded document (tests, fuzz target). */
int cli_layout_read(const struct cfg *c, struct sparse_layout *out, struct sparse_params *params,
                    struct vmemsim_err *err);
json_t *cli_layout_to_json(const struct sparse_layout *l, const struct sparse_params *p);

#endif
