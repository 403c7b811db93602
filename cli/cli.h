/*
 * cli.h - what the files of cli/ share: the command table entry, the
 * global options, exit codes and the few printing helpers.
 *
 * cli/ is the only code that prints and the only code that decides an
 * exit status (INTERFACES.md "Exit status and streams").  One file per
 * command (cmd-NAME.c) exports one struct cli_command.
 */
#ifndef MAESTRO_CLI_H
#define MAESTRO_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_INVALID = 3,
	CLI_EXIT_STATE = 4,
};

/* Options given before the command. */
struct cli_globals {
	const char *file;      /* -f; "maestro.yaml" by default, "-" = stdin */
	const char *state_db;  /* --state, else NULL */
	bool debug;            /* --debug */
	bool color;            /* colour allowed (a tty, no NO_COLOR, no --no-color) */
};

struct cli_command {
	const char *name;
	const char *alias;   /* another name, or NULL */
	const char *summary; /* one line for `maestro --help` */
	const char *usage;   /* "maestro validate [-f FILE]" ... */
	const char *help;    /* the options, for `maestro COMMAND --help` */
	/* argv[0] is the command's name; returns an enum cli_exit value */
	int (*run)(const struct cli_globals *g, int argc, char **argv);
};

/* Print every diagnostic of d to stderr, and a count when some were dropped. */
void cli_print_diags(const struct cli_globals *g, const struct mae_diags *d);

/* "maestro: error: ..." on stderr. */
void cli_error(const char *fmt, ...) MAE_PRINTF(1, 2);
void cli_warning(const char *fmt, ...) MAE_PRINTF(1, 2);

/*
 * For a command's own option parsing: print "usage: ..." and the hint to
 * stderr and return CLI_EXIT_USAGE.
 */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	MAE_PRINTF(2, 3);
/* Print the command's usage and help to stdout; returns CLI_EXIT_OK. */
int cli_command_help(const struct cli_command *cmd);
/* True when argv[1..] asks for help (-h or --help anywhere). */
bool cli_wants_help(int argc, char **argv);

#endif
