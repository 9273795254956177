/* cli/cmd_layout.c — placeholder until the owning issue lands. */
#include "cli.h"
#include "commands.h"

int cmd_layout(int argc, char **argv)
{
	(void)argc;
	cli_error("'%s' is not implemented yet", argv[0]);
	return CLI_EXIT_FAIL;
}
