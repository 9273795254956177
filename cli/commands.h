/* cli/commands.h — one entry point per subcommand (see commands.def). */
#ifndef VMEMSIM_CLI_COMMANDS_H
#define VMEMSIM_CLI_COMMANDS_H
#define CLI_COMMAND(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef CLI_COMMAND
#endif
