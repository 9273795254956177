/*
 * cli/util.c — messages, progress bar, option parsing and preset lookup.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

bool cli_quiet;

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "vmemsim: %s", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void cli_info(const char *fmt, ...)
{
	va_list ap;
	if (cli_quiet)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

int cli_fail(const struct vmemsim_err *err)
{
	cli_error("%s", err && err->msg[0] ? err->msg : "unknown failure");
	return CLI_EXIT_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vmemsim %s: error: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vmemsim %s --help'.\n", cmd);
	return CLI_EXIT_USAGE;
}

/* ---- progress ------------------------------------------------------------ */

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_start(struct cli_progress *p, const char *label, uint64_t total)
{
	p->label = label;
	p->total = total;
	p->done = 0;
	p->last_draw = 0;
	p->active = !cli_quiet && isatty(STDERR_FILENO);
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
	double t;
	p->done = done;
	if (!p->active)
		return;
	t = now_seconds();
	if (t - p->last_draw < 0.1)
		return;
	p->last_draw = t;
	if (p->total) {
		int width = 40, fill = (int)(width * (double)done / (double)p->total);
		if (fill > width)
			fill = width;
		fprintf(stderr, "\r%s [%.*s%*s] %3.0f%%", p->label, fill,
		        "########################################", width - fill, "",
		        100.0 * (double)done / (double)p->total);
	} else {
		fprintf(stderr, "\r%s %llu", p->label, (unsigned long long)done);
	}
	fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->active)
		fprintf(stderr, "\r\033[K");
	p->active = false;
}

/* ---- parsing ------------------------------------------------------------- */

int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !*s || *s == '-')
		return cli_usage_error(cmd, "%s: expected a non-negative number, got '%s'", opt,
		                       s ? s : "");
	errno = 0;
	/* Decimal or 0x-hex; a leading 0 is not octal ("0100" is 100). */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno == ERANGE)
		return cli_usage_error(cmd, "%s: '%s' is too large", opt, s);
	if (errno || end == s)
		return cli_usage_error(cmd, "%s: expected a number, got '%s'", opt, s);
	switch (tolower((unsigned char)*end)) {
	case 'k':
		shift = 10;
		end++;
		break;
	case 'm':
		shift = 20;
		end++;
		break;
	case 'g':
		shift = 30;
		end++;
		break;
	case 't':
		shift = 40;
		end++;
		break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end)
		return cli_usage_error(cmd, "%s: trailing characters in '%s'", opt, s);
	if (shift && v > (~0ull >> shift))
		return cli_usage_error(cmd, "%s: '%s' is too large", opt, s);
	*out = (uint64_t)v << shift;
	return 0;
}

int cli_parse_double(const char *cmd, const char *opt, const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end)
		return cli_usage_error(cmd, "%s: expected a number, got '%s'", opt, s);
	return 0;
}

/* ---- presets ------------------------------------------------------------- */

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cli_config_dir(void)
{
	static char buf[4096];
	const char *env = getenv("VMEMSIM_CONFIG_DIR");
	ssize_t n;

	if (env && *env)
		return env;
	if (is_dir("configs/cpu"))
		return "configs";
	/* Next to the binary: <build>/vmemsim -> <build>/../configs. */
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 32);
	if (n > 0) {
		char *slash;
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash, "/../configs");
			if (is_dir(buf))
				return buf;
		}
	}
#ifdef VMEMSIM_SOURCE_DIR
	return VMEMSIM_SOURCE_DIR "/configs";
#else
	return "configs";
#endif
}

int cli_resolve_preset(const char *kind, const char *name, char *path, size_t len,
                       struct vmemsim_err *err)
{
	const char *dir = cli_config_dir();
	char list[512] = "";
	DIR *d;
	struct dirent *de;
	struct stat st;

	if (strchr(name, '/') || strstr(name, ".json")) {
		snprintf(path, len, "%s", name);
		if (stat(path, &st) != 0)
			return vmemsim_errf(err, VMEMSIM_ENOENT, "%s: no such file", name);
		return 0;
	}
	snprintf(path, len, "%s/%s/%s.json", dir, kind, name);
	if (stat(path, &st) == 0)
		return 0;
	d = opendir(path[0] ? (snprintf(list, sizeof(list), "%s/%s", dir, kind), list) : dir);
	list[0] = '\0';
	if (d) {
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l > 5 && !strcmp(de->d_name + l - 5, ".json")) {
				size_t cur = strlen(list);
				snprintf(list + cur, sizeof(list) - cur, "%s%.*s", cur ? ", " : "",
				         (int)(l - 5), de->d_name);
			}
		}
		closedir(d);
	}
	return vmemsim_errf(err, VMEMSIM_ENOENT, "no %s preset '%s' in %s/%s (available: %s)", kind,
	                    name, dir, kind, list[0] ? list : "none");
}
