/*
 * cmd-validate.c - `maestro validate`: read the description and report
 * every problem (docs/cmd-validate.md).  Exit 0 when it is valid (warnings
 * allowed), 3 when it is not or cannot be read.
 */
#include "cli.h"
#include "cli-model.h"

static int validate_run(const struct cli_globals *g, const struct cli_args *a);

const struct cli_command cmd_validate = {
	.name = "validate",
	.alias = NULL,
	.summary = "check the description; every problem reported",
	.usage = "maestro [-f FILE] validate",
	.help = "Reads the environment description (the template pass, then YAML)\n"
		"and checks every key at every level, the env files it names and the\n"
		"ships' api_version pins.  Each problem is printed on\n"
		"stderr as FILE:LINE:COL: error: MESSAGE (up to 50 errors); warnings\n"
		"do not change the exit status.\n\n"
		"Exit status: 0 valid, 3 invalid or unreadable.\n",
	.max_operands = 0,
	.run = validate_run,
};

static int validate_run(const struct cli_globals *g, const struct cli_args *a)
{
	(void)a;
	/* the specs find what only they can (env files, port ranges, the
	 * size of each environment), checked one container at a time */
	struct cli_model m;
	int rc = cli_model_load(g, CLI_MODEL_CHECK | CLI_MODEL_SHIP_NOTES, &m);
	cli_model_release(&m);
	return rc;
}
