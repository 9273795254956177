/*
 * cli/cmd_trace.c — `vmemsim trace record|info|convert|head`: recording a
 * program under valgrind lackey into .vtr, inspecting and converting traces.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "traces/trace.h"

#define TRACE_BATCH 4096

static void usage(FILE *out)
{
	fprintf(out, "usage: vmemsim trace COMMAND [OPTIONS]\n\n"
	             "Record, inspect and convert address traces (docs/trace-format.md).\n\n"
	             "Commands:\n"
	             "  record -o FILE.vtr [--skip-bad] -- PROGRAM [ARGS...]\n"
	             "                   run PROGRAM under valgrind --tool=lackey --trace-mem=yes\n"
	             "                   and write its accesses to FILE.vtr as they stream in\n"
	             "  info FILE        format, version, records by type, blocks, metadata\n"
	             "  convert IN -o OUT.vtr\n"
	             "                   convert a lackey or ChampSim trace (or a .vtr) to .vtr\n"
	             "  head FILE [-n N] the first N records (default 10)\n\n"
	             "Options:\n"
	             "  --format F       input format: auto (default), vtr, lackey, champsim\n"
	             "  --skip-bad       lackey: count garbage lines instead of failing\n"
	             "  --metadata JSON  convert: a JSON object stored in the .vtr header\n"
	             "  --csv, --json    output format for info and head\n"
	             "  --quiet          no progress output\n"
	             "  -h, --help       this help\n");
}

struct trace_opts {
	const char *out;
	const char *metadata;
	enum trace_format fmt;
	unsigned flags;
	uint64_t head_n;
	enum cli_format ofmt;
	bool footprint;
	bool salvage;
};

enum {
	OPT_FORMAT = 0x100,
	OPT_SKIP_BAD,
	OPT_METADATA,
	OPT_CSV,
	OPT_JSON,
	OPT_QUIET,
	OPT_FOOTPRINT,
	OPT_SALVAGE
};

/* Parse options for subcommand `sub`; leaves optind at the first operand.
 * stop_at_operand: for `record`, where everything after the program name
 * belongs to the program. */
static int parse_opts_ex(const char *sub, int argc, char **argv, struct trace_opts *o,
                         bool stop_at_operand)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
	                                     {"lines", required_argument, NULL, 'n'},
	                                     {"format", required_argument, NULL, OPT_FORMAT},
	                                     {"skip-bad", no_argument, NULL, OPT_SKIP_BAD},
	                                     {"metadata", required_argument, NULL, OPT_METADATA},
	                                     {"csv", no_argument, NULL, OPT_CSV},
	                                     {"json", no_argument, NULL, OPT_JSON},
	                                     {"quiet", no_argument, NULL, OPT_QUIET},
	                                     {"footprint", no_argument, NULL, OPT_FOOTPRINT},
	                                     {"salvage", no_argument, NULL, OPT_SALVAGE},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {0, 0, 0, 0}};
	struct vmemsim_err err = {0};
	int c;

	o->head_n = 10;
	optind = 1;
	while ((c = getopt_long(argc, argv, stop_at_operand ? "+o:n:h" : "o:n:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'n':
			if (cli_parse_u64(sub, "-n", optarg, &o->head_n))
				return CLI_EXIT_USAGE;
			break;
		case OPT_FORMAT:
			if (trace_format_parse(optarg, &o->fmt, &err))
				return cli_usage_error(sub, "--format: %s", err.msg);
			break;
		case OPT_SKIP_BAD: o->flags |= TRACE_SKIP_BAD; break;
		case OPT_METADATA: o->metadata = optarg; break;
		case OPT_CSV: o->ofmt = CLI_FMT_CSV; break;
		case OPT_JSON: o->ofmt = CLI_FMT_JSON; break;
		case OPT_QUIET: cli_quiet = true; break;
		case OPT_FOOTPRINT: o->footprint = true; break;
		case OPT_SALVAGE: o->salvage = true; break;
		case 'h': usage(stdout); return -1;
		default: return cli_usage_error(sub, "unknown option");
		}
	}
	return 0;
}

static int parse_opts(const char *sub, int argc, char **argv, struct trace_opts *o)
{
	return parse_opts_ex(sub, argc, argv, o, false);
}

/* ---- info ----------------------------------------------------------------- */

static int footprint_rows(struct cli_table *t, const char *path, const struct trace_opts *o,
                          struct vmemsim_err *err)
{
	static const char *const names[2][3] = {
	    {"code_pages_4k", "code_regions_2m", "code_regions_1g"},
	    {"data_pages_4k", "data_regions_2m", "data_regions_1g"}};
	struct trace_footprint fp;
	struct trace_reader *r;
	int rc = trace_open(&r, path, o->fmt, o->flags, err);

