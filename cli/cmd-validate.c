/*
 * cmd-validate.c - `maestro validate`: read the description and report
 * every problem (docs/cmd-validate.md).  Exit 0 when it is valid (warnings
 * allowed), 3 when it is not or cannot be read.
 */
#include "cli.h"
#include "compute.h"
#include "schema.h"
#include "ship-settings.h"

#include <string.h>

extern char **environ;

static int validate_run(const struct cli_globals *g, int argc, char **argv);

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
	struct container_specs *specs = NULL;
	int rc = schema_load(g->file, environ, &env, &d);
	/* what only the computed specs find: env files, port ranges */
	if (rc == 0)
		rc = container_specs_compute(env, &specs, &d);
	/* api_version pins: invalid ones are errors, old ones raised (noted once) */
	if (rc == 0 && cli_ship_api_notes(env, &d) > 0)
		rc = MAE_ERR_INVALID;
	cli_print_diags(g, &d);
	mae_diags_release(&d);
	container_specs_free(specs);
	schema_env_free(env);
	return rc < 0 ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}
