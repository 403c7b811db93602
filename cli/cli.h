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

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base.h"
#include "cli-args.h"

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
	bool version;          /* -v, --version */
	bool help;             /* -h, --help */
};

/*
 * One command (one file cmd-NAME.c exports one).  main parses argv
 * against options and shared (cli-args.h) and calls run; `COMMAND --help`
 * prints usage, summary, the options made from the same tables, and help.
 */
struct cli_command {
	const char *name;
	const char *alias;   /* another name, or NULL */
	const char *summary; /* one line for `maestro --help` */
	const char *usage;   /* "maestro [-f FILE] deptree [-r] [--dot] [THING...]" */
	const char *help;    /* what follows the options in --help, or NULL */
	uint64_t shared;     /* the shared options it takes: CLI_F(...) bits */
	/* its own options, ended by an entry without help; the value of
	 * options[i] lands in cli_args.own[i] (at most CLI_OWN_MAX) */
	const struct cli_option *options;
	int min_operands;    /* operands it needs */
	int max_operands;    /* operands it takes at most; -1 any number */
	const char *operand; /* how --help and messages name one ("THING") */
	/* returns an enum cli_exit value */
	int (*run)(const struct cli_globals *g, const struct cli_args *a);
};

/* Every command, in the order of `maestro --help`; NULL-terminated. */
extern const struct cli_command *const cli_commands[];

/* The whole maestro command: returns the exit status. */
int cli_main(int argc, char **argv);

/* ------------------------------------------------------------------ */
/* Output (output.c): what a command prints goes through these.        */

/*
 * Standard output.  A write that fails is remembered; cli_main() then
 * flushes, and a command whose output did not all arrive exits 1 with
 * "write failure on standard output: REASON" (output is complete or the
 * command fails), as git does.
 */
void cli_out(const void *data, size_t n);
void cli_outs(const char *s);
void cli_outf(const char *fmt, ...) MAE_PRINTF(1, 2);
/* cli_out as a sink for writers that take one (ud unused). */
void cli_out_sink(void *ud, const void *data, size_t n);
/*
 * A JSON value and a newline (jansson's flags).  Out of memory aborts as
 * every allocation does (docs/usage.md).
 */
struct json_t;
void cli_out_json(const struct json_t *j, size_t flags);
/* j as Python's json.dumps(j, indent=2, sort_keys=True, ensure_ascii=False)
 * prints it (base's writer: floats as Python's repr), and a newline. */
void cli_out_json_sorted(const struct json_t *j);
/* Flush; 0, or -1 after the message on stderr. */
int cli_out_finish(void);

/*
 * Append s to b as text for a terminal: control characters (C0, DEL,
 * C1), line and paragraph separators, bidi controls and bytes that are
 * not UTF-8 become \n, \r, \t, \xHH or \uHHHH.  With max > 0 at most
 * max columns are written, "..." ending a cut.  Returns the columns
 * written (one per character; wide characters are not measured).
 */
size_t cli_escape(struct mae_buf *b, const char *s, size_t max);
/* The same, newly allocated. */
char *cli_escaped(const char *s, size_t max);
/*
 * Append s as the inside of a DOT quoted string (`--dot` of deptree, plan
 * and show): escaped as cli_escape does, then '"' and '\\' backslashed, so
 * Graphviz shows "\\x1b" where the name holds an ESC and no name ends the
 * string or starts a line break.  The caller writes the quotes.
 */
void cli_dot_escape(struct mae_buf *b, const char *s);
/* Characters a terminal acts on, or that reorder or break lines: what
 * cli_escape escapes (besides bytes that are not UTF-8). */
bool cli_char_unsafe(uint32_t c);

/* prefix, then the formatted message escaped, then a newline, on stderr. */
void cli_vmessage(const char *prefix, const char *fmt, va_list ap);

/*
 * An aligned text table: each cell is escaped and cut at CLI_CELL_MAX
 * columns when added, columns are two spaces apart, the last one is not
 * padded.  The first row (init's heads) is the header.
 */
#define CLI_CELL_MAX 80

struct cli_table {
	size_t ncols, nrows, cap;
	char **cells;   /* nrows * ncols escaped cells */
	size_t *cols;   /* each cell's columns */
	size_t *width;  /* each column's widest cell */
};

void cli_table_init(struct cli_table *t, size_t ncols,
		    const char *const *heads);
/* cells: ncols strings, copied (NULL prints as "") */
void cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t);
void cli_table_release(struct cli_table *t);

/* Print every diagnostic of d to stderr, and a count when some were dropped. */
void cli_print_diags(const struct cli_globals *g, const struct mae_diags *d);

/* "maestro: error: ..." on stderr. */
void cli_error(const char *fmt, ...) MAE_PRINTF(1, 2);
/* "maestro: debug: ..." on stderr (--debug traces), escaped. */
void cli_debug(const char *fmt, ...) MAE_PRINTF(1, 2);
/*
 * The --debug trace of a ship client (ship_client_set_trace): one line
 * per API call, without headers (so no secret).
 */
void cli_trace_call(void *ud, const char *ship, const char *method,
		    const char *path, long status, int rc, int64_t ms);

/* Help and usage lines fit this many columns (tests/cli/options.sh). */
#define CLI_USAGE_WIDTH 79
/*
 * "usage: " and the command's usage, wrapped at CLI_USAGE_WIDTH columns
 * between bracketed words, continued under the command; a newline ends it.
 */
char *cli_usage_text(const struct cli_command *cmd);
/*
 * For a command's own checks of its arguments: print the message, the
 * usage and the hint to stderr and return CLI_EXIT_USAGE.
 */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	MAE_PRINTF(2, 3);
/* Print the command's --help to stdout; returns CLI_EXIT_OK. */
int cli_command_help(const struct cli_command *cmd);

#endif
