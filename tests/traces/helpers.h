/* tests/traces/helpers.h — temp files and whole-trace reads for the traces tests. */
#ifndef VMEMSIM_TEST_TRACES_HELPERS_H
#define VMEMSIM_TEST_TRACES_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

/* A fresh directory under /tmp; the path is static storage of the caller. */
static inline void th_tmpdir(char *out, size_t len)
{
	snprintf(out, len, "/tmp/vmemsim-traces-XXXXXX");
	if (!mkdtemp(out))
		abort();
}

static inline void th_rmdir(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
}

/* Read everything from r into *out (malloc'd); returns the final rc (0 at a
 * clean end) and the count in *n. */
static inline long th_read_all(struct trace_reader *r, size_t batch, struct trace_rec **out,
                               size_t *n, struct vmemsim_err *err)
{
	size_t cap = 1024, len = 0;
	struct trace_rec *v = malloc(cap * sizeof(*v));
	long got;

	for (;;) {
		if (len + batch > cap) {
			while (len + batch > cap)
				cap *= 2;
			v = realloc(v, cap * sizeof(*v));
		}
		got = trace_next_batch(r, v + len, batch, err);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	*out = v;
	*n = len;
	return got;
}

static inline uint64_t th_file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long sz;
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fclose(f);
	return (uint64_t)sz;
}

static inline uint8_t *th_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long sz;
	*len = 0;
	if (!f)
		abort();
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	if (fread(buf, 1, (size_t)sz, f) != (size_t)sz)
		abort();
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

static inline void th_spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
}

#endif
