/*
 * fuzz-cli-args.c - fuzz target for the option parser (cli/cli-args.c).
 * The input is argv, one argument per line.  Properties checked for any
 * input, against the global options and every command's declaration:
 *   - parsing returns 0, CLI_ARGS_HELP or CLI_EXIT_USAGE, nothing else;
 *   - a parse that succeeds gives only options the command declares, at
 *     most its operands, each one of argv, and -a implies -s;
 *   - every given shared flag's text (cli_args_flag_text) parses back to
 *     the same values;
 *   - plan's per-action check returns 0 or CLI_EXIT_USAGE.
 * Usage messages go to stderr: fuzz with -close_fd_mask=2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void same_values(const struct cli_args *a, const struct cli_args *b)
{
	check(a->given == b->given);
	check(a->with_dependencies == b->with_dependencies);
	check(a->ignore_dependencies == b->ignore_dependencies);
	check(mae_streq(a->container_filter, b->container_filter));
	check(mae_streq(a->ship_filter, b->ship_filter));
	check(a->expand_services == b->expand_services && a->all == b->all);
	check(a->refresh_images == b->refresh_images && a->reuse == b->reuse);
	check(a->only_if_changed == b->only_if_changed);
	check(a->step_delay_ms == b->step_delay_ms);
	check(a->stop_start_delay_ms == b->stop_start_delay_ms);
	check(a->batch == b->batch && a->batch_percent == b->batch_percent);
	check(a->no_recreate == b->no_recreate);
	check(a->recreate_unmanaged == b->recreate_unmanaged);
	check(a->orphans == b->orphans && a->offline == b->offline);
	check(a->concurrency == b->concurrency);
	check(a->ship_concurrency == b->ship_concurrency);
	check(a->keep_going == b->keep_going && a->break_lock == b->break_lock);
	check(a->json == b->json && a->dot == b->dot);
}

static void one_command(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_args a;
	int rc = cli_args_parse(cmd, argc, argv, &a);
	check(rc == 0 || rc == CLI_ARGS_HELP || rc == CLI_EXIT_USAGE);
	if (rc != 0) {
		cli_args_release(&a);
		return;
	}
	check((a.given & ~cmd->shared) == 0);
	check(cmd->max_operands < 0 || a.noperands <= (size_t)cmd->max_operands);
	check(a.noperands >= (size_t)cmd->min_operands);
	for (size_t i = 0; i < a.noperands; i++) {
		bool from_argv = false;
		for (int k = 1; k < argc && !from_argv; k++)
			from_argv = a.operands[i] == argv[k];
		check(from_argv);
	}
	check(!a.all || a.expand_services);

	/* the flags' texts parse back to the same values */
	char *again[CLI_OPT_NSHARED + 1] = { argv[0] };
	int n = 1;
	for (int id = 0; id < CLI_OPT_NSHARED; id++) {
		char *t = cli_args_flag_text(&a, (enum cli_opt_id)id);
		check((t != NULL) == ((a.given >> id) & 1));
		if (t)
			again[n++] = t;
	}
	struct cli_args b;
	struct cli_command loose = *cmd;
	loose.min_operands = 0;
	check(cli_args_parse(&loose, n, again, &b) == 0);
	same_values(&a, &b);
	cli_args_release(&b);
	for (int i = 1; i < n; i++)
		free(again[i]);

	if (cmd->min_operands >= 1 && strcmp(cmd->name, "plan") == 0) {
		rc = cli_args_check_action(cmd, &a, a.operands[0]);
		check(rc == 0 || rc == CLI_EXIT_USAGE);
	}
	cli_args_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = mae_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *argv[MAX_ARGS + 2] = { "maestro" };
	int argc = 1;
	for (char *p = text; argc <= MAX_ARGS;) {
		char *nl = memchr(p, '\n', (size_t)(text + size - p));
		if (!nl && !*p)
			break;
		argv[argc++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;

	struct cli_globals g = { .file = "maestro.yaml" };
	int next = 0;
	int rc = cli_globals_parse(argc, argv, &g, &next);
	check(rc == 0 || rc == CLI_EXIT_USAGE);
	check(rc != 0 || (next >= 1 && next <= argc));
	for (size_t c = 0; cli_commands[c]; c++) {
		argv[0] = (char *)cli_commands[c]->name;
		one_command(cli_commands[c], argc, argv);
	}
	free(text);
	return 0;
}
