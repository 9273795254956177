/*
 * tests/common/transcript.c — see transcript.h.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transcript.h"

const char *transcript_bin(void)
{
	const char *b = getenv("VMEMSIM_BIN");
	return b && *b ? b : "./build/vmemsim";
}

static char *slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	if (!buf)
		return NULL;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

int transcript_run(struct transcript *t, const char *const *argv)
{
	char outp[] = "/tmp/vmemsim-out-XXXXXX", errp[] = "/tmp/vmemsim-err-XXXXXX";
	int ofd = mkstemp(outp), efd = mkstemp(errp), status;
	size_t n = 0;
	const char **args;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	if (ofd < 0 || efd < 0)
		return -1;
	unlink(outp);
	unlink(errp);
	while (argv[n])
		n++;
	args = calloc(n + 2, sizeof(*args));
	if (!args)
		return -1;
	args[0] = transcript_bin();
	memcpy(args + 1, argv, n * sizeof(*args));
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	free(args);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	t->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	t->out = slurp(ofd);
	t->err = slurp(efd);
	close(ofd);
	close(efd);
	return t->out && t->err ? 0 : -1;
}

int transcript_runl(struct transcript *t, ...)
{
	const char *argv[64];
	unsigned n = 0;
	va_list ap;
	va_start(ap, t);
	while (n < 63 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return transcript_run(t, argv);
}

void transcript_free(struct transcript *t)
{
	free(t->out);
	free(t->err);
	t->out = t->err = NULL;
}
