/*
 * main.c - the maestro command: global options, the command table, and
 * the dispatch.  Every command lives in its own cmd-NAME.c.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct cli_command cmd_validate;
extern const struct cli_command cmd_config;
extern const struct cli_command cmd_deptree;
extern const struct cli_command cmd_ships;

static const struct cli_command *const commands[] = {
	&cmd_validate,
	&cmd_config,
	&cmd_deptree,
	&cmd_ships,
	NULL, /* end */
};

static size_t ncommands(void)
{
	size_t n = 0;
	while (commands[n])
		n++;
	return n;
}

static const char global_usage[] =
	"usage: maestro [-f FILE] [--state DB] [--debug] [--no-color] COMMAND [ARGS...]\n"
	"       maestro -v | --version\n"
	"       maestro COMMAND --help\n";

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("maestro: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("maestro: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_print_diags(const struct cli_globals *g, const struct mae_diags *d)
{
	(void)g;
	for (size_t i = 0; i < d->n; i++) {
		char *s = mae_diag_format(&d->v[i]);
		fprintf(stderr, "%s\n", s);
		free(s);
	}
	if (d->dropped)
		fprintf(stderr, "maestro: %zu more problems not shown\n",
			d->dropped);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("maestro: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fprintf(stderr, "usage: %s\n", cmd->usage);
	fprintf(stderr, "Try 'maestro %s --help'.\n", cmd->name);
	return CLI_EXIT_USAGE;
}

int cli_command_help(const struct cli_command *cmd)
{
	printf("usage: %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->alias)
		printf("(also called '%s')\n", cmd->alias);
	if (cmd->help && *cmd->help)
		printf("\n%s", cmd->help);
	return CLI_EXIT_OK;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

static void print_main_help(void)
{
	fputs(global_usage, stdout);
	fputs("\nmaestro deploys Docker containers across a fleet of hosts from one\n"
	      "description of an environment (maestro.yaml).\n\n"
	      "Global options:\n"
	      "  -f, --file FILE   the environment description (default maestro.yaml;\n"
	      "                    '-' reads standard input)\n"
	      "  --state DB        the state database (default $MAESTRO_STATE, else\n"
	      "                    .maestro/state.db beside the description)\n"
	      "  --debug           trace API calls and timings on stderr\n"
	      "  --no-color        never colour the output\n"
	      "  -v, --version     print the version\n"
	      "  -h, --help        this help\n\n"
	      "Commands:\n", stdout);
	for (size_t i = 0; i < ncommands(); i++) {
		const struct cli_command *c = commands[i];
		printf("  %-10s %s%s%s%s\n", c->name, c->summary,
		       c->alias ? " (alias: " : "", c->alias ? c->alias : "",
		       c->alias ? ")" : "");
	}
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < ncommands(); i++) {
		if (strcmp(commands[i]->name, name) == 0 ||
		    mae_streq(commands[i]->alias, name))
			return commands[i];
	}
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[64] = { NULL };
	size_t n = 0;
	for (size_t i = 0; i < ncommands() && n < 64; i++)
		names[n++] = commands[i]->name;
	const char *hint = mae_suggest(name, names, n);
	if (hint)
		fprintf(stderr, "maestro: unknown command '%s' (did you mean '%s'?)\n",
			name, hint);
	else
		fprintf(stderr, "maestro: unknown command '%s'\n", name);
	fputs(global_usage, stderr);
	return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct cli_globals g = {
		.file = "maestro.yaml",
		.state_db = NULL,
		.debug = false,
		.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
	};
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0 ||
		    strcmp(a, "--state") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "maestro: option '%s' needs an argument\n", a);
				fputs(global_usage, stderr);
				return CLI_EXIT_USAGE;
			}
			if (strcmp(a, "--state") == 0)
				g.state_db = argv[++i];
			else
				g.file = argv[++i];
		} else if (strncmp(a, "--file=", 7) == 0) {
			g.file = a + 7;
		} else if (strncmp(a, "--state=", 8) == 0) {
			g.state_db = a + 8;
		} else if (strcmp(a, "--debug") == 0) {
			g.debug = true;
		} else if (strcmp(a, "--no-color") == 0) {
			g.color = false;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
			printf("maestro-%s\n", MAESTRO_VERSION);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_main_help();
			return CLI_EXIT_OK;
		} else {
			fprintf(stderr, "maestro: unknown option '%s'\n", a);
			fputs(global_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs("maestro: no command given\n", stderr);
		fputs(global_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	const struct cli_command *cmd = find_command(argv[i]);
	if (!cmd)
		return unknown_command(argv[i]);
	if (cli_wants_help(argc - i, argv + i))
		return cli_command_help(cmd);
	return cmd->run(&g, argc - i, argv + i);
}
