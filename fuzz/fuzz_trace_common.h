/* fuzz/fuzz_trace_common.h — read a whole trace from memory, as a replay would. */
#ifndef VMEMSIM_FUZZ_TRACE_COMMON_H
#define VMEMSIM_FUZZ_TRACE_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include "traces/trace.h"

static inline void fuzz_read_trace(const uint8_t *data, size_t size, enum trace_format fmt,
                                   unsigned flags, size_t batch)
{
	struct trace_rec buf[64];
	struct trace_reader *r;
	struct vmemsim_err err = {0};
	long n;

	if (trace_open_mem(&r, data, size, fmt, flags, &err))
		return;
	while ((n = trace_next_batch(r, buf, batch, &err)) > 0)
		for (long i = 0; i < n; i++)
			if (buf[i].type >= TRACE_NR_TYPES || buf[i].size == 0)
				abort(); /* a reader must never deliver an invalid record */
	(void)trace_reader_info(r);
	trace_close(r);
}

#endif
