/*
 * cli-args.h - the one option parser of maestro's commands, and the one
 * set of MaestroNG's selection and action flags (INTERFACES.md "Command
 * line", spec §6) shared by every command that acts on containers.
 *
 * A command declares its options in its struct cli_command (cli.h): the
 * shared flags it accepts as a mask of CLI_F(...) bits, and a table of
 * options of its own.  main parses argv once against that declaration
 * and hands the command a filled struct cli_args; --help text is made
 * from the same tables, so the two cannot disagree.
 *
 * Syntax (as getopt_long, without abbreviations): `-x`, bundled `-xy`,
 * `-xVALUE`, `-x VALUE`, `--name`, `--name=VALUE`, `--name VALUE`;
 * options and operands mix in any order; `--` ends the options; a lone
 * `-` is an operand.  A repeated option: the last one wins.  Usage
 * errors name the option and exit 2.
 *
 * Nothing here allocates what a caller must free but cli_args itself
 * (cli_args_release); every string is borrowed from argv.
 */
#ifndef MAESTRO_CLI_ARGS_H
#define MAESTRO_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli_command;

/* The shared flags.  The order is the order of --help. */
enum cli_opt_id {
	CLI_OPT_JSON,             /* --json */
	CLI_OPT_DOT,              /* --dot */
	CLI_OPT_WITH_DEPS,        /* -d, --with-dependencies */
	CLI_OPT_IGNORE_DEPS,      /* -i, --ignore-dependencies */
	CLI_OPT_CONTAINER_FILTER, /* -C, --container-filter GLOB */
	CLI_OPT_SHIP_FILTER,      /* -S, --ship-filter GLOB */
	CLI_OPT_EXPAND,           /* -s, --expand-services */
	CLI_OPT_ALL,              /* -a, --all */
	CLI_OPT_REFRESH,          /* -r, --refresh-images */
	CLI_OPT_REUSE,            /* --reuse */
	CLI_OPT_ONLY_IF_CHANGED,  /* --only-if-changed */
	CLI_OPT_STEP_DELAY,       /* --step-delay S */
	CLI_OPT_STOP_START_DELAY, /* --stop-start-delay S */
	CLI_OPT_BATCH,            /* --batch N|N% */
	CLI_OPT_NO_RECREATE,      /* --no-recreate */
	CLI_OPT_RECREATE_UNMANAGED, /* --recreate-unmanaged */
	CLI_OPT_ORPHANS,          /* --orphans */
	CLI_OPT_OFFLINE,          /* --offline */
	CLI_OPT_CONCURRENCY,      /* -c, --concurrency N */
	CLI_OPT_SHIP_CONCURRENCY, /* --ship-concurrency N */
	CLI_OPT_KEEP_GOING,       /* --keep-going */
	CLI_OPT_BREAK_LOCK,       /* --break-lock */
	CLI_OPT_NSHARED,
	/* a command's own options are numbered from here: CLI_OPT_OWN + i
	 * is the own option whose value lands in cli_args.own[i] */
	CLI_OPT_OWN = 64,
};

#define CLI_F(name) (UINT64_C(1) << CLI_OPT_##name)

/* MaestroNG's selection (docs/selection.md): every action takes these. */
#define CLI_F_SELECT                                                      \
	(CLI_F(WITH_DEPS) | CLI_F(IGNORE_DEPS) | CLI_F(CONTAINER_FILTER) |  \
	 CLI_F(SHIP_FILTER))
/* The options of an apply (INTERFACES.md: apply and the six commands
 * take them, plan none). */
#define CLI_F_APPLY                                                       \
	(CLI_F(CONCURRENCY) | CLI_F(SHIP_CONCURRENCY) | CLI_F(KEEP_GOING) | \
	 CLI_F(BREAK_LOCK) | CLI_F(JSON))
/* What each action takes besides CLI_F_SELECT (spec §6, and maestro's
 * --batch, --no-recreate, --recreate-unmanaged, --orphans). */
#define CLI_F_START                                                       \
	(CLI_F_SELECT | CLI_F(REFRESH) | CLI_F(REUSE) | CLI_F(NO_RECREATE) |  \
	 CLI_F(RECREATE_UNMANAGED))
#define CLI_F_STOP (CLI_F_SELECT | CLI_F(EXPAND) | CLI_F(ALL))
#define CLI_F_KILL CLI_F_STOP
#define CLI_F_RESTART                                                     \
	(CLI_F_STOP | CLI_F(REFRESH) | CLI_F(REUSE) | CLI_F(ONLY_IF_CHANGED) | \
	 CLI_F(STEP_DELAY) | CLI_F(STOP_START_DELAY) | CLI_F(BATCH) |         \
	 CLI_F(RECREATE_UNMANAGED))
#define CLI_F_PULL CLI_F_SELECT
#define CLI_F_CLEAN (CLI_F_SELECT | CLI_F(ORPHANS))
/* `plan ACTION`: every action's flags; cli_args_check_action() then
 * refuses those the named action does not take. */
#define CLI_F_PLAN                                                        \
	(CLI_F_START | CLI_F_RESTART | CLI_F_CLEAN | CLI_F(OFFLINE) |         \
	 CLI_F(JSON) | CLI_F(DOT))

/* A command's own option (or a global one). */
struct cli_option {
	const char *name;    /* long name without "--", or NULL */
	char letter;         /* short name, or 0 */
	const char *metavar; /* the value's name in --help ("N"); NULL: a flag */
	const char *help;    /* one line for --help */
};

