/* fuzz/fuzz_champsim.c — libFuzzer target for the ChampSim reader (raw
 * input_instr records, and the same bytes behind the xz decoder when they
 * start with the xz magic). */
#include "fuzz_trace_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_read_trace(data, size, TRACE_FMT_CHAMPSIM, 0, 64);
	fuzz_read_trace(data, size, TRACE_FMT_CHAMPSIM, 0, 3);
	return 0;
}
