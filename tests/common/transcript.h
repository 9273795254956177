/*
 * tests/common/transcript.h — run the vmemsim binary and capture a transcript
 * (stdout, stderr, exit code) for CLI tests.  The binary is $VMEMSIM_BIN
 * (set by CTest), else ./build/vmemsim.
 */
#ifndef VMEMSIM_TESTS_TRANSCRIPT_H
#define VMEMSIM_TESTS_TRANSCRIPT_H

struct transcript {
	int status; /* exit code, or 128 + signal */
	char *out;  /* NUL-terminated stdout */
	char *err;  /* NUL-terminated stderr */
};

/* argv excludes the program; NULL-terminated.  Returns 0 or -1 (spawn failed). */
int transcript_run(struct transcript *t, const char *const *argv);
/* Same, with the arguments as a NULL-terminated variadic list. */
int transcript_runl(struct transcript *t, ...) __attribute__((sentinel));
void transcript_free(struct transcript *t);
const char *transcript_bin(void);

#endif
