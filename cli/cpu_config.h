/*
 * cli/cpu_config.h — CPU presets (configs/cpu/NAME.json) to struct mmu_config.
 *
 * The JSON schema is documented in docs/configs.md.  Overrides come from
 * `--set cpu.<path>=<value>`; cli_sets_for() picks a section's overrides out
 * of the command line's --set list.
 */
#ifndef VMEMSIM_CLI_CPU_CONFIG_H
#define VMEMSIM_CLI_CPU_CONFIG_H

#include <jansson.h>

#include "../mmu/mmu.h"
#include "config.h"

/* Load preset NAME (or a path), apply the overrides (without their "cpu."
 * prefix), read it into *out and check it (mmu_config_check).  If resolved is
 * non-NULL it receives the canonical JSON of the result (caller decrefs). */
int cli_cpu_load(const char *name_or_path, char *const *sets, unsigned nsets,
                 struct mmu_config *out, json_t **resolved, struct vmemsim_err *err);

/* Read an already loaded document (exposed for tests and the fuzz target). */
int cli_cpu_read(const struct cfg *c, struct mmu_config *out, struct vmemsim_err *err);

/* The canonical JSON form of a configuration (what the database stores). */
json_t *cli_cpu_to_json(const struct mmu_config *cfg);

/* Of the --set assignments, those starting with "<section>." with the prefix
 * removed, into out (pointers into the originals, up to max).  Returns the
 * count.  Assignments for sections not in `known` (comma-separated) are an
 * error naming the valid sections. */
int cli_sets_for(const char *section, const char *known, char *const *sets, unsigned nsets,
                 char **out, unsigned max, struct vmemsim_err *err);

#endif