	if (rc)
		return rc;
	rc = trace_footprint(r, &fp, err);
	trace_close(r);
	for (int k = 0; !rc && k < 2; k++)
		for (int ps = 0; ps < 3; ps++) {
			cli_table_str(t, names[k][ps]);
			cli_table_u64(t, (k ? fp.data : fp.code)[ps]);
			cli_table_end_row(t);
		}
	return rc;
}

static int trace_info_cmd(int argc, char **argv)
{
	struct trace_opts o = {0};
	struct trace_info info;
	struct vmemsim_err err = {0};
	struct cli_table *t;
	char *meta = NULL;
	int rc = parse_opts("trace info", argc, argv, &o);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (optind != argc - 1)
		return cli_usage_error("trace info", "expected one trace file");
	if (trace_scan_info(argv[optind], o.fmt, o.flags, &info, &meta, &err))
		return cli_fail(&err);
	t = cli_table_new();
	cli_table_column(t, "property");
	cli_table_column(t, "value");
#define ROW_S(k, v) (cli_table_str(t, k), cli_table_str(t, v), cli_table_end_row(t))
#define ROW_U(k, v) (cli_table_str(t, k), cli_table_u64(t, v), cli_table_end_row(t))
	ROW_S("file", argv[optind]);
	ROW_S("format", trace_format_name(info.format));
	if (info.format == TRACE_FMT_VTR)
		ROW_U("version", info.version);
	ROW_U("records", info.nr_records);
	ROW_U("fetches", info.by_type[TRACE_FETCH]);
	ROW_U("loads", info.by_type[TRACE_LOAD]);
	ROW_U("stores", info.by_type[TRACE_STORE]);
	ROW_U("retires", info.by_type[TRACE_RETIRE]);
	if (info.format == TRACE_FMT_VTR)
		ROW_U("blocks", info.nr_blocks);
	if (info.file_bytes)
		ROW_U("bytes", info.file_bytes);
	if (info.file_bytes && info.nr_records)
		(cli_table_str(t, "bytes_per_record"),
		 cli_table_double(t, (double)info.file_bytes / (double)info.nr_records, 2),
		 cli_table_end_row(t));
	if (o.flags & TRACE_SKIP_BAD)
		ROW_U("bad_lines", info.bad_lines);
	ROW_S("fetch_is_instruction", info.flags & TRACE_F_FETCH_IS_INSN ? "yes" : "no");
	if (o.footprint && (rc = footprint_rows(t, argv[optind], &o, &err))) {
		cli_table_free(t);
		free(meta);
		return cli_fail(&err);
	}
	/* a long JSON value would widen the aligned table: it goes below it */
	if (o.ofmt != CLI_FMT_TABLE)
		ROW_S("metadata", meta && *meta ? meta : "{}");
#undef ROW_S
#undef ROW_U
	cli_table_print(t, stdout, o.ofmt);
	if (o.ofmt == CLI_FMT_TABLE)
		printf("metadata              %s\n", meta && *meta ? meta : "{}");
	cli_table_free(t);
	free(meta);
	return CLI_EXIT_OK;
}

/* ---- head ----------------------------------------------------------------- */

static int trace_head_cmd(int argc, char **argv)
{
	struct trace_opts o = {0};
	struct trace_reader *r;
	struct trace_rec buf[256];
	struct vmemsim_err err = {0};
	struct cli_table *t;
	uint64_t idx = 0;
	long n = 0;
	int rc = parse_opts("trace head", argc, argv, &o);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (optind != argc - 1)
		return cli_usage_error("trace head", "expected one trace file");
	if (trace_open(&r, argv[optind], o.fmt, o.flags, &err))
		return cli_fail(&err);
	t = cli_table_new();
	cli_table_column(t, "index");
	cli_table_column(t, "type");
	cli_table_column(t, "va");
	cli_table_column(t, "size");
	cli_table_column(t, "pc");
	while (idx < o.head_n) {
		size_t want = o.head_n - idx < 256 ? (size_t)(o.head_n - idx) : 256;
		n = trace_next_batch(r, buf, want, &err);
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++, idx++) {
			char va[24], pc[24];
			snprintf(va, sizeof(va), "%#llx", (unsigned long long)buf[i].va);
			snprintf(pc, sizeof(pc), "%#llx", (unsigned long long)buf[i].pc);
			cli_table_u64(t, idx);
			cli_table_str(t, trace_type_name((enum trace_type)buf[i].type));
			if (buf[i].type == TRACE_RETIRE)
				cli_table_u64(t, buf[i].va);
			else
				cli_table_str(t, va);
			cli_table_u64(t, buf[i].size);
			cli_table_str(t, pc);
			cli_table_end_row(t);
		}
	}
	cli_table_print(t, stdout, o.ofmt);
	cli_table_free(t);
	trace_close(r);
	return n < 0 ? cli_fail(&err) : CLI_EXIT_OK;
}

