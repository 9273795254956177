/*
 * cli/main.c — `vmemsim`: subcommand dispatch, --help, --version.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const struct cli_command {
	const char *name;
	cli_cmd_fn fn;
	const char *summary;
} commands[] = {
#define CLI_COMMAND(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef CLI_COMMAND
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim [--version] [--help] COMMAND [ARGS]\n\n"
	        "A cycle-approximate x86-64 MMU and TLB emulator for the Linux memory model.\n\n"
	        "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'vmemsim COMMAND --help' for a command's options.\n"
	             "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vmemsim %s\n", VMEMSIM_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	cli_error("unknown command '%s'; run 'vmemsim --help' for the list", argv[1]);
	return CLI_EXIT_USAGE;
}
