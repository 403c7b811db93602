/*
 * cmd-validate.c - `maestro validate`: read the description and report
 * every problem (docs/cmd-validate.md).  Exit 0 when it is valid (warnings
 * allowed), 3 when it is not or cannot be read.
 */
#include "cli.h"
#include "schema.h"

#include <string.h>

extern char **environ;

static int validate_run(const struct cli_globals *g, int argc, char **argv);

const struct cli_command cmd_validate = {
	.name = "validate",
	.alias = NULL,
	.summary = "check the description; every problem reported",
	.usage = "maestro [-f FILE] validate",
	.help = "Reads the environment description (the template pass, then YAML)\n"
		"and checks every key at every level.  Each problem is printed on\n"
		"stderr as FILE:LINE:COL: error: MESSAGE (up to 50 errors); warnings\n"
		"do not change the exit status.\n\n"
		"Exit status: 0 valid, 3 invalid or unreadable.\n",
	.run = validate_run,
};

static int validate_run(const struct cli_globals *g, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			continue;
		return cli_usage_error(&cmd_validate, "unexpected argument '%s'",
				       argv[i]);
	}
	struct mae_diags d;
	mae_diags_init(&d, g->file);
	struct schema_env *env = NULL;
	int rc = schema_load(g->file, environ, &env, &d);
	cli_print_diags(g, &d);
	mae_diags_release(&d);
	schema_env_free(env);
	return rc < 0 ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}
