/* fuzz/fuzz_lackey.c — libFuzzer target for the valgrind lackey reader. */
#include "fuzz_trace_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_read_trace(data, size, TRACE_FMT_LACKEY, 0, 64);
	fuzz_read_trace(data, size, TRACE_FMT_LACKEY, TRACE_SKIP_BAD, 1);
	return 0;
}
