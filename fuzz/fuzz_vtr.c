/*
 * fuzz/fuzz_vtr.c — libFuzzer target for the .vtr reader.
 *
 * Random bytes almost never carry valid checksums, which would keep the
 * fuzzer at the door.  So each input is read twice: as is, and after the
 * harness has recomputed the header, block and trailer checksums of whatever
 * frame structure it finds, letting mutations reach the decoder proper.
 */
#include <string.h>

#include "fuzz_trace_common.h"
#include "traces/vtr_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fix_checksums(uint8_t *p, size_t size)
{
	size_t off = 0;

	while (off + 8 <= size) {
		uint32_t magic = vtr_get32(p + off), len = vtr_get32(p + off + 4);
		size_t end = off + 8 + (size_t)len;
		if (end > size || len < 4)
			return;
		if (magic == VTR_FRAME_HEADER) {
			vtr_put32(p + end - 4, vtr_hash_final(vtr_hash_update(
			                           VTR_HASH_SEED, p + off + 8, len - 4)));
		} else if (magic == VTR_FRAME_BLOCK && len == VTR_BLK_HDR - 8) {
			uint32_t clen = vtr_get32(p + off + 16);
			uint64_t h = vtr_hash_update(VTR_HASH_SEED, p + off + 8, 24);
			if (end + clen > size)
				return;
			vtr_put32(p + off + 32, vtr_hash_final(vtr_hash_update(h, p + end, clen)));
			end += clen;
		} else if (magic == VTR_FRAME_TRAILER && len >= 20) {
			vtr_put32(p + end - 20, vtr_hash_final(vtr_hash_update(
			                            VTR_HASH_SEED, p + off + 8, len - 20)));
		} else {
			return;
		}
		off = end;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	fuzz_read_trace(data, size, TRACE_FMT_VTR, 0, 64);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fix_checksums(copy, size);
	fuzz_read_trace(copy, size, TRACE_FMT_VTR, 0, 7);
	free(copy);
	return 0;
}