/* ---- convert and record: a reader streamed into a writer ------------------ */

/* Copy every record of r into w with a progress line. */
static int pump(struct trace_reader *r, struct trace_writer *w, const char *label,
                struct vmemsim_err *err)
{
	struct trace_rec *buf = malloc(TRACE_BATCH * sizeof(*buf));
	const struct trace_info *info = trace_reader_info(r);
	struct cli_progress p;
	long n;
	int rc = 0;

	if (!buf)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "out of memory");
	cli_progress_start(&p, label, info->file_bytes);
	while ((n = trace_next_batch(r, buf, TRACE_BATCH, err)) > 0) {
		rc = trace_writer_append(w, buf, (size_t)n, err);
		if (rc)
			break;
		cli_progress_update(&p, info->file_bytes ? trace_reader_offset(r)
		                                         : trace_reader_delivered(r));
	}
	cli_progress_end(&p);
	free(buf);
	return rc ? rc : (n < 0 ? (int)n : 0);
}

static char *make_metadata(const char *user, json_t *base, struct vmemsim_err *err)
{
	json_error_t jerr;
	char *text;

	if (user) {
		json_t *u = json_loads(user, 0, &jerr);
		if (!u || !json_is_object(u)) {
			json_decref(u);
			json_decref(base);
			vmemsim_errf(err, VMEMSIM_EINVAL, "--metadata: %s (line %d, column %d)",
			             u ? "not a JSON object" : jerr.text, jerr.line, jerr.column);
			return NULL;
		}
		json_object_update(base, u);
		json_decref(u);
	}
	text = json_dumps(base, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(base);
	if (!text)
		vmemsim_errf(err, VMEMSIM_ENOMEM, "out of memory");
	return text;
}

/* Metadata of a converted trace: a .vtr keeps its own (a kernel trace must
 * still name its layout and model), others say where they came from. */
static json_t *convert_base(const struct trace_reader *r, const char *path)
{
	const struct trace_info *info = trace_reader_info(r);
	json_t *base = NULL;

	if (info->format == TRACE_FMT_VTR && info->metadata && *info->metadata)
		base = json_loads(info->metadata, 0, NULL);
	if (!json_is_object(base)) {
		json_decref(base);
		base = json_pack("{s:s}", "source", trace_format_name(info->format));
	}
	json_object_set_new(base, "converted_from", json_string(path));
	json_object_set_new(base, "vmemsim_version", json_string(VMEMSIM_VERSION));
	return base;
}

static void report_written(const char *path, struct trace_writer_opts *wo, uint64_t n)
{
	(void)wo;
	cli_info("wrote %llu records to %s", (unsigned long long)n, path);
}

static int trace_convert_cmd(int argc, char **argv)
{
	struct trace_opts o = {0};
	struct trace_reader *r;
	struct trace_writer *w;
	struct trace_writer_opts wo = {0};
	struct vmemsim_err err = {0};
	char *meta;
	uint64_t n;
	int rc = parse_opts("trace convert", argc, argv, &o);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (optind != argc - 1)
		return cli_usage_error("trace convert", "expected one input trace");
	if (!o.out)
		return cli_usage_error("trace convert", "-o OUT.vtr is required");
	if (trace_open(&r, argv[optind], o.fmt, o.flags, &err))
		return cli_fail(&err);
	meta = make_metadata(o.metadata, convert_base(r, argv[optind]), &err);
	if (!meta) {
		trace_close(r);
		return cli_fail(&err);
	}
	wo.metadata = meta;
	wo.flags = trace_reader_info(r)->flags;
	rc = trace_writer_open(&w, o.out, &wo, &err);
	free(meta);
	if (!rc) {
		rc = pump(r, w, "convert", &err);
		n = trace_writer_count(w);
		if (rc == VMEMSIM_ECORRUPT && o.salvage) {
			/* the reader delivered every good record before the damage */
			cli_warn("%s", err.msg);
			cli_warn("salvaged the %llu records before the damage",
			         (unsigned long long)n);
			rc = 0;
		}
		if (rc)
			trace_writer_abort(w);
		else
			rc = trace_writer_close(w, &err);
		if (!rc)
			report_written(o.out, &wo, n);
	}
	if (!rc && (o.flags & TRACE_SKIP_BAD) && trace_reader_info(r)->bad_lines)
		cli_warn("skipped %llu garbage lines",
		         (unsigned long long)trace_reader_info(r)->bad_lines);
	trace_close(r);
	return rc ? cli_fail(&err) : CLI_EXIT_OK;
}

/* ---- record ----------------------------------------------------------------- */

/* Start valgrind lackey on argv with its log on a pipe; returns the read end. */
static int spawn_lackey(char **prog, pid_t *pid, struct vmemsim_err *err)
{
	int fds[2], argc = 0;
	char logfd[32], **args;

	while (prog[argc])
		argc++;
	args = calloc((size_t)argc + 5, sizeof(*args));
	if (!args)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "out of memory");
	if (pipe(fds) != 0) {
		free(args);
		return vmemsim_errf(err, VMEMSIM_EIO, "pipe: %s", strerror(errno));
	}
	/* valgrind writes its log a few hundred bytes at a time: a larger pipe
	 * lets it run ahead of the encoder with fewer context switches */
	(void)fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
	snprintf(logfd, sizeof(logfd), "--log-fd=%d", fds[1]);
	args[0] = "valgrind";
	args[1] = "--tool=lackey";
	args[2] = "--trace-mem=yes";
	args[3] = logfd;
	memcpy(args + 4, prog, (size_t)argc * sizeof(*args));
	*pid = fork();
	if (*pid < 0) {
		free(args);
		close(fds[0]);
		close(fds[1]);
		return vmemsim_errf(err, VMEMSIM_EIO, "fork: %s", strerror(errno));
	}
	if (*pid == 0) {
		close(fds[0]);
		execvp("valgrind", args);
		fprintf(stderr, "vmemsim: error: cannot run valgrind: %s\n", strerror(errno));
		_exit(127);
	}
	free(args);
	close(fds[1]);
	return fds[0];
}

