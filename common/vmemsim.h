/*
 * common/vmemsim.h — the conventions every vmemsim module shares.
 *
 * Errors.  A library function returns 0 (VMEMSIM_OK) or a negative
 * VMEMSIM_E* code.  The caller passes a struct vmemsim_err; on failure the
 * callee writes one line into it that names the position of the problem
 * (file:line:column, key path, byte offset, or VA and PC).  The caller may pass
 * NULL when it does not want the message.  Library code never prints and never
 * exits: only cli/ turns an error into "vmemsim: error: ..." and an exit code.
 *
 * Header-only so that mmu/ keeps needing nothing but libc.
 */
#ifndef VMEMSIM_COMMON_H
#define VMEMSIM_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define VMEMSIM_VERSION "0.1.0"

enum vmemsim_rc {
	VMEMSIM_OK = 0,
	VMEMSIM_EINVAL = -1,    /* bad argument, config value or geometry */
	VMEMSIM_ENOMEM = -2,    /* host or guest-physical allocation failed */
	VMEMSIM_EIO = -3,       /* a file could not be read or written */
	VMEMSIM_ECORRUPT = -4,  /* input is truncated or malformed */
	VMEMSIM_EFAULT = -5,    /* the modelled MMU raised a page fault */
	VMEMSIM_EBUSY = -6,     /* a database stayed locked past its timeout */
	VMEMSIM_EVERSION = -7,  /* written by a newer vmemsim / unknown version */
	VMEMSIM_ELIMIT = -8,    /* an instruction or time budget ran out */
	VMEMSIM_EEXIST = -9,    /* already present (overlap, double add) */
	VMEMSIM_ENOENT = -10,   /* not found (preset, symbol, run) */
	VMEMSIM_ECHECKSUM = -11 /* guest result differs from the host reference */
};

struct vmemsim_err {
	int code;
	char msg[1024];
};

/* Record an error and return its code, so a caller can write
 * `return vmemsim_errf(err, VMEMSIM_EINVAL, "...", ...);`. */
static inline int vmemsim_errf(struct vmemsim_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int vmemsim_errf(struct vmemsim_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

/* Prefix an existing message with context ("configs/cpu/x.json: ..."). */
static inline void vmemsim_err_prefix(struct vmemsim_err *err, const char *prefix)
{
	size_t pl, ml;
	if (!err)
		return;
	pl = strlen(prefix);
	ml = strlen(err->msg);
	if (pl + 2 >= sizeof(err->msg))
		return;
	if (pl + 2 + ml >= sizeof(err->msg))
		ml = sizeof(err->msg) - pl - 3; /* keep the prefix, cut the tail */
	memmove(err->msg + pl + 2, err->msg, ml);
	err->msg[pl + 2 + ml] = '\0';
	memcpy(err->msg, prefix, pl);
	err->msg[pl] = ':';
	err->msg[pl + 1] = ' ';
}

static inline const char *vmemsim_rc_name(int rc)
{
	switch (rc) {
	case VMEMSIM_OK: return "ok";
	case VMEMSIM_EINVAL: return "invalid argument";
	case VMEMSIM_ENOMEM: return "out of memory";
	case VMEMSIM_EIO: return "I/O error";
	case VMEMSIM_ECORRUPT: return "corrupt input";
	case VMEMSIM_EFAULT: return "page fault";
	case VMEMSIM_EBUSY: return "busy";
	case VMEMSIM_EVERSION: return "unsupported version";
	case VMEMSIM_ELIMIT: return "budget exhausted";
	case VMEMSIM_EEXIST: return "already exists";
	case VMEMSIM_ENOENT: return "not found";
	case VMEMSIM_ECHECKSUM: return "checksum mismatch";
	}
	return "unknown error";
}

#endif /* VMEMSIM_COMMON_H */