#define CLI_OWN_MAX 8

/*
 * What the command line said.  Borrowed strings point into argv.
 * Numbers are validated (range, syntax) by the parser.
 */
struct cli_args {
	/* operands, in order (THING..., an ACTION, a PLAN: the command says) */
	const char **operands;
	size_t noperands;

	/* output */
	bool json;                    /* --json */
	bool dot;                     /* --dot: a Graphviz digraph */

	/* selection (docs/selection.md) */
	bool with_dependencies;       /* -d: add what the selection depends
				       * on (start, pull, clean, status) or
				       * what depends on it (stop, kill,
				       * restart) */
	bool ignore_dependencies;     /* -i: no -d by default with no things,
				       * and no ordering edges in the plan */
	const char *container_filter; /* -C GLOB on instance names, or NULL */
	const char *ship_filter;      /* -S GLOB on ship names, or NULL */
	bool expand_services;         /* -s (also set by -a): a service
				       * stands for its instances */
	bool all;                     /* -a: no things means everything */

	/* how an action acts */
	bool refresh_images;          /* -r: pull images again before start */
	bool reuse;                   /* --reuse: start the existing container
				       * (never together with -r) */
	bool only_if_changed;         /* --only-if-changed: restart only
				       * containers whose image changed */
	uint64_t step_delay_ms;       /* --step-delay S: wait between two
				       * containers' restarts; 0 none */
	uint64_t stop_start_delay_ms; /* --stop-start-delay S: wait between a
				       * container's stop and start; 0 none */
	unsigned batch;               /* --batch N|N%: restart at most this
				       * many at once; 0 not given */
	bool batch_percent;           /* --batch N%: batch is a percentage
				       * (1-100) of the selected containers */
	bool no_recreate;             /* --no-recreate: leave running
				       * containers alone even when they drift */
	bool recreate_unmanaged;      /* --recreate-unmanaged: replace running
				       * containers without maestro labels */
	bool orphans;                 /* --orphans: clean also removes orphans */
	bool offline;                 /* --offline: plan without contacting
				       * any ship */

	/* apply */
	unsigned concurrency;         /* -c N: at most N steps at once; 0 no
				       * limit (MaestroNG's default) */
	unsigned ship_concurrency;    /* --ship-concurrency N: at most N steps
				       * per ship at once; 0 no limit */
	bool keep_going;              /* --keep-going: after a failure, still
				       * run every step that does not depend
				       * on it */
	bool break_lock;              /* --break-lock: take the apply lock
				       * from a holder that is gone */

	/* which shared options were given (CLI_F bits) */
	uint64_t given;
	/*
	 * The command's own options, indexed as its table: NULL when not
	 * given, the value when given (a flag's value is "").
	 */
	const char *own[CLI_OWN_MAX];
};

/* The outcome of cli_args_parse() besides an exit status. */
#define CLI_ARGS_HELP (-1)

/*
 * Parse argv[1..argc-1] (argv[0] is the command's name) against cmd's
 * declaration into a (zeroed first).  Returns 0, CLI_ARGS_HELP when -h or
 * --help is an argument before any `--`, whatever else is there (so
 * `-C -h` is help: write `--container-filter=-h`; nothing printed), or
 * CLI_EXIT_USAGE after printing the reason, the usage and a hint on
 * stderr.  Either way, release a.
 */
int cli_args_parse(const struct cli_command *cmd, int argc, char **argv,
		   struct cli_args *a);
void cli_args_release(struct cli_args *a);

/*
 * For `plan ACTION`: refuse (usage, exit 2) a shared flag the action does
 * not take, naming both, and an action that is not one of start, stop,
 * kill, restart, pull, clean.  Returns 0 or CLI_EXIT_USAGE.
 */
int cli_args_check_action(const struct cli_command *cmd,
			  const struct cli_args *a, const char *action);
/* The flags an action takes (CLI_F_START...), 0 for an unknown action. */
uint64_t cli_action_flags(const char *action);

/*
 * A given shared option as one argument that parses back to the same
 * value ("--step-delay=1.5", "--batch=25%", "--all"), newly allocated;
 * NULL when it was not given.  For the record of what was asked.
 */
char *cli_args_flag_text(const struct cli_args *a, enum cli_opt_id id);

/* The long name of a shared option ("with-dependencies"). */
const char *cli_opt_name(enum cli_opt_id id);

/*
 * For a command's own numeric options: value must be a decimal integer
 * in [min, max] (no sign, no spaces).  Returns 0, or CLI_EXIT_USAGE after
 * a usage message naming opt (as the user spelled it) on stderr.
 */
int cli_parse_uint(const struct cli_command *cmd, const char *opt,
		   const char *value, unsigned min, unsigned max,
		   unsigned *ret);

/* Print the options of cmd's declaration (own, then shared) for --help. */
void cli_options_help(const struct cli_command *cmd);

/*
 * The global options (before the command).  Parsing stops at the first
 * operand (the command's name), whose index is returned in *ret_next.
 */
struct cli_globals;
/*
 * One row of a help list: left (names) in 26 columns, then help wrapped
 * at 79 columns.
 */
void cli_help_row(const char *left, const char *help);
/* Print the global options for `maestro --help`. */
void cli_globals_help(void);
int cli_globals_parse(int argc, char **argv, struct cli_globals *g,
		      int *ret_next);

#endif
