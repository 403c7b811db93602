/*
 * cmd-show.c - `maestro show PLAN [--run RUN] [--json] [--dot]`: a stored
 * plan with each step's status in its latest run (or the given one);
 * pending until it has been applied (docs/cmd-plan.md).  Reads the
 * database only.
 */
#include "cli.h"
#include "plan-print.h"
#include "plan.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>

static int show_run(const struct cli_globals *g, const struct cli_args *a);

enum { OPT_RUN };
static const struct cli_option options[] = {
	[OPT_RUN] = { "run", 0, "RUN", "the statuses of that run, not the latest" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_command cmd_show = {
	.name = "show",
	.alias = NULL,
	.summary = "a stored plan, with each step's outcome",
	.usage = "maestro [--state DB] show PLAN [--run RUN] [--json] [--dot]",
	.help = "PLAN is a plan's number (`maestro plans`).  Needs only the\n"
		"database.\n",
	.shared = CLI_F(JSON) | CLI_F(DOT),
	.options = options,
	.min_operands = 1,
	.max_operands = 1,
	.operand = "PLAN",
	.run = show_run,
};

int show_run(const struct cli_globals *g, const struct cli_args *a)
{
	unsigned id = 0, run = 0;
	if (cli_parse_uint(&cmd_show, "PLAN", a->operands[0], 1, 2000000000u,
			   &id) != 0)
		return CLI_EXIT_USAGE;
	if (a->own[OPT_RUN] &&
	    cli_parse_uint(&cmd_show, "--run", a->own[OPT_RUN], 1, 2000000000u,
			   &run) != 0)
		return CLI_EXIT_USAGE;
	char *path = state_path(g->state_db, getenv("MAESTRO_STATE"), g->file);
	struct state *st = NULL;
	struct plan *p = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = state_open(path, STATE_READ, &st, &e);
	if (rc == 0)
		rc = state_plan_load(st, id, run, &p, &e);
	free(path);
	if (rc < 0) {
		cli_error("%s", e.msg);
		state_close(st);
		return rc == MAE_ERR_NOTFOUND ? CLI_EXIT_FAILED : CLI_EXIT_STATE;
	}
	if (a->json)
		cli_plan_print_json(p);
	else if (a->dot)
		cli_plan_print_dot(p);
	else
		cli_plan_print_text(p, NULL, 0, false, true);
	plan_free(p);
	state_close(st);
	return CLI_EXIT_OK;
}
