/*
 * fuzz/fuzz_layout.c — libFuzzer target for layout presets: arbitrary bytes
 * as a layout JSON (keys, sizes, ranges, semantic checks); layouts that pass
 * and span at most 1 GiB are also built under one memory model chosen by the
 * input, and the machine's invariants re-checked.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cli/layout_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmemsim_err err = {0};
	struct cfg *c = NULL;
	struct sparse_layout l;
	struct sparse_params p;
	struct sparse_machine *m = NULL;
	uint64_t span = 0;

	if (cfg_load_string(&c, "fuzz.json", (const char *)data, size, &err) != 0)
		return 0;
	if (cli_layout_read(c, &l, &p, &err) == 0) {
		for (unsigned i = 0; i < l.nr_ranges; i++)
			span = l.ranges[i].end > span ? l.ranges[i].end : span;
		if (span <= (1ull << 30) &&
		    sparse_machine_create(&m, &l, (enum sparse_model)(size % SPARSE_NR_MODELS), &p,
		                          &err) == 0) {
			if (sparse_machine_check(m, &err) != 0)
				abort();
			sparse_machine_destroy(m);
		}
	}
	cfg_free(c);
	return 0;
}
