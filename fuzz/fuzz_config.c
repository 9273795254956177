/*
 * fuzz/fuzz_config.c — libFuzzer target for the config parser: arbitrary bytes
 * as a CPU preset (position scanner, key checks, typed getters) and as a
 * --set assignment applied to a small valid document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cpu_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmemsim_err err = {0};
	struct cfg *c = NULL;
	struct mmu_config cfg;

	if (cfg_load_string(&c, "fuzz.json", (const char *)data, size, &err) == 0) {
		(void)cli_cpu_read(c, &cfg, &err);
		cfg_free(c);
	}
	if (size < 512) {
		char set[600];
		memcpy(set, data, size);
		set[size] = '\0';
		if (cfg_load_string(&c, "base.json", "{\"a\": {\"b\": [1, {\"c\": 2}]}}", 27,
		                    &err) == 0) {
			(void)cfg_set(c, set, &err);
			cfg_free(c);
		}
	}
	return 0;
}