static int reap(pid_t pid, bool kill_it, int *status)
{
	if (kill_it)
		kill(pid, SIGTERM);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int trace_record_cmd(int argc, char **argv)
{
	struct trace_opts o = {0};
	struct trace_reader *r = NULL;
	struct trace_writer *w = NULL;
	struct trace_writer_opts wo = {.flags = TRACE_F_FETCH_IS_INSN};
	struct vmemsim_err err = {0};
	json_t *argv_json;
	char *meta;
	pid_t pid = 0;
	int fd, status = 0, rc = parse_opts_ex("trace record", argc, argv, &o, true);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (!o.out)
		return cli_usage_error("trace record", "-o FILE.vtr is required");
	if (optind >= argc)
		return cli_usage_error("trace record", "expected -- PROGRAM [ARGS...]");
	argv_json = json_array();
	for (int i = optind; i < argc; i++)
		json_array_append_new(argv_json, json_string(argv[i]));
	meta = make_metadata(NULL,
	                     json_pack("{s:s,s:o,s:s}", "source", "lackey", "program", argv_json,
	                               "vmemsim_version", VMEMSIM_VERSION),
	                     &err);
	if (!meta)
		return cli_fail(&err);
	wo.metadata = meta;
	rc = trace_writer_open(&w, o.out, &wo, &err);
	free(meta);
	if (rc)
		return cli_fail(&err);
	fd = spawn_lackey(argv + optind, &pid, &err);
	if (fd < 0) {
		trace_writer_abort(w);
		return cli_fail(&err);
	}
	/* Ctrl-C stops the program (as under perf record); vmemsim keeps
	 * running to finish the trace of what it did. */
	signal(SIGINT, SIG_IGN);
	rc = trace_open_fd(&r, fd, true, "valgrind lackey output", TRACE_FMT_LACKEY, o.flags, &err);
	if (!rc)
		rc = pump(r, w, "record", &err);
	if (reap(pid, rc != 0, &status) != 0 && !rc)
		rc = vmemsim_errf(&err, VMEMSIM_EIO, "waitpid: %s", strerror(errno));
	if (!rc && WIFEXITED(status) && WEXITSTATUS(status) == 127 && !trace_writer_count(w))
		rc = vmemsim_errf(&err, VMEMSIM_ENOENT, "valgrind did not run (is it installed?)");
	if (rc) {
		trace_writer_abort(w);
		trace_close(r);
		return cli_fail(&err);
	}
	if (WIFSIGNALED(status))
		cli_warn("the program was killed by signal %d; the trace covers what it did",
		         WTERMSIG(status));
	else if (WEXITSTATUS(status))
		cli_warn("the program exited with status %d", WEXITSTATUS(status));
	if ((o.flags & TRACE_SKIP_BAD) && trace_reader_info(r)->bad_lines)
		cli_warn("skipped %llu garbage lines",
		         (unsigned long long)trace_reader_info(r)->bad_lines);
	trace_close(r);
	{
		uint64_t n = trace_writer_count(w);
		if (trace_writer_close(w, &err))
			return cli_fail(&err);
		report_written(o.out, &wo, n);
	}
	return CLI_EXIT_OK;
}

/* ---- dispatch ----------------------------------------------------------------- */

int cmd_trace(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {{"record", trace_record_cmd},
	            {"info", trace_info_cmd},
	            {"convert", trace_convert_cmd},
	            {"head", trace_head_cmd}};

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return cli_usage_error("trace", "unknown command '%s' (record, info, convert, head)",
	                       argv[1]);
}
