/*
 * cli.c - the maestro command: the command table, the global options,
 * the dispatch and the one exit path that checks standard output was
 * really written.  Every command lives in its own cmd-NAME.c.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct cli_command cmd_validate;
extern const struct cli_command cmd_config;
extern const struct cli_command cmd_deptree;
extern const struct cli_command cmd_ships;
extern const struct cli_command cmd_plan;
extern const struct cli_command cmd_plans;
extern const struct cli_command cmd_show;

const struct cli_command *const cli_commands[] = {
	&cmd_validate,
	&cmd_config,
	&cmd_deptree,
	&cmd_ships,
	&cmd_plan,
	&cmd_plans,
	&cmd_show,
	NULL, /* end */
};

static const char global_usage[] =
	"usage: maestro [-f FILE] [--state DB] [--debug] [--no-color] COMMAND [ARGS...]\n"
	"       maestro -v | --version\n"
	"       maestro COMMAND --help\n";

int cli_command_help(const struct cli_command *cmd)
{
	char *usage = cli_usage_text(cmd);
	cli_outf("%s\n%s\n", usage, cmd->summary);
	free(usage);
	if (cmd->alias)
		cli_outf("(also called '%s')\n", cmd->alias);
	cli_outs("\n");
	cli_options_help(cmd);
	if (cmd->help && *cmd->help)
		cli_outf("\n%s", cmd->help);
	return CLI_EXIT_OK;
}

static void print_main_help(void)
{
	cli_outs(global_usage);
	cli_outs("\nmaestro deploys Docker containers across a fleet of hosts from one\n"
	      "description of an environment (maestro.yaml).\n\n"
	      "Global options:\n");
	cli_globals_help();
	cli_outs("\nCommands:\n");
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];
		char *left = c->alias ? mae_xasprintf("%s, %s", c->name, c->alias)
				      : mae_xstrdup(c->name);
		cli_help_row(left, c->summary);
		free(left);
	}
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; cli_commands[i]; i++) {
		if (strcmp(cli_commands[i]->name, name) == 0 ||
		    mae_streq(cli_commands[i]->alias, name))
			return cli_commands[i];
	}
	return NULL;
}

/* "maestro: MESSAGE" on stderr, escaped (argv may hold anything). */
static void say(const char *fmt, ...) MAE_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cli_vmessage("maestro: ", fmt, ap);
	va_end(ap);
}

static int unknown_command(const char *name)
{
	const char *names[64] = { NULL };
	size_t n = 0;
	for (size_t i = 0; cli_commands[i] && n < 64; i++)
		names[n++] = cli_commands[i]->name;
	const char *hint = mae_suggest(name, names, n);
	if (hint)
		say("unknown command '%.60s' (did you mean '%s'?)", name, hint);
	else
		say("unknown command '%.60s'", name);
	fputs(global_usage, stderr);
	return CLI_EXIT_USAGE;
}

static int run(int argc, char **argv)
{
	struct cli_globals g = {
		.file = "maestro.yaml",
		.state_db = NULL,
		.debug = false,
		.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
	};
	int i;
	int rc = cli_globals_parse(argc, argv, &g, &i);
	if (rc)
		return rc;
	if (g.version) {
		cli_outf("maestro-%s\n", MAESTRO_VERSION);
		return CLI_EXIT_OK;
	}
	if (g.help) {
		print_main_help();
		return CLI_EXIT_OK;
	}
	if (i >= argc) {
		fputs("maestro: no command given\n", stderr);
		fputs(global_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	const struct cli_command *cmd = find_command(argv[i]);
	if (!cmd)
		return unknown_command(argv[i]);
	struct cli_args a;
	rc = cli_args_parse(cmd, argc - i, argv + i, &a);
	if (rc == CLI_ARGS_HELP)
		rc = cli_command_help(cmd);
	else if (rc == 0)
		rc = cmd->run(&g, &a);
	cli_args_release(&a);
	return rc;
}

int cli_main(int argc, char **argv)
{
	/*
	 * jansson's allocations fail as every other one does: with the
	 * fatal message and abort().  Left to malloc, a failed one drops a
	 * member silently (json_object_set_new returns -1 that nobody
	 * checks) and a document half built reads as whole.
	 */
	json_set_alloc_funcs(mae_xmalloc, free);
	int rc = run(argc, argv);
	if (cli_out_finish() < 0 && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	return rc;
}
